"""`qibot people build`: a tree of Open States records in, the trimmed snapshot out; a bad record stops it
with one line naming the file and the Open States id, and nothing is written."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.people.build import STATES, only_keys
from bot.people.directory import DEFAULT_PEOPLE_ROOT, read_directory

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
COMMIT = "0123456789abcdef0123456789abcdef01234567"
SIZES = yaml.safe_load((DEFAULT_PEOPLE_ROOT / "chambers.yaml").read_text())["chambers"]


def build(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "people", "build", str(source), "--out", str(out), "--commit", COMMIT,
         "--commit-date", "2026-08-05T18:45:08-05:00", "--as-of", "2026-11-30", *extra],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def person(state: str, chamber: str, district: str, n: int, **extra: str) -> str:
    uid = f"{n:08d}-0000-4000-8000-{n:012d}"
    lines = [
        f"id: ocd-person/{uid}", f"name: Member {n}", f"email: member{n}@legis.example.gov",
        "party:", "- name: Independent", "roles:", "- start_date: 2025-01-01", f"  type: {chamber}",
        f"  jurisdiction: ocd-jurisdiction/country:us/state:{state}/government", f"  district: '{district}'",
        "- start_date: 2019-01-01", "  end_date: 2021-01-01", "  type: lower", "  district: '99'",
        "offices:", "- classification: capitol", "  voice: (555) 010-0100",
        "links:", f"- url: https://legis.example.gov/{n}", "other_names:", "- name: Someone Else",
        "extras:", "  note: dropped by the build",
    ]  # fmt: skip
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every state and DC with one member per chamber; a judiciary committee in Connecticut; a retired member."""
    root = tmp_path_factory.mktemp("openstates")
    n = 0
    for state in STATES:
        folder = root / "data" / state / "legislature"
        folder.mkdir(parents=True)
        for chamber in SIZES[state]:
            n += 1
            (folder / f"Member-{n}.yml").write_text(person(state, chamber, "1", n))
    ended = "- start_date: 2021-01-01\n  end_date: 2023-01-01"
    retired = person("ct", "lower", "2", 9999).replace("- start_date: 2025-01-01", ended)
    (root / "data" / "ct" / "legislature" / "Retired.yml").write_text(retired)
    committees = root / "data" / "ct" / "committees"
    committees.mkdir()
    ct_upper = next(i for i, s in enumerate([(s, c) for s in STATES for c in SIZES[s]], 1) if s == ("ct", "upper"))
    pid = f"ocd-person/{ct_upper:08d}-0000-4000-8000-{ct_upper:012d}"
    members = f"members:\n- name: Member {ct_upper}\n  role: chair\n  person_id: {pid}\n"
    (committees / "Judiciary.yml").write_text(
        "id: ocd-organization/1\nclassification: committee\nname: Judiciary\nchamber: legislature\n" + members
    )
    (committees / "Aging.yml").write_text(
        "id: ocd-organization/2\nclassification: committee\nname: Aging\nchamber: legislature\n" + members
    )
    return root


def test_a_good_tree_builds_a_loadable_deterministic_snapshot(tree: Path, tmp_path: Path) -> None:
    first = build(tree, tmp_path / "a")
    assert first.returncode == 0, first.stderr
    second = build(tree, tmp_path / "b")
    for name in ("legislators.json.gz", "committees.json", "meta.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    raw = (tmp_path / "a" / "legislators.json.gz").read_bytes()
    assert raw[4:8] == b"\0\0\0\0", "no timestamp in the gzip header"
    assert second.returncode == 0
    rows = json.loads(gzip.decompress(raw))["legislators"]
    assert len(rows) == sum(len(SIZES[s]) for s in STATES), "one per chamber; the retired member is left out"
    assert all("extras" not in r and "other_names" not in r for r in rows)
    meta = json.loads((tmp_path / "a" / "meta.json").read_text())
    assert meta["commit"] == COMMIT and meta["license"] == "CC0-1.0" and meta["counts"]["states"] == 51
    committees = json.loads((tmp_path / "a" / "committees.json").read_text())["committees"]
    assert [c["name"] for c in committees] == ["Judiciary"], "only judiciary / public-safety committees are kept"
    pages = (DEFAULT_PEOPLE_ROOT / "find-my-legislator.yaml").read_bytes()
    (tmp_path / "a" / "find-my-legislator.yaml").write_bytes(pages)
    directory = read_directory(tmp_path / "a")
    judges = [p for s in directory.states() for c in directory.chambers(s) for p in directory.members(s, c, "1")
              if p.judiciary]  # fmt: skip
    assert [(p.state, p.chamber, p.committees) for p in judges] == [("ct", "upper", ("Judiciary",))]


@pytest.mark.parametrize("case", CASES)
def test_a_broken_record_fails_with_one_line_and_writes_nothing(case: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "legislators.json.gz").write_bytes(b"old")
    result = build(BROKEN / case, out)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("qibot people build: data/ak/legislature/"), line
    assert (BROKEN / case / "expect.txt").read_text().strip() in line
    ids = [p.stem[-36:] for p in (BROKEN / case / "data" / "ak" / "legislature").glob("*.yml")]
    if case not in ("no-id", "not-yaml"):
        assert f"(ocd-person/{sorted(ids)[-1] if case == 'duplicate-seat' else ids[0]})" in line
    assert "Traceback" not in result.stderr
    assert (out / "legislators.json.gz").read_bytes() == b"old"
    assert sorted(p.name for p in out.iterdir()) == ["legislators.json.gz"]


def test_missing_state_and_not_a_checkout_are_one_line(tmp_path: Path) -> None:
    result = build(tmp_path, tmp_path / "out")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "qibot people build: data/ak/legislature: missing (every state and DC must be present)"
    ]


def test_only_keys_keeps_the_fields_read_and_their_lists() -> None:
    text = "id: x\nname: A\nsources:\n- url: https://a\nroles:\n- type: upper\n  district: '1'\nextras:\n  k: v\n"
    assert yaml.safe_load(only_keys(text, frozenset({"id", "roles"}))) == {
        "id": "x", "roles": [{"type": "upper", "district": "1"}]
    }  # fmt: skip
