"""Schedules on SQLite and PostgreSQL: exactly once under concurrent workers, downtime, lost channels."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.actions.scheduler import ChannelUnavailable, Scheduler
from bot.store import Store, times

UTC = dt.UTC
NY = times.zone("America/New_York")
GRACE = dt.timedelta(minutes=60)


class FixedClock:
    def __init__(self, now: dt.datetime) -> None:
        self.value = now

    def now(self) -> dt.datetime:
        return self.value


async def _add(store: Store, local: str, repeat: str = "daily", channel: int = 10) -> int:
    first_local = times.parse_local(local)
    return await store.add_schedule(
        guild_id=1,
        channel_id=channel,
        prompt="contact-legislator",
        jurisdiction="ct",
        timezone="America/New_York",
        local_time=first_local,
        repeat=repeat,
        first_run=times.to_utc(first_local, NY),
        created_by=5,
    )


def _scheduler(store: Store, clock: FixedClock, posted: list, failing: dict | None = None, told: list | None = None):
    async def poster(claim):
        if failing and claim.schedule.channel_id in failing:
            raise failing[claim.schedule.channel_id]
        posted.append((claim.schedule.id, claim.run_at, claim.late))
        return 1000 + len(posted)

    async def notifier(claim, reason):
        (told if told is not None else []).append((claim.schedule.id, reason))

    return Scheduler(store, clock, poster, notifier, grace=GRACE, batch=7, retry_delays=(0.01, 0.01, 0.01))


async def test_due_runs_post_once_and_advance(store: Store) -> None:
    schedule_id = await _add(store, "2026-03-07 18:00")
    clock, posted = FixedClock(dt.datetime(2026, 3, 7, 22, 59, tzinfo=UTC)), []
    scheduler = _scheduler(store, clock, posted)
    assert await scheduler.tick() == 0
    clock.value = dt.datetime(2026, 3, 7, 23, 0, 5, tzinfo=UTC)
    assert await scheduler.tick() == 1
    assert await scheduler.tick() == 0, "a tick right after posts nothing again"
    clock.value = dt.datetime(2026, 3, 8, 22, 0, 1, tzinfo=UTC)  # next day 18:00 EDT
    await scheduler.tick()
    assert [(p[1], p[2]) for p in posted] == [
        (dt.datetime(2026, 3, 7, 23, 0, tzinfo=UTC), False),
        (dt.datetime(2026, 3, 8, 22, 0, tzinfo=UTC), False),
    ]
    assert [o for _, o, _ in await store.runs(schedule_id)] == ["posted", "posted"]


async def test_downtime_posts_the_latest_missed_run_once_marked_late(store: Store) -> None:
    schedule_id = await _add(store, "2026-03-01 18:00")
    posted = []
    # the bot was down for three days; it comes back 20 minutes after today's run
    clock = FixedClock(dt.datetime(2026, 3, 4, 23, 20, tzinfo=UTC))
    await _scheduler(store, clock, posted).tick()
    assert posted == [(schedule_id, dt.datetime(2026, 3, 4, 23, 0, tzinfo=UTC), True)]
    assert [o for _, o, _ in await store.runs(schedule_id)] == ["late"]
    (sched,) = await store.schedules(1)
    assert sched.next_run_at == dt.datetime(2026, 3, 5, 23, 0, tzinfo=UTC)


async def test_downtime_past_the_grace_period_skips(store: Store) -> None:
    schedule_id = await _add(store, "2026-03-01 18:00")
    posted = []
    clock = FixedClock(dt.datetime(2026, 3, 4, 23, 0, tzinfo=UTC) + GRACE + dt.timedelta(minutes=1))
    scheduler = _scheduler(store, clock, posted)
    await scheduler.tick()
    assert posted == []
    assert scheduler.stats.skipped == 1
    assert [o for _, o, _ in await store.runs(schedule_id)] == ["skipped"]
    (sched,) = await store.schedules(1)
    assert sched.next_run_at == dt.datetime(2026, 3, 5, 23, 0, tzinfo=UTC)


async def test_once_finishes(store: Store) -> None:
    await _add(store, "2026-03-01 18:00", repeat="once")
    posted = []
    await _scheduler(store, FixedClock(dt.datetime(2026, 3, 1, 23, 1, tzinfo=UTC)), posted).tick()
    assert len(posted) == 1
    assert await store.schedules(1) == []
    assert [s.status for s in await store.schedules(1, statuses=("done",))] == ["done"]


async def test_lost_channel_pauses_and_tells_the_organizer(store: Store) -> None:
    gone = await _add(store, "2026-03-01 18:00", channel=66)
    fine = await _add(store, "2026-03-01 18:00", channel=10)
    posted, told = [], []
    failing = {66: ChannelUnavailable("channel <#66> no longer exists")}
    clock = FixedClock(dt.datetime(2026, 3, 1, 23, 1, tzinfo=UTC))
    scheduler = _scheduler(store, clock, posted, failing, told)
    await scheduler.tick()
    assert [p[0] for p in posted] == [fine]
    assert told == [(gone, "channel <#66> no longer exists")]
    paused = {s.id: s for s in await store.schedules(1)}[gone]
    assert paused.status == "paused"
    clock.value += dt.timedelta(days=1)
    await scheduler.tick()
    assert [p[0] for p in posted] == [fine, fine], "a paused schedule is not retried"


async def test_other_failures_are_retried_then_pause_and_tell_the_organizer(store: Store) -> None:
    schedule_id = await _add(store, "2026-03-01 18:00", channel=77)
    clock = FixedClock(dt.datetime(2026, 3, 1, 23, 1, tzinfo=UTC))
    told: list = []
    scheduler = _scheduler(store, clock, [], {77: RuntimeError("500: Internal Server Error")}, told)
    await scheduler.tick()
    assert [o for _, o, _ in await store.runs(schedule_id)] == ["failed"]
    (sched,) = await store.schedules(1)
    assert sched.status == "paused" and "posting failed" in (sched.status_note or "")
    assert told and told[0][0] == schedule_id and "kept failing" in told[0][1]


async def test_a_post_whose_answer_was_lost_is_retried_with_its_nonce_and_appears_once(store: Store) -> None:
    """Discord stores the message, then answers 500 twice; the retries carry the run's nonce (as the cog
    derives it), so the message Discord already has is returned instead of a second one being posted."""
    from bot.nonce import message_nonce

    schedule_id = await _add(store, "2026-03-01 18:00", channel=88)
    channel: dict[str, int] = {}  # nonce -> message id, as Discord keeps them
    answers = iter([RuntimeError("500"), RuntimeError("500")])

    async def poster(claim):
        nonce = message_nonce("run", claim.schedule.id, claim.run_at.isoformat())
        message_id = channel.setdefault(nonce, 5000 + len(channel))  # created (or found) before the answer
        failure = next(answers, None)
        if failure is not None:
            raise failure
        return message_id

    async def notifier(claim, reason):
        raise AssertionError("the run succeeded within its grace period")

    clock = FixedClock(dt.datetime(2026, 3, 1, 23, 1, tzinfo=UTC))
    scheduler = Scheduler(store, clock, poster, notifier, grace=GRACE, retry_delays=(0.01, 0.01, 0.01))
    await scheduler.tick()
    assert len(channel) == 1, "one message, whatever the number of attempts"
    assert [o for _, o, _ in await store.runs(schedule_id)] == ["posted"]


async def test_concurrent_workers_post_each_run_exactly_once(store_url: str, backend: str) -> None:
    """Four workers (separate connection pools, as separate processes would have) race for 60 due runs."""
    setup = await Store.open(store_url)
    ids = [await _add(setup, "2026-03-01 18:00", channel=100 + n) for n in range(60)]
    workers = [await Store.open(store_url) for _ in range(4 if backend == "postgresql" else 2)]
    posted: list = []
    clock = FixedClock(dt.datetime(2026, 3, 1, 23, 1, tzinfo=UTC))
    await asyncio.gather(*(_scheduler(w, clock, posted).tick() for w in workers))
    assert sorted(p[0] for p in posted) == ids
    for schedule_id in ids[:5]:
        assert len(await setup.runs(schedule_id)) == 1
    for store in [setup, *workers]:
        await store.close()


async def test_runs_of_a_worker_killed_mid_batch_are_posted_once_by_another(store_url: str, backend: str) -> None:
    """A worker claims 10 due runs and dies before posting them; once its lease has expired, the live workers
    take the runs over and post each exactly once (the same run's nonce would also stop a repeat on Discord)."""
    from bot.store.actions import LEASE

    setup = await Store.open(store_url)
    ids = [await _add(setup, "2026-03-01 18:00", channel=200 + n) for n in range(10)]
    claimed_at = dt.datetime(2026, 3, 1, 23, 1, tzinfo=UTC)
    dead = await Store.open(store_url)
    claims = await dead.claim_due(claimed_at, worker="dead:1", grace=GRACE, limit=100)
    assert sorted(c.schedule.id for c in claims) == ids
    await dead.close()  # killed: never posts, never finishes its runs

    workers = [await Store.open(store_url) for _ in range(3 if backend == "postgresql" else 2)]
    posted: list = []
    early = FixedClock(claimed_at + LEASE / 2)
    await asyncio.gather(*(_scheduler(w, early, posted).tick() for w in workers))
    assert posted == [], "a live lease is respected"
    later = FixedClock(claimed_at + LEASE + dt.timedelta(seconds=1))
    await asyncio.gather(*(_scheduler(w, later, posted).tick() for w in workers))
    assert sorted(p[0] for p in posted) == ids, "every run the dead worker claimed is posted exactly once"
    for schedule_id in ids:
        assert [o for _, o, _ in await setup.runs(schedule_id)] == ["late"], "posted, marked late"
    await asyncio.gather(*(_scheduler(w, later, posted).tick() for w in workers))
    assert len(posted) == 10, "and never again"
    for store in [setup, *workers]:
        await store.close()


@pytest.mark.parametrize("repeat", ["daily", "weekly"])
async def test_schedules_list_and_cancel(store: Store, repeat: str) -> None:
    schedule_id = await _add(store, "2026-03-01 18:00", repeat=repeat)
    assert [s.repeat for s in await store.schedules(1)] == [repeat]
    assert await store.set_schedule_status(schedule_id, "cancelled", guild_id=2) is False, "other servers cannot"
    assert await store.set_schedule_status(schedule_id, "cancelled", guild_id=1)
    assert await store.schedules(1) == []
