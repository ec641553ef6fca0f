"""Self-tests: a tiny real discord.py client, in-process, against the fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable

import aiohttp
import discord
import pytest
import pytest_asyncio
import yarl
from discord import app_commands

from tests.fakediscord import FakeDiscord

pytestmark = pytest.mark.asyncio

TOKEN = "selftest-token"
STAFF_ROLE = 555000000000000001
GENERAL = 555000000000000010
NEWS = 555000000000000011


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    body: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(label="Body", custom_id="body")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.body.value}", ephemeral=True)


class PingView(discord.ui.View):
    def __init__(self, bot: SelfTestBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(label="Again", custom_id="again")
    async def again(self, interaction: discord.Interaction, button: discord.ui.Button[PingView]) -> None:
        self.bot.clicks += 1
        await interaction.response.edit_message(content=f"clicked {self.bot.clicks}", view=self)


class SelfTestBot(discord.Client):
    """A plain Client with a CommandTree, like a real bot."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)
        self.clicks = 0
        self.late_delay = 0.0
        self.errors: list[int] = []
        self._add_commands()

    async def setup_hook(self) -> None:
        await self.tree.sync()

    def _add_commands(self) -> None:
        tree, bot = self.tree, self

        @tree.command(description="Ping with an embed and a button")
        async def ping(interaction: discord.Interaction, text: str) -> None:
            embed = discord.Embed(title=f"pong {text}", description="from the fake")
            await interaction.response.send_message(embed=embed, view=PingView(bot))

        @ping.autocomplete("text")
        async def ping_text(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=f"{current} {i}", value=f"{current}{i}") for i in range(3)]

        @tree.command(description="Deferred, then a followup with a file")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(0.05)
            await interaction.followup.send("done", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "data.csv"))

        @tree.command(description="Acks too late")
        async def late(interaction: discord.Interaction) -> None:
            await asyncio.sleep(bot.late_delay)
            try:
                await interaction.response.send_message("too late")
            except discord.NotFound as exc:
                bot.errors.append(exc.code)

        @tree.command(description="Post a call to action in a channel")
        async def post(interaction: discord.Interaction, channel: str) -> None:
            try:
                await bot.get_partial_messageable(int(channel)).send("Call to action")
            except (discord.Forbidden, discord.NotFound) as exc:
                await interaction.response.send_message(f"failed {exc.code}", ephemeral=True)
            else:
                await interaction.response.send_message("posted")

        @tree.command(description="Open a modal")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal())

        @tree.command(description="DM me")
        async def dmme(interaction: discord.Interaction) -> None:
            await interaction.user.send("hello in DM")
            await interaction.response.send_message("sent", ephemeral=True)

        admin = app_commands.Group(name="admin", description="Admin tools")

        @admin.command(description="Reload")
        @app_commands.checks.has_role("Staff")
        async def reload(interaction: discord.Interaction, force: bool) -> None:
            await interaction.response.send_message(f"reloaded force={force}")

        tree.add_command(admin)

        @tree.error
        async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            await interaction.response.send_message(f"denied: {type(error).__name__}", ephemeral=True)


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SelfTestBot]:
    """Point discord.py at ``fake`` (the two documented patch points) and run the bot until exit."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))
    bot = SelfTestBot()
    task = asyncio.create_task(bot.start(TOKEN))
    try:
        await fake.wait_ready(10)
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


async def eventually(predicate: Callable[[], bool], timeout: float = 3.0) -> None:
    """Poll bot-side state (the fake's own waits cover the fake's side)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    channels = [{"id": GENERAL, "name": "general"}, {"id": NEWS, "name": "news"}]
    roles = [{"id": STAFF_ROLE, "name": "Staff"}]
    async with FakeDiscord(token=TOKEN, roles=roles, channels=channels, heartbeat_interval_ms=100) as f:
        yield f


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SelfTestBot]:
    async with running_bot(fake, monkeypatch) as b:
        yield b


