"""The coverage report (``qibot kb coverage``), the glossary's landmark cases, and what the data promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.kb.coverage import TARGET_SHARE, coverage, coverage_text
from bot.kb.schema import Verdict
from bot.kb.snapshot import KnowledgeBase
from bot.replies.responder import Responder

ROOT = Path(__file__).resolve().parents[2]


def test_coverage_counts_current_law_cells(kb: KnowledgeBase) -> None:
    report = coverage(kb)
    assert report.cells == len(kb.jurisdictions) * len(kb.criteria)
    direct = sum(
        1
        for j in kb.jurisdictions.values()
        for v in j.current_law.verdicts.values()
        if v.verdict is not Verdict.UNKNOWN
    )
    assert report.known == direct
    assert report.rejected_sources == 0
    gaps = report.gaps()
    assert len(gaps) == report.cells - report.known
    assert all(kb.jurisdictions[jid].current_law.verdicts.get(cid) is None
               or kb.jurisdictions[jid].current_law.verdicts[cid].verdict is Verdict.UNKNOWN for jid, cid in gaps)


# The floor under the research target (TARGET_SHARE, 85%): on 2026-11-30 ten verdicts that rested on statute
# mirrors, law firms' pages or blogs became "unknown" until their official text is read (each note names it),
# which left 393 of 468 cells known; the same day Louisiana full-compensation, quoted only from a case-law
# mirror (ecases.us), became "unknown" too: 392 of 468. A change that loses known verdicts below that fails here.
KNOWN_FLOOR = 392 / 468  # 83.8%


def test_current_law_is_mostly_known(kb: KnowledgeBase) -> None:
    """Most current-law cells have a sourced verdict: at least the floor, on the way to the target."""
    report = coverage(kb)
    assert KNOWN_FLOOR <= TARGET_SHARE
    assert report.share >= KNOWN_FLOOR, coverage_text(report)


def test_bill_verdicts_do_not_count_as_coverage(kb: KnowledgeBase) -> None:
    wv = next(r for r in coverage(kb).rows if r.jurisdiction == "wv")
    assert wv.known == sum(v.verdict is not Verdict.UNKNOWN for v in kb.jurisdictions["wv"].verdicts.values())
    assert any(b.verdicts for b in kb.jurisdictions["wv"].bills), "West Virginia's failed bill keeps its verdicts"


def test_coverage_command_prints_table_and_totals() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "coverage"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("id ")
    assert any(line.startswith("wv ") and "/9" in line for line in lines)
    assert lines[-1].startswith("known: ") and "of 468 current-law cells" in lines[-1]
    assert "sources on the rejected list: 0" in lines[-1]


@pytest.mark.parametrize(
    ("query", "entry"),
    [
        ("Harlow", "harlow-v-fitzgerald"),
        ("pearson", "pearson-v-callahan"),
        ("Pierson v. Ray", "pierson-v-ray"),
        ("anderson v creighton", "anderson-v-creighton"),
        ("saucier", "saucier-v-katz"),
        ("monell", "monell"),
        ("hope v pelzer", "hope-v-pelzer"),
        ("taylor v riojas", "taylor-v-riojas"),
        ("sovereign immunity", "sovereign-immunity"),
        ("tort claims act", "tort-claims-act"),
        ("duty to intervene", "duty-to-intervene"),
        ("indemnification", "indemnification"),
    ],
)
def test_glossary_landmark_cases_and_terms(responder: Responder, query: str, entry: str) -> None:
    reply = responder.explain(query)
    assert reply.kind == "explain", (query, reply.pages[0].description)
    assert reply.meta["term"] == entry
    assert reply.links and reply.links[0].url.startswith(("https://", "http://"))
