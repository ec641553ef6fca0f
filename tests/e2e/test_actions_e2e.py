"""Organizers through the local fake Discord: preview, post, schedule with a controllable clock,
restart mid-schedule, lost permissions, subscriptions; and two shard processes on one PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.settings import Settings
from bot.store import Store, times
from tests.e2e.harness import (
    MOD_ROLE,
    ORGANIZER_ROLE,
    ROLES,
    ROOT,
    TOKEN,
    BotProcess,
    answer,
    bot_env,
    buttons_of,
    embed_of,
    running_bot,
    seeded_data_dir,
)
from tests.fakediscord import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")
EPHEMERAL = 64
GENERAL, ACTIONS, LOCKED, SUBS = (333_000_000_000_000_000 + n for n in range(1, 5))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake() -> AsyncIterator[FakeDiscord]:
    channels = [
        {"id": GENERAL, "name": "general"},
        {"id": ACTIONS, "name": "actions"},
        {"id": LOCKED, "name": "locked"},
        {"id": SUBS, "name": "updates"},
    ]
    async with FakeDiscord(token=TOKEN, roles=ROLES, channels=channels, heartbeat_interval_ms=500) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env(fake: FakeDiscord, tmp_path_factory: pytest.TempPathFactory, migrated_db: Path) -> dict[str, str]:
    base = seeded_data_dir(tmp_path_factory.mktemp("actions"), migrated_db)
    shutil.copytree(ROOT / "knowledge", base / "knowledge")
    (base / "offset").write_text("0")
    return bot_env(
        fake,
        base,
        QIBOT_KNOWLEDGE_PATH=str(base / "knowledge"),
        QIBOT_SCHEDULER_SECONDS="0.2",
        QIBOT_CLOCK_OFFSET_FILE=str(base / "offset"),
        QIBOT_SCHEDULE_GRACE_MINUTES="60",
        QIBOT_WATCH_SECONDS="0.3",
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(fake: FakeDiscord, env: dict[str, str]) -> AsyncIterator[BotProcess]:
    async with running_bot(fake, env) as process:
        yield process


def _offset(env: dict[str, str]) -> Path:
    return Path(env["QIBOT_CLOCK_OFFSET_FILE"])


def _advance(env: dict[str, str], seconds: float) -> None:
    path = _offset(env)
    path.write_text(str(float(path.read_text() or 0) + seconds))


async def _messages(fake: FakeDiscord, channel: int, count: int, timeout: float = 60) -> list[dict]:
    """The channel's messages once there are at least ``count`` (woken by each new message, not polled);
    ``timeout`` only guards against a hang."""
    try:
        await fake.wait_channel_message(channel, timeout, count=count)
    except TimeoutError:
        raise AssertionError(
            f"expected {count} message(s) in {channel}, got {fake.channel_messages.get(channel, [])}"
        ) from None
    return fake.channel_messages[channel]


async def test_action_group_needs_an_organizer(fake: FakeDiscord, bot: BotProcess) -> None:
    denied = await (await fake.inject_command("action list", {})).wait_response()
    assert denied.data["flags"] & EPHEMERAL
    assert "permission" in denied.data["content"]
    group = fake.find_command("action")
    assert int(group["default_member_permissions"]) == 1 << 13  # manage_messages


async def test_preview_is_private_and_exact(fake: FakeDiscord, bot: BotProcess) -> None:
    handle = await fake.inject_command(
        "action preview", {"prompt": "contact-legislator", "jurisdiction": "CT"}, roles=[ORGANIZER_ROLE]
    )
    data = await answer(handle)
    assert data["flags"] & EPHEMERAL
    embed = embed_of(data)
    assert embed["title"] == "Contact your state legislators about qualified immunity"
    assert embed["description"].startswith("Connecticut: current law scores End 2/4")
    assert "(law in force: Public Act 20-1 (2020)" in embed["description"]
    buttons = buttons_of(data)
    assert buttons[0]["custom_id"] == "qibot:call:contact-legislator", "a call-script prompt has its call button"
    assert [b["url"] for b in buttons[1:]] == ["https://openstates.org/find_your_legislator/"]


async def test_post_now_never_pings(fake: FakeDiscord, bot: BotProcess) -> None:
    handle = await fake.inject_command(
        "action post", {"prompt": "read-the-law", "channel": ACTIONS, "jurisdiction": "co"}, roles=[ORGANIZER_ROLE]
    )
    reply = await answer(handle)
    assert reply["content"].startswith(f"Posted in <#{ACTIONS}>")
    posted = (await _messages(fake, ACTIONS, 1))[-1]
    assert posted["embeds"][0]["title"] == "Read the law behind the score"
    request = fake.requests_to("POST", f"/channels/{ACTIONS}/messages")[-1].json
    assert request["allowed_mentions"] == {"parse": []}


async def test_a_post_retried_after_a_502_appears_once(fake: FakeDiscord, bot: BotProcess) -> None:
    """Discord created the message but answered 502; discord.py retries the POST with the same nonce and
    enforce_nonce, so Discord returns the first message instead of posting a second."""
    before = len(fake.channel_messages.get(ACTIONS, []))
    fake.fail_after_next("POST", f"/channels/{ACTIONS}/messages", 502)
    handle = await fake.inject_command(
        "action post", {"prompt": "read-the-law", "channel": ACTIONS, "jurisdiction": "nm"}, roles=[ORGANIZER_ROLE]
    )
    reply = await answer(handle)
    assert reply["content"].startswith(f"Posted in <#{ACTIONS}>")
    assert len(fake.channel_messages[ACTIONS]) == before + 1, "posted exactly once"
    attempts = fake.requests_to("POST", f"/channels/{ACTIONS}/messages")[-2:]
    assert [r.status for r in attempts] == [502, 200]
    assert attempts[0].json["nonce"] == attempts[1].json["nonce"] and attempts[0].json["enforce_nonce"] is True
    assert len(attempts[0].json["nonce"]) <= 25


async def test_ping_only_the_role_the_server_allows(fake: FakeDiscord, bot: BotProcess) -> None:
    refused = await answer(
        await fake.inject_command(
            "action post", {"prompt": "read-the-law", "channel": ACTIONS, "ping": True}, roles=[ORGANIZER_ROLE]
        )
    )
    assert "allows no role" in refused["content"]
    not_mod = await (
        await fake.inject_command("action allow-ping", {"role": ORGANIZER_ROLE}, roles=[ORGANIZER_ROLE])
    ).wait_response()
    assert "permission" in not_mod.data["content"]
    allowed = await (
        await fake.inject_command("action allow-ping", {"role": ORGANIZER_ROLE}, roles=[MOD_ROLE])
    ).wait_response()
    assert allowed.data["content"] == f"Calls to action may ping <@&{ORGANIZER_ROLE}>."
    await answer(
        await fake.inject_command(
            "action post", {"prompt": "read-the-law", "channel": ACTIONS, "ping": True}, roles=[ORGANIZER_ROLE]
        )
    )
    request = fake.requests_to("POST", f"/channels/{ACTIONS}/messages")[-1].json
    assert request["content"] == f"<@&{ORGANIZER_ROLE}>"
    assert request["allowed_mentions"] == {"parse": [], "roles": [str(ORGANIZER_ROLE)]} or request[
        "allowed_mentions"
    ] == {"parse": [], "roles": [ORGANIZER_ROLE]}


async def test_post_where_the_bot_may_not(fake: FakeDiscord, bot: BotProcess) -> None:
    fake.forbid_channel(LOCKED)
    reply = await (
        await fake.inject_command("action post", {"prompt": "read-the-law", "channel": LOCKED}, roles=[ORGANIZER_ROLE])
    ).wait_response()
    assert reply.data["content"] == f"Discord refused: I may not post in <#{LOCKED}>."


async def test_subscriptions_get_one_notice_per_change(fake: FakeDiscord, bot: BotProcess) -> None:
    member = 444_000_000_000_000_001
    mine = await (await fake.inject_command("subscribe", {"jurisdiction": "conn"}, user=member)).wait_response()
    assert mine.data["content"] == "Subscribed: changes to Connecticut will notify you by DM."
    denied = await (
        await fake.inject_command("subscribe", {"jurisdiction": "CT", "channel": SUBS}, user=member)
    ).wait_response()
    assert "permission" in denied.data["content"]
    channel = await (
        await fake.inject_command("subscribe", {"jurisdiction": "CT", "channel": SUBS}, roles=[ORGANIZER_ROLE])
    ).wait_response()
    assert channel.data["content"] == f"Subscribed: changes to Connecticut will notify <#{SUBS}>."
    listing = await (await fake.inject_command("subscriptions", {}, user=member)).wait_response()
    assert "**You follow:** CT" in listing.data["content"]

    modal = await (
        await fake.inject_command("kb edit", {"jurisdiction": "CT", "criterion": "records"}, roles=[MOD_ROLE])
    ).wait_response()
    ids = [row["components"][0]["custom_id"] for row in modal.data["components"]]
    values = [row["components"][0].get("value") or "" for row in modal.data["components"]]
    mark = len(bot.lines)
    submit = await fake.inject_modal_submit(
        modal.data["custom_id"],
        {
            ids[0]: values[0],
            ids[1]: values[1],
            ids[2]: "Records are generally released; sustained-complaint limits apply.",
            ids[3]: values[3],
            ids[4]: values[4],
        },
        roles=[MOD_ROLE],
    )
    await submit.wait_response()
    dm = fake.dm_channel(member)
    notice = (await _messages(fake, int(dm["id"]), 1))[-1]
    assert notice["content"].startswith(
        "**Connecticut** changed in qibot's knowledge base: Public records: reason changed"
    )
    assert "/state CT" in notice["content"]
    channel_notice = (await _messages(fake, SUBS, 1))[-1]
    assert channel_notice["content"] == notice["content"]
    await bot.wait_line("notices sent", since=mark)  # every notice for this change has been sent
    assert len(fake.channel_messages[int(dm["id"])]) == 1, "one notice per change"
    gone = await (await fake.inject_command("unsubscribe", {"jurisdiction": "CT"}, user=member)).wait_response()
    assert gone.data["content"] == "Unsubscribed."


async def test_file_watcher_picks_up_reviewed_changes(fake: FakeDiscord, bot: BotProcess, env: dict[str, str]) -> None:
    """With QIBOT_WATCH_SECONDS set, a merged file change goes live without /kb reload; a broken one does not."""
    path = Path(env["QIBOT_KNOWLEDGE_PATH"]) / "jurisdictions" / "wv.yaml"
    good = path.read_text()
    mark = len(bot.lines)
    path.write_text(good + "\nbroken: [\n")
    await bot.wait_line("watcher: kept version", since=mark)  # the watcher saw the broken file and refused it
    still = await (await fake.inject_command("state", {"jurisdiction": "WV"})).wait_response()
    assert embed_of(still.data)["title"].startswith("West Virginia")
    path.write_text(good.replace("name: West Virginia", "name: West Virginia (watched)", 1))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60  # a hang guard, not a budget: the watcher polls every 0.3 s
    while loop.time() < deadline:
        callback = await (await fake.inject_command("state", {"jurisdiction": "WV", "public": False})).wait_response()
        if "(watched)" in embed_of(callback.data)["title"]:
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError("the watcher did not load the changed file")
    path.write_text(good)


async def test_create_preview_and_delete_a_server_prompt(fake: FakeDiscord, bot: BotProcess) -> None:
    form = await (await fake.inject_command("action create", {}, roles=[ORGANIZER_ROLE])).wait_response()
    assert form.type == 9
    ids = [row["components"][0]["custom_id"] for row in form.data["components"]]
    bad = await fake.inject_modal_submit(
        form.data["custom_id"],
        {
            ids[0]: "hearing",
            ids[1]: "Testify",
            ids[2]: "Come {{ jurisdiction.name }}",
            ids[3]: "Bill | http://x.org",
            ids[4]: "",
        },
        roles=[ORGANIZER_ROLE],
    )
    refused = await bad.wait_response()
    assert refused.data["content"].startswith("Not saved: links.0.url")
    assert "https" in refused.data["content"]
    form = await (await fake.inject_command("action create", {}, roles=[ORGANIZER_ROLE])).wait_response()
    ids = [row["components"][0]["custom_id"] for row in form.data["components"]]
    good = await fake.inject_modal_submit(
        form.data["custom_id"],
        {
            ids[0]: "hearing",
            ids[1]: "Testify at the hearing",
            ids[2]: "{% if jurisdiction %}{{ jurisdiction.name }}: {% endif %}the committee hears public comment.",
            ids[3]: "Read the bill | https://example.org/bill\nSign up | https://example.org/testify",
            ids[4]: "2030-03-01T18:00:00-05:00",
        },
        roles=[ORGANIZER_ROLE],
    )
    saved = await answer(good)
    assert saved["content"] == "Saved “hearing”. Preview it with `/action preview hearing`."
    complete = await (
        await fake.inject_autocomplete("action preview", {"prompt": "hear"}, roles=[ORGANIZER_ROLE])
    ).wait_response()
    assert {"name": "hearing", "value": "hearing"} in complete.data["choices"]
    preview = await answer(
        await fake.inject_command("action preview", {"prompt": "hearing", "jurisdiction": "VT"}, roles=[ORGANIZER_ROLE])
    )
    embed = embed_of(preview)
    assert embed["description"].startswith("Vermont: the committee hears public comment.")
    assert "<t:1898636400:F>" in embed["description"]
    assert [b["label"] for b in buttons_of(preview)] == ["Read the bill", "Sign up"]
    deleted = await (
        await fake.inject_command("action delete", {"prompt": "hearing"}, roles=[ORGANIZER_ROLE])
    ).wait_response()
    assert deleted.data["content"] == "Deleted “hearing”."
    gone = await (
        await fake.inject_command("action preview", {"prompt": "hearing"}, roles=[ORGANIZER_ROLE])
    ).wait_response()
    assert "There is no prompt named" in gone.data["content"]


async def test_schedule_echoes_three_runs_and_posts_on_time(
    fake: FakeDiscord, bot: BotProcess, env: dict[str, str]
) -> None:
    import datetime as dt

    ny = times.zone("America/New_York")
    local = (
        (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).astimezone(ny).replace(second=0, microsecond=0, tzinfo=None)
    )
    handle = await fake.inject_command(
        "action schedule",
        {
            "prompt": "contact-legislator",
            "channel": ACTIONS,
            "when": f"{local:%Y-%m-%d %H:%M}",
            "timezone": "America/New_York",
            "repeat": "daily",
            "jurisdiction": "nm",
        },
        roles=[ORGANIZER_ROLE],
    )
    text = (await answer(handle))["content"]
    assert text.startswith("Scheduled #")
    assert text.count("<t:") == 3
    schedule_id = int(text.split("#")[1].split(":")[0])
    before = len(fake.channel_messages.get(ACTIONS, []))
    await asyncio.sleep(0.6)
    assert len(fake.channel_messages.get(ACTIONS, [])) == before, "nothing before its time"
    _advance(env, 2 * 3600 + 5)
    first = (await _messages(fake, ACTIONS, before + 1))[-1]
    assert first["embeds"][0]["description"].startswith("New Mexico")
    _advance(env, 86400)
    await _messages(fake, ACTIONS, before + 2)
    await asyncio.sleep(0.6)
    assert len(fake.channel_messages[ACTIONS]) == before + 2, "each daily run exactly once"

    # restart mid-schedule: down over the next run, back 10 minutes after it -> posted once, marked late
    await bot.stop()
    _advance(env, 86400 + 600)
    restarted = await BotProcess.start(env)
    try:
        await restarted.wait_ready()
        late = (await _messages(fake, ACTIONS, before + 3))[-1]
        assert "Posted late" in late["embeds"][0]["description"]
        await asyncio.sleep(0.6)
        assert len(fake.channel_messages[ACTIONS]) == before + 3
    finally:
        await restarted.stop()

    # down for three days and back hours after the last run: past the grace period, nothing is posted
    _advance(env, 3 * 86400 + 4 * 3600)
    again = await BotProcess.start(env)
    try:
        await again.wait_ready()
        await asyncio.sleep(1.0)
        assert len(fake.channel_messages[ACTIONS]) == before + 3
        listing = await (await fake.inject_command("action list", {}, roles=[ORGANIZER_ROLE])).wait_response()
        assert f"#{schedule_id} contact-legislator" in listing.data["content"]

        # lost permission: the schedule pauses and the organizer hears about it by DM
        fake.forbid_channel(ACTIONS)
        _advance(env, 20 * 3600 + 5)  # just past the next daily run
        dm = fake.dm_channel(fake.default_user)
        notice = (await _messages(fake, int(dm["id"]), 1))[-1]
        assert f"#{schedule_id}" in notice["content"]
        assert "paused" in notice["content"]
        listing = await (await fake.inject_command("action list", {}, roles=[ORGANIZER_ROLE])).wait_response()
        assert "(paused:" in listing.data["content"]
    finally:
        await again.stop()


async def test_two_shard_processes_on_one_postgres_post_each_run_once(
    fake: FakeDiscord, env: dict[str, str], tmp_path: Path
) -> None:
    url = os.environ.get("QIBOT_TEST_DATABASE_URL")
    if not url:
        pytest.skip("needs PostgreSQL (QIBOT_TEST_DATABASE_URL); .ci/run provides it")
    from tests.store.conftest import fresh_postgres_url

    database = await fresh_postgres_url()
    store = await Store.open(database)
    channel = GENERAL
    import datetime as dt

    local = times.parse_local("2030-01-01 12:00")
    ids = [
        await store.add_schedule(
            guild_id=fake.guild_id,
            channel_id=channel,
            prompt="read-the-law",
            jurisdiction=None,
            timezone="UTC",
            local_time=local,
            repeat="daily",
            first_run=times.to_utc(local, times.zone("UTC")),
            created_by=1,
        )
        for _ in range(12)
    ]
    offset = tmp_path / "offset"
    now = dt.datetime.now(dt.UTC)
    offset.write_text(str((dt.datetime(2030, 1, 1, 12, 0, 30, tzinfo=dt.UTC) - now).total_seconds()))
    before = len(fake.channel_messages.get(channel, []))
    shards = []
    for shard in (0, 1):
        shard_env = {
            **env,
            "DATABASE_URL": Settings(database_url=url).database_url.rsplit("/", 1)[0]
            + "/"
            + database.rsplit("/", 1)[1],
            "QIBOT_SHARD_COUNT": "2",
            "QIBOT_SHARD_IDS": str(shard),
            "QIBOT_CLOCK_OFFSET_FILE": str(offset),
            "QIBOT_DATA_DIR": str(tmp_path),
        }
        shards.append(await BotProcess.start(shard_env))
    try:
        for process in shards:
            await process.wait_ready()
        await _messages(fake, channel, before + 12)
        await asyncio.sleep(1.0)
        assert len(fake.channel_messages[channel]) == before + 12
        for schedule_id in ids:
            assert len(await store.runs(schedule_id)) == 1
    finally:
        for process in shards:
            await process.stop()
        await store.close()
