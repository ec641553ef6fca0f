"""Members' own legislators through the local fake Discord: /me district, a call prompt posted, members pressing
the call button and outcome buttons (counted once each; a second press changes), /action stats, /me forget."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.people.directory import load_directory
from bot.replies import legislators as people_replies
from tests.e2e.harness import (
    ORGANIZER_ROLE,
    ROLES,
    ROOT,
    TOKEN,
    BotProcess,
    answer,
    bot_env,
    buttons_of,
    running_bot,
    seeded_data_dir,
)
from tests.fakediscord import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")
EPHEMERAL = 64
ACTIONS = 333_000_000_000_000_101
ALICE, BOB, CAROL = 444_000_000_000_000_101, 444_000_000_000_000_102, 444_000_000_000_000_103
SENATE_PROMPT = """id: call-senators
kind: call-script
chamber: upper
bill: {jurisdiction: ct, number: HB 6004}
title: Call your state senator
text: Call your state senator.
script: "{{ legislator.title }} {{ legislator.name }}, about {{ bill.number }} ({{ bill.status }})."
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake() -> AsyncIterator[FakeDiscord]:
    channels = [{"id": ACTIONS, "name": "actions"}]
    async with FakeDiscord(token=TOKEN, roles=ROLES, channels=channels, heartbeat_interval_ms=500) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env(fake: FakeDiscord, tmp_path_factory: pytest.TempPathFactory, migrated_db: Path) -> dict[str, str]:
    base = seeded_data_dir(tmp_path_factory.mktemp("calls"), migrated_db)
    shutil.copytree(ROOT / "knowledge", base / "knowledge")
    (base / "knowledge" / "actions" / "call-senators.yaml").write_text(SENATE_PROMPT)
    return bot_env(fake, base, QIBOT_KNOWLEDGE_PATH=str(base / "knowledge"), QIBOT_SCHEDULER_SECONDS="0")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(fake: FakeDiscord, env: dict[str, str]) -> AsyncIterator[BotProcess]:
    async with running_bot(fake, env) as process:
        yield process


def _seat(state: str, chamber: str) -> tuple[str, list]:
    """A district of the shipped snapshot with exactly one member (so the test does not hard-code data)."""
    people = load_directory()
    for district in people.districts(state, chamber):
        members = people.members(state, chamber, district)
        if len(members) == 1:
            return district, members
    raise AssertionError(f"no single-member {chamber} district in {state}")


async def _followups(handle, count: int) -> list[dict]:
    await handle.wait_for(lambda: len(handle.followups) >= count, 15, f"{count} followups")
    return handle.followups


async def _text(handle) -> str:
    data = await answer(handle)
    assert data["flags"] & EPHEMERAL, "every reply here is private"
    return data["content"]


async def test_me_district_autocompletes_real_districts_and_saves(fake: FakeDiscord, bot: BotProcess) -> None:
    people = load_directory()
    auto = await (
        await fake.inject_autocomplete("me district", {"state": "CT", "chamber": "house", "district": "11"})
    ).wait_response()
    values = [c["value"] for c in auto.data["choices"]]
    assert values and set(values) <= set(people.districts("ct", "lower"))
    assert all(v.startswith("11") for v in values)

    bad = await _text(
        await fake.inject_command("me district", {"state": "CT", "chamber": "house", "district": "999"}, user=ALICE)
    )
    assert "has no House district “999”" in bad
    suggested = bad.split("Did you mean ", 1)[1].split("?", 1)[0].split(", ")  # the same as /legislators offers
    assert suggested == people_replies.nearest_districts(people, "ct", "lower", "999") and len(suggested) == 3
    wrong = await _text(
        await fake.inject_command("me district", {"state": "CT", "chamber": "attic", "district": "1"}, user=ALICE)
    )
    assert "is not a chamber of Connecticut" in wrong
    nyc = await _text(
        await fake.inject_command("me district", {"state": "NYC", "chamber": "council", "district": "1"}, user=ALICE)
    )
    assert nyc.startswith("qibot has no legislator data for New York City.")
    assert load_directory().find_my_legislator_url("nyc") in nyc
    ward = load_directory().districts("dc", "legislature")[0]
    dc = await _text(
        await fake.inject_command("me district", {"state": "DC", "chamber": "senate", "district": ward}, user=CAROL)
    )
    assert dc.startswith(f"Saved, only for you: District of Columbia, Council {ward}."), dc

    district, members = _seat("ct", "lower")
    saved = await _text(
        await fake.inject_command(
            "me district", {"state": "Connecticut", "chamber": "house", "district": district}, user=ALICE
        )
    )
    assert saved.startswith(f"Saved, only for you: Connecticut, House district {district}.")
    assert members[0].name in saved
    shown = await _text(await fake.inject_command("me show", {}, user=ALICE))
    assert f"Saved for you: Connecticut, House district {district}." in shown
    assert "Call outcomes counted under a salted hash of your id (never the id itself): 0." in shown
    spanish = await _text(await fake.inject_command("me show", {}, user=ALICE, locale="es-ES"))
    assert spanish.startswith(f"Guardado para ti: Connecticut, distrito {district} de ")


