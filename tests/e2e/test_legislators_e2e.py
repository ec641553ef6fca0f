"""/legislators through the fake Discord and the real discord.py client: a seat's members, the lookup page
without a district, autocomplete from the data, misses, and a body that is not in the data."""

from __future__ import annotations

import pytest

from bot.people.directory import load_directory
from tests.e2e.harness import BotProcess, buttons_of, embed_of
from tests.fakediscord import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")
EPHEMERAL = 64
LINK = 5


async def test_command_is_synced_with_autocomplete(fake: FakeDiscord, bot: BotProcess) -> None:
    await fake.wait_synced(10)
    command = fake.find_command("legislators")
    options = {o["name"]: (o["type"], o.get("required", False), o.get("autocomplete", False))
               for o in command["options"]}  # fmt: skip
    assert options == {
        "state": (3, False, True), "chamber": (3, False, True), "district": (3, False, True),
        "public": (5, False, False),
    }  # fmt: skip
    assert command.get("name_localizations", {}).get("es-ES") == "legisladores"


async def test_a_seat_lists_its_members_with_text_contacts_and_page_buttons(fake: FakeDiscord, bot: BotProcess) -> None:
    members = load_directory().members("ct", "lower", "113")
    assert members, "the snapshot holds CT House district 113"
    callback = await (
        await fake.inject_command("legislators", {"state": "CT", "chamber": "house", "district": "113"})
    ).wait_response()
    assert not (callback.data.get("flags", 0) & EPHEMERAL)
    embed = embed_of(callback.data)
    assert embed["title"] == "Connecticut House, district 113"
    for person in members:
        assert f"**{person.name}**" in embed["description"]
        if person.email:
            assert f"`{person.email}`" in embed["description"]  # email as text: link buttons take http(s) only
        if person.phone:
            assert f"`{person.phone}`" in embed["description"]  # tel: is not allowed in buttons either
    assert "Open States" in embed["footer"]["text"]
    assert callback.data["allowed_mentions"] == {"parse": []}
    urls = [b["url"] for b in buttons_of(callback.data) if b.get("style") == LINK]
    assert urls == [p.website for p in members if p.website]
    assert all(u.startswith(("https://", "http://")) for u in urls)


async def test_judiciary_member_is_marked(fake: FakeDiscord, bot: BotProcess) -> None:
    people = load_directory()
    person = next(p for d in people.districts("ny", "upper") for p in people.members("ny", "upper", d) if p.judiciary)
    callback = await (
        await fake.inject_command("legislators", {"state": "ny", "chamber": "senate", "district": person.district})
    ).wait_response()
    assert "⚖ Judiciary committee:" in embed_of(callback.data)["description"]


async def test_without_a_district_links_the_legislatures_own_lookup(fake: FakeDiscord, bot: BotProcess) -> None:
    callback = await (await fake.inject_command("legislators", {"state": "Connecticut"})).wait_response()
    embed = embed_of(callback.data)
    assert embed["title"] == "Find your Connecticut legislators"
    assert "ZIP code alone is not precise enough" in embed["description"]
    urls = [b["url"] for b in buttons_of(callback.data) if b.get("style") == LINK]
    assert urls == [load_directory().find_my_legislator_url("ct")] == ["https://www.cga.ct.gov/asp/menu/cgafindleg.asp"]


async def test_nyc_council_is_said_to_be_outside_the_data(fake: FakeDiscord, bot: BotProcess) -> None:
    callback = await (await fake.inject_command("legislators", {"state": "nyc", "district": "3"})).wait_response()
    embed = embed_of(callback.data)
    assert "not in our data" in embed["description"]
    assert [b["url"] for b in buttons_of(callback.data)] == ["https://council.nyc.gov/districts/"]


async def test_unknown_district_and_no_arguments_are_private(fake: FakeDiscord, bot: BotProcess) -> None:
    miss = await (
        await fake.inject_command("legislators", {"state": "CT", "chamber": "house", "district": "999"})
    ).wait_response()
    assert miss.data["flags"] & EPHEMERAL
    assert "Did you mean" in embed_of(miss.data)["description"]
    bare = await (await fake.inject_command("legislators", {})).wait_response()
    assert bare.data["flags"] & EPHEMERAL
    assert "/legislators CT house 113" in embed_of(bare.data)["description"]


async def test_autocomplete_offers_only_real_chambers_and_districts(fake: FakeDiscord, bot: BotProcess) -> None:
    people = load_directory()
    chambers = await (
        await fake.inject_autocomplete("legislators", {"state": "NE", "chamber": ""}, focused="chamber")
    ).wait_response()
    assert [c["value"] for c in chambers.data["choices"]] == ["legislature"]
    districts = await (
        await fake.inject_autocomplete(
            "legislators", {"state": "CT", "chamber": "house", "district": "11"}, focused="district"
        )
    ).wait_response()
    values = [c["value"] for c in districts.data["choices"]]
    real = set(people.districts("ct", "lower"))
    assert values and set(values) <= real
    assert values[:11] == ["11", "110", "111", "112", "113", "114", "115", "116", "117", "118", "119"]
    assert len(values) <= 25
