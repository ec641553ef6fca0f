"""Editing verdicts: minimal, validated, atomic; diffs; live reloads that never lose the last good data."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import edits
from bot.kb import editor
from bot.kb.live import LiveKnowledge
from bot.kb.loader import load_knowledge
from bot.store import Store, StoreUnavailable

ROOT = Path(__file__).resolve().parents[2]
NEW_FEES = {
    "verdict": "partial",
    "points": 0.5,
    "reason": "Test reason.",
    "quote": "",
    "source": "https://endqi.org/state/ca",
}


def test_edit_changes_only_that_entry(kb_copy: Path) -> None:
    path = kb_copy / "jurisdictions" / "ca.yaml"
    before = path.read_text()
    entry_before = editor.current_entry(kb_copy, "ca", "attorney-fees")
    plan = editor.plan_edit(
        kb_copy, "ca", "attorney-fees", NEW_FEES, expected_sha=editor.file_sha(before)[:12], today=dt.date(2026, 1, 2)
    )
    assert path.read_text() == before, "planning writes nothing"
    old_lines, new_lines = before.splitlines(), plan.text_after.splitlines()
    changed = [line for line in new_lines if line not in old_lines]
    assert changed
    assert {line.strip() for line in changed} <= {
        'verdict: "partial"',
        "points: 0.5",
        "reason: Test reason.",
        "Test reason.",
        "source: https://endqi.org/state/ca",
        "https://endqi.org/state/ca",
        "verified_on: 2026-01-02",
    }
    assert plan.before == entry_before
    assert plan.before["verdict"] != "partial"
    assert plan.after == {**plan.after, "verdict": "partial", "points": 0.5, "verified_on": "2026-01-02"}
    assert plan.kb.jurisdictions["ca"].verdicts["attorney-fees"].points == 0.5
    # the header comment and key order of the file survive
    assert new_lines[:5] == old_lines[:5]


def test_invalid_edit_is_refused_with_file_line_field(kb_copy: Path) -> None:
    with pytest.raises(editor.EditInvalid) as caught:
        editor.plan_edit(kb_copy, "ca", "attorney-fees", {**NEW_FEES, "verdict": "maybe"}, expected_sha=None)
    issue = caught.value.issues[0]
    assert issue.file.endswith("ca.yaml")
    assert issue.line
    assert issue.field == "current_law.verdicts.attorney-fees.verdict"


def test_edit_that_breaks_a_published_score_is_refused(kb_copy: Path) -> None:
    with pytest.raises(editor.EditInvalid, match=r"published start score 1\.5"):
        editor.plan_edit(
            kb_copy, "ct", "attorney-fees", {**NEW_FEES, "source": "https://endqi.org/state/ct"}, expected_sha=None
        )


def test_stale_editor_is_a_conflict(kb_copy: Path) -> None:
    with pytest.raises(editor.EditConflict):
        editor.plan_edit(kb_copy, "ca", "attorney-fees", NEW_FEES, expected_sha="0" * 12)


def test_crash_during_write_leaves_the_old_file(kb_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = kb_copy / "jurisdictions" / "ca.yaml"
    before = path.read_text()

    def crash(src: str, dst: str) -> None:
        raise OSError("killed")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="killed"):
        editor.write_atomic(path, "garbage")
    assert path.read_text() == before
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_restore_refuses_when_the_entry_moved_on(kb_copy: Path) -> None:
    current = editor.current_entry(kb_copy, "ca", "attorney-fees")
    with pytest.raises(editor.EditConflict):
        editor.plan_restore(kb_copy, "ca", "attorney-fees", None, expect={**current, "verdict": "yes"})
    plan = editor.plan_restore(kb_copy, "ca", "attorney-fees", {**current, "reason": "Restored."}, expect=current)
    assert plan.kb.jurisdictions["ca"].verdicts["attorney-fees"].reason == "Restored."


def test_reload_keeps_the_last_good_snapshot(kb_copy: Path) -> None:
    live = LiveKnowledge(kb_copy, load_knowledge(kb_copy))
    good = live()
    path = kb_copy / "jurisdictions" / "vt.yaml"
    path.write_text(path.read_text() + "\nbroken: [\n")
    result = live.reload()
    assert not result.swapped
    assert result.errors[0].file.endswith("vt.yaml")
    assert live() is good
    path.write_text(path.read_text().replace("\nbroken: [\n", "").replace("S.254", "S. 254", 1))
    seen = []
    live.on_change(lambda diff, kb: seen.append(diff.jurisdictions()))
    result = live.reload()
    assert result.swapped
    assert live() is not good
    assert seen == [["vt"]]


def _fees_before(root: Path) -> str:
    """The shipped verdict word for California's attorney fees (the edits below change it to Partial)."""
    from bot.kb.diff import WORDS

    verdict = load_knowledge(root).jurisdictions["ca"].verdicts["attorney-fees"].verdict.value
    assert verdict != "partial"
    return WORDS[verdict]


