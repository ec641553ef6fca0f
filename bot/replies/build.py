"""Build neutral replies from a knowledge-base snapshot and the reply templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlparse

from bot.kb.lookup import Entry
from bot.kb.schema import CriterionVerdict, Jurisdiction, LawStatus, ReviewStatus, Verdict
from bot.kb.scoring import GroupScore, total_score
from bot.kb.snapshot import KnowledgeBase
from bot.replies.fit import chunk_lines, clip, paginate
from bot.replies.model import Field, Link, Page, Reply, Tone
from bot.replies.templates import Templates

MAX_LINKS = 8
CRITERION_LINE_TEXT = 170
COMPARE_REASON = 280
VERDICT_ORDER = (Verdict.YES, Verdict.PARTIAL, Verdict.NO, Verdict.UNKNOWN)


def tr(obj: object, field: str, t: Templates) -> str:
    """A field in the reply's language where a moderator supplied a translation, else the original."""
    local = getattr(obj, "i18n", {}).get(t.locale)
    return getattr(local, field, None) or getattr(obj, field)


def _fmt_points(value: float) -> str:
    return f"{value:g}"


def score_text(score: GroupScore, t: Templates) -> str:
    """ "End 2/4" or "Start 1/5 (3 unknown)"."""
    return t.render(
        "score.group",
        label=t.render(f"words.group.{score.group}"),
        points=_fmt_points(score.points),
        out_of=score.out_of,
        unknown=score.unknown,
    )


def score_line(kb: KnowledgeBase, j: Jurisdiction, t: Templates) -> str:
    """Both halves of a jurisdiction's score, or "not scored yet"."""
    end, start = total_score(j, kb.rubric)
    if not (end.known or start.known):
        return t.render("score.none")
    return t.render("score.line", end=score_text(end, t), start=score_text(start, t))


def verified_range(dates: Iterable[dt.date]) -> str | None:
    """ "2026-11-25" or "2025-03-01 to 2026-11-25"; None when nothing was verified."""
    found = sorted(set(dates))
    if not found:
        return None
    return found[0].isoformat() if len(found) == 1 else f"{found[0].isoformat()} to {found[-1].isoformat()}"


def _missing_verdict(j: Jurisdiction, t: Templates) -> str:
    """What to say for a criterion without a verdict: not reviewed at all, or reviewed but unsettled."""
    key = "state.unreviewed_value" if j.review.status is ReviewStatus.NOT_REVIEWED else "state.unscored_value"
    return t.render(key)


def _verdict_words(verdict: Verdict, t: Templates) -> tuple[str, str]:
    return t.render(f"words.mark.{verdict.value}"), t.render(f"words.verdict.{verdict.value}")


def _evidence(v: CriterionVerdict, t: Templates) -> dict[str, str]:
    return {
        "scored_by": t.render(f"words.scored_by.{v.scored_by.value}"),
        "confidence": t.render("words.confidence", level=v.confidence.value),
        "source": v.source,
    }


def _links(urls: Iterable[tuple[str, str]]) -> tuple[Link, ...]:
    seen: dict[str, str] = {}
    for label, url in urls:
        seen.setdefault(url, label)
    return tuple(Link(label, url) for url, label in list(seen.items())[:MAX_LINKS])


