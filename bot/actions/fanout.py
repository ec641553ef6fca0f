"""Fan-out: send many messages at a steady rate. Notices are claimed from the store in batches and sent with
bounded concurrency, paced under Discord's global rate limit (50 requests/s per bot), so the time grows
linearly with the number of recipients and a process never trips the global limit."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.store.notices import NOTICE_LEASE, Notice, NoticeResult

log = logging.getLogger(__name__)

DISCORD_GLOBAL_RATE = 50.0  # requests per second per bot, across all routes but interactions
DEFAULT_RATE = 40.0  # what a process spends on fan-out, leaving room for replies and edits
BATCH = 500
CONCURRENCY = 16

NoticeSend = Callable[[Notice], Awaitable[NoticeResult]]


class Pacer:
    """A token bucket shared by everything a process fans out: ``wait()`` returns when one request may go.

    ``rate`` requests per second on average, at most ``burst`` at once; ``rate <= 0`` means unpaced.
    """

    def __init__(self, rate: float = DEFAULT_RATE, burst: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:  # fmt: skip
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate / 5)
        self._clock, self._sleep = clock, sleep
        self._tokens = self.burst
        self._stamp = clock()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if self.rate <= 0:
            return
        async with self._lock:  # FIFO: waiters go in turn, so the rate holds under any concurrency
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1 - 1e-9:  # float rounding must not leave a waiter sleeping 0 s forever
                    self._tokens -= 1
                    return
                await self._sleep((1 - self._tokens) / self.rate)


@dataclass
class FanoutStats:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    batches: int = 0


def worker_name() -> str:
    """This process, as lease holders are named (host and pid): notice batches and scheduled runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def deliver_notices(
    store,
    send: NoticeSend,
    *,
    pacer: Pacer,
    now: Callable[[], dt.datetime],
    worker: str | None = None,
    batch: int = BATCH,
    concurrency: int = CONCURRENCY,
    lease: dt.timedelta = NOTICE_LEASE,
) -> FanoutStats:
    """Claim pending notices a batch at a time and send them until none is left; returns what this call did.

    Every process may run it at once: a batch belongs to one process under its lease. ``send`` makes the
    Discord calls (paced here, one ``pacer.wait()`` per call it reports) and returns the outcome; an
    exception counts as ``failed`` and is logged.
    """
    worker = worker or worker_name()
    stats = FanoutStats()
    limit = asyncio.Semaphore(concurrency)

    async def one(notice: Notice) -> NoticeResult:
        async with limit:
            await pacer.wait()
            if notice.target_kind == "user" and notice.dm_channel_id is None:
                await pacer.wait()  # the DM channel is created first: a second request
            try:
                return await send(notice)
            except Exception as exc:
                log.warning("notice %d to %s %s failed: %s", notice.id, notice.target_kind, notice.target_id, exc)
                return NoticeResult(notice.id, "failed")

    while True:
        claims = await store.claim_notices(now(), worker=worker, limit=batch, lease=lease)
        if not claims:
            return stats
        stats.batches += 1
        stats.claimed += len(claims)
        renewing = asyncio.create_task(_keep_lease(store, [n.id for n in claims], worker, now, lease))
        try:
            results = await asyncio.gather(*(one(n) for n in claims))
        finally:
            renewing.cancel()
        await store.finish_notices(results, worker=worker, now=now())
        for r in results:
            stats.sent += r.outcome == "sent"
            stats.failed += r.outcome == "failed"
            stats.retried += r.outcome == "retry"


async def _keep_lease(
    store, ids: list[int], worker: str, now: Callable[[], dt.datetime], lease: dt.timedelta
) -> None:
    """Renew the batch's lease at a third of its length while it is being sent, so a slow batch (429s, a busy
    pacer) is never re-claimed and sent twice by another process."""
    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        try:
            await store.renew_notice_lease(ids, worker=worker, until=now() + lease)
        except Exception:  # a database blip: the next renewal tries again; the lease still has two thirds left
            log.warning("could not renew the lease of a notice batch", exc_info=True)