async def test_legislators_without_arguments_uses_the_saved_district(fake: FakeDiscord, bot: BotProcess) -> None:
    district, members = _seat("ct", "lower")
    mine = await answer(await fake.inject_command("legislators", {"public": False}, user=ALICE))
    embed = mine["embeds"][0]
    assert embed["title"] == f"Connecticut House, district {district}"
    assert all(p.name in embed["description"] for p in members)
    with_args = await answer(
        await fake.inject_command("legislators", {"state": "CT", "chamber": "house", "district": district})
    )
    assert with_args["embeds"][0]["title"] == embed["title"]
    by_default = await answer(await fake.inject_command("legislators", {}, user=ALICE))  # public is the default
    assert by_default["embeds"][0]["title"] == embed["title"]
    assert by_default.get("flags", 0) & 64, "a saved district is answered privately, never in the channel"
    nothing_saved = await answer(await fake.inject_command("legislators", {"public": False}, user=BOB))
    assert "legislators CT house 113" in str(nothing_saved)


async def test_call_prompt_members_outcomes_stats_and_forget(fake: FakeDiscord, bot: BotProcess) -> None:
    alice_district, alice_members = _seat("ct", "lower")
    posted_reply = await answer(
        await fake.inject_command(
            "action post", {"prompt": "contact-legislator", "channel": ACTIONS}, roles=[ORGANIZER_ROLE]
        )
    )
    assert posted_reply["content"].startswith(f"Posted in <#{ACTIONS}>")
    post = fake.channel_messages[ACTIONS][-1]
    ids = [b.get("custom_id") for b in buttons_of(post)]
    assert ids[0] == "qibot:call:contact-legislator"
    assert [b.get("url") for b in buttons_of(post)][1:] == ["https://openstates.org/find_your_legislator/"]
    public_count = len(fake.channel_messages[ACTIONS])

    # Alice has a saved district: her legislators, privately, each with the script and outcome buttons
    press = await fake.inject_component(post, "qibot:call:contact-legislator", user=ALICE)
    assert (await press.wait_response()).data["flags"] & EPHEMERAL
    intro, card = (await _followups(press, 2))[:2]
    assert intro["flags"] & EPHEMERAL and card["flags"] & EPHEMERAL
    assert f"district {alice_district}" in intro["content"]
    person = alice_members[0]
    embed = card["embeds"][0]
    assert embed["title"].startswith(f"{person.title} {person.name}")
    if person.phone:
        assert f"Phone: {person.phone}" in embed["description"]
    assert f"{person.title} {person.name}'s district ({alice_district})" in embed["description"]
    assert "The related laws in force in Connecticut are " in embed["description"]
    outcome_ids = [b["custom_id"] for b in buttons_of(card)]
    assert [i.split(":")[3] for i in outcome_ids] == ["c", "v", "e", "s"]
    assert all(len(i) <= 100 for i in outcome_ids)

    # Bob has none: the press opens the district form; he picks a senate seat
    bob_district, bob_members = _seat("ct", "upper")
    bob_press = await fake.inject_component(post, "qibot:call:contact-legislator", user=BOB)
    modal = await bob_press.wait_response()
    assert modal.type == 9
    fields = [row["components"][0]["custom_id"] for row in modal.data["components"]]
    submit = await fake.inject_modal_submit(
        modal.data["custom_id"], dict(zip(fields, ["ct", "senate", bob_district], strict=True)), user=BOB
    )
    bob_card = (await _followups(submit, 2))[1]
    assert bob_card["embeds"][0]["title"].startswith(f"Senator {bob_members[0].name}")

    # outcomes: Alice presses voicemail, then called (changes, not adds); Bob presses called once
    first = await _text(await fake.inject_component(card, outcome_ids[1], user=ALICE))
    assert first.startswith("Recorded: Left voicemail.")
    second = await _text(await fake.inject_component(card, outcome_ids[0], user=ALICE))
    assert second.startswith("Changed from Left voicemail to Called.")
    bob_called = [b["custom_id"] for b in buttons_of(bob_card)][0]
    assert (await _text(await fake.inject_component(bob_card, bob_called, user=BOB))).startswith("Recorded: Called.")
    assert len(fake.channel_messages[ACTIONS]) == public_count, "nothing personal is posted publicly"

    denied = await (
        await fake.inject_command("action stats", {"prompt": "contact-legislator"}, user=BOB)
    ).wait_response()
    assert "permission" in denied.data["content"]
    stats = await _text(
        await fake.inject_command("action stats", {"prompt": "contact-legislator"}, roles=[ORGANIZER_ROLE])
    )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert f"{today} · 2 · 0 · 0 · 0" in stats
    assert "total · 2 · 0 · 0 · 0" in stats

    # Alice forgets: her district and her outcome row go; Bob's stays
    ask = await fake.inject_command("me forget", {}, user=ALICE)
    confirm = await answer(ask)
    assert confirm["flags"] & EPHEMERAL
    yes = f"qibot:forget:{ALICE}:y"
    assert yes in [b["custom_id"] for b in buttons_of(confirm)]
    not_hers = await fake.inject_component(ask, yes, user=BOB)
    assert "someone else's" in (await not_hers.wait_response()).data["content"]
    done = await fake.inject_component(ask, yes, user=ALICE)
    edited = await done.wait_edit()
    assert edited["content"] == "Deleted: saved district: 1; call outcomes: 1."
    after = await _text(
        await fake.inject_command("action stats", {"prompt": "contact-legislator"}, roles=[ORGANIZER_ROLE])
    )
    assert f"{today} · 1 · 0 · 0 · 0" in after
    shown = await _text(await fake.inject_command("me show", {}, user=ALICE))
    assert "qibot has no district saved for you" in shown
    assert "(never the id itself): 0." in shown
    await asyncio.sleep(0)


