"""kill -9 at each step of an edit: after reconciling on start, the file and the history always agree, and no
temporary file is left behind."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.edits import journal_folder
from bot.kb import editor
from bot.kb.journal import reconcile
from bot.kb.loader import DEFAULT_ROOT
from bot.store import Store

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from bot import edits
    from bot.kb import editor
    from bot.kb.live import LiveKnowledge
    from bot.kb.loader import load_knowledge
    from bot.store import Store

    async def main(root, data):
        store = await Store.open(f"sqlite+aiosqlite:///{data / 'q.db'}")
        live = LiveKnowledge(root, load_knowledge(root))
        values = {"verdict": "partial", "points": 0.5, "reason": "Journal test.", "quote": "",
                  "source": "https://endqi.org/state/ca"}
        plan = editor.plan_edit(root, "ca", "attorney-fees", values, expected_sha=None)
        await edits.apply_plan(store, live, plan, user_id=1, guild_id=None, lock_file=data / "kb-edit.lock")
        await store.close()

    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
    """
)


@pytest.mark.parametrize("point", ["after-journal", "after-file", "after-commit", None])
def test_kill_at_each_step_leaves_file_and_history_in_agreement(tmp_path: Path, point: str | None) -> None:
    root, data = tmp_path / "knowledge", tmp_path / "data"
    shutil.copytree(DEFAULT_ROOT, root)
    data.mkdir()
    path = root / "jurisdictions" / "ca.yaml"
    before = path.read_text()
    env = {k: v for k, v in os.environ.items() if k != "QIBOT_TEST_CRASH_AT"}
    if point:
        env["QIBOT_TEST_CRASH_AT"] = point
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(root), str(data)], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == (-signal.SIGKILL if point else 0), run.stderr[-2000:]
    if point == "after-file":
        assert path.read_text() != before, "killed with the new file written but the history not committed"

    async def settle() -> tuple[list[str], bool]:
        store = await Store.open(f"sqlite+aiosqlite:///{data / 'q.db'}")
        done = await reconcile(journal_folder(data / "kb-edit.lock"), root, store)
        recorded = await store.change_with_sha("ca", editor.file_sha(path.read_text()))
        await store.close()
        return done, recorded

    done, recorded = asyncio.run(settle())
    after = path.read_text()
    assert after == before or "Journal test." in after
    assert (after != before) == recorded, f"{point}: the file and the history disagree ({done})"
    if point == "after-file":
        assert after == before, "an edit without its record is undone"
    if point == "after-commit":
        assert recorded, "a committed edit stays"
    assert not list((root / "jurisdictions").glob(".*.tmp"))
    assert not list(journal_folder(data / "kb-edit.lock").glob("*.json"))
