"""The store on SQLite and PostgreSQL: migrations, reports, history, settings, a database that is down."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from bot.store import Store, StoreConflict, StoreUnavailable
from bot.store.store import HEAD_REVISION, MIGRATIONS
from tests.store.conftest import table_columns


def test_head_revision_constant_matches_the_migrations() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


async def test_migrations_create_every_table(store: Store) -> None:
    async with store.transaction() as conn:
        names = set(await table_columns(conn))
        version = await conn.fetch_value("SELECT version_num FROM alembic_version")
    assert {"reports", "kb_changes", "guild_settings", "schedules", "schedule_runs", "subscriptions", "meta",
            "member_districts", "call_outcomes"} <= names
    assert version == HEAD_REVISION


async def test_reopening_is_idempotent(store_url: str) -> None:
    first = await Store.open(store_url)
    await first.add_report(user_id=1, jurisdiction="ct", kb_version="v1")
    await first.close()
    second = await Store.open(store_url)
    assert len(await second.reports()) == 1
    await second.close()


async def test_concurrent_starts_migrate_once(store_url: str, backend: str) -> None:
    """Several shard processes starting together: the advisory lock makes them take turns."""
    stores = await asyncio.gather(*(Store.open(store_url) for _ in range(4 if backend == "postgresql" else 1)))
    for s in stores:
        assert s.ready
        await s.close()


async def test_reports_queue(store: Store) -> None:
    first = await store.add_report(user_id=7, jurisdiction="ct", kb_version="abc", note="fees look wrong", guild_id=1)
    await store.add_report(user_id=8, jurisdiction="co", kb_version="abc")
    queue = await store.reports()
    assert [r.jurisdiction for r in queue] == ["ct", "co"]
    assert queue[0].note == "fees look wrong"
    assert queue[0].created_at.tzinfo is not None
    closed = await store.close_report(first, status="resolved", by=99, note="fixed in #12")
    assert closed.status == "resolved"
    assert closed.resolved_by == 99
    assert [r.id for r in await store.reports()] == [queue[1].id]
    with pytest.raises(StoreConflict):
        await store.close_report(first, status="dismissed", by=99, note="again")


async def test_change_history_round_trips_entries(store: Store) -> None:
    async with store.transaction() as conn:
        change_id = await store.record_change(
            conn,
            user_id=5,
            guild_id=1,
            jurisdiction="ct",
            criterion="attorney-fees",
            action="edit",
            before={"verdict": "no", "points": 0},
            after={"verdict": "partial", "points": 0.5},
            file_sha_before="a" * 64,
            file_sha_after="b" * 64,
        )
    change = await store.change(change_id)
    assert change is not None
    assert change.before == {"verdict": "no", "points": 0}
    assert change.after["points"] == 0.5
    assert [c.id for c in await store.changes("ct")] == [change_id]
    assert await store.changes("co") == []


async def test_guild_settings_upsert(store: Store) -> None:
    assert await store.guild_locale(42) is None
    await store.set_guild_setting(42, locale="es")
    await store.set_guild_setting(42, locale="es-419")
    assert await store.guild_locale(42) == "es-419"


async def test_every_guild_locale_in_one_query(store: Store) -> None:
    await store.set_guild_setting(42, locale="es")
    await store.set_guild_setting(43, locale="en")
    await store.set_guild_setting(44, ping_role_id=7)  # a setting, but no language
    statements: list[str] = []

    store.db.trace.append(statements.append)
    try:
        assert await store.guild_locales() == {42: "es", 43: "en"}
    finally:
        store.db.trace.remove(statements.append)
    assert len([s for s in statements if "guild_settings" in s]) == 1


async def test_a_database_that_is_down_fails_clearly_and_recovers(tmp_path: Path) -> None:
    down = await Store.open_degraded("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    with pytest.raises(StoreUnavailable):
        await down.add_report(user_id=1, jurisdiction="ct", kb_version="v")
    await down.close()
    # a SQLite file in a folder that does not exist yet is unavailable; once the folder exists it works
    missing = tmp_path / "later"
    store = await Store.open_degraded(f"sqlite+aiosqlite:///{missing / 'qibot.db'}")
    with pytest.raises(StoreUnavailable):
        await store.reports()
    missing.mkdir()
    assert await store.reports() == []
    await store.close()


async def test_out_of_process_migration(store_url: str) -> None:
    """The bot migrates in a child process; the result is the same schema."""
    store = await Store.open(store_url, migrate_out_of_process=True)
    assert store.ready
    async with store.transaction() as conn:
        version = await conn.fetch_value("SELECT version_num FROM alembic_version")
    assert version == HEAD_REVISION
    await store.add_report(user_id=1, jurisdiction="ct", kb_version="v")
    await store.close()


async def test_out_of_process_migration_failure_is_one_clear_error() -> None:
    with pytest.raises(StoreUnavailable):
        await Store.open("postgresql+asyncpg://nobody@127.0.0.1:9/none", migrate_out_of_process=True)
