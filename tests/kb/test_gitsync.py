"""Edits made on Discord reach git: each accepted edit and revert is a commit by the moderator, pushed to a
remote (here a local bare repository); a failed push waits and succeeds later; the edit never depends on git."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot import edits
from bot.kb import editor
from bot.kb.gitsync import GitSync
from bot.kb.live import LiveKnowledge
from bot.kb.loader import load_knowledge
from bot.store import Store

ROOT = Path(__file__).resolve().parents[2]
FEES = {"verdict": "partial", "points": 0.5, "reason": "Git test.", "quote": "", "source": "https://endqi.org/state/ca"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """(working copy's knowledge folder, bare remote): the working copy is on ``main`` and pushed once."""
    remote = tmp_path / "remote.git"
    work = tmp_path / "work"
    subprocess.run(["git", "init", "--quiet", "--bare", "-b", "main", str(remote)], check=True)
    subprocess.run(["git", "init", "--quiet", "-b", "main", str(work)], check=True)
    shutil.copytree(ROOT / "knowledge", work / "knowledge")
    git(work, "add", ".")
    git(work, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "--quiet", "-m", "initial")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "--quiet", "origin", "main")
    return work / "knowledge", remote


async def _edit(root: Path, store: Store, sync: GitSync | None, tmp_path: Path, values: dict = FEES) -> edits.Applied:
    live = LiveKnowledge(root, load_knowledge(root))
    plan = editor.plan_edit(root, "ca", "attorney-fees", values, expected_sha=None)
    return await edits.apply_plan(
        store, live, plan, user_id=42, guild_id=None, lock_file=tmp_path / "lock", git=sync, author_name="Mod <x>"
    )


async def test_edit_and_revert_become_commits_that_reach_the_remote(repo: tuple[Path, Path], tmp_path: Path) -> None:
    root, remote = repo
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'q.db'}")
    sync = GitSync(root, branch="main", remote="origin")
    assert sync.available()
    applied = await _edit(root, store, sync, tmp_path)
    head = git(root, "log", "-1", "--format=%an|%ae|%s|%b")
    author = "Mod x (Discord 42)|42@users.noreply.discord.invalid"
    assert head.startswith(f"{author}|kb: change #{applied.change_id} (edit)")
    assert "Source: https://endqi.org/state/ca" in head
    assert git(root, "status", "--porcelain") == "", "nothing left uncommitted"
    assert len(sync.pending()) == 1
    assert sync.push() and sync.pending() == []
    assert "kb: change #" in git(remote, "log", "-1", "--format=%s")

    history = await store.changes("ca")
    service = edits.EditService(store, LiveKnowledge(root, load_knowledge(root)), tmp_path / "lock", sync)
    reverted = await service.revert(history[0], user_id=43, guild_id=None, author_name="Other mod")
    assert git(root, "log", "-1", "--format=%an|%s").startswith(
        f"Other mod (Discord 43)|kb: change #{reverted.change_id} (revert) ca attorney-fees: partial ->"
    )
    assert git(root, "status", "--porcelain") == ""
    assert sync.push() and "(revert)" in git(remote, "log", "-1", "--format=%s")
    await store.close()


async def test_failed_push_is_reported_and_later_succeeds(repo: tuple[Path, Path], tmp_path: Path) -> None:
    root, remote = repo
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'q.db'}")
    sync = GitSync(root, branch="main", remote="origin")
    moved = remote.with_name("away.git")
    remote.rename(moved)  # the remote is unreachable
    await _edit(root, store, sync, tmp_path)
    assert not sync.push()
    assert sync.state.failures == 1 and sync.state.last_error
    assert len(sync.pending()) == 1, "the commit waits in the working copy"
    moved.rename(remote)
    assert sync.push()
    assert sync.state.failures == 0 and sync.state.last_error is None
    assert sync.pending() == []
    await store.close()


async def test_edit_stands_without_git(tmp_path: Path, kb_copy: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'q.db'}")
    sync = GitSync(kb_copy, branch="main", remote="origin")
    assert not sync.available(), "a plain folder is not a working copy"
    applied = await _edit(kb_copy, store, sync, tmp_path)
    assert 'verdict: "partial"' in (kb_copy / "jurisdictions" / "ca.yaml").read_text()
    assert [c.id for c in await store.changes("ca")] == [applied.change_id]
    await store.close()


async def test_wrong_branch_is_refused_but_the_edit_stands(repo: tuple[Path, Path], tmp_path: Path) -> None:
    root, _ = repo
    git(root, "checkout", "--quiet", "-b", "other")
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'q.db'}")
    sync = GitSync(root, branch="main", remote="origin")
    assert not sync.available()
    before = git(root, "rev-parse", "HEAD")
    await _edit(root, store, sync, tmp_path)
    assert git(root, "rev-parse", "HEAD") == before, "no commit on the wrong branch"
    assert 'verdict: "partial"' in (root / "jurisdictions" / "ca.yaml").read_text()
    await store.close()


def test_two_processes_committing_lose_no_commit(repo: tuple[Path, Path]) -> None:
    root, _ = repo
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from bot.kb.gitsync import GitSync
        root, jid = Path(sys.argv[1]), sys.argv[2]
        sync = GitSync(root, branch="main")
        path = root / "jurisdictions" / f"{jid}.yaml"
        for n in range(5):
            path.write_text(path.read_text() + f"# note {n}\\n")
            sync.commit(path, f"kb: {jid} {n}", "Mod", 7)
        """
    )
    before = int(git(root, "rev-list", "--count", "HEAD"))
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(root), jid], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for jid in ("co", "nm")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert int(git(root, "rev-list", "--count", "HEAD")) == before + 10
    assert git(root, "status", "--porcelain") == ""
