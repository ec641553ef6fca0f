"""Law is not a bill: over the real data, no view presents a failed, vetoed or pending bill as law.

The strongest check: give every bill a perfect score ("yes" on all nine criteria, endqi 4/4 and 5/5) and
every current-law view (state, criterion counts and ranking, compare, map layers and alt text, action
templates, export) must come out exactly as before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from bot.actions.render import jurisdiction_context
from bot.kb.checks import PROCESS_WORDING
from bot.kb.export import export_document
from bot.kb.schema import BillVerdict, Confidence, Jurisdiction, PublishedScore, ScoredBy, Verdict
from bot.kb.scoring import total_score
from bot.kb.snapshot import KnowledgeBase
from bot.replies import build
from bot.replies.maplayers import legislation_category, map_data
from bot.replies.maptext import map_text
from bot.replies.responder import templates_for

EN = templates_for("en")
ES = templates_for("es")
ROOT = Path(__file__).resolve().parents[2]
NOT_LAW = ("failed", "vetoed", "pending", "study", "unknown")


def _with_perfect_bills(kb: KnowledgeBase) -> KnowledgeBase:
    """The same knowledge base, except that every bill now meets every criterion."""
    perfect = {
        cid: BillVerdict(
            verdict=Verdict.YES,
            points=1.0,
            reason="A perfect bill.",
            source="https://example.org/bill",
            verified_on=dt.date(2026, 1, 1),
            confidence=Confidence.MEDIUM,
            scored_by=ScoredBy.ENDQI,
        )
        for cid in kb.criteria
    }
    score = PublishedScore(end=4, start=5, source="https://example.org/score")
    jurisdictions = {
        jid: replace(
            j, bills=[replace(b, verdicts=perfect, endqi_score=score) for b in j.bills]
        )
        for jid, j in kb.jurisdictions.items()
    }
    return dataclasses.replace(kb, jurisdictions=jurisdictions, version=kb.version + "-perfect-bills")


def _current_law_view(kb: KnowledgeBase, jid: str) -> tuple:
    """Everything the state reply says about current law: description and the current-law fields."""
    page = build.state_reply(kb, jid, EN).pages[0]
    bills_name = EN.render("state.bills_name", count=len(kb.jurisdictions[jid].bills))
    return page.description, tuple(f for f in page.fields if f.name != bills_name)


def _jurisdictions_with_bills_not_law(kb: KnowledgeBase) -> list[Jurisdiction]:
    found = [j for j in kb.sorted_jurisdictions if any(b.status.value in NOT_LAW for b in j.bills)]
    assert len(found) >= 20, "the real data has many failed and pending bills"
    return found


def test_perfect_bills_change_no_current_law_view(kb: KnowledgeBase) -> None:
    perfect = _with_perfect_bills(kb)
    for j in _jurisdictions_with_bills_not_law(kb):
        assert _current_law_view(perfect, j.id) == _current_law_view(kb, j.id), j.id
        assert total_score(perfect.jurisdictions[j.id], kb.rubric) == total_score(j, kb.rubric)
        assert jurisdiction_context(perfect, j.id)["score"] == jurisdiction_context(kb, j.id)["score"]
        assert jurisdiction_context(perfect, j.id)["law"] == jurisdiction_context(kb, j.id)["law"]
    for layer in ("current-law", *(f"criterion:{c}" for c in kb.criteria)):
        before, after = map_data(kb, layer, EN), map_data(perfect, layer, EN)
        assert after.tiles == before.tiles, layer
        assert map_text(perfect, after, EN).alt_text == map_text(kb, before, EN).alt_text, layer
        assert map_text(perfect, after, EN) == map_text(kb, before, EN), layer
    for cid in kb.criteria:
        before, after = build.criterion_reply(kb, cid, EN), build.criterion_reply(perfect, cid, EN)
        counts = EN.render("criterion.counts", counts=[]).split("**")[1]
        assert counts in before.pages[0].description
        line = next(x for x in before.pages[0].description.splitlines() if counts in x)
        assert line in after.pages[0].description, cid
        law_fields = [f for p in before.pages for f in p.fields if not f.name.startswith("Bills")]
        assert law_fields == [f for p in after.pages for f in p.fields if not f.name.startswith("Bills")], cid
    exported = {d["id"]: d["current_law"] for d in export_document(kb)["jurisdictions"]}
    assert {d["id"]: d["current_law"] for d in export_document(perfect)["jurisdictions"]} == exported
    for a, b in (("co", "wv"), ("nm", "az"), ("ct", "nj")):
        cells = [f for f in build.compare_reply(kb, [a, b], EN).pages[0].fields if not f.name.startswith("Bills")]
        again = [f for f in build.compare_reply(perfect, [a, b], EN).pages[0].fields if not f.name.startswith("Bills")]
        assert again == cells


def test_a_bill_that_is_not_law_is_never_named_as_law(kb: KnowledgeBase) -> None:
    for j in _jurisdictions_with_bills_not_law(kb):
        reform_numbers = {r.number for r in j.current_law.reforms}
        description = build.state_reply(kb, j.id, EN).pages[0].description
        law_line = next(line for line in description.splitlines() if line.startswith("**Law in force:**"))
        context = jurisdiction_context(kb, j.id)
        for bill in j.bills:
            if bill.status.value not in NOT_LAW or bill.number in reform_numbers:
                continue
            assert not re.search(rf"\b{re.escape(bill.number)}\b", law_line), (j.id, bill.number)
            assert bill.number not in (context["law"] or ""), (j.id, bill.number)
            assert any(b["number"] == bill.number and not b["is_law"] for b in context["bills"])
        if all(b.status.value in ("failed", "vetoed") for b in j.bills) and not j.current_law.reforms:
            assert legislation_category(j) == "failed", j.id
    west_virginia = build.state_reply(kb, "wv", EN)
    bills = next(f for f in west_virginia.pages[0].fields if f.name.startswith("Bills"))
    assert "**HB 3027** (2021)" in bills.value and ": failed" in bills.value


def test_criterion_counts_are_current_law_only(kb: KnowledgeBase) -> None:
    for cid in kb.criteria:
        expected = dict.fromkeys(Verdict, 0)
        for j in kb.jurisdictions.values():
            v = j.current_law.verdicts.get(cid)
            expected[v.verdict if v else Verdict.UNKNOWN] += 1
        description = build.criterion_reply(kb, cid, EN).pages[0].description
        line = next(x for x in description.splitlines() if x.startswith("**Law in force:**"))
        for verdict, count in expected.items():
            word = EN.render(f"words.verdict.{verdict.value}")
            assert f"{word} {count}" in line, (cid, line)


def test_state_law_never_reaches_federal_claims_in_replies(kb: KnowledgeBase) -> None:
    scoped = 0
    for j in kb.sorted_jurisdictions:
        for cid, v in j.current_law.verdicts.items():
            if kb.criteria[cid].scope_clause and v.verdict in (Verdict.YES, Verdict.PARTIAL):
                scoped += 1
                for t in (EN, ES):
                    first = build.state_reply(kb, j.id, t).pages[0]
                    names = (t.render("state.current_name"), t.render("state.current_name_more"))
                    current = "".join(f.value for f in first.fields if f.name in names)
                    assert "§ 1983" in current, (j.id, cid, t.locale)
                    cell = build.compare_reply(kb, [j.id, "wv"], t).pages[0].fields
                    assert any("§ 1983" in f.value for f in cell), (j.id, cid)
        for n, page in enumerate(build.criterion_reply(kb, "qi-law-enforcement", EN).pages):
            if n == 0:
                assert "federal § 1983 suits keep qualified immunity" in page.description
    assert scoped >= 4, "Colorado, New Mexico, Connecticut and New York City meet QI criteria under state or city law"


def test_no_research_process_wording_reaches_members(kb: KnowledgeBase) -> None:
    texts = []
    for t in (EN, ES):
        for jid in kb.jurisdictions:
            texts.append(build.state_reply(kb, jid, t))
        for cid in kb.criteria:
            texts.append(build.criterion_reply(kb, cid, t))
        for jid in kb.jurisdictions:
            texts.append(build.compare_reply(kb, [jid, "co"] if jid != "co" else ["co", "nm"], t))
        for term in kb.glossary:
            texts.append(build.explain_reply(kb, term, t))
        for layer in ("current-law", "legislation", *(f"criterion:{c}" for c in kb.criteria)):
            texts.append(build.map_reply(kb, layer, t))
    for reply in texts:
        for page in reply.pages:
            text = "\n".join([page.title, page.description, page.footer, *(f.name + f.value for f in page.fields)])
            match = PROCESS_WORDING.search(text)
            assert match is None, (reply.kind, reply.meta, match and match.group(0))


def test_partly_known_is_never_drawn_as_a_low_score(kb: KnowledgeBase) -> None:
    j = kb.jurisdictions["wv"]
    three = dict(list(j.current_law.verdicts.items())[:3])
    three = {
        cid: replace(v, verdict=Verdict.NO, points=0.0)
        for cid, v in three.items()
    }
    sparse = replace(j, current_law=replace(j.current_law, verdicts=three))
    other = dataclasses.replace(kb, jurisdictions={**kb.jurisdictions, "wv": sparse}, version="sparse")
    data = map_data(other, "current-law", EN)
    assert data.tiles["wv"].category == "partly"
    assert data.tiles["wv"].label == "WV\n3/9 known"
    assert "Partly known" in map_text(other, data, EN).content
    assert "3 of 9" not in build.score_line(other, sparse, EN) or "6 of 9 not yet verified" in build.score_line(
        other, sparse, EN
    )
    assert "6 of 9 not yet verified" in build.score_line(other, sparse, EN)


def test_export_matches_its_schema_and_the_data(kb: KnowledgeBase) -> None:
    schema = json.loads((ROOT / "docs" / "knowledge-export.schema.json").read_text(encoding="utf-8"))
    document = export_document(kb)
    jsonschema.validate(document, schema)
    assert len(document["jurisdictions"]) == len(kb.jurisdictions)
    for entry in document["jurisdictions"]:
        j = kb.jurisdictions[entry["id"]]
        end, start = total_score(j, kb.rubric)
        assert entry["current_law"]["score"]["end"] == end.points
        assert entry["current_law"]["score"]["start"] == start.points
        assert set(entry["current_law"]["verdicts"]) == set(kb.criteria)
        for bill in entry["bills"]:
            assert bill["is_law"] == (bill["status"] in ("passed", "enacted"))
    broken = json.loads(json.dumps(document))
    broken["jurisdictions"][0]["current_law"]["verdicts"]["attorney-fees"]["verdict"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