async def test_login_identify_heartbeat_and_sync(fake: FakeDiscord, bot: SelfTestBot) -> None:
    paths = [(r.method, r.path) for r in fake.requests]
    assert paths[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert ("PUT", f"/applications/{fake.application_id}/commands") in paths
    assert all(r.headers["Authorization"] == f"Bot {TOKEN}" for r in fake.requests)
    assert fake.gateway_connections[0].query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert fake.identify_count == 1
    assert fake.identify_payloads[0]["token"] == TOKEN
    commands = {c["name"]: c for c in await fake.wait_synced(5)}
    assert set(commands) == {"ping", "slow", "late", "post", "feedback", "dmme", "admin"}
    text = commands["ping"]["options"][0]
    assert (text["name"], text["type"], text["required"], text["autocomplete"]) == ("text", 3, True, True)
    assert commands["admin"]["options"][0]["type"] == 1
    assert bot.user is not None and bot.user.id == fake.application_id
    assert bot.application_id == fake.application_id
    guild = bot.get_guild(fake.guild_id)
    assert guild is not None and guild.get_role(STAFF_ROLE) is not None and guild.get_channel(NEWS) is not None
    await asyncio.sleep(0.35)  # heartbeat_interval_ms=100: several heartbeats get ACKed
    assert fake.heartbeat_count >= 3
    assert bot.latency < 0.5


async def test_unknown_route_and_bad_auth_are_json(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bot {TOKEN}"}
        async with http.get(f"{fake.api_base}/nope/nothing", headers=headers) as resp:
            assert resp.status == 404
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["code"] == 0
        async with http.get(f"{fake.api_base}/users/@me", headers={"Authorization": "Bot wrong"}) as resp:
            assert resp.status == 401


async def test_bad_token_raises_login_failure(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await client.login("wrong-token")
    await client.close()


async def test_command_reply_embed_button_click(fake: FakeDiscord, bot: SelfTestBot) -> None:
    handle = await fake.inject_command("ping", {"text": "hi"})
    cb = await handle.wait_response()
    assert cb.type == 4
    assert cb.data["embeds"][0]["title"] == "pong hi"
    button = cb.data["components"][0]["components"][0]
    assert (button["type"], button["custom_id"], button["label"]) == (2, "again", "Again")
    assert handle.original is not None and handle.original["embeds"][0]["title"] == "pong hi"
    assert handle.latency is not None and 0 < handle.latency < 1
    for n in (1, 2):  # the view was stored under response_message_id, so clicks reach it
        click = await fake.inject_component(handle.original, "again")
        update = await click.wait_response()
        assert (update.type, update.data["content"]) == (7, f"clicked {n}")
        assert click.original is not None and click.original["id"] == handle.original["id"]
    assert fake.messages[int(handle.original["id"])]["content"] == "clicked 2"


async def test_autocomplete(fake: FakeDiscord, bot: SelfTestBot) -> None:
    handle = await fake.inject_autocomplete("ping", {"text": "ab"}, focused="text")
    assert handle.payload["data"]["options"][0] == {"name": "text", "type": 3, "value": "ab", "focused": True}
    cb = await handle.wait_response()
    assert cb.type == 8
    assert cb.data["choices"] == [{"name": f"ab {i}", "value": f"ab{i}"} for i in range(3)]


async def test_defer_then_followup_with_file(fake: FakeDiscord, bot: SelfTestBot) -> None:
    handle = await fake.inject_command("slow")
    cb = await handle.wait_response()
    assert cb.type == 5
    followup = await handle.wait_followup()
    assert followup["content"] == "done"
    assert handle.original is not None and followup["id"] == handle.original["id"]  # replaced "thinking..."
    assert followup["flags"] & 128 == 0
    assert [(a["filename"], a["size"]) for a in followup["attachments"]] == [("data.csv", 8)]
    (req,) = fake.requests_to("POST", f"/webhooks/{fake.application_id}/*")
    assert req.query["wait"] == "1"
    assert [(p.name, p.filename, p.data) for p in req.files] == [("files[0]", "data.csv", b"a,b\n1,2\n")]
    assert req.json["attachments"] == [{"id": 0, "filename": "data.csv"}]
    assert fake.message_files[int(followup["id"])][0].data == b"a,b\n1,2\n"


async def test_rate_limited_callback_is_retried(fake: FakeDiscord, bot: SelfTestBot) -> None:
    fake.fail_next("POST", "/interactions/*/callback", 429)
    handle = await fake.inject_command("ping", {"text": "x"})
    cb = await handle.wait_response()
    assert cb.type == 4
    assert [r.status for r in fake.requests_to("POST", "/interactions/*/callback")] == [429, 200]


async def test_reconnect_resume_then_command(fake: FakeDiscord, bot: SelfTestBot) -> None:
    session_id = fake.session_id
    await fake.send_reconnect()
    await fake.wait_resumed(10)
    resume = next(m["d"] for m in fake.gateway_received if m["op"] == 6)
    assert resume["session_id"] == session_id and resume["token"] == TOKEN
    assert (fake.identify_count, fake.resume_count) == (1, 1)
    assert fake.gateway_connections[-1].path == "/gateway/resume"
    handle = await fake.inject_command("ping", {"text": "after"})
    assert (await handle.wait_response()).data["embeds"][0]["title"] == "pong after"


async def test_late_ack_and_followup_before_ack(fake: FakeDiscord, bot: SelfTestBot) -> None:
    fake.interaction_timeout, bot.late_delay = 0.2, 0.4
    handle = await fake.inject_command("late")
    async with aiohttp.ClientSession() as http:  # a followup before any ack: 404 / 10015
        url = f"{fake.api_base}/webhooks/{fake.application_id}/{handle.token}?wait=1"
        async with http.post(url, json={"content": "early"}) as resp:
            assert (resp.status, (await resp.json())["code"]) == (404, 10015)
    assert await handle.wait_error(count=2) == (404, 10062)
    await eventually(lambda: bot.errors == [10062])
    assert handle.callback is None


async def test_double_ack_is_rejected(fake: FakeDiscord, bot: SelfTestBot) -> None:
    handle = await fake.inject_command("ping", {"text": "once"})
    await handle.wait_response()
    async with aiohttp.ClientSession() as http:
        url = f"{fake.api_base}/interactions/{handle.id}/{handle.token}/callback?with_response=1"
        async with http.post(url, json={"type": 4, "data": {"content": "twice"}}) as resp:
            assert resp.status == 400
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["code"] == 40060


async def test_channel_post_forbidden_and_deleted(fake: FakeDiscord, bot: SelfTestBot) -> None:
    ok = await fake.inject_command("post", {"channel": str(GENERAL)})
    assert (await ok.wait_response()).data["content"] == "posted"
    assert fake.channel_messages[GENERAL][0]["content"] == "Call to action"
    fake.forbid_channel(NEWS)
    denied = await fake.inject_command("post", {"channel": str(NEWS)})
    cb = await denied.wait_response()
    assert (cb.data["content"], cb.data["flags"]) == ("failed 50013", 64)
    assert NEWS not in fake.channel_messages
    fake.delete_channel(GENERAL)
    gone = await fake.inject_command("post", {"channel": str(GENERAL)})
    assert (await gone.wait_response()).data["content"] == "failed 10003"
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bot {TOKEN}"}
        async with http.get(f"{fake.api_base}/channels/{NEWS}", headers=headers) as resp:
            assert (resp.status, (await resp.json())["name"]) == (200, "news")


async def test_subcommand_with_roles(fake: FakeDiscord, bot: SelfTestBot) -> None:
    handle = await fake.inject_command("admin reload", {"force": True}, roles=["Staff"])
    assert handle.payload["data"]["options"][0]["options"] == [{"name": "force", "type": 5, "value": True}]
    assert (await handle.wait_response()).data["content"] == "reloaded force=True"
    denied = await fake.inject_command("admin", {"force": False}, subcommand="reload")
    cb = await denied.wait_response()
    assert (cb.data["content"], cb.data["flags"]) == ("denied: MissingRole", 64)


async def test_modal_submit(fake: FakeDiscord, bot: SelfTestBot) -> None:
    handle = await fake.inject_command("feedback")
    modal = await handle.wait_response()
    assert modal.type == 9 and modal.data["title"] == "Feedback"
    submit = await fake.inject_modal_submit(modal.data["custom_id"], {"body": "great"})
    cb = await submit.wait_response()
    assert (cb.type, cb.data["content"]) == (4, "thanks: great")


async def test_dm_channel_and_dm_interaction(fake: FakeDiscord, bot: SelfTestBot) -> None:
    handle = await fake.inject_command("dmme")
    await handle.wait_response()
    (req,) = fake.requests_to("POST", "/users/@me/channels")
    dm_id = int(fake.dm_channel()["id"])
    assert str(req.json["recipient_id"]) == fake.default_user["id"]
    assert fake.channel_messages[dm_id][0]["content"] == "hello in DM"
    in_dm = await fake.inject_command("ping", {"text": "dm"}, dm=True)
    assert "guild_id" not in in_dm.payload and in_dm.payload["user"]["id"] == fake.default_user["id"]
    assert (await in_dm.wait_response()).data["embeds"][0]["title"] == "pong dm"


async def test_text_frames_without_compression(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeDiscord(token=TOKEN, compress=False) as fake, running_bot(fake, monkeypatch):
        assert fake.gateway_connections[0].mode is None
        handle = await fake.inject_command("ping", {"text": "plain"})
        assert (await handle.wait_response()).type == 4


async def test_global_rate_limit_429_and_discordpy_waits(fake: FakeDiscord, bot: SelfTestBot) -> None:
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bot {TOKEN}"}
        statuses = []
        for _ in range(60):  # more than a second's worth at once
            async with http.get(f"{fake.api_base}/channels/{NEWS}", headers=headers) as resp:
                statuses.append(resp.status)
                if resp.status == 429:
                    body = await resp.json()
                    assert body["global"] is True and body["retry_after"] > 0
                    assert resp.headers["X-RateLimit-Global"] == "true"
        assert 429 in statuses and statuses[0] == 200
    before = fake.global_429s
    channel = bot.get_partial_messageable(GENERAL)
    await asyncio.gather(*(channel.send(f"m{i}") for i in range(60)))  # discord.py waits out the 429s
    assert len(fake.channel_messages[GENERAL]) == 60
    assert fake.global_429s > before


async def test_route_limit_headers_429_and_discordpy_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    channels = [{"id": GENERAL, "name": "general"}, {"id": NEWS, "name": "news"}]
    fake = FakeDiscord(token=TOKEN, channels=channels, global_rate=None, route_limit=(3, 0.3), record=False)
    async with fake:
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bot {TOKEN}"}
            statuses, limits = [], []
            for channel in (GENERAL, GENERAL, GENERAL, GENERAL, NEWS):  # the 4th is over; another channel is not
                async with http.post(f"{fake.api_base}/channels/{channel}/messages", headers=headers,
                                     json={"content": "x"}) as resp:  # fmt: skip
                    statuses.append(resp.status)
                    limits.append((resp.headers["X-RateLimit-Limit"], resp.headers["X-RateLimit-Remaining"]))
                    if resp.status == 429:
                        body = await resp.json()
                        assert body["global"] is False and body["retry_after"] > 0
                        assert resp.headers["X-RateLimit-Scope"] == "user" and resp.headers["Via"]
        assert statuses == [200, 200, 200, 429, 200]
        assert limits == [("3", "2"), ("3", "1"), ("3", "0"), ("3", "0"), ("3", "2")]
        assert fake.route_429s == 1 and len(fake.channel_messages[GENERAL]) == 3
        assert set(fake.channel_messages[GENERAL][0]) == {"id"}, "record=False keeps only what counts need"
        assert fake.messages == {}
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
        client = discord.Client(intents=discord.Intents.none())
        await client.login(TOKEN)
        try:  # discord.py reads the headers: it waits for the window instead of drawing 429s
            await asyncio.sleep(0.35)
            await asyncio.gather(*(client.get_partial_messageable(NEWS).send(f"m{i}") for i in range(7)))
        finally:
            await client.close()
        assert len(fake.channel_messages[NEWS]) == 8 and fake.route_429s == 1