def state_reply(kb: KnowledgeBase, jid: str, t: Templates) -> Reply:
    """A jurisdiction's headline law, score, one field per criterion, and current-law facts."""
    j = kb.jurisdictions[jid]
    law = j.headline_law
    lines = [tr(j, "summary", t)]
    if law:
        lines.append(
            t.render(
                "state.law",
                law=law.name,
                citation=law.citation,
                year=law.year,
                status=t.render(f"words.status.{law.status.value}"),
                effect=t.render(f"words.effect.{law.effect.value}"),
            )
        )
        if law.status is not LawStatus.PASSED:
            lines.append(t.render("state.not_law"))
    else:
        lines.append(t.render("state.no_law", name=j.name))
    end, start = total_score(j, kb.rubric)
    if end.known or start.known:
        lines.append(t.render("state.score", score=score_line(kb, j, t), scorer=kb.rubric.scorer))
    else:
        lines.append(t.render("state.no_score", scorer=kb.rubric.scorer))
    stated = j.stated_score
    if stated and (stated.end is not None or stated.start is not None):
        lines.append(
            t.render(
                "state.stated_score",
                scorer=kb.rubric.scorer,
                source=stated.source,
                end=None if stated.end is None else _fmt_points(stated.end),
                start=None if stated.start is None else _fmt_points(stated.start),
            )
        )

    fields = []
    if not j.verdicts:
        mark, word = _verdict_words(Verdict.UNKNOWN, t)
        fields.append(
            Field(
                t.render("state.all_unknown_name", mark=mark, verdict=word, count=len(kb.rubric.criteria)),
                _missing_verdict(j, t),
            )
        )
    for criterion in kb.rubric.criteria if j.verdicts else ():
        v = j.verdicts.get(criterion.id)
        mark, word = _verdict_words(v.verdict if v else Verdict.UNKNOWN, t)
        name = t.render("state.criterion_name", mark=mark, verdict=word, label=tr(criterion, "label", t))
        if v is None:
            value = _missing_verdict(j, t)
        else:
            reason = tr(v, "reason", t)
            quote = clip(v.quote, 1024 - len(reason) - 160) if v.quote else None
            value = t.render("state.criterion_value", reason=reason, quote=quote, **_evidence(v, t))
        fields.append(Field(name, value))
    if j.facts:
        fact_lines = [t.render("state.fact_line", text=f.text, source=f.source) for f in j.facts]
        fields.extend(Field(t.render("state.facts_name"), block) for block in chunk_lines(fact_lines, 1024))

    dates = [v.verified_on for v in j.verdicts.values()] + [f.verified_on for f in j.facts]
    footer = t.render(
        "state.footer", verified=verified_range(dates), review=t.render(f"words.review.{j.review.status.value}")
    )
    links = []
    if law and law.url:
        links.append((t.render("links.statute"), law.url))
    sources = [law.source] if law else []
    sources += [j.summary_source] if j.summary_source else []
    sources += [v.source for v in j.verdicts.values()] + [f.source for f in j.facts]
    links += [(t.render("links.source", n=n + 1), url) for n, url in enumerate(dict.fromkeys(sources))]
    return Reply(
        kind="state",
        pages=paginate(t.render("state.title", name=j.name), "\n".join(lines), fields, footer),
        links=_links(links),
        subject=j.id,
        meta={"jurisdiction": j.id},
    )


def _criterion_line(j: Jurisdiction, v: CriterionVerdict | None, t: Templates) -> str:
    law = j.headline_law
    law_note = None
    if law and law.status is not LawStatus.PASSED:
        law_note = t.render("criterion.law_note", status=t.render(f"words.status.{law.status.value}"), year=law.year)
    if v is None:
        return t.render(
            "criterion.line",
            name=j.name,
            law_note=law_note,
            text=_missing_verdict(j, t),
            source=j.summary_source or "",
        )
    text = f"“{clip(v.quote, CRITERION_LINE_TEXT)}”" if v.quote else clip(tr(v, "reason", t), CRITERION_LINE_TEXT)
    return t.render("criterion.line", name=j.name, law_note=law_note, text=text, source=v.source)


