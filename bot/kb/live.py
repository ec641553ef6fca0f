"""The live knowledge base: one snapshot at a time, swapped atomically; a bad reload keeps the old one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.kb.diff import KBDiff, diff_kb
from bot.kb.issues import Issue, Severity
from bot.kb.snapshot import KnowledgeBase

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: swapped (with the diff) or kept the old snapshot (with the errors)."""

    swapped: bool
    version: str
    diff: KBDiff | None = None
    errors: list[Issue] = field(default_factory=list)


def fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Cheap change detector for the watcher: names, sizes and mtimes of every YAML file."""
    return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*.yaml") if p.is_file()))


class LiveKnowledge:
    """Callable holder of the current snapshot; ``live()`` returns it."""

    def __init__(self, root: Path, kb: KnowledgeBase) -> None:
        self.root = root
        self._kb = kb
        self._listeners: list[Callable[[KBDiff, KnowledgeBase], None]] = []
        self.last_fingerprint = fingerprint(root)

    def __call__(self) -> KnowledgeBase:
        return self._kb

    def on_change(self, listener: Callable[[KBDiff, KnowledgeBase], None]) -> None:
        """Call ``listener(diff, new_kb)`` after every swap that changed something."""
        self._listeners.append(listener)

    def swap(self, kb: KnowledgeBase) -> KBDiff:
        """Make an already-validated snapshot live; returns what changed."""
        old, self._kb = self._kb, kb
        self.last_fingerprint = fingerprint(self.root)
        change = diff_kb(old, kb)
        if change:
            log.info("knowledge base %s -> %s: %s", old.version, kb.version, change.headline())
            for listener in self._listeners:
                try:
                    listener(change, kb)
                except Exception:
                    log.exception("knowledge-base change listener failed")
        return change

    def reload(self) -> ReloadResult:
        """Load the files beside the live snapshot and swap only if they are valid."""
        return self.apply(self.prepare())

    def prepare(self) -> tuple[KnowledgeBase | None, list[Issue]]:
        """Read and validate the files (no swap): safe to run in a worker thread."""
        from bot.kb.loader import collect  # only when files change: a start from a snapshot never needs it

        return collect(self.root)

    def apply(self, prepared: tuple[KnowledgeBase | None, list[Issue]]) -> ReloadResult:
        """Swap in a prepared snapshot if it is valid (on the event loop, where listeners run)."""
        kb, issues = prepared
        if kb is None:
            errors = [i for i in issues if i.severity is Severity.ERROR]
            log.warning("reload refused, keeping %s: %d error(s), first: %s", self._kb.version, len(errors), errors[0])
            self.last_fingerprint = fingerprint(self.root)
            return ReloadResult(False, self._kb.version, errors=errors)
        if kb.version == self._kb.version:
            self.last_fingerprint = fingerprint(self.root)
            return ReloadResult(False, kb.version, diff=KBDiff([]))
        return ReloadResult(True, kb.version, diff=self.swap(kb))

    def changed_on_disk(self) -> bool:
        return fingerprint(self.root) != self.last_fingerprint
