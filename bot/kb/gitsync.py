"""Carry edits made on Discord back into the reviewed source: each accepted edit or revert becomes a git
commit in the knowledge folder's working copy (author: the moderator), pushed to a configured remote.

A failed commit or push never fails or blocks the edit: the file and the history are already saved; the
commit waits in the working copy (``qibot kb pending``) and the push is retried with backoff. Without git
(or without ``QIBOT_GIT_COMMIT``) the bot keeps working and ``/kb history`` remains the record.
All git work runs in worker threads or background tasks, never on the event loop.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
COMMITTER = ("qibot", "qibot@users.noreply.invalid")
RETRIES_ON_LOCK = 5


def _locked(message: str) -> bool:
    """True when git failed only because another process held a lock: the index, or a ref (HEAD moved
    between this commit reading it and updating it); git rolled back, so the command can run again."""
    return "index.lock" in message or "cannot lock ref" in message


class GitError(Exception):
    """A git command failed; the message is git's own first line."""


@dataclass
class PushState:
    """What ``/kb status`` says about pushing."""

    last_ok: float | None = None
    last_error: str | None = None
    failures: int = 0
    attempts: int = 0


@dataclass
class GitSync:
    """Commits in the working copy that holds ``root``; pushes ``branch`` to ``remote`` when one is set."""

    root: Path
    branch: str | None = None
    remote: str | None = None
    state: PushState = field(default_factory=PushState)

    def _git(self, *args: str, check: bool = True) -> str:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_COMMITTER_NAME": COMMITTER[0],
               "GIT_COMMITTER_EMAIL": COMMITTER[1]}  # fmt: skip
        for attempt in range(RETRIES_ON_LOCK):
            result = subprocess.run(
                ["git", "-C", str(self.root), *args], capture_output=True, text=True, env=env, timeout=60
            )
            if result.returncode == 0 or not check:
                return result.stdout
            message = (result.stderr or result.stdout).strip().splitlines()
            first = message[0] if message else f"git {args[0]} failed"
            if _locked(first) and attempt < RETRIES_ON_LOCK - 1:  # another process is committing
                time.sleep(0.2 * (attempt + 1))
                continue
            raise GitError(first)
        raise GitError("git is busy")  # pragma: no cover - the loop always returns or raises

    def available(self) -> bool:
        """True when ``root`` is inside a git working copy (on the configured branch, if one is set)."""
        try:
            inside = self._git("rev-parse", "--is-inside-work-tree").strip() == "true"
        except (GitError, OSError, subprocess.SubprocessError):
            return False
        return inside and (self.branch is None or self.current_branch() == self.branch)

    def current_branch(self) -> str:
        return self._git("rev-parse", "--abbrev-ref", "HEAD").strip()

    def commit(self, path: Path, message: str, author_name: str, author_id: int) -> str:
        """Commit one file's change; returns the commit id. Raises GitError (the edit itself stands)."""
        if self.branch is not None and self.current_branch() != self.branch:
            raise GitError(f"the knowledge working copy is not on branch {self.branch}")
        relative = os.path.relpath(path, self.root)
        self._git("add", "--", relative)
        safe_name = " ".join(author_name.replace("<", "").replace(">", "").split())[:80] or str(author_id)
        author = f"{safe_name} (Discord {author_id}) <{author_id}@users.noreply.discord.invalid>"
        self._git("commit", "--quiet", f"--author={author}", "-m", message, "--", relative)
        return self._git("rev-parse", "HEAD").strip()

    def pending(self) -> list[str]:
        """Commits on the branch that the remote does not have yet (one line each)."""
        if not self.remote:
            return []
        branch = self.branch or self.current_branch()
        known = self._git("rev-parse", "--verify", "--quiet", f"refs/remotes/{self.remote}/{branch}", check=False)
        span = f"{self.remote}/{branch}..{branch}" if known.strip() else branch
        return [line for line in self._git("log", "--format=%h %s", span).splitlines() if line]

    def push(self) -> bool:
        """Push the branch once; records the outcome in ``state``."""
        if not self.remote:
            return True
        branch = self.branch or self.current_branch()
        self.state.attempts += 1
        try:
            self._git("push", "--quiet", self.remote, f"{branch}:{branch}")
        except (GitError, OSError, subprocess.SubprocessError) as exc:
            self.state.failures += 1
            self.state.last_error = str(exc)
            log.warning("git push to %s failed (%d in a row): %s", self.remote, self.state.failures, exc)
            return False
        self.state.failures, self.state.last_error, self.state.last_ok = 0, None, time.time()
        return True


def commit_message(change_id: int, jurisdiction: str, criterion: str, before: dict[str, Any] | None,
                   after: dict[str, Any] | None, action: str) -> str:  # fmt: skip
    """ "kb: change #12 ca attorney-fees: no -> partial" plus the source, for reviewers reading git log."""
    old = (before or {}).get("verdict", "none")
    new = (after or {}).get("verdict", "none")
    lines = [f"kb: change #{change_id} ({action}) {jurisdiction} {criterion}: {old} -> {new}", ""]
    if after and after.get("source"):
        lines.append(f"Source: {after['source']}")
    if after and after.get("reason"):
        lines.append(f"Reason: {after['reason']}")
    return "\n".join(lines).rstrip() + "\n"
