"""What the knowledge base knows about current law: per jurisdiction and criterion, the verdict, its
source tier and age; and the totals moderators track (``qibot kb coverage``, ``/kb gaps``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.kb.checks import source_urls
from bot.kb.schema import Verdict
from bot.kb.snapshot import KnowledgeBase
from bot.kb.sourcetiers import Tier, tier

TARGET_SHARE = 0.85
TARGET_PER_JURISDICTION = 7


@dataclass(frozen=True)
class Cell:
    """One jurisdiction x criterion of current law."""

    criterion: str
    verdict: Verdict
    tier: Tier | None
    age_days: int | None


@dataclass(frozen=True)
class Row:
    jurisdiction: str
    name: str
    cells: tuple[Cell, ...]

    @property
    def known(self) -> int:
        return sum(c.verdict is not Verdict.UNKNOWN for c in self.cells)


@dataclass(frozen=True)
class Coverage:
    rows: tuple[Row, ...]
    criteria: tuple[str, ...]
    rejected_sources: int

    @property
    def cells(self) -> int:
        return len(self.rows) * len(self.criteria)

    @property
    def known(self) -> int:
        return sum(r.known for r in self.rows)

    @property
    def share(self) -> float:
        return self.known / self.cells if self.cells else 0.0

    def below(self, minimum: int = TARGET_PER_JURISDICTION) -> list[Row]:
        """Jurisdictions with fewer than ``minimum`` criteria known, fewest first."""
        return sorted((r for r in self.rows if r.known < minimum), key=lambda r: (r.known, r.name))

    def gaps(self) -> list[tuple[str, str]]:
        """(jurisdiction, criterion) pairs still unknown, jurisdictions with the fewest known first."""
        ordered = sorted(self.rows, key=lambda r: (r.known, r.name))
        return [(r.jurisdiction, c.criterion) for r in ordered for c in r.cells if c.verdict is Verdict.UNKNOWN]


def coverage(kb: KnowledgeBase, today: dt.date | None = None) -> Coverage:
    """Build the coverage report of current law (bills are not counted)."""
    today = today or dt.date.today()
    criteria = tuple(kb.criteria)
    rows = []
    rejected = 0
    for j in kb.sorted_jurisdictions:
        cells = []
        for cid in criteria:
            v = j.current_law.verdicts.get(cid)
            if v is None or v.verdict is Verdict.UNKNOWN:
                cells.append(Cell(cid, Verdict.UNKNOWN, None, None))
            else:
                cells.append(Cell(cid, v.verdict, tier(v.source) if v.source else None, (today - v.verified_on).days))
        rows.append(Row(j.id, j.name, tuple(cells)))
        rejected += sum(tier(url) is Tier.REJECTED for _, url in source_urls(j))
    rejected += sum(tier(e.source.url) is Tier.REJECTED for e in kb.glossary.values())
    return Coverage(tuple(rows), criteria, rejected)


MARKS = {Verdict.YES: "Y", Verdict.PARTIAL: "P", Verdict.NO: "N", Verdict.UNKNOWN: "."}
TIER_MARKS = {Tier.PRIMARY: "1", Tier.REPUTABLE: "2", Tier.OTHER: "3", Tier.REJECTED: "x", None: " "}


def coverage_text(report: Coverage) -> str:
    """A fixed-width table: per cell the verdict letter and source tier (1 primary, 2 reputable, 3 other)."""
    head = "id    " + " ".join(f"{n + 1:<2}" for n in range(len(report.criteria))) + "  known  oldest"
    lines = [head]
    for row in report.rows:
        cells = " ".join(f"{MARKS[c.verdict]}{TIER_MARKS[c.tier]}" for c in row.cells)
        ages = [c.age_days for c in row.cells if c.age_days is not None]
        oldest = f"{max(ages)}d" if ages else "-"
        lines.append(f"{row.jurisdiction:<5} {cells}  {row.known}/{len(row.cells)}    {oldest}")
    lines.append("")
    lines.extend(f"{n + 1}. {cid}" for n, cid in enumerate(report.criteria))
    lines.append("")
    lines.append(
        f"known: {report.known} of {report.cells} current-law cells ({report.share:.1%}; target "
        f"{TARGET_SHARE:.0%}); jurisdictions below {TARGET_PER_JURISDICTION}/9: {len(report.below())}; "
        f"sources on the rejected list: {report.rejected_sources}"
    )
    return "\n".join(lines)
