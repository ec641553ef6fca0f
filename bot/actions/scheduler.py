"""The scheduler loop: claim due runs from the store, post each once, record what happened.

Every bot process may run it; the store's claims make each run post exactly once. A channel that is
gone or forbidden pauses its schedule and tells the organizer, instead of retrying forever; a post that
fails for another reason (a 5xx, the network) is retried with backoff, with the same nonce, within the
run's grace period, and then pauses the schedule and tells the organizer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.actions.clock import Clock
from bot.actions.fanout import Pacer, worker_name
from bot.store import StoreUnavailable
from bot.store.actions import Claim

log = logging.getLogger(__name__)


class ChannelUnavailable(Exception):
    """The channel was deleted or the bot may not post there; the schedule must pause."""


@dataclass
class SchedulerStats:
    ticks: int = 0
    posted: int = 0
    late: int = 0
    skipped: int = 0
    failed: int = 0
    paused: int = 0


RETRY_DELAYS = (2.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0)  # seconds between attempts at one run
Poster = Callable[[Claim], Awaitable[int]]  # posts the run, returns the message id
Notifier = Callable[[Claim, str], Awaitable[None]]  # tells the organizer a schedule paused


class Scheduler:
    """Claims and posts due runs."""

    def __init__(
        self,
        store,
        clock: Clock,
        poster: Poster,
        notifier: Notifier,
        *,
        grace: dt.timedelta,
        batch: int = 100,
        concurrency: int = 10,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        pacer: Pacer | None = None,
    ) -> None:
        self.store, self.clock, self.poster, self.notifier = store, clock, poster, notifier
        self.grace, self.batch, self.retry_delays = grace, batch, retry_delays
        self.worker = worker_name()
        self.stats = SchedulerStats()
        self._limit = asyncio.Semaphore(concurrency)
        self.pacer = pacer or Pacer(0)  # shared with notices in the bot: posts stay under the global limit

    async def _post(self, claim: Claim) -> tuple[Claim, str, int | None]:
        async with self._limit:
            await self.pacer.wait()
            try:
                message_id = await self.poster(claim)
            except ChannelUnavailable as exc:
                note = f"paused: {exc}"
                await self.store.set_schedule_status(claim.schedule.id, "paused", note)
                self.stats.paused += 1
                log.warning("schedule #%d %s", claim.schedule.id, note)
                try:
                    await self.notifier(claim, str(exc))
                except Exception:
                    log.exception("could not tell the organizer that schedule #%d paused", claim.schedule.id)
                return claim, "paused", None
            except Exception as exc:
                message_id = await self._retry(claim, exc)
                if message_id is None:
                    return claim, "failed", None
        outcome = "late" if claim.late else "posted"
        self.stats.late += claim.late
        self.stats.posted += 1
        return claim, outcome, message_id

    async def _retry(self, claim: Claim, error: Exception) -> int | None:
        """Retry a failed post (a 5xx, a network error) with backoff while the run is within its grace period.

        Each attempt posts the same message with the same nonce, so a post that reached Discord before its
        answer was lost is returned, not repeated. Past the grace period the schedule pauses and its
        organizer is told.
        """
        deadline = claim.run_at + self.grace
        for attempt, delay in enumerate(self.retry_delays, 1):
            log.warning("schedule #%d: posting the run of %s failed (%s); retry %d in %gs",
                        claim.schedule.id, claim.run_at, error, attempt, delay)  # fmt: skip
            if self.clock.now() + dt.timedelta(seconds=delay) > deadline:
                break
            await self.store.renew_lease(claim, self.clock.now() + dt.timedelta(seconds=delay))
            await asyncio.sleep(delay)
            await self.pacer.wait()
            try:
                return await self.poster(claim)
            except ChannelUnavailable:
                raise
            except Exception as exc:
                error = exc
        self.stats.failed += 1
        note = f"paused: posting failed until the grace period ended ({str(error)[:200]})"
        log.error("schedule #%d %s", claim.schedule.id, note)
        await self.store.set_schedule_status(claim.schedule.id, "paused", note)
        self.stats.paused += 1
        try:
            await self.notifier(claim, f"posting kept failing ({str(error)[:200]}); the schedule is paused")
        except Exception:
            log.exception("could not tell the organizer that schedule #%d paused", claim.schedule.id)
        return None

    async def tick(self) -> int:
        """One pass: claim and post batches until nothing is due. Returns the number of runs handled."""
        self.stats.ticks += 1
        handled = 0
        while True:
            now = self.clock.now()
            claims = await self.store.reclaim_expired(now, worker=self.worker, grace=self.grace, limit=self.batch)
            claims += await self.store.claim_due(now, worker=self.worker, grace=self.grace, limit=self.batch)
            if not claims:
                return handled
            to_post = [c for c in claims if not c.skipped]
            self.stats.skipped += len(claims) - len(to_post)
            results = await asyncio.gather(*(self._post(c) for c in to_post))
            await self.store.finish_runs(list(results))
            handled += len(claims)

    async def tick_safely(self) -> None:
        """One tick for a timer loop (``discord.ext.tasks`` in the cog): failures are logged, never raised."""
        try:
            await self.tick()
        except StoreUnavailable as exc:
            log.warning("scheduler: database unavailable (%s); retrying", exc)
        except Exception:
            log.exception("scheduler: tick failed")
