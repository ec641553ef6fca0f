"""Apply a validated knowledge-base edit: file and history commit together, then the snapshot swaps.

Order (nothing lost): open a database transaction (a down database stops here, file untouched) →
insert the history row → write the file atomically → commit. If the commit fails the old file is
written back. Edits in one process are serialised; a lock file serialises processes on one host.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bot.kb import editor
from bot.kb import journal as write_ahead
from bot.kb.diff import KBDiff
from bot.kb.gitsync import GitError, GitSync, commit_message
from bot.kb.live import LiveKnowledge
from bot.store import Store
from bot.store.store import Change

log = logging.getLogger(__name__)
_edit_lock = asyncio.Lock()


def journal_folder(lock_file: Path) -> Path:
    """Where the write-ahead journal lives: beside the edit lock, in the data folder."""
    return lock_file.parent / "kb-journal"


def crash_point(name: str) -> None:
    """Tests kill the process here (QIBOT_TEST_CRASH_AT=name) to prove no edit is lost without its record."""
    if os.environ.get("QIBOT_TEST_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


async def drain(timeout: float) -> bool:
    """Wait until no edit is being written (for a clean shutdown); False when one is still running."""
    try:
        await asyncio.wait_for(_edit_lock.acquire(), timeout)
    except TimeoutError:
        return False
    return True  # keep the lock: no new edit starts while the process shuts down


@dataclass(frozen=True)
class Applied:
    """An accepted change: its history id and what changed in the live snapshot."""

    change_id: int
    plan: editor.EditPlan
    diff: KBDiff


@contextlib.asynccontextmanager
async def _host_lock(path: Path) -> AsyncIterator[None]:
    """The cross-process edit lock, waited for in a worker thread so the event loop never blocks on it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def apply_plan(
    store: Store,
    live: LiveKnowledge,
    plan: editor.EditPlan,
    *,
    user_id: int,
    guild_id: int | None,
    action: str = "edit",
    reverts_id: int | None = None,
    lock_file: Path,
    git: GitSync | None = None,
    author_name: str = "",
) -> Applied:
    """Write ``plan`` and record it; raises StoreUnavailable (nothing written) or EditConflict.

    With ``git``, the written file is committed while the edit lock is still held (so commits follow the
    order of edits); a failed commit is logged and left for ``qibot kb pending``, never undoing the edit.
    """
    async with _edit_lock, _host_lock(lock_file):
        if await asyncio.to_thread(editor.current_sha, live.root, plan.jurisdiction) != plan.sha_before:
            raise editor.EditConflict(
                f"{plan.jurisdiction}.yaml was changed by someone else a moment ago; reopen the editor"
            )
        written = False
        journal = await asyncio.to_thread(write_ahead.begin, journal_folder(lock_file), plan)
        crash_point("after-journal")
        try:
            async with store.transaction() as conn:
                change_id = await store.record_change(
                    conn,
                    user_id=user_id,
                    guild_id=guild_id,
                    jurisdiction=plan.jurisdiction,
                    criterion=plan.criterion,
                    action=action,
                    before=plan.before,
                    after=plan.after,
                    file_sha_before=plan.sha_before,
                    file_sha_after=plan.sha_after,
                    reverts_id=reverts_id,
                )
                await asyncio.to_thread(editor.write_atomic, plan.path, plan.text_after)
                written = True
                crash_point("after-file")
            crash_point("after-commit")
        except BaseException:
            if written:  # the history did not commit: put the old file back
                await asyncio.to_thread(editor.write_atomic, plan.path, plan.text_before)
            await asyncio.to_thread(write_ahead.finish, journal)
            raise
        await asyncio.to_thread(write_ahead.finish, journal)
        if git is not None:
            message = commit_message(change_id, plan.jurisdiction, plan.criterion, plan.before, plan.after, action)
            try:
                await asyncio.to_thread(git.commit, plan.path, message, author_name, user_id)
            except (GitError, OSError) as exc:
                log.error("change #%d saved, but the git commit failed: %s", change_id, exc)
    diff = live.swap(plan.kb)
    log.info("change #%d: %s · %s %s by %s", change_id, plan.jurisdiction, plan.criterion, action, user_id)
    return Applied(change_id, plan, diff)


async def revert(
    store: Store,
    live: LiveKnowledge,
    change: Change,
    *,
    user_id: int,
    guild_id: int | None,
    lock_file: Path,
    git: GitSync | None = None,
    author_name: str = "",
) -> Applied:
    """Restore the entry a change replaced; the revert is itself a recorded change."""
    plan = await asyncio.to_thread(
        editor.plan_restore, live.root, change.jurisdiction, change.criterion, change.before, expect=change.after
    )
    return await apply_plan(
        store,
        live,
        plan,
        user_id=user_id,
        guild_id=guild_id,
        action="revert",
        reverts_id=change.id,
        lock_file=lock_file,
        git=git,
        author_name=author_name,
    )
