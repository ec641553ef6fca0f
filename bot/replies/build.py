"""Build neutral replies from a knowledge-base snapshot and the reply templates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from bot.kb.lookup import Entry
from bot.kb.schema import (
    Bill,
    Criterion,
    Evidence,
    FactTopic,
    Jurisdiction,
    LawEffect,
    LawVerdict,
    Reform,
    ReviewStatus,
    Verdict,
)
from bot.kb.scoring import GroupScore, scores_of, total_score, verdict_of
from bot.kb.snapshot import KnowledgeBase
from bot.replies.fit import chunk_lines, clip, paginate
from bot.replies.model import Field, Link, Page, Reply, Tone
from bot.replies.templates import Templates

MAX_LINKS = 8
CRITERION_LINE_TEXT = 110
COMPARE_REASON = 280
VERDICT_ORDER = (Verdict.YES, Verdict.PARTIAL, Verdict.NO, Verdict.UNKNOWN)


def tr(obj: object, field: str, t: Templates) -> str:
    """A field in the reply's language where a moderator supplied a translation, else the original."""
    local = getattr(obj, "i18n", {}).get(t.locale)
    return str(getattr(local, field, None) or getattr(obj, field))


def _fmt_points(value: float) -> str:
    return f"{value:g}"


def score_text(score: GroupScore, t: Templates) -> str:
    """ "End 2/4"."""
    return t.render(
        "score.group",
        label=t.render(f"words.group.{score.group}"),
        points=_fmt_points(score.points),
        out_of=score.out_of,
    )


def scores_line(end: GroupScore, start: GroupScore, t: Templates) -> str:
    """ "End 3/4 · Start 2.5/5 · 2 of 9 not yet verified", or "not yet verified"."""
    if not (end.known or start.known):
        return t.render("score.none")
    return t.render(
        "score.line",
        end=score_text(end, t),
        start=score_text(start, t),
        unknown=end.unknown + start.unknown,
        total=end.out_of + start.out_of,
    )


def score_line(kb: KnowledgeBase, j: Jurisdiction, t: Templates) -> str:
    """Current law's score (bills never count), with how many criteria are not yet verified."""
    return scores_line(*total_score(j, kb.rubric), t)


def bill_score_line(kb: KnowledgeBase, bill: Bill, t: Templates) -> str | None:
    """The score endqi published for a bill, else the score of its verdicts, else None."""
    published = bill.endqi_score
    if published and (published.end is not None or published.start is not None):
        parts = [
            t.render(
                "score.group",
                label=t.render(f"words.group.{group}"),
                points=_fmt_points(points),
                out_of=len(kb.criteria_in(group)),
            )
            for group, points in (("end", published.end), ("start", published.start))
            if points is not None
        ]
        return " · ".join(parts)
    if bill.verdicts:
        return scores_line(*scores_of(bill.verdicts, kb.rubric), t)
    return None


def verified_range(dates: Iterable[dt.date], t: Templates | None = None) -> str | None:
    """ "2026-11-25" or "2025-03-01 to 2026-11-25"; None when nothing was verified."""
    found = sorted(set(dates))
    if not found:
        return None
    if len(found) == 1:
        return found[0].isoformat()
    to = t.render("words.to") if t else "to"
    return f"{found[0].isoformat()} {to} {found[-1].isoformat()}"


def _missing_verdict(j: Jurisdiction, t: Templates) -> str:
    """What to say for a criterion without a verdict: not reviewed at all, or reviewed but unsettled."""
    key = "state.unreviewed_value" if j.review.status is ReviewStatus.NOT_REVIEWED else "state.unscored_value"
    return t.render(key)


def _verdict_words(verdict: Verdict, t: Templates) -> tuple[str, str]:
    return t.render(f"words.mark.{verdict.value}"), t.render(f"words.verdict.{verdict.value}")


