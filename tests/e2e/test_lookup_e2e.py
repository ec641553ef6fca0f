"""The real bot, as a subprocess, against the local fake Discord: login, sync, every command, buttons,
autocomplete, errors, rate limits, reconnects and the defer path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.e2e.harness import MOD_ROLE, TOKEN, BotProcess, buttons_of, embed_of
from tests.fakediscord import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")
EPHEMERAL = 64


async def test_login_and_guild_sync(fake: FakeDiscord, bot: BotProcess) -> None:
    commands = await fake.wait_synced()
    names = {c["name"] for c in commands}
    assert {"state", "criterion", "compare", "explain", "about"} <= names
    for command in commands:
        assert command.get("guild_id") == str(fake.guild_id) or int(command.get("guild_id", 0)) == fake.guild_id
        assert 1 <= len(command["description"]) <= 100
        for option in command.get("options", []):
            assert 1 <= len(option["description"]) <= 100
    state = fake.find_command("state")
    options = {o["name"]: (o["type"], o.get("required", False), o.get("autocomplete", False)) for o in state["options"]}
    assert options == {"jurisdiction": (3, True, True), "public": (5, False, False)}
    login = fake.requests_to("GET", "/users/@me")[0]
    assert login.headers["Authorization"] == f"Bot {TOKEN}"
    # The gateway session asks for the guilds intent (1 << 0) only: no messages, members, presences, typing,
    # reactions or voice states reach a bot that answers commands and reads nothing else.
    assert fake.identify_payloads[0]["intents"] == 1


async def test_state_reply_has_embed_buttons_and_no_pings(fake: FakeDiscord, bot: BotProcess) -> None:
    handle = await fake.inject_command("state", {"jurisdiction": "CT"})
    callback = await handle.wait_response()
    assert callback.type == 4
    assert not (callback.data.get("flags", 0) & EPHEMERAL), "state replies are public by default"
    embed = embed_of(callback.data)
    assert embed["title"] == "Connecticut: qualified immunity"
    assert "**Current law scores** End 2/4 · Start " in embed["description"]
    assert "**Law in force:** Public Act 20-1" in embed["description"]
    assert embed["fields"][0]["name"] == "Current law, criterion by criterion"
    assert any("Checked" in f for f in [embed.get("footer", {}).get("text", "")])
    assert callback.data["allowed_mentions"] == {"parse": []}
    buttons = buttons_of(callback.data)
    assert any(b.get("custom_id") == "qibot:report:ct" for b in buttons)
    assert [b for b in buttons if b.get("style") == 5 and b["url"].startswith("https://")]


async def test_private_flag_and_miss_are_ephemeral(fake: FakeDiscord, bot: BotProcess) -> None:
    private = await (await fake.inject_command("state", {"jurisdiction": "co", "public": False})).wait_response()
    assert private.data["flags"] & EPHEMERAL
    miss = await (await fake.inject_command("state", {"jurisdiction": "Conecticutt Rivr"})).wait_response()
    assert miss.data["flags"] & EPHEMERAL
    assert "Did you mean" in embed_of(miss.data)["description"]
    assert "Connecticut" in embed_of(miss.data)["description"]


async def test_typo_is_answered(fake: FakeDiscord, bot: BotProcess) -> None:
    callback = await (await fake.inject_command("state", {"jurisdiction": "conneticut"})).wait_response()
    assert embed_of(callback.data)["title"].startswith("Connecticut")


async def test_criterion_pages_with_buttons(fake: FakeDiscord, bot: BotProcess) -> None:
    handle = await fake.inject_command("criterion", {"criterion": "fees"})
    callback = await handle.wait_response()
    first = embed_of(callback.data)
    assert first["title"] == "Starts attorney fees"
    assert "page 1/" in first["footer"]["text"]
    ids = [b.get("custom_id") for b in buttons_of(callback.data)]
    assert "qibot:pg:criterion:attorney-fees:1:en-US:n" in ids
    click = await fake.inject_component(handle.original, "qibot:pg:criterion:attorney-fees:1:en-US:n")
    update = await click.wait_response()
    assert update.type == 7
    assert "page 2/" in embed_of(update.data)["footer"]["text"]
    back = [b for b in buttons_of(update.data) if b.get("custom_id", "").endswith(":p")][0]
    assert back["custom_id"] == "qibot:pg:criterion:attorney-fees:0:en-US:p"
    assert not back.get("disabled", False)


async def test_compare_and_explain(fake: FakeDiscord, bot: BotProcess) -> None:
    compare = await (await fake.inject_command("compare", {"first": "CO", "second": "NM"})).wait_response()
    embed = embed_of(compare.data)
    assert embed["title"] == "Compare: Colorado · New Mexico"
    assert len(embed["fields"]) == 10, "nine criteria of current law, then the bills"
    assert embed["fields"][-1]["name"].startswith("Bills")
    explain = await (await fake.inject_command("explain", {"term": "1983"})).wait_response()
    assert embed_of(explain.data)["title"].startswith("Section 1983")


async def test_autocomplete_is_ranked_and_capped(fake: FakeDiscord, bot: BotProcess) -> None:
    callback = await (await fake.inject_autocomplete("state", {"jurisdiction": "conn"})).wait_response()
    assert callback.type == 8
    choices = callback.data["choices"]
    assert choices[0] == {"name": "Connecticut (CT)", "value": "ct"}
    empty = await (await fake.inject_autocomplete("state", {"jurisdiction": ""})).wait_response()
    assert len(empty.data["choices"]) == 25
    values = [c["value"] for c in empty.data["choices"]]
    assert len(values) == len(set(values))
    crit = await (await fake.inject_autocomplete("criterion", {"criterion": "fee"})).wait_response()
    assert crit.data["choices"][0]["value"] == "attorney-fees"


async def test_rate_limited_callback_is_retried(fake: FakeDiscord, bot: BotProcess) -> None:
    fake.fail_next("POST", "/interactions/*/callback", 429)
    handle = await fake.inject_command("state", {"jurisdiction": "NM"})
    callback = await handle.wait_response()
    assert embed_of(callback.data)["title"].startswith("New Mexico")
    statuses = [r.status for r in fake.requests_to("POST", f"/interactions/{handle.id}/*/callback")]
    assert statuses == [429, 200]


async def test_server_error_is_retried_within_the_deadline(fake: FakeDiscord, bot: BotProcess) -> None:
    fake.fail_next("POST", "/interactions/*/callback", 500)
    handle = await fake.inject_command("explain", {"term": "qualified immunity"})
    callback = await handle.wait_response()
    assert callback.type == 4
    assert handle.latency is not None
    assert handle.latency < 3.0


async def test_reconnect_and_resume_keep_commands_working(fake: FakeDiscord, bot: BotProcess) -> None:
    resumes = fake.resume_count
    await fake.send_reconnect()
    await fake.wait_resumed(count=resumes + 1)
    assert fake.identify_count == 1, "a reconnect resumes the session instead of identifying again"
    callback = await (await fake.inject_command("state", {"jurisdiction": "WA"})).wait_response()
    assert embed_of(callback.data)["title"].startswith("Washington")


async def test_report_button_opens_a_form_and_slow_database_defers(
    fake: FakeDiscord, bot: BotProcess, data_dir: Path
) -> None:
    handle = await fake.inject_command("state", {"jurisdiction": "CT"})
    await handle.wait_response()
    click = await fake.inject_component(handle.original, "qibot:report:ct")
    modal = await click.wait_response()
    assert modal.type == 9
    note_id = modal.data["components"][0]["components"][0]["custom_id"]

    # Hold the database's write lock until the bot has deferred: it must defer before Discord's 3 s deadline
    # (the fake refuses a later callback), then save once the lock is released.
    db = sqlite3.connect(data_dir / "qibot.db", timeout=5)
    db.execute("BEGIN EXCLUSIVE")
    submit = await fake.inject_modal_submit(modal.data["custom_id"], {note_id: "The fees verdict cites 'may'."})
    deferred = await submit.wait_response()
    assert deferred.type == 5
    assert deferred.data["flags"] & EPHEMERAL
    assert not submit.followups, "nothing was saved while the database was locked"
    db.rollback()
    db.close()
    followup = await submit.wait_followup()
    assert "is in the moderators' queue" in followup["content"]
    assert not submit.errors, submit.errors

    rows = sqlite3.connect(data_dir / "qibot.db").execute("SELECT jurisdiction, note FROM reports").fetchall()
    assert ("ct", "The fees verdict cites 'may'.") in rows


async def test_about_is_private(fake: FakeDiscord, bot: BotProcess) -> None:
    callback = await (await fake.inject_command("about", {}, roles=[MOD_ROLE])).wait_response()
    assert callback.data["flags"] & EPHEMERAL
    assert "qibot" in embed_of(callback.data)["title"]


async def test_one_log_line_per_interaction_and_never_the_token(fake: FakeDiscord, bot: BotProcess) -> None:
    await (await fake.inject_command("state", {"jurisdiction": "VT"})).wait_response()
    line = await bot.wait_line("command=state")
    assert "latency_ms=" in line
    assert "outcome=" in line
    assert TOKEN not in bot.output


async def test_public_replies_are_rate_limited_per_member_but_still_answered(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """Default: 3 public replies per 30 s per member; over that the answer comes privately."""
    member = 555_000_000_000_000_001
    flags = []
    for _ in range(4):
        callback = await (await fake.inject_command("state", {"jurisdiction": "OH"}, user=member)).wait_response()
        assert embed_of(callback.data)["title"].startswith("Ohio")
        flags.append(bool(callback.data.get("flags", 0) & EPHEMERAL))
    assert flags == [False, False, False, True]
    other = await (await fake.inject_command("state", {"jurisdiction": "OH"}, user=member + 1)).wait_response()
    assert not other.data.get("flags", 0) & EPHEMERAL, "the limit is per member, not per channel"