def criterion_reply(kb: KnowledgeBase, cid: str, t: Templates) -> Reply:
    """Every jurisdiction ranked by its verdict on one criterion: enacted laws first within each verdict."""
    c = kb.criteria[cid]
    groups: dict[Verdict, list[tuple[Jurisdiction, CriterionVerdict | None]]] = {v: [] for v in VERDICT_ORDER}
    unreviewed = []
    for j in kb.sorted_jurisdictions:
        v = j.verdicts.get(cid)
        if v is None and j.review.status is ReviewStatus.NOT_REVIEWED:
            unreviewed.append(j)
        else:
            groups[v.verdict if v else Verdict.UNKNOWN].append((j, v))

    def enacted_first(item: tuple[Jurisdiction, CriterionVerdict | None]) -> tuple[bool, str]:
        law = item[0].headline_law
        return (law is not None and law.status is not LawStatus.PASSED, item[0].name)

    fields = []
    counts = []
    for verdict in VERDICT_ORDER:
        members = sorted(groups[verdict], key=enacted_first)
        mark, word = _verdict_words(verdict, t)
        counts.append({"mark": mark, "verdict": word, "count": len(members)})
        lines = [_criterion_line(j, v, t) for j, v in members]
        for n, block in enumerate(chunk_lines(lines, 1024)):
            key = "criterion.group_name" if n == 0 else "criterion.group_name_more"
            fields.append(Field(t.render(key, mark=mark, verdict=word, count=len(members)), block))
    if unreviewed:
        counts.append({"mark": "❔", "verdict": t.render("words.review.not-reviewed"), "count": len(unreviewed)})
        names = ", ".join(j.name for j in unreviewed)
        for block in chunk_lines([names], 1024):
            fields.append(Field(t.render("criterion.unreviewed_name", count=len(unreviewed)), block))

    description = t.render(
        "criterion.description",
        standard=tr(c, "standard", t),
        quote=c.source.quote or "",
        source=c.source.url,
        counts=t.render("criterion.counts", counts=counts),
    )
    dates = [j.verdicts[cid].verified_on for j in kb.jurisdictions.values() if cid in j.verdicts]
    footer = t.render("criterion.footer", scorer=kb.rubric.scorer, verified=verified_range(dates) or "-")
    return Reply(
        kind="criterion",
        pages=paginate(
            t.render("criterion.title", label=tr(c, "label", t)), description, fields, footer, fields_per_page=4
        ),
        links=_links([(t.render("links.standard"), c.source.url)]),
        meta={"criterion": cid},
    )


def compare_reply(kb: KnowledgeBase, jids: list[str], t: Templates) -> Reply:
    """Two or three jurisdictions, criterion by criterion."""
    js = [kb.jurisdictions[jid] for jid in jids]
    rows = []
    for j in js:
        law = j.headline_law
        law_text = (
            t.render("compare.law", law=law.name, status=t.render(f"words.status.{law.status.value}")) if law else None
        )
        rows.append({"name": j.name, "score": score_line(kb, j, t), "law": law_text})
    fields = []
    reason_room = COMPARE_REASON if len(js) <= 2 else COMPARE_REASON * 2 // 3
    for c in kb.rubric.criteria:
        cells = []
        for j in js:
            v = j.verdicts.get(c.id)
            mark, word = _verdict_words(v.verdict if v else Verdict.UNKNOWN, t)
            reason = clip(tr(v, "reason", t), reason_room) if v else t.render("compare.no_verdict")
            cells.append(t.render("compare.cell", name=j.name, mark=mark, verdict=word, reason=reason))
        fields.append(Field(t.render("compare.field_name", label=tr(c, "label", t)), "\n".join(cells)))
    dates = [v.verified_on for j in js for v in j.verdicts.values()]
    footer = t.render("compare.footer", scorer=kb.rubric.scorer, verified=verified_range(dates) or "-")
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


def about_reply(kb: KnowledgeBase, t: Templates) -> Reply:
    """What the bot is, its coverage and sources, and how to report an error."""
    statuses = [j.review.status for j in kb.jurisdictions.values()]
    body = t.render(
        "about.body",
        scorer=kb.rubric.scorer,
        total=len(statuses),
        reviewed=statuses.count(ReviewStatus.REVIEWED),
        partial=statuses.count(ReviewStatus.PARTIAL),
        missing=statuses.count(ReviewStatus.NOT_REVIEWED),
    )
    return Reply(
        kind="about",
        pages=(Page(t.render("about.title"), body, footer=t.render("about.footer", version=kb.version)),),
        links=_links([(t.render("links.endqi"), kb.rubric.scorer_url)]),
    )