def _evidence(v: Evidence, t: Templates) -> dict[str, str | None]:
    return {
        "scored_by": t.render(f"words.scored_by.{v.scored_by.value}"),
        "confidence": t.render("words.confidence", level=t.render(f"words.level.{v.confidence.value}")),
        "source": v.source,
        "checked": v.verified_on.isoformat(),
    }


def _links(urls: Iterable[tuple[str, str]]) -> tuple[Link, ...]:
    seen: dict[str, str] = {}
    for label, url in urls:
        seen.setdefault(url, label)
    return tuple(Link(label, url) for url, label in list(seen.items())[:MAX_LINKS])


def _restates(reason: str, quote: str | None) -> bool:
    """True when a reason only repeats its quote (then the quote alone is shown)."""
    if not quote:
        return False

    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z0-9]+", text.lower()))

    reason_words = words(reason)
    return bool(reason_words) and len(reason_words - words(quote)) <= max(2, len(reason_words) // 8)


def scope_clause(v: LawVerdict, t: Templates) -> str | None:
    """ "state-law claims only; federal § 1983 suits keep QI" for a QI criterion met by state law."""
    if v.scope is None or v.verdict.points in (None, 0.0):
        return None
    return t.render(f"words.scope.{v.scope.value}")


def reform_text(r: Reform, t: Templates) -> str:
    """ "SB 20-217 (Enhance Law Enforcement Integrity), C.R.S. § 13-21-131, 2020: ends qualified immunity"."""
    return t.render(
        "state.reform",
        number=r.number,
        title=r.title,
        act=r.act,
        citation=r.citation,
        year=r.year,
        effect=None if r.effect is LawEffect.OTHER else t.render(f"words.effect.{r.effect.value}"),
    )


def _bill_line(kb: KnowledgeBase, bill: Bill, t: Templates) -> str:
    return t.render(
        "state.bill_line",
        number=bill.number,
        year=bill.year,
        title=bill.title,
        status=t.render(f"words.status.{bill.status.value}"),
        score=bill_score_line(kb, bill, t),
        scorer=kb.rubric.scorer,
    )


def _bills_fields(kb: KnowledgeBase, j: Jurisdiction, t: Templates) -> list[Field]:
    bills = sorted(j.bills, key=lambda b: (-(b.year or 0), b.number))
    lines = [_bill_line(kb, b, t) for b in bills]
    name = t.render("state.bills_name", count=len(bills))
    return [Field(name, block) for block in chunk_lines(lines, 1024)]


def _criterion_detail(criterion: Criterion, v: LawVerdict, t: Templates) -> Field:
    mark, word = _verdict_words(v.verdict, t)
    name = t.render("state.criterion_name", mark=mark, verdict=word, label=tr(criterion, "label", t))
    reason = tr(v, "reason", t)
    shown_reason = None if _restates(reason, v.quote) and not v.i18n.get(t.locale) else reason
    quote = clip(v.quote, 1024 - len(shown_reason or "") - 260) if v.quote else None
    value = t.render(
        "state.criterion_value", reason=shown_reason, quote=quote, scope=scope_clause(v, t), **_evidence(v, t)
    )
    return Field(name, value)


def state_reply(kb: KnowledgeBase, jid: str, t: Templates) -> Reply:
    """Current law first (what is in force, its score, one line per criterion), then the bills, apart.

    Page one answers the question; later pages hold each verdict's quote and evidence, and the facts.
    """
    j = kb.jurisdictions[jid]
    lines = [tr(j, "summary", t)]
    if j.current_law.reforms:
        lines.append(t.render("state.reforms", reforms=[reform_text(r, t) for r in j.current_law.reforms]))
    else:
        lines.append(t.render("state.no_reform", name=j.name))
    end, start = total_score(j, kb.rubric)
    if end.known or start.known:
        lines.append(t.render("state.score", score=scores_line(end, start, t), scorer=kb.rubric.scorer))
    else:
        lines.append(t.render("state.no_score", scorer=kb.rubric.scorer))

    unknown = [c for c in kb.rubric.criteria if verdict_of(j, c.id) is Verdict.UNKNOWN]
    known = [(c, j.current_law.verdicts[c.id]) for c in kb.rubric.criteria if c not in unknown]
    fields: list[Field] = []
    if known:
        current = []
        for c, v in known:
            mark, _ = _verdict_words(v.verdict, t)
            current.append(
                t.render(
                    "state.current_line",
                    mark=mark,
                    verdict=t.render(f"words.verdict.{v.verdict.value}"),
                    label=tr(c, "short", t),
                    text=clip(tr(v, "reason", t), CRITERION_LINE_TEXT),
                    scope=scope_clause(v, t),
                    source=v.source,
                )
            )
        fields.extend(
            Field(t.render("state.current_name" if n == 0 else "state.current_name_more"), block)
            for n, block in enumerate(chunk_lines(current, 1024))
        )
    if unknown:
        value = (
            _missing_verdict(j, t)
            + "\n"
            + t.render("state.unknown_value", labels=", ".join(tr(c, "short", t) for c in unknown))
        )
        fields.append(
            Field(t.render("state.unknown_name", mark=t.render("words.mark.unknown"), count=len(unknown)), value)
        )
    if j.bills:
        fields.extend(_bills_fields(kb, j, t))
    details = [_criterion_detail(c, v, t) for c, v in known]
    law_facts = [f for f in j.facts if f.topic is not FactTopic.BILLS]
    bill_facts = [f for f in j.facts if f.topic is FactTopic.BILLS]
    if law_facts:
        fact_lines = [t.render("state.fact_line", text=f.text, source=f.source) for f in law_facts]
        details.extend(Field(t.render("state.facts_name"), block) for block in chunk_lines(fact_lines, 1024))
    if bill_facts:
        fact_lines = [t.render("state.fact_line", text=f.text, source=f.source) for f in bill_facts]
        details.extend(Field(t.render("state.bill_facts_name"), block) for block in chunk_lines(fact_lines, 1024))

    dates = [v.verified_on for _, v in known] + [f.verified_on for f in j.facts]
    footer = t.render(
        "state.footer", verified=verified_range(dates, t), review=t.render(f"words.review.{j.review.status.value}")
    )
    links = []
    for r in j.current_law.reforms:
        if r.text_url:
            links.append((t.render("links.statute", number=r.number), r.text_url))
    sources = [j.summary_source] if j.summary_source else []
    sources += [v.source for _, v in known if v.source] + [f.source for f in law_facts]
    links += [(t.render("links.source", n=n + 1), url) for n, url in enumerate(dict.fromkeys(sources))]
    title = t.render("state.title", name=j.name)
    pages = paginate(title, "\n".join(lines), fields, footer)
    if details:
        pages += paginate(title, "", details, footer)
    return Reply(kind="state", pages=pages, links=_links(links), subject=j.id, meta={"jurisdiction": j.id})


def _criterion_line(j: Jurisdiction, v: LawVerdict, t: Templates) -> str:
    text = f"“{clip(v.quote, CRITERION_LINE_TEXT)}”" if v.quote else clip(tr(v, "reason", t), CRITERION_LINE_TEXT)
    return t.render("criterion.line", name=j.name, text=text, source=v.source)


def criterion_reply(kb: KnowledgeBase, cid: str, t: Templates) -> Reply:
    """Current law ranked by its verdict on one criterion; bills that would meet the standard, apart."""
    c = kb.criteria[cid]
    groups: dict[Verdict, list[tuple[Jurisdiction, LawVerdict]]] = {v: [] for v in VERDICT_ORDER}
    unverified: list[Jurisdiction] = []
    for j in kb.sorted_jurisdictions:
        v = j.current_law.verdicts.get(cid)
        if v is None or v.verdict is Verdict.UNKNOWN:
            unverified.append(j)
        else:
            groups[v.verdict].append((j, v))

    fields = []
    counts = []
    for verdict in VERDICT_ORDER[:-1]:
        members = groups[verdict]
        mark, word = _verdict_words(verdict, t)
        counts.append({"mark": mark, "verdict": word, "count": len(members)})
        lines = [_criterion_line(j, v, t) for j, v in members]
        for n, block in enumerate(chunk_lines(lines, 1024)):
            key = "criterion.group_name" if n == 0 else "criterion.group_name_more"
            fields.append(Field(t.render(key, mark=mark, verdict=word, count=len(members)), block))
    mark = t.render("words.mark.unknown")
    counts.append({"mark": mark, "verdict": t.render("words.verdict.unknown"), "count": len(unverified)})
    if unverified:
        names = ", ".join(j.name for j in unverified)
        for block in chunk_lines([names], 1024):
            fields.append(Field(t.render("criterion.unverified_name", mark=mark, count=len(unverified)), block))

    bill_lines = []
    bill_counts = {Verdict.YES: 0, Verdict.PARTIAL: 0}
    for j in kb.sorted_jurisdictions:
        for bill in j.bills:
            bv = bill.verdicts.get(cid)
            if bill.status.is_law or bv is None or bv.verdict not in bill_counts:
                continue
            bill_counts[bv.verdict] += 1
            bmark, bword = _verdict_words(bv.verdict, t)
            bill_lines.append(
                t.render(
                    "criterion.bill_line",
                    name=j.name,
                    number=bill.number,
                    status=t.render(f"words.status.{bill.status.value}"),
                    year=bill.year,
                    mark=bmark,
                    verdict=bword,
                )
            )
    bills_name = t.render("criterion.bills_name", yes=bill_counts[Verdict.YES], partial=bill_counts[Verdict.PARTIAL])
    fields.extend(Field(bills_name, block) for block in chunk_lines(bill_lines, 1024))

    description = t.render(
        "criterion.description",
        standard=tr(c, "standard", t),
        quote=c.source.quote or "",
        source=c.source.url,
        counts=t.render("criterion.counts", counts=counts),
        scope=t.render("criterion.scope_note") if c.scope_clause else None,
    )
    dates = [v.verified_on for vs in groups.values() for _, v in vs]
    footer = t.render("criterion.footer", scorer=kb.rubric.scorer, verified=verified_range(dates, t) or "-")
    return Reply(
        kind="criterion",
        pages=paginate(
            t.render("criterion.title", label=tr(c, "label", t)), description, fields, footer, fields_per_page=4
        ),
        links=_links([(t.render("links.standard"), c.source.url)]),
        meta={"criterion": cid},
    )


def compare_reply(kb: KnowledgeBase, jids: list[str], t: Templates) -> Reply:
    """Two or three jurisdictions' current law side by side, criterion by criterion; their bills beneath."""
    js = [kb.jurisdictions[jid] for jid in jids]
    rows = []
    for j in js:
        law = ", ".join(f"{r.number} ({r.year})" for r in j.current_law.reforms) or None
        rows.append({"name": j.name, "score": score_line(kb, j, t), "law": law})
    fields = []
    reason_room = COMPARE_REASON if len(js) <= 2 else COMPARE_REASON * 2 // 3
    for c in kb.rubric.criteria:
        cells = []
        for j in js:
            v = j.current_law.verdicts.get(c.id)
            verdict = v.verdict if v else Verdict.UNKNOWN
            mark, word = _verdict_words(verdict, t)
            if v is None or verdict is Verdict.UNKNOWN:
                reason = t.render("compare.no_verdict")
            else:
                scope = scope_clause(v, t)
                reason = clip(tr(v, "reason", t), reason_room) + (f" ({scope})" if scope else "")
            cells.append(t.render("compare.cell", name=j.name, mark=mark, verdict=word, reason=reason))
        fields.append(Field(t.render("compare.field_name", label=tr(c, "label", t)), "\n".join(cells)))
    bill_lines = [
        t.render("compare.bill_line", name=j.name, bills=[_bill_line(kb, b, t).lstrip("• ") for b in j.bills])
        for j in js
    ]
    fields.extend(Field(t.render("compare.bills_name"), block) for block in chunk_lines(bill_lines, 1024))
    dates = [v.verified_on for j in js for v in j.current_law.verdicts.values() if v.verdict is not Verdict.UNKNOWN]
    footer = t.render("compare.footer", scorer=kb.rubric.scorer, verified=verified_range(dates, t) or "-")
    title = t.render("compare.title", names=" · ".join(j.name for j in js))
    return Reply(
        kind="compare",
        pages=paginate(title, t.render("compare.description", rows=rows), fields, footer),
        links=_links((j.name, j.summary_source) for j in js if j.summary_source),
        meta={"jurisdictions": ",".join(jids)},
    )


def explain_reply(kb: KnowledgeBase, term_id: str, t: Templates) -> Reply:
    """A glossary entry with its source."""
    e = kb.glossary[term_id]
    body = t.render("explain.body", text=tr(e, "text", t), quote=e.quote, cite=e.source.quote)
    footer = t.render(
        "explain.footer",
        verified=e.source.verified_on.isoformat() if e.source.verified_on else "-",
        host=urlparse(e.source.url).hostname or e.source.url,
    )
    return Reply(
        kind="explain",
        pages=paginate(t.render("explain.title", term=tr(e, "term", t)), body, [], footer),
        links=_links([(t.render("links.source", n=1), e.source.url)]),
        meta={"term": term_id},
    )


def not_found_reply(query: str, what: str, suggestions: Iterable[Entry], t: Templates) -> Reply:
    """A private "Did you mean …?" for input that matched nothing."""
    names = [s.display for s in suggestions]
    joined = f" {t.render('not_found.or')} ".join(filter(None, [", ".join(names[:-1]), names[-1] if names else ""]))
    body = t.render(
        "not_found.body", query=clip(query, 100), what=t.render(f"not_found.what.{what}"), suggestions=joined
    )
    return Reply(
        kind="not_found",
        pages=(Page(t.render("not_found.title"), body),),
        private=True,
        tone=Tone.ERROR,
        meta={"suggestions": ",".join(s.id for s in suggestions)},
    )


def usage_reply(t: Templates, problem: str | None = None) -> Reply:
    """How to ask; ``problem`` explains what was wrong with the last input."""
    body = t.render("usage.body")
    return Reply(
        kind="usage",
        pages=(Page(t.render("usage.title"), f"{problem}\n\n{body}" if problem else body),),
        private=True,
        tone=Tone.ERROR if problem else Tone.NEUTRAL,
    )


def about_reply(kb: KnowledgeBase, t: Templates, people: dict[str, Any] | None = None) -> Reply:
    """What the bot is, its coverage and sources, and how to report an error; ``people`` is the legislator
    snapshot's meta.json (source commit and date, licence), shown when present."""
    statuses = [j.review.status for j in kb.jurisdictions.values()]
    body = t.render(
        "about.body",
        scorer=kb.rubric.scorer,
        total=len(statuses),
        reviewed=statuses.count(ReviewStatus.REVIEWED),
        partial=statuses.count(ReviewStatus.PARTIAL),
        missing=statuses.count(ReviewStatus.NOT_REVIEWED),
    )
    if people and people.get("commit"):
        body += "\n" + t.render(
            "about.people", commit=str(people["commit"])[:12], date=str(people.get("commit_date", ""))[:10],
            count=people.get("counts", {}).get("legislators", 0),
        )  # fmt: skip
    return Reply(
        kind="about",
        pages=(Page(t.render("about.title"), body, footer=t.render("about.footer", version=kb.version)),),
        links=_links([(t.render("links.endqi"), kb.rubric.scorer_url)]),
    )


def map_reply(kb: KnowledgeBase, layer: str, t: Templates) -> Reply:
    """The same categories the ``/map`` image draws, as text (console and CLI)."""
    from bot.replies.maplayers import map_data
    from bot.replies.maptext import map_text

    text = map_text(kb, map_data(kb, layer, t), t)
    title, _, body = text.content.partition("\n")
    return Reply(kind="map", pages=(Page(title.replace("**", ""), body),), meta={"layer": layer})
