"""Run knowledge-base work (YAML parsing, validation, planning an edit) in a worker process.

Threads are not enough: the event loop thread must win the GIL back to answer members, and a busy parsing
thread starves it for tens of milliseconds at a time. A single worker process has its own GIL; results come
back pickled (~7 ms to unpickle the whole knowledge base). The pool starts lazily and is shared.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bot.kb import editor
from bot.kb.snapshot import KnowledgeBase, jurisdiction_keys

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


# ----------------------------------------------------------------- sending back only what changed
# A whole snapshot takes ~7 ms to unpickle, during which the event loop's thread cannot run. The worker
# leaves out every jurisdiction whose file the bot already has (same digest); the bot fills them back in.


def _strip(kb: KnowledgeBase | None, known: dict[str, str]) -> KnowledgeBase | None:
    if kb is None:
        return None
    kept = {jid: (None if kb.digests.get(jid) == known.get(jid) else j) for jid, j in kb.jurisdictions.items()}
    return dataclasses.replace(kb, jurisdictions=kept)  # type: ignore[arg-type]


def complete(kb: KnowledgeBase | None, live: KnowledgeBase) -> KnowledgeBase | None:
    """Fill the jurisdictions the worker left out with the live snapshot's (identical) ones, and keep the
    live lookup indexes when no name or alias changed (an edit to a verdict does not rebuild them)."""
    if kb is None:
        return None
    changed = [jid for jid, j in kb.jurisdictions.items() if j is not None]
    full = {jid: (j if j is not None else live.jurisdictions[jid]) for jid, j in kb.jurisdictions.items()}
    new = dataclasses.replace(kb, jurisdictions=full)
    same_keys = set(full) == set(live.jurisdictions) and all(
        jurisdiction_keys(full[jid]) == jurisdiction_keys(live.jurisdictions[jid]) for jid in changed
    )
    inherited: tuple[str, ...] = ("jurisdiction_index",) if same_keys else ()  # entries hold no models
    if kb.shared_digest == live.shared_digest:
        inherited += ("criterion_index", "glossary_index", "criteria")
    for name in inherited:
        if name in live.__dict__:
            new.__dict__[name] = live.__dict__[name]
    return new


def collect_changes(root: Path, known: dict[str, str]) -> tuple[KnowledgeBase | None, list]:
    """``collect(root)`` in the worker, returning only the jurisdictions that are not in ``known``."""
    from bot.kb.loader import collect  # the worker's job: the bot process itself never parses YAML

    kb, issues = collect(root)
    return _strip(kb, known), issues


PRIMED_LOCALES = ("en", "es")


def plan_changes(planner: Callable[..., editor.EditPlan], known: dict[str, str], *args: Any,
                 **kwargs: Any) -> tuple[editor.EditPlan, dict]:  # fmt: skip
    """An edit plan made in the worker, its snapshot holding only the jurisdictions that changed, and the
    edited jurisdiction's state replies, built here so the bot does not build them on its event loop."""
    from bot.replies.build import state_reply
    from bot.replies.responder import templates_for

    plan = planner(*args, **kwargs)
    replies = {(plan.jurisdiction, locale): state_reply(plan.kb, plan.jurisdiction, templates_for(locale))
               for locale in PRIMED_LOCALES}  # fmt: skip
    return dataclasses.replace(plan, kb=_strip(plan.kb, known)), replies


async def reload(root: Path, live: KnowledgeBase) -> tuple[KnowledgeBase | None, list]:
    """Read and validate the files in the worker; returns a complete snapshot (or None) and the findings."""
    kb, issues = await run(collect_changes, root, dict(live.digests))
    return complete(kb, live), issues


async def plan(planner: Callable[..., editor.EditPlan], live: KnowledgeBase, *args: Any,
               **kwargs: Any) -> tuple[editor.EditPlan, dict]:  # fmt: skip
    """``planner(*args, **kwargs)`` (plan_edit, plan_restore) in the worker, completed here; with the edited
    jurisdiction's state replies by (jurisdiction, locale), for ``Responder.prime`` once the edit is live."""
    made, replies = await run(plan_changes, planner, dict(live.digests), *args, **kwargs)
    return dataclasses.replace(made, kb=complete(made.kb, live)), replies