async def test_a_prompt_for_the_other_chamber_asks_for_that_district(fake: FakeDiscord, bot: BotProcess) -> None:
    """Alice saved a House seat; a call to senators opens the form with her state and the Senate filled in."""
    await _text(
        await fake.inject_command(
            "me district", {"state": "CT", "chamber": "house", "district": _seat("ct", "lower")[0]}, user=ALICE
        )
    )
    post_it = {"prompt": "call-senators", "channel": ACTIONS}
    await answer(await fake.inject_command("action post", post_it, roles=[ORGANIZER_ROLE]))
    post = fake.channel_messages[ACTIONS][-1]
    press = await fake.inject_component(post, "qibot:call:call-senators", user=ALICE)
    modal = await press.wait_response()
    assert modal.type == 9
    values = [row["components"][0].get("value") for row in modal.data["components"]]
    assert values[:2] == ["CT", "Senate"]
    fields = [row["components"][0]["custom_id"] for row in modal.data["components"]]
    district, members = _seat("ct", "upper")
    submit = await fake.inject_modal_submit(
        modal.data["custom_id"], dict(zip(fields, ["CT", "Senate", district], strict=True)), user=ALICE
    )
    card = (await _followups(submit, 2))[1]
    assert card["embeds"][0]["description"].endswith(f"Senator {members[0].name}, about HB 6004 (enacted).")
    again = await (await fake.inject_component(post, "qibot:call:call-senators", user=ALICE)).wait_response()
    fields = [row["components"][0]["custom_id"] for row in again.data["components"]]
    wrong = await fake.inject_modal_submit(
        again.data["custom_id"], dict(zip(fields, ["CT", "Senate", "999"], strict=True)), user=ALICE
    )
    assert "has no Senate district “999”" in (await answer(wrong))["content"]
    third = await (await fake.inject_component(post, "qibot:call:call-senators", user=ALICE)).wait_response()
    fields = [row["components"][0]["custom_id"] for row in third.data["components"]]
    house_seat = await fake.inject_modal_submit(
        third.data["custom_id"], dict(zip(fields, ["CT", "House", _seat("ct", "lower")[0]], strict=True)), user=ALICE
    )
    assert "This call is to your Senate member" in (await answer(house_seat))["content"], "a House seat is refused"


