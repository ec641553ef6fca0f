"""Each file in tests/kb/broken/ is one way to get a jurisdiction wrong; the validator must say exactly what."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.kb.issues import Severity
from bot.kb.loader import DEFAULT_ROOT, collect

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(p for p in BROKEN.glob("*.yaml") if p.name != "base.yaml")


def _headers(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"# (expect|field|at|file): (.*)", line)
        if match:
            found[match[1]] = match[2]
    return found


def _knowledge_with(tmp_path: Path, case: Path, file_name: str) -> Path:
    root = tmp_path / "knowledge"
    (root / "jurisdictions").mkdir(parents=True)
    for name in ("rubric.yaml", "glossary.yaml"):
        shutil.copy(DEFAULT_ROOT / name, root / name)
    shutil.copy(BROKEN / "base.yaml", root / "jurisdictions" / "zz.yaml")
    shutil.copy(case, root / "jurisdictions" / file_name)
    return root


def test_base_fixture_is_valid(tmp_path: Path) -> None:
    root = _knowledge_with(tmp_path, BROKEN / "base.yaml", "zz.yaml")
    kb, issues = collect(root)
    assert kb is not None, [str(i) for i in issues]
    assert kb.jurisdictions["zz"].verdicts["qi-law-enforcement"].points == 1


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_broken_case_is_reported(tmp_path: Path, case: Path) -> None:
    want = _headers(case)
    file_name = want.get("file", "zz.yaml")
    kb, issues = collect(_knowledge_with(tmp_path, case, file_name))
    errors = [i for i in issues if i.severity is Severity.ERROR]
    assert kb is None, "an invalid knowledge base must not load"
    matching = [i for i in errors if want["expect"] in i.message]
    assert matching, f"expected {want['expect']!r} in {[str(i) for i in errors]}"
    issue = matching[0]
    assert issue.file.endswith(file_name)
    if "field" in want:
        assert issue.field == want["field"]
    if "at" in want:
        lines = case.read_text().splitlines()
        expected_line = next(n for n, text in enumerate(lines, 1) if not text.startswith("#") and want["at"] in text)
        assert issue.line == expected_line
    assert str(issue).startswith(issue.file)


def test_bare_yes_no_are_verdict_words_not_booleans(tmp_path: Path) -> None:
    text = (BROKEN / "base.yaml").read_text().replace('verdict: "yes"', "verdict: yes")
    assert "verdict: yes" in text
    case = tmp_path / "case.yaml"
    case.write_text(text)
    kb, issues = collect(_knowledge_with(tmp_path, case, "zz.yaml"))
    assert kb is not None, [str(i) for i in issues]
    assert kb.jurisdictions["zz"].verdicts["qi-law-enforcement"].verdict == "yes"


def test_missing_rubric_is_reported(tmp_path: Path) -> None:
    root = _knowledge_with(tmp_path, BROKEN / "base.yaml", "zz.yaml")
    (root / "rubric.yaml").unlink()
    kb, issues = collect(root)
    assert kb is None
    assert any(i.file == "rubric.yaml" and "missing file" in i.message for i in issues)


def test_duplicate_criterion_alias_in_rubric(tmp_path: Path) -> None:
    root = _knowledge_with(tmp_path, BROKEN / "base.yaml", "zz.yaml")
    rubric = root / "rubric.yaml"
    rubric.write_text(rubric.read_text().replace("aliases: [fees,", "aliases: [caps, fees,"))
    kb, issues = collect(root)
    assert kb is None
    assert any("alias 'caps'" in i.message and i.file.endswith("rubric.yaml") and i.line for i in issues)


def test_published_score_matching_is_accepted_and_partial_is_a_warning(tmp_path: Path) -> None:
    kb, issues = collect(_knowledge_with(tmp_path, BROKEN / "base.yaml", "zz.yaml"))
    assert kb is not None
    warnings = [i for i in issues if i.severity is Severity.WARNING]
    assert any("3 criteria unknown" in i.message for i in warnings)


def test_failed_bill_verdicts_never_enter_current_law(tmp_path: Path) -> None:
    """A bill's "yes" stays on the bill: current law's score counts current-law verdicts only."""
    from bot.kb.scoring import total_score

    text = (BROKEN / "base.yaml").read_text() + (
        "    verdicts:\n"
        "      attorney-fees: {verdict: \"yes\", points: 1, reason: r, source: \"https://example.org/hb1\", "
        "verified_on: 2024-01-02, confidence: medium, scored_by: endqi}\n"
    )
    case = tmp_path / "case.yaml"
    case.write_text(text)
    kb, issues = collect(_knowledge_with(tmp_path, case, "zz.yaml"))
    assert kb is not None, [str(i) for i in issues]
    j = kb.jurisdictions["zz"]
    assert j.bills[0].verdicts["attorney-fees"].verdict == "yes"
    assert "attorney-fees" not in j.current_law.verdicts
    end, start = total_score(j, kb.rubric)
    assert (end.points, start.points, start.unknown) == (1, 0, 5)


@pytest.mark.parametrize(
    ("url", "tier"),
    [
        ("https://www.lawserver.com/law/x", "rejected"),
        ("https://law.uslawyerdatabase.com/x", "rejected"),
        ("https://d1tvxue8o4w0fl.cloudfront.net/x", "rejected"),
        ("https://capitolwebsite.azurewebsites.net/x", "rejected"),
        ("https://state-sc.mjc.prod.3whst.com/x", "rejected"),
        ("https://codes.ohio.gov/ohio-revised-code/section-2744.05", "primary"),
        ("https://www.revisor.mn.gov/statutes/cite/3.736", "primary"),
        ("https://law.lis.virginia.gov/vacode/8.01-195.3/", "primary"),
        ("https://endqi.org/state/co", "reputable"),
        ("https://ij.org/report/50-shades-of-government-immunity/state-profile/ohio/", "reputable"),
        ("https://law.justia.com/codes/x", "reputable"),
        ("https://some-law-firm.example.com/blog", "other"),
        ("https://www.legis.state.pa.us/cfdocs/legis/LI/consCheck.cfm", "primary"),  # the .us locality namespace
        ("https://www.ci.boston.ma.us/x", "primary"),
        ("https://code.dccouncil.us/us/dc/council/code/sections/5-331.17", "primary"),
        ("https://www.ecases.us/case/x", "rejected"),  # a case-law mirror directly under .us: not official
        ("https://www.freelawyer.us/case/x", "other"),  # anyone may register directly under .us: not official
        ("https://ga.elaws.us/law/section50-21-29", "rejected"),  # a code mirror
        ("https://syfert.com/georgia/code/50-21-29.html", "rejected"),  # a law firm's code copy
        ("https://www.pressreader.com/usa/the-news-times/20201012/281530818492566", "rejected"),  # a newspaper mirror
        ("https://content.yudu.com/libraryHtml/A443h7/x/21.html", "rejected"),
        ("https://legalfix.com/statutes/state-codes/nebraska/chapter-13/statute-13-902", "rejected"),
    ],
)
def test_source_tiers(url: str, tier: str) -> None:
    from bot.kb.sourcetiers import tier as tier_of

    assert tier_of(url).value == tier


def test_rejected_host_names_a_better_source_and_other_host_warns(tmp_path: Path) -> None:
    kb, issues = collect(_knowledge_with(tmp_path, BROKEN / "rejected_source.yaml", "zz.yaml"))
    assert kb is None
    rejected = [i for i in issues if "lawserver.com" in i.message]
    assert rejected and rejected[0].severity is Severity.ERROR and "official code site" in (rejected[0].hint or "")
    kb, issues = collect(_knowledge_with(tmp_path / "b", BROKEN / "base.yaml", "zz.yaml"))
    assert kb is not None
    assert any(i.severity is Severity.WARNING and "example.org is not a known" in i.message for i in issues)
