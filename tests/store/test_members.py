"""Saved districts, call outcomes under a salted hash, and forgetting a member, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.store import Store
from bot.store.members import member_hash
from tests.store.conftest import table_columns

GUILD = 5
ALICE, BOB = 1001, 1002
DAY1, DAY2 = dt.date(2026, 11, 29), dt.date(2026, 11, 30)


async def _rows(store: Store) -> list[dict]:
    async with store.transaction() as conn:
        return await conn.fetch_all("SELECT * FROM call_outcomes")


async def test_district_is_saved_replaced_and_read(store: Store) -> None:
    assert await store.member_district(ALICE) is None
    await store.save_district(ALICE, "ct", "lower", "113")
    await store.save_district(ALICE, "ct", "upper", "22")
    saved = await store.member_district(ALICE)
    assert (saved.state, saved.chamber, saved.district) == ("ct", "upper", "22")
    async with store.transaction() as conn:
        assert await conn.fetch_value("SELECT count(*) FROM member_districts") == 1
    longest = "Berkshire, Hampden, Franklin and Hampshire"  # a real Massachusetts Senate seat, 42 characters
    await store.save_district(BOB, "ma", "upper", longest)
    assert (await store.member_district(BOB)).district == longest


async def test_a_second_press_changes_the_outcome_never_adds(store: Store) -> None:
    first = await store.record_outcome(
        guild_id=GUILD, prompt="p", legislator_id="ocd-person/a", user_id=ALICE, outcome="voicemail", day=DAY1
    )
    again = await store.record_outcome(
        guild_id=GUILD, prompt="p", legislator_id="ocd-person/a", user_id=ALICE, outcome="called", day=DAY2
    )
    await store.record_outcome(
        guild_id=GUILD, prompt="p", legislator_id="ocd-person/a", user_id=BOB, outcome="called", day=DAY1
    )
    await store.record_outcome(
        guild_id=GUILD, prompt="p", legislator_id="ocd-person/b", user_id=BOB, outcome="emailed", day=DAY1
    )
    assert (first, again) == (None, "voicemail")
    tally = await store.outcome_tally(GUILD, "p")
    assert list(tally) == [DAY1, DAY2]
    assert tally[DAY1] == {"called": 1, "voicemail": 0, "emailed": 1, "skipped": 0}
    assert tally[DAY2] == {"called": 1, "voicemail": 0, "emailed": 0, "skipped": 0}
    assert await store.outcome_tally(GUILD, "other") == {}
    assert await store.outcome_tally(GUILD + 1, "p") == {}


async def test_rows_hold_a_salted_hash_not_the_member_id(store: Store) -> None:
    await store.record_outcome(guild_id=GUILD, prompt="p", legislator_id="x", user_id=ALICE, outcome="skipped")
    await store.record_outcome(guild_id=GUILD, prompt="q", legislator_id="x", user_id=ALICE, outcome="skipped")
    rows = await _rows(store)
    assert all(str(ALICE) not in str(value) for row in rows for value in row.values())
    assert rows[0]["member_hash"] != rows[1]["member_hash"], "one member's rows cannot be joined across prompts"
    salt = await store._salt()
    assert len(salt) == 32
    assert {r["member_hash"] for r in rows} == {member_hash(salt, GUILD, p, ALICE) for p in ("p", "q")}
    with pytest.raises(ValueError, match="unknown outcome"):
        await store.record_outcome(guild_id=GUILD, prompt="p", legislator_id="x", user_id=ALICE, outcome="shouted")


async def test_the_generated_salt_survives_a_restart(store_url: str) -> None:
    first = await Store.open(store_url)
    await first.record_outcome(guild_id=GUILD, prompt="p", legislator_id="x", user_id=ALICE, outcome="called")
    await first.close()
    second = await Store.open(store_url)
    assert await second.record_outcome(
        guild_id=GUILD, prompt="p", legislator_id="x", user_id=ALICE, outcome="emailed"
    ) == "called"
    await second.close()


async def test_a_configured_salt_is_used_and_not_stored(store_url: str) -> None:
    store = await Store.open(store_url, member_salt=b"configured-salt-0123456789")
    await store.record_outcome(guild_id=GUILD, prompt="p", legislator_id="x", user_id=ALICE, outcome="called")
    rows = await _rows(store)
    assert rows[0]["member_hash"] == member_hash(b"configured-salt-0123456789", GUILD, "p", ALICE)
    async with store.transaction() as conn:
        assert await conn.fetch_one("SELECT * FROM meta") is None
    await store.close()


async def test_forget_member_deletes_their_rows_only(store: Store) -> None:
    await store.save_district(ALICE, "ct", "lower", "113")
    await store.save_district(BOB, "co", "upper", "3")
    for prompt in ("p", "q"):
        for who in (ALICE, BOB):
            await store.record_outcome(guild_id=GUILD, prompt=prompt, legislator_id="x", user_id=who, outcome="called")
    await store.record_outcome(guild_id=GUILD + 1, prompt="p", legislator_id="y", user_id=ALICE, outcome="emailed")
    await store.subscribe(jurisdiction="ct", target_kind="user", target_id=ALICE, guild_id=GUILD, by=ALICE)
    await store.subscribe(jurisdiction="nm", target_kind="user", target_id=ALICE, guild_id=GUILD, by=ALICE)
    await store.subscribe(jurisdiction="ct", target_kind="channel", target_id=77, guild_id=GUILD, by=ALICE)
    # a channel whose id happens to equal the member's: a server's subscription, not the member's
    await store.subscribe(jurisdiction="co", target_kind="channel", target_id=ALICE, guild_id=GUILD, by=BOB)
    await store.subscribe(jurisdiction="ct", target_kind="user", target_id=BOB, guild_id=GUILD, by=BOB)
    await store.add_report(user_id=ALICE, jurisdiction="ct", kb_version="v", note="fees look wrong")
    async with store.transaction() as conn:
        rows = [{"kb_version": "v1", "jurisdiction": "ct", "target_kind": kind, "target_id": who, "status": "sent"}
                for who, kind in ((ALICE, "user"), (BOB, "user"), (ALICE, "channel"))]  # fmt: skip
        await conn.insert_many("notices", rows)
        await conn.insert_many("dm_channels", [{"user_id": ALICE, "channel_id": 5}])
    assert await store.member_outcome_count(ALICE) == 3
    assert await store.member_report_count(ALICE) == 1

    deleted = await store.forget_member(ALICE)

    assert deleted == {"district": 1, "outcomes": 3, "subscriptions": 2, "notices": 1, "reports": 1}
    assert await store.member_district(ALICE) is None
    assert await store.member_district(BOB) is not None
    assert await store.member_outcome_count(ALICE) == 0
    assert await store.member_report_count(ALICE) == 0
    assert await store.member_outcome_count(BOB) == 2
    assert len(await _rows(store)) == 2
    left = await store.subscriptions()
    assert {(s.target_kind, s.target_id) for s in left} == {("channel", 77), ("channel", ALICE), ("user", BOB)}
    assert [(r.user_id, r.note) for r in await store.reports()] == [(0, "fees look wrong")]
    async with store.transaction() as conn:
        left_notices = {(r["target_kind"], r["target_id"]) for r in await conn.fetch_all("SELECT * FROM notices")}
        left_dms = await conn.fetch_all("SELECT * FROM dm_channels")
    assert left_notices == {("user", BOB), ("channel", ALICE)}
    assert left_dms == [], "the member's DM channel id goes too"
    assert set((await store.forget_member(ALICE)).values()) == {0}


async def test_the_tables_hold_nothing_else_about_a_member(store: Store) -> None:
    """A privacy guard: a new column here needs a reason, README's privacy section and forget_member."""
    async with store.transaction() as conn:
        columns = await table_columns(conn)
    assert columns["member_districts"] == {"user_id", "state", "chamber", "district"}
    assert columns["call_outcomes"] == {"guild_id", "prompt", "legislator_id", "member_hash", "outcome", "day"}


async def test_deleting_a_prompt_deletes_its_tally(store: Store) -> None:
    """A server prompt deleted and created again under the same name starts from zero."""
    from bot.kb.schema import ActionPrompt
    from bot.kb.validate import validate

    prompt = validate(ActionPrompt, {"id": "call-hb-1", "title": "Call", "text": "Call about HB 1."})
    await store.save_prompt(GUILD, prompt, ALICE)
    await store.record_outcome(guild_id=GUILD, prompt="call-hb-1", legislator_id="x", user_id=ALICE, outcome="called")
    await store.record_outcome(guild_id=GUILD + 1, prompt="call-hb-1", legislator_id="x", user_id=ALICE,
                               outcome="called")  # fmt: skip
    assert await store.delete_prompt(GUILD, "call-hb-1")
    assert await store.outcome_tally(GUILD, "call-hb-1") == await store.outcome_tally(GUILD, "never-posted")
    assert await store.outcome_tally(GUILD + 1, "call-hb-1"), "another server's prompt of that name keeps its tally"