async def test_organizers_create_a_call_script_checked_like_other_prompts(fake: FakeDiscord, bot: BotProcess) -> None:
    async def submit(script: str, chamber: str, name: str) -> str:
        opened = await (
            await fake.inject_command("action create", {"kind": "call-script"}, roles=[ORGANIZER_ROLE])
        ).wait_response()
        assert opened.type == 9
        fields = [row["components"][0]["custom_id"] for row in opened.data["components"]]
        values = [name, "Call your representative", "Call about HB 6004.", script, chamber]
        handle = await fake.inject_modal_submit(
            opened.data["custom_id"], dict(zip(fields, values, strict=True)), roles=[ORGANIZER_ROLE]
        )
        return (await answer(handle))["content"]

    assert "template" in await submit("Hello {{ legislator.nmae }}", "house", "call-typo")
    assert "chamber" in await submit("Hello {{ legislator.name }}", "attic", "call-attic")
    assert "call-house" in await submit("Hello {{ legislator.title }} {{ legislator.name }}.", "house", "call-house")

    await _text(
        await fake.inject_command(
            "me district", {"state": "CT", "chamber": "house", "district": _seat("ct", "lower")[0]}, user=BOB
        )
    )
    await answer(
        await fake.inject_command("action post", {"prompt": "call-house", "channel": ACTIONS}, roles=[ORGANIZER_ROLE])
    )
    post = fake.channel_messages[ACTIONS][-1]
    press = await fake.inject_component(post, "qibot:call:call-house", user=BOB)
    card = (await _followups(press, 2))[1]
    person = _seat("ct", "lower")[1][0]
    assert card["embeds"][0]["description"].endswith(f"Hello {person.title} {person.name}.")


async def test_buttons_keep_working_after_a_restart(fake: FakeDiscord, bot: BotProcess, env: dict[str, str]) -> None:
    """Last in the module: the call and outcome buttons are dispatched by custom id, so a new process answers
    presses on messages the old one sent."""
    await answer(
        await fake.inject_command(
            "action post", {"prompt": "contact-legislator", "channel": ACTIONS}, roles=[ORGANIZER_ROLE]
        )
    )
    post = fake.channel_messages[ACTIONS][-1]
    card = (await _followups(await fake.inject_component(post, "qibot:call:contact-legislator", user=BOB), 2))[1]
    await bot.stop()
    restarted = await BotProcess.start(env)
    try:
        await restarted.wait_ready()
        skipped = [b["custom_id"] for b in buttons_of(card)][3]
        assert (await _text(await fake.inject_component(card, skipped, user=BOB))).startswith("Recorded: Skipped.")
        again = await fake.inject_component(post, "qibot:call:contact-legislator", user=BOB)
        assert len(await _followups(again, 2)) >= 2
    finally:
        await restarted.stop()
