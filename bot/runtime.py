"""Process-wide settings for a long-running bot."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import gc
import sys
from collections.abc import Callable

GC_THRESHOLDS = (50_000, 50, 100)


def tune_gc() -> None:
    """Fewer, cheaper garbage collections: everything loaded at start moves out of the collector's way, and
    the youngest generation is collected every 50,000 allocations instead of 700. A new knowledge-base
    snapshot allocates ~100,000 objects; with the defaults, the full collections this triggers stalled the
    event loop for up to ~90 ms (bench/loop_bench.py), with these thresholds ~20 ms."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None off Linux/glibc (musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def trim_memory() -> bool:
    """Give freed heap memory back to the system (after a burst glibc keeps it: RSS stays at the peak).
    Blocks for a few ms on a large heap: call it in a thread. Returns whether anything was released."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False


class Trimmer:
    """Trims memory once a burst is over: after ``after`` interactions, when none came for ``quiet`` seconds."""

    def __init__(self, after: int = 200, quiet: float = 0.5) -> None:
        self.after, self.quiet = after, quiet
        self._count, self._last, self._pending = 0, 0.0, False

    def note(self) -> None:
        """One interaction answered (call from the event loop)."""
        self._count += 1
        loop = asyncio.get_running_loop()
        self._last = loop.time()
        if self._count >= self.after and not self._pending and _malloc_trim() is not None:
            self._pending = True
            loop.call_later(self.quiet, self._check)

    def _check(self) -> None:
        loop = asyncio.get_running_loop()
        idle = loop.time() - self._last
        if idle < self.quiet:  # still busy: look again when it may be quiet
            loop.call_later(self.quiet - idle, self._check)
            return
        self._count, self._pending = 0, False
        loop.run_in_executor(None, trim_memory)
