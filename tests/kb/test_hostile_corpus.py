"""Hundreds of malformed, hostile or damaged knowledge files (generated from the real ones by
``tests/kb/hostile/make_corpus.py``) each go through ``qibot kb validate``: never a crash, a traceback or a
hang; a clear exit code; the file (and the field, where there is one) named in the message."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.kb.hostile.make_corpus import main as make_corpus

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "kb" / "hostile" / "run_corpus.py"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], dict[str, dict]]:
    corpus = tmp_path_factory.mktemp("hostile")
    manifest = make_corpus(corpus)
    run = subprocess.run(
        [sys.executable, str(RUNNER), str(corpus), "--seconds", "20", "--memory-mib", "1536"],
        capture_output=True, text=True, cwd=ROOT, timeout=280,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {row["case"]: row for row in map(json.loads, run.stdout.splitlines())}
    return manifest, rows


def test_corpus_is_large_and_covers_every_class(results: tuple[dict, dict]) -> None:
    manifest, rows = results
    assert len(manifest) >= 300
    assert set(rows) == set(manifest), "every case ran"
    classes = Counter(name.split("-")[0] for name in manifest)
    for kind in ("date", "tag", "bigint", "nest", "dupkey", "alias", "size", "unknown", "enc", "chars",
                 "confusable", "url", "jinja", "type", "long", "empty", "truncated", "bytes"):  # fmt: skip
        assert classes[kind] >= 5, kind


def test_no_case_crashes_hangs_or_prints_a_traceback(results: tuple[dict, dict]) -> None:
    _, rows = results
    broken = {name: row for name, row in rows.items() if row.get("crash") or row.get("timeout") or row["traceback"]}
    assert not broken, json.dumps(broken, indent=1)[:3000]
    assert all(row["code"] in (0, 1) for row in rows.values())


def test_each_case_gets_the_expected_verdict_and_a_message_naming_file_and_field(results: tuple[dict, dict]) -> None:
    manifest, rows = results
    wrong = []
    for name, meta in manifest.items():
        row = rows[name]
        if meta["expect"] == "error" and row["code"] != 1:
            wrong.append((name, "should be refused", row["lines"][:2]))
        elif meta["expect"] == "ok" and row["code"] != 0:
            wrong.append((name, "should be accepted", row["lines"][:2]))
        elif row["code"] == 1:
            first = row["lines"][0]
            if not first.startswith(f"knowledge/jurisdictions/{meta['file']}"):
                wrong.append((name, "first line does not name the file", first))
            elif meta.get("field") and not any(meta["field"] in line for line in row["lines"]):
                wrong.append((name, f"field {meta['field']} not named", row["lines"][:2]))
    assert not wrong, json.dumps(wrong, indent=1)[:3000]
