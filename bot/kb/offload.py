"""Run knowledge-base work (YAML parsing, validation, planning an edit) in a worker process.

Threads are not enough: the event loop thread must win the GIL back to answer members, and a busy parsing
thread starves it for tens of milliseconds at a time. A single worker process has its own GIL; results come
back pickled (~7 ms to unpickle the whole knowledge base). The pool starts lazily and is shared.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def pool() -> ProcessPoolExecutor:
    """The shared one-worker pool (spawned, so no event-loop state is forked into it)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _pool


async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in the worker process; exceptions are raised here as they were there."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool(), functools.partial(fn, *args, **kwargs))


def warm() -> None:
    """Start the worker now (it takes a second), so the first moderator command does not wait for it."""
    pool().submit(int).result()


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
