"""Subscriber notices on SQLite and PostgreSQL: claimed in batches, each sent exactly once by two concurrent
senders (two stores, as two bot processes), taken over after a sender dies mid-batch, DM channels kept."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from bot.actions.fanout import Pacer, deliver_notices
from bot.nonce import message_nonce
from bot.store import Store
from bot.store.notices import Notice, NoticeResult

UTC = dt.UTC
T0 = dt.datetime(2030, 1, 1, 12, tzinfo=UTC)
USERS = range(1000, 1100)
CHANNELS = range(5000, 5100)


async def _subscribe(store: Store) -> None:
    for uid in USERS:
        await store.subscribe(jurisdiction="ct", target_kind="user", target_id=uid, guild_id=None, by=uid)
    for cid in CHANNELS:
        await store.subscribe(jurisdiction="ct", target_kind="channel", target_id=cid, guild_id=1, by=7)
    await store.subscribe(jurisdiction="ny", target_kind="channel", target_id=9999, guild_id=1, by=7)


class FakeDiscord:
    """Posts keyed by nonce like Discord with enforce_nonce: a repeated nonce returns the first message."""

    def __init__(self) -> None:
        self.posts: Counter[str] = Counter()  # nonce -> POSTs made
        self.targets: Counter[tuple[str, int]] = Counter()  # distinct messages per subscriber
        self.dm_creations: Counter[int] = Counter()
        self.calls = 0
        self.texts: set[tuple[str, str]] = set()  # (text in Spanish, text in an unknown language)

    def sender(self, *, hang_after: int | None = None, hang: asyncio.Event | None = None):
        async def send(n: Notice) -> NoticeResult:
            if hang_after is not None and self.calls >= hang_after:
                await asyncio.Event().wait() if hang is None else await hang.wait()
            await asyncio.sleep(0)
            self.texts.add((n.text("es"), n.text("fr")))
            created = None
            if n.target_kind == "user" and n.dm_channel_id is None:
                self.calls += 1
                self.dm_creations[n.target_id] += 1
                created = 700_000 + n.target_id
            self.calls += 1
            nonce = message_nonce("notice", n.kb_version, n.jurisdiction, n.target_kind, n.target_id)
            if not self.posts[nonce]:
                self.targets[(n.target_kind, n.target_id)] += 1
            self.posts[nonce] += 1
            return NoticeResult(n.id, "sent", n.target_id if created else None, created)

        return send


async def _deliver(store: Store, send, worker: str, now: dt.datetime = T0, batch: int = 30) -> int:
    stats = await deliver_notices(store, send, pacer=Pacer(0), now=lambda: now, worker=worker, batch=batch,
                                  concurrency=8)  # fmt: skip
    return stats.sent


async def test_two_senders_send_each_notice_once(store_url: str) -> None:
    a, b = await Store.open(store_url), await Store.open(store_url)
    try:
        await _subscribe(a)
        texts = {("ct", "en"): "Connecticut changed", ("ct", "es"): "Connecticut cambió"}
        assert await a.enqueue_notices("v2", texts) == 200
        assert await b.enqueue_notices("v2", texts) == 0, "a second process queues nothing twice"
        fake = FakeDiscord()
        sent = await asyncio.gather(_deliver(a, fake.sender(), "a"), _deliver(b, fake.sender(), "b"))
        assert sum(sent) == 200
        assert all(sent), "both senders took batches"
        assert max(fake.posts.values()) == 1, "no notice was posted twice"
        assert set(fake.targets) == {("user", u) for u in USERS} | {("channel", c) for c in CHANNELS}
        assert await a.notice_counts("v2") == {"sent": 200}
        assert fake.texts == {("Connecticut cambió", "Connecticut changed")}, "each language; English by default"

        # the next change reuses the stored DM channels: one call per DM
        await a.enqueue_notices("v3", texts)
        fake.calls = 0
        assert await _deliver(b, fake.sender(), "b") == 200
        assert fake.calls == 200
        assert max(fake.dm_creations.values()) == 1
    finally:
        await a.close()
        await b.close()


async def test_a_sender_dying_mid_batch_leaves_nothing_unsent_or_doubled(store_url: str) -> None:
    a, b = await Store.open(store_url), await Store.open(store_url)
    try:
        await _subscribe(a)
        await a.enqueue_notices("v2", {("ct", "en"): "Connecticut changed"})
        fake = FakeDiscord()
        dying = asyncio.create_task(_deliver(a, fake.sender(hang_after=45), "a"))  # posts 45 calls, then hangs
        while fake.calls < 45:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        dying.cancel()  # the process dies: its claimed batch is never finished
        with __import__("contextlib").suppress(asyncio.CancelledError):
            await dying
        # another process, before the lease ends, sends everything not claimed by the dead one
        first = await _deliver(b, fake.sender(), "b")
        assert 0 < first < 200
        assert (await b.notice_counts("v2")).get("sent", 0) < 200
        # after the lease, it takes over the dead process's batch; posts it had made return the same message
        later = await _deliver(b, fake.sender(), "b", now=T0 + dt.timedelta(minutes=3))
        assert (await b.notice_counts("v2")) == {"sent": 200}
        assert first + later + 0 >= 200 - 30
        assert set(fake.targets.values()) == {1}, "each subscriber got exactly one message"
        assert len(fake.targets) == 200
    finally:
        await a.close()
        await b.close()


async def test_unsubscribing_from_everything_forgets_the_dm_channel(store: Store) -> None:
    await store.subscribe(jurisdiction="ct", target_kind="user", target_id=42, guild_id=None, by=42)
    await store.subscribe(jurisdiction="ny", target_kind="user", target_id=42, guild_id=None, by=42)
    await store.enqueue_notices("v2", {("ct", "en"): "changed"})
    fake = FakeDiscord()
    await _deliver(store, fake.sender(), "a")
    await store.unsubscribe(jurisdiction="ct", target_kind="user", target_id=42)
    await store.enqueue_notices("v3", {("ny", "en"): "changed"})
    [notice] = await store.claim_notices(T0, worker="a")
    assert notice.dm_channel_id == 700_042, "kept while the member still follows something"
    await store.unsubscribe(jurisdiction="ny", target_kind="user", target_id=42)
    await store.enqueue_notices("v4", {("ct", "en"): "changed", ("ny", "en"): "changed"})
    assert await store.claim_notices(T0, worker="a") == [], "no subscriptions, no notices"
    await store.subscribe(jurisdiction="ct", target_kind="user", target_id=42, guild_id=None, by=42)
    await store.enqueue_notices("v5", {("ct", "en"): "changed"})
    [notice] = await store.claim_notices(T0, worker="a")
    assert notice.dm_channel_id is None, "the DM channel id went with the last subscription"


async def test_a_discord_error_is_retried_later_never_dropped(store: Store) -> None:
    """A 5xx or a network error leaves the notice pending (after a wait); only a 4xx is a final failure."""
    await store.subscribe(jurisdiction="ct", target_kind="channel", target_id=5000, guild_id=1, by=7)
    await store.subscribe(jurisdiction="ct", target_kind="channel", target_id=5001, guild_id=1, by=7)
    await store.enqueue_notices("v2", {("ct", "en"): "Connecticut changed"})
    outcomes = {5000: "retry", 5001: "failed"}

    async def flaky(n: Notice) -> NoticeResult:
        return NoticeResult(n.id, outcomes[n.target_id])

    stats = await deliver_notices(store, flaky, pacer=Pacer(0), now=lambda: T0, worker="a")
    assert (stats.retried, stats.failed, stats.sent) == (1, 1, 0)
    assert await store.notice_counts("v2") == {"pending": 1, "failed": 1}
    assert await store.claim_notices(T0, worker="a") == [], "not retried before its wait is over"
    outcomes[5000] = "sent"
    later = T0 + dt.timedelta(minutes=1)
    stats = await deliver_notices(store, flaky, pacer=Pacer(0), now=lambda: later, worker="a")
    assert stats.sent == 1
    assert await store.notice_counts("v2") == {"sent": 1, "failed": 1}


async def test_a_slow_batch_keeps_its_lease_and_a_late_finish_overwrites_nothing(store_url: str) -> None:
    """The sender renews its lease while a batch is slow, so another process never takes the batch over;
    and a finish from a worker that lost its rows writes nothing over the new holder's."""
    a, b = await Store.open(store_url), await Store.open(store_url)
    try:
        await a.subscribe(jurisdiction="ct", target_kind="channel", target_id=5000, guild_id=1, by=7)
        await a.enqueue_notices("v2", {("ct", "en"): "Connecticut changed"})
        release, started = asyncio.Event(), asyncio.Event()
        clock = {"now": T0}

        async def slow(n: Notice) -> NoticeResult:
            started.set()
            await release.wait()
            return NoticeResult(n.id, "sent")

        lease = dt.timedelta(seconds=0.3)
        sending = asyncio.create_task(
            deliver_notices(a, slow, pacer=Pacer(0), now=lambda: clock["now"], worker="a", lease=lease)
        )
        await started.wait()
        clock["now"] = T0 + dt.timedelta(seconds=0.25)
        await asyncio.sleep(0.6)  # renewals (every 0.1 s) move the lease past the clock; 6 chances on a busy host
        clock["now"] = T0 + dt.timedelta(seconds=0.5)
        await asyncio.sleep(0.15)
        assert await b.claim_notices(clock["now"], worker="b") == [], "a renewed lease is not taken over"
        release.set()
        assert (await sending).sent == 1

        # a worker that no longer holds a row cannot finish it
        await a.enqueue_notices("v3", {("ct", "en"): "Connecticut changed again"})
        [mine] = await b.claim_notices(T0, worker="b")
        await a.finish_notices([NoticeResult(mine.id, "failed")], worker="a")
        assert await a.notice_counts("v3") == {"pending": 1}
    finally:
        await a.close()
        await b.close()


async def test_a_member_who_leaves_mid_batch_keeps_no_dm_channel(store: Store) -> None:
    """Unsubscribing (or /me forget) while the batch that first DMs them is in flight stores no DM channel id."""
    await store.subscribe(jurisdiction="ct", target_kind="user", target_id=1000, guild_id=None, by=1000)
    await store.subscribe(jurisdiction="ct", target_kind="user", target_id=1001, guild_id=None, by=1001)
    await store.enqueue_notices("v2", {("ct", "en"): "Connecticut changed"})

    async def send(n: Notice) -> NoticeResult:
        if n.target_id == 1000:
            await store.unsubscribe(jurisdiction="ct", target_kind="user", target_id=1000)
        return NoticeResult(n.id, "sent", n.target_id, 700_000 + n.target_id)

    await deliver_notices(store, send, pacer=Pacer(0), now=lambda: T0, worker="a")
    async with store.transaction() as conn:
        kept = {r["user_id"] for r in await conn.fetch_all("SELECT user_id FROM dm_channels")}
    assert kept == {1001}
