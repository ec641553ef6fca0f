"""Scores computed from verdicts (never typed in by hand)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.kb.schema import Evidence, Jurisdiction, Rubric, Verdict


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
    """The current-law verdict for a criterion; a criterion with no entry is unknown."""
    entry = j.current_law.verdicts.get(criterion_id)
    return entry.verdict if entry else Verdict.UNKNOWN


def group_score(verdicts: Mapping[str, Evidence], rubric: Rubric, group: str) -> GroupScore:
    """Sum the points of one group's verdicts (current law's or one bill's)."""
    criteria = [c for c in rubric.criteria if c.group == group]
    points = [(verdicts[c.id].verdict if c.id in verdicts else Verdict.UNKNOWN).points for c in criteria]
    return GroupScore(
        group=group,
        points=sum(p for p in points if p is not None),
        out_of=len(criteria),
        unknown=sum(p is None for p in points),
    )


def total_score(j: Jurisdiction, rubric: Rubric) -> tuple[GroupScore, GroupScore]:
    """Current law's end and start group scores (a bill's verdicts never count here)."""
    return scores_of(j.current_law.verdicts, rubric)


def scores_of(verdicts: Mapping[str, Evidence], rubric: Rubric) -> tuple[GroupScore, GroupScore]:
    """The end and start group scores of a set of verdicts."""
    return group_score(verdicts, rubric, "end"), group_score(verdicts, rubric, "start")


def known_count(j: Jurisdiction) -> int:
    """How many criteria current law has a known verdict on."""
    return sum(v.verdict is not Verdict.UNKNOWN for v in j.current_law.verdicts.values())
