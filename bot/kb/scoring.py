"""Scores computed from verdicts (never typed in by hand)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kb.schema import Jurisdiction, Rubric, Verdict


@dataclass(frozen=True)
class GroupScore:
    """Points earned in one rubric group, out of its size, with how many criteria are unknown."""

    group: str
    points: float
    out_of: int
    unknown: int

    @property
    def known(self) -> bool:
        """True when at least one verdict in the group is known."""
        return self.unknown < self.out_of


def verdict_of(j: Jurisdiction, criterion_id: str) -> Verdict:
    """The verdict for a criterion; a criterion with no entry is unknown."""
    entry = j.verdicts.get(criterion_id)
    return entry.verdict if entry else Verdict.UNKNOWN


def group_score(j: Jurisdiction, rubric: Rubric, group: str) -> GroupScore:
    """Sum the points of one group's verdicts."""
    criteria = [c for c in rubric.criteria if c.group == group]
    points = [verdict_of(j, c.id).points for c in criteria]
    return GroupScore(
        group=group,
        points=sum(p for p in points if p is not None),
        out_of=len(criteria),
        unknown=sum(p is None for p in points),
    )


def total_score(j: Jurisdiction, rubric: Rubric) -> tuple[GroupScore, GroupScore]:
    """The end and start group scores."""
    return group_score(j, rubric, "end"), group_score(j, rubric, "start")
