"""A knowledge-base change in members' words: the one-line summaries that notices and moderators read."""

from __future__ import annotations

from collections import defaultdict

from bot.kb.diff import Change, KBDiff
from bot.kb.snapshot import KnowledgeBase
from bot.replies.build import tr
from bot.replies.templates import TemplateProblem, Templates

SHOWN_VALUES = ("verdict", "points", "status", "scored_by", "confidence")


def _field(field: str, t: Templates) -> str:
    try:
        return t.render(f"changes.field.{field}")
    except TemplateProblem:  # a field without a word of its own is shown by its name
        return field


def _value(change: Change, value: str | None, t: Templates) -> str:
    if value is None:
        return t.render("changes.none")
    if change.field == "verdict":
        return t.render(f"words.verdict.{value}")
    if change.field == "status":
        return t.render(f"words.status.{value}")
    return value


def describe(change: Change, t: Templates) -> str:
    """ "verdict: No → Partial" or "quote changed"."""
    field = _field(change.field, t)
    if change.field in SHOWN_VALUES:
        return t.render(
            "changes.set", field=field, before=_value(change, change.before, t), after=_value(change, change.after, t)
        )
    if change.before is None:
        return t.render("changes.added", field=field)
    if change.after is None:
        return t.render("changes.removed", field=field)
    return t.render("changes.changed", field=field)


def _label(change: Change, kb: KnowledgeBase, t: Templates) -> str:
    if change.criterion is not None and change.criterion in kb.criteria:
        return tr(kb.criteria[change.criterion], "short", t)
    if change.bill is not None:
        return t.render("changes.bill", number=change.bill)
    if change.field == "reforms":
        return t.render("changes.current_law")
    return _field(change.field, t)


def summary_lines(diff: KBDiff, kb: KnowledgeBase, jid: str, t: Templates) -> list[str]:
    """One line per criterion (or bill, or field): "attorney fees: verdict No → Partial; source changed"."""
    grouped: dict[str, list[Change]] = defaultdict(list)
    for change in diff.for_jurisdiction(jid):
        grouped[_label(change, kb, t)].append(change)
    return [
        t.render("changes.line", label=label, items="; ".join(describe(c, t) for c in items))
        for label, items in grouped.items()
    ]


def headline(diff: KBDiff, t: Templates) -> str:
    """ "3 change(s) in 2 jurisdiction(s)"."""
    return t.render("changes.headline", changes=len(diff.changes), jurisdictions=len(diff.jurisdictions()))
