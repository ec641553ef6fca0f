"""A write-ahead journal for knowledge-base edits: no file change without its history record.

Before an edit touches a file, a journal entry (the file's text before and after) is written and fsynced
beside the edit lock; it is removed once the history row has committed. A process killed in between leaves
the entry, and :func:`reconcile` (run on start) settles it: if the history has the change, the entry is
simply removed; if not, the file is put back as it was. Temporary files of interrupted atomic writes are
removed too. No discord imports; the store is passed in.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.kb import editor

log = logging.getLogger(__name__)


class ChangeLookup(Protocol):
    async def change_with_sha(self, jurisdiction: str, file_sha_after: str) -> bool: ...


@dataclass(frozen=True)
class Entry:
    path: Path
    journal: Path
    jurisdiction: str
    text_before: str
    sha_before: str
    sha_after: str


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def begin(folder: Path, plan: editor.EditPlan) -> Path:
    """Record the edit about to be written; returns the journal file."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.json"
    record = {"path": str(plan.path), "jurisdiction": plan.jurisdiction, "text_before": plan.text_before,
              "sha_before": plan.sha_before, "sha_after": plan.sha_after}  # fmt: skip
    tmp = target.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    _fsync_dir(folder)
    return target


def finish(journal: Path) -> None:
    """The history committed (or the edit was undone): forget the entry."""
    journal.unlink(missing_ok=True)


def pending(folder: Path) -> list[Entry]:
    """Entries left by a process that stopped mid-edit."""
    found = []
    for journal in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
            found.append(Entry(Path(record["path"]), journal, record["jurisdiction"], record["text_before"],
                               record["sha_before"], record["sha_after"]))  # fmt: skip
        except (OSError, ValueError, KeyError) as exc:
            log.error("journal: unreadable entry %s (%s); moved aside", journal, exc)
            journal.rename(journal.with_suffix(".broken"))
    return found


async def reconcile(folder: Path, knowledge: Path, store: ChangeLookup) -> list[str]:
    """Settle every pending entry against the history; remove stray temporary files. Returns what was done."""
    done = []
    for entry in pending(folder):
        current = editor.file_sha(entry.path.read_text(encoding="utf-8")) if entry.path.exists() else None
        if current == entry.sha_after and await store.change_with_sha(entry.jurisdiction, entry.sha_after):
            done.append(f"{entry.path.name}: the edit and its history are both saved")
        elif current == entry.sha_after:
            editor.write_atomic(entry.path, entry.text_before)
            done.append(f"{entry.path.name}: the edit had no history record; the file was put back")
        else:
            done.append(f"{entry.path.name}: the edit never reached the file; nothing to undo")
        finish(entry.journal)
    for stray in (knowledge / "jurisdictions").glob(".*.tmp"):
        stray.unlink(missing_ok=True)
        done.append(f"removed the temporary file {stray.name}")
    for line in done:
        log.warning("journal: %s", line)
    return done