def test_diff_reports_verdict_changes(kb_copy: Path) -> None:
    from bot.kb.diff import diff_kb

    old = load_knowledge(kb_copy)
    before = _fees_before(kb_copy)
    plan = editor.plan_edit(kb_copy, "ca", "attorney-fees", NEW_FEES, expected_sha=None)
    diff = diff_kb(old, plan.kb)
    assert diff.jurisdictions() == ["ca"]
    line = diff.summary_lines("ca")[0]
    assert line.startswith(f"Attorney fees: verdict: {before} → Partial;")
    assert "points:" in line and "→ 0.5; reason changed" in line
    assert "### California (ca)" in diff.markdown()


def test_kb_diff_command(kb_copy: Path) -> None:
    before = _fees_before(kb_copy)
    plan = editor.plan_edit(kb_copy, "ca", "attorney-fees", NEW_FEES, expected_sha=None)
    editor.write_atomic(plan.path, plan.text_after)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "diff", str(ROOT / "knowledge"), str(kb_copy)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "California (ca)" in result.stdout
    assert f"verdict: {before} → Partial" in result.stdout


async def test_edit_with_database_down_writes_nothing(kb_copy: Path, tmp_path: Path) -> None:
    live = LiveKnowledge(kb_copy, load_knowledge(kb_copy))
    start = live().jurisdictions["ca"].verdicts["attorney-fees"].verdict
    store = await Store.open_degraded("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    before = (kb_copy / "jurisdictions" / "ca.yaml").read_text()
    plan = editor.plan_edit(kb_copy, "ca", "attorney-fees", NEW_FEES, expected_sha=None)
    with pytest.raises(StoreUnavailable):
        await edits.apply_plan(store, live, plan, user_id=1, guild_id=None, lock_file=tmp_path / "lock")
    assert (kb_copy / "jurisdictions" / "ca.yaml").read_text() == before
    assert live().jurisdictions["ca"].verdicts["attorney-fees"].verdict == start
    await store.close()


async def test_failed_commit_puts_the_old_file_back(
    kb_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database commit fails after the new file was written: the old file is written back."""
    import contextlib

    live = LiveKnowledge(kb_copy, load_knowledge(kb_copy))
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'q.db'}")
    path = kb_copy / "jurisdictions" / "ca.yaml"
    real_transaction = store.transaction
    seen_after_write: list[str] = []

    @contextlib.asynccontextmanager
    async def commit_fails_after_the_write():
        async with real_transaction() as conn:
            yield conn
            seen_after_write.append(path.read_text())  # the body (history row + file write) has run
            raise StoreUnavailable("connection lost during commit")

    monkeypatch.setattr(store, "transaction", commit_fails_after_the_write)
    before = path.read_text()
    plan = editor.plan_edit(kb_copy, "ca", "attorney-fees", NEW_FEES, expected_sha=None)
    with pytest.raises(StoreUnavailable):
        await edits.apply_plan(store, live, plan, user_id=1, guild_id=None, lock_file=tmp_path / "lock")
    assert seen_after_write == [plan.text_after], "the failure came after the new file was on disk"
    assert path.read_text() == before, "and the old file was put back"
    assert await store.changes() == []
    await store.close()


async def test_two_moderators_second_gets_a_conflict(kb_copy: Path, tmp_path: Path) -> None:
    live = LiveKnowledge(kb_copy, load_knowledge(kb_copy))
    start = live().jurisdictions["ca"].verdicts["attorney-fees"].verdict
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'q.db'}")
    sha = editor.current_sha(kb_copy, "ca")[:12]
    first = editor.plan_edit(kb_copy, "ca", "attorney-fees", NEW_FEES, expected_sha=sha)
    second = editor.plan_edit(kb_copy, "ca", "public-records", {**NEW_FEES, "reason": "Other."}, expected_sha=sha)
    results = await asyncio.gather(
        edits.apply_plan(store, live, first, user_id=1, guild_id=None, lock_file=tmp_path / "lock"),
        edits.apply_plan(store, live, second, user_id=2, guild_id=None, lock_file=tmp_path / "lock"),
        return_exceptions=True,
    )
    assert isinstance(results[0], edits.Applied)
    assert isinstance(results[1], editor.EditConflict)
    text = (kb_copy / "jurisdictions" / "ca.yaml").read_text()
    assert "Test reason." in text
    assert "Other." not in text
    history = await store.changes("ca")
    assert [c.user_id for c in history] == [1]
    service = edits.EditService(store, live, tmp_path / "lock")
    reverted = await service.revert(history[0], user_id=3, guild_id=None)
    assert live().jurisdictions["ca"].verdicts["attorney-fees"].verdict == start
    assert (await store.change(reverted.change_id)).reverts_id == history[0].id
    await store.close()
