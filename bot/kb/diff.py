"""What changed between two knowledge-base snapshots, per jurisdiction and criterion."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.kb.schema import Evidence, Jurisdiction
from bot.kb.snapshot import KnowledgeBase

VERDICT_FIELDS = ("verdict", "points", "reason", "quote", "source", "scored_by", "confidence")
WORDS = {"yes": "Yes", "partial": "Partial", "no": "No", "unknown": "Unknown", None: "none"}


@dataclass(frozen=True)
class Change:
    """One changed value; ``criterion`` is None for jurisdiction-level fields."""

    jurisdiction: str
    name: str
    criterion: str | None
    label: str | None
    field: str
    before: str | None
    after: str | None
    bill: str | None = None  # the bill's number, for a bill's status

    def describe(self) -> str:
        """ "verdict: No → Partial" or "quote changed"."""
        if self.field in ("verdict", "points", "status", "scored_by", "confidence"):
            return f"{self.field}: {_show(self.before)} → {_show(self.after)}"
        if self.before is None:
            return f"{self.field} added"
        if self.after is None:
            return f"{self.field} removed"
        return f"{self.field} changed"


def _show(value: str | None) -> str:
    return WORDS.get(value, value) if value is not None else "none"


def _value(entry: Evidence | None, field: str) -> str | None:
    if entry is None:
        return None
    value = getattr(entry, field)
    if value is None:
        return None
    return f"{value:g}" if isinstance(value, float) else str(getattr(value, "value", value))


@dataclass(frozen=True)
class KBDiff:
    """Every change, in file order."""

    changes: list[Change]

    def __bool__(self) -> bool:
        return bool(self.changes)

    def jurisdictions(self) -> list[str]:
        return list(dict.fromkeys(c.jurisdiction for c in self.changes))

    def headline(self) -> str:
        n = len(self.jurisdictions())
        return f"{len(self.changes)} change(s) in {n} jurisdiction(s)"

    def for_jurisdiction(self, jid: str) -> list[Change]:
        return [c for c in self.changes if c.jurisdiction == jid]

    def summary_lines(self, jid: str) -> list[str]:
        """One line per criterion: "attorney fees: verdict No → Partial; source changed"."""
        grouped: dict[str, list[Change]] = defaultdict(list)
        for change in self.for_jurisdiction(jid):
            grouped[change.label or change.field].append(change)
        return [f"{label}: " + "; ".join(c.describe() for c in items) for label, items in grouped.items()]

    def markdown(self) -> str:
        """A human summary for a pull-request description."""
        if not self.changes:
            return "No changes to jurisdictions or verdicts."
        out = [f"**{self.headline()}**", ""]
        for jid in self.jurisdictions():
            name = self.for_jurisdiction(jid)[0].name
            out.append(f"### {name} ({jid})")
            out.extend(f"- {line}" for line in self.summary_lines(jid))
            out.append("")
        return "\n".join(out).rstrip()


def _jurisdiction_changes(old: Jurisdiction | None, new: Jurisdiction | None, labels: dict[str, str]) -> list[Change]:
    j = new or old
    assert j is not None
    if old is None or new is None:
        return [
            Change(
                j.id, j.name, None, None, "file", None if old is None else "present", None if new is None else "present"
            )
        ]
    found = []
    for field in ("summary", "review"):
        if getattr(old, field) != getattr(new, field):
            found.append(Change(j.id, j.name, None, None, field, "old", "new"))
    old_bills = {b.number: b.status.value for b in old.bills}
    new_bills = {b.number: b.status.value for b in new.bills}
    for number in dict.fromkeys([*old_bills, *new_bills]):
        if old_bills.get(number) != new_bills.get(number):
            found.append(
                Change(
                    j.id, j.name, None, f"bill {number}", "status", old_bills.get(number), new_bills.get(number), number
                )
            )
    old_reforms = [r.number for r in old.current_law.reforms]
    new_reforms = [r.number for r in new.current_law.reforms]
    if old_reforms != new_reforms:
        found.append(
            Change(
                j.id,
                j.name,
                None,
                "current law",
                "reforms",
                ", ".join(old_reforms) or None,
                ", ".join(new_reforms) or None,
            )
        )
    for cid in dict.fromkeys([*old.verdicts, *new.verdicts]):
        before, after = old.verdicts.get(cid), new.verdicts.get(cid)
        if before == after:
            continue
        for field in VERDICT_FIELDS:
            a, b = _value(before, field), _value(after, field)
            if a != b:
                found.append(Change(j.id, j.name, cid, labels.get(cid, cid), field, a, b))
    return found


def diff_kb(old: KnowledgeBase, new: KnowledgeBase) -> KBDiff:
    """Compare two snapshots."""
    labels = {c.id: c.short for c in new.rubric.criteria}
    changes: list[Change] = []
    for jid in sorted(set(old.jurisdictions) | set(new.jurisdictions)):
        digest = old.digests.get(jid)
        if digest is not None and digest == new.digests.get(jid):
            continue  # the same file: nothing to compare
        changes.extend(_jurisdiction_changes(old.jurisdictions.get(jid), new.jurisdictions.get(jid), labels))
    return KBDiff(changes)
