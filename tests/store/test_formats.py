"""Databases written by the SQLAlchemy store read back identically, and the raw-SQL store writes the same
formats (SQLite: naive UTC text ``YYYY-MM-DD HH:MM:SS.ffffff`` for times, ``YYYY-MM-DD`` for days; JSON as text)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from bot.store import Store, tables
from bot.store.sql import sqlite_value

UTC = dt.UTC
WHEN = dt.datetime(2026, 11, 30, 18, 5, 7, 123456, tzinfo=UTC)
FIRST = dt.datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
DAY = dt.date(2026, 11, 29)


def _stamp(backend: str, value: dt.datetime) -> str:
    """A time as the SQLAlchemy store left it in the database (a SQL literal)."""
    if backend == "sqlite":
        return "'" + value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") + "'"
    return f"TIMESTAMPTZ '{value.isoformat()}'"


async def test_rows_in_the_old_format_read_back(store: Store, backend: str) -> None:
    t = _stamp
    async with store.transaction() as conn:
        await conn.execute(
            "INSERT INTO reports (id, created_at, guild_id, channel_id, user_id, jurisdiction, criterion, note,"
            f" kb_version, status) VALUES (7, {t(backend, WHEN)}, 1, 2, 3, 'ct', NULL, 'fees', 'v1', 'open')"
        )
        await conn.execute(
            "INSERT INTO kb_changes (id, created_at, user_id, guild_id, jurisdiction, criterion, action, before,"
            f" after, file_sha_before, file_sha_after) VALUES (4, {t(backend, WHEN)}, 5, NULL, 'ct', 'fees', 'edit',"
            """ NULL, '{"points": 0.5, "verdict": "partial"}', 'a', 'b')"""
        )
        await conn.execute(
            "INSERT INTO schedules (id, guild_id, channel_id, prompt, jurisdiction, timezone, local_time, repeat,"
            " next_run_at, status, created_by, created_at) VALUES (9, 1, 10, 'p', NULL, 'UTC', '2030-01-01T12:00:00',"
            f" 'daily', {t(backend, FIRST)}, 'active', 1, {t(backend, WHEN)})"
        )
        await conn.execute(
            "INSERT INTO schedule_runs (schedule_id, run_at, posted_at, outcome, message_id)"
            f" VALUES (9, {t(backend, WHEN)}, {t(backend, WHEN)}, 'posted', 555)"
        )
        await conn.execute(
            "INSERT INTO call_outcomes (guild_id, prompt, legislator_id, member_hash, outcome, day)"
            " VALUES (1, 'p', 'x', 'h', 'called', '2026-11-29')"
        )
        await conn.execute(
            "INSERT INTO guild_settings (guild_id, locale, ping_role_id, updated_at)"
            f" VALUES (1, 'es', 8, {t(backend, WHEN)})"
        )

    [report] = await store.reports()
    assert (report.id, report.created_at, report.note, report.guild_id) == (7, WHEN, "fees", 1)
    [change] = await store.changes("ct")
    assert (change.created_at, change.before, change.after) == (WHEN, None, {"points": 0.5, "verdict": "partial"})
    [schedule] = await store.schedules()
    assert schedule.next_run_at == FIRST
    assert await store.runs(9) == [(WHEN, "posted", 555)]
    assert await store.outcome_tally(1, "p") == {DAY: {"called": 1, "voicemail": 0, "emailed": 0, "skipped": 0}}
    assert await store.guild_locale(1) == "es"
    assert await store.guild_setting(1, "updated_at") == WHEN
    # the old rows take part in the claim like new ones (times compare as stored)
    claims = await store.claim_due(FIRST + dt.timedelta(seconds=5), worker="w", grace=dt.timedelta(hours=1))
    assert [(c.schedule.id, c.run_at) for c in claims] == [(9, FIRST)]


async def test_sqlite_rows_are_written_as_sqlalchemy_wrote_them(tmp_path: Path) -> None:
    """Both ways on SQLite: rows the store writes are read by SQLAlchemy's Core tables (the old store) as the
    same values, in the same text; rows SQLAlchemy writes are read by the store."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'q.db'}"
    store = await Store.open(url)
    report_id = await store.add_report(user_id=3, jurisdiction="ct", kb_version="v1", note="n")
    schedule_id = await store.add_schedule(
        guild_id=1, channel_id=10, prompt="p", jurisdiction=None, timezone="UTC",
        local_time=dt.datetime(2030, 1, 1, 12), repeat="once", first_run=FIRST, created_by=1,
    )  # fmt: skip
    await store.record_outcome(guild_id=1, prompt="p", legislator_id="x", user_id=3, outcome="called", day=DAY)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'q.db'}")
    with engine.begin() as conn:
        old = conn.execute(sa.select(tables.schedules).where(tables.schedules.c.id == schedule_id)).mappings().one()
        assert old["next_run_at"] == FIRST.replace(tzinfo=None)
        raw = conn.execute(sa.text("SELECT next_run_at, created_at FROM schedules")).one()
        assert raw[0] == sqlite.DATETIME().bind_processor(sqlite.dialect())(FIRST) == "2030-01-01 12:00:00.000000"
        assert len(raw[1]) == len("2026-11-30 18:05:07.123456")
        assert conn.execute(sa.select(tables.call_outcomes.c.day)).scalar() == DAY
        created = conn.execute(sa.select(tables.reports.c.created_at).where(tables.reports.c.id == report_id)).scalar()
        assert isinstance(created, dt.datetime)
        conn.execute(
            sa.insert(tables.schedule_runs).values(schedule_id=schedule_id, run_at=WHEN, posted_at=WHEN,
                                                   outcome="posted", message_id=1)
        )  # fmt: skip
        conn.execute(sa.insert(tables.guild_settings).values(guild_id=2, locale="en", updated_at=WHEN))
    engine.dispose()
    assert await store.runs(schedule_id) == [(WHEN, "posted", 1)]
    assert await store.guild_locales() == {2: "en"}
    assert await store.guild_setting(2, "updated_at") == WHEN
    await store.close()


def test_sqlite_values_match_sqlalchemy_processors() -> None:
    as_sqlalchemy = sqlite.DATETIME().bind_processor(sqlite.dialect())
    for value in (WHEN, FIRST, dt.datetime(2026, 3, 8, 2, 30)):
        assert sqlite_value(value) == as_sqlalchemy(value)
    assert sqlite_value(DAY) == sqlite.DATE().bind_processor(sqlite.dialect())(DAY)
