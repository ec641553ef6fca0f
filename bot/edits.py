"""The one editing service: plan an edit or a revert (in the worker process), apply it (file and history
commit together, then the snapshot swaps), and commit it to git.

Order (nothing lost): open a database transaction (a down database stops here, file untouched) →
insert the history row → write the file atomically → commit. If the commit fails the old file is
written back. Edits in one process are serialised; a lock file serialises processes on one host.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import logging
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from bot import worker
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
    replies: dict = field(default_factory=dict)  # the edited jurisdiction's replies, built in the worker


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


@dataclass(frozen=True)
class EditService:
    """Plan, apply and revert edits of the live knowledge base (the only way Discord changes the files).

    Planning parses and validates YAML, so it runs in the worker process, never on the event loop; applying
    holds the edit locks, writes the journal, the history row and the file, then swaps the snapshot."""

    store: Store
    live: LiveKnowledge
    lock_file: Path
    git: GitSync | None = None

    async def edit(
        self,
        jid: str,
        cid: str,
        values: dict,
        *,
        expected_sha: str | None,
        user_id: int,
        guild_id: int | None,
        author_name: str = "",
    ) -> Applied:
        """Validate and apply one verdict edit; raises EditInvalid, EditConflict or StoreUnavailable."""
        plan, replies = await worker.plan(
            editor.plan_edit, self.live(), self.live.root, jid, cid, values, expected_sha=expected_sha
        )
        return await self._apply(plan, replies, "edit", None, user_id, guild_id, author_name)

    async def revert(self, change: Change, *, user_id: int, guild_id: int | None, author_name: str = "") -> Applied:
        """Restore the entry a change replaced; the revert is itself a recorded change."""
        plan, replies = await worker.plan(
            editor.plan_restore,
            self.live(),
            self.live.root,
            change.jurisdiction,
            change.criterion,
            change.before,
            expect=change.after,
        )
        return await self._apply(plan, replies, "revert", change.id, user_id, guild_id, author_name)

    async def _apply(
        self,
        plan: editor.EditPlan,
        replies: dict,
        action: str,
        reverts_id: int | None,
        user_id: int,
        guild_id: int | None,
        author_name: str,
    ) -> Applied:
        applied = await apply_plan(
            self.store,
            self.live,
            plan,
            user_id=user_id,
            guild_id=guild_id,
            action=action,
            reverts_id=reverts_id,
            lock_file=self.lock_file,
            git=self.git,
            author_name=author_name,
        )
        return dataclasses.replace(applied, replies=replies)
