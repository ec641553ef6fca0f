"""NoticeSender against the fake Discord with the real discord.py client: what it sends, how many calls a DM
takes, and what each Discord answer becomes (a stand-in store records forgotten DM channels); and the whole
fan-out at a small size (the benchmark's path: store, two senders, discord.py, the fake), exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import pytest_asyncio

from bot.actions.fanout import Pacer, deliver_notices
from bot.discord.notices import NoticeSender
from bot.store import Store
from bot.store.notices import Notice, NoticeResult
from tests.fakediscord import FakeDiscord, payloads

TOKEN = "notice-token"
CHANNEL = 555_000_000_000_000_010
MEMBER = 444_000_000_000_000_001


class Forgets:
    def __init__(self) -> None:
        self.forgotten: list[int] = []

    async def forget_dm_channel(self, user_id: int) -> None:
        self.forgotten.append(user_id)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN, channels=[{"id": CHANNEL, "name": "subs"}], global_rate=None) as f:
        yield f


@pytest_asyncio.fixture
async def client(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[discord.Client]:
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    c = discord.Client(intents=discord.Intents.none())
    await c.login(TOKEN)
    yield c
    await c.close()


def notice(kind: str, target: int, dm_channel_id: int | None = None, guild_id: int | None = None) -> Notice:
    texts = {"en": "**Connecticut** changed: ask `/state CT`. @everyone", "es": "**Connecticut** cambió."}
    return Notice(1, "v2", "ct", kind, target, guild_id, texts, dm_channel_id)


def posts(fake: FakeDiscord) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests if r.method == "POST"]


async def test_a_channel_notice_is_one_post_without_pings_in_the_servers_language(
    fake: FakeDiscord, client: discord.Client
) -> None:
    sender = NoticeSender(client, Forgets(), lambda guild_id: "es" if guild_id == fake.guild_id else "en")
    assert await sender.send(notice("channel", CHANNEL, guild_id=fake.guild_id)) == NoticeResult(1, "sent")
    assert posts(fake) == [("POST", f"/channels/{CHANNEL}/messages")]
    body = fake.requests[-1].json
    assert body["content"] == "**Connecticut** cambió."
    assert body["allowed_mentions"] == {"parse": []}, "a notice never pings"
    assert body["enforce_nonce"] is True and body["nonce"]
    assert client.get_channel(CHANNEL) is None and not client.private_channels, "nothing is cached"


async def test_a_first_dm_creates_the_channel_and_reports_its_id(fake: FakeDiscord, client: discord.Client) -> None:
    result = await NoticeSender(client, Forgets()).send(notice("user", MEMBER))
    dm = int(fake.dm_channel(MEMBER)["id"])
    assert result == NoticeResult(1, "sent", MEMBER, dm)
    assert posts(fake) == [("POST", "/users/@me/channels"), ("POST", f"/channels/{dm}/messages")]
    assert len(fake.channel_messages[dm]) == 1
    assert not client.private_channels and client.get_user(MEMBER) is None, "no DMChannel or User is cached"


async def test_a_stored_dm_channel_takes_one_call(fake: FakeDiscord, client: discord.Client) -> None:
    dm = int(fake.dm_channel(MEMBER)["id"])
    result = await NoticeSender(client, Forgets()).send(notice("user", MEMBER, dm_channel_id=dm))
    assert result == NoticeResult(1, "sent"), "no new DM channel id to store"
    assert posts(fake) == [("POST", f"/channels/{dm}/messages")]


async def test_a_deleted_dm_channel_is_forgotten_and_made_again(fake: FakeDiscord, client: discord.Client) -> None:
    store = Forgets()
    gone = int(fake.dm_channel(MEMBER)["id"])
    fake.delete_channel(gone)
    fake._dm_by_user.pop(str(MEMBER))
    result = await NoticeSender(client, store).send(notice("user", MEMBER, dm_channel_id=gone))
    fresh = int(fake.dm_channel(MEMBER)["id"])
    assert fresh != gone and result == NoticeResult(1, "sent", MEMBER, fresh)
    assert store.forgotten == [MEMBER]
    assert len(fake.channel_messages[fresh]) == 1


async def test_a_refusal_fails_and_a_server_error_is_retried(fake: FakeDiscord, client: discord.Client) -> None:
    sender = NoticeSender(client, Forgets())
    fake.forbid_channel(CHANNEL)
    assert (await sender.send(notice("channel", CHANNEL))).outcome == "failed"
    fake.fail_next("POST", "/users/@me/channels", 503)  # a 5xx discord.py does not retry itself
    assert (await sender.send(notice("user", MEMBER))).outcome == "retry"


async def test_a_small_fanout_reaches_each_subscriber_exactly_once(
    fake: FakeDiscord, client: discord.Client, tmp_path: Path
) -> None:
    channels = [CHANNEL + 1 + i for i in range(30)]
    members = [MEMBER + i for i in range(30)]
    for cid in channels:
        fake.channels[cid] = payloads.text_channel(cid, fake.guild_id, f"c{cid}")
    url = f"sqlite+aiosqlite:///{tmp_path / 'fanout.db'}"
    a, b = await Store.open(url), await Store.open(url)  # two processes
    other = discord.Client(intents=discord.Intents.none())
    await other.login(TOKEN)
    try:
        for cid in channels:
            await a.subscribe(jurisdiction="ct", target_kind="channel", target_id=cid, guild_id=fake.guild_id, by=7)
        for uid in members:
            await a.subscribe(jurisdiction="ct", target_kind="user", target_id=uid, guild_id=None, by=uid)

        async def change(version: str) -> None:
            assert await a.enqueue_notices(version, {("ct", "en"): f"Connecticut changed ({version})"}) == 60
            now = lambda: dt.datetime.now(dt.UTC)  # noqa: E731
            sent = await asyncio.gather(*(
                deliver_notices(store, NoticeSender(c, store).send, pacer=Pacer(0), now=now, worker=name, batch=7,
                                concurrency=4)
                for store, c, name in ((a, client, "a"), (b, other, "b"))))  # fmt: skip
            assert sum(s.sent for s in sent) == 60 and all(s.sent for s in sent), "both took batches"
            assert await a.notice_counts(version) == {"sent": 60}

        await change("v2")
        dms = [int(fake.dm_channel(uid)["id"]) for uid in members]
        for cid in channels + dms:
            assert [m["content"] for m in fake.channel_messages[cid]] == ["Connecticut changed (v2)"]
        assert len(fake.requests_to("POST", "/users/@me/channels")) == 30, "one DM channel per member"
        await change("v3")  # the stored DM channels: one call per DM
        assert len(fake.requests_to("POST", "/users/@me/channels")) == 30
        for cid in channels + dms:
            assert [m["content"] for m in fake.channel_messages[cid]][1:] == ["Connecticut changed (v3)"]
    finally:
        await other.close()
        await a.close()
        await b.close()
