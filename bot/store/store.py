"""The store: every read and write of bot state goes through this class (SQLAlchemy 2 async).

Embedded SQLite by default; PostgreSQL through DATABASE_URL for several processes (shards).
The schema is managed by Alembic migrations, applied on open under a PostgreSQL advisory lock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.store import tables
from bot.store.actions import ActionStore
from bot.store.aio import AsyncConnection, AsyncEngine, create_async_engine
from bot.store.base import StoreConflict, StoreUnavailable, aware, utcnow
from bot.store.members import MemberStore
from bot.store.notices import NoticeStore

log = logging.getLogger(__name__)

HEAD_REVISION = "0006"  # the newest file in migrations/versions (a test keeps them in step)
MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 72_0242_001


@dataclass(frozen=True)
class Report:
    """A member's flag on a claim, waiting for moderators."""

    id: int
    created_at: dt.datetime
    guild_id: int | None
    channel_id: int | None
    user_id: int
    jurisdiction: str
    criterion: str | None
    note: str
    kb_version: str
    status: str
    resolved_by: int | None = None
    resolution: str | None = None


@dataclass(frozen=True)
class Change:
    """One accepted knowledge-base edit (or revert), with the entry before and after."""

    id: int
    created_at: dt.datetime
    user_id: int
    guild_id: int | None
    jurisdiction: str
    criterion: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    file_sha_before: str
    file_sha_after: str
    reverts_id: int | None


def _upgrade(sync_connection: sa.Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = sync_connection
    command.upgrade(config, "head")


async def _migrate_in_child(url: str) -> None:
    """Run ``python -m bot.store.migrate`` (the URL passes in the environment, never on the command line)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.store.migrate",
        env={**os.environ, "QIBOT_MIGRATE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await child.communicate()
    if child.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        raise StoreUnavailable(f"migration failed: {lines[-1] if lines else child.returncode}")


def _current_revision(sync_connection: sa.Connection) -> str | None:
    if not sa.inspect(sync_connection).has_table("alembic_version"):
        return None
    return sync_connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


class Store(ActionStore, MemberStore, NoticeStore):
    """Async access to bot state."""

    def __init__(
        self, engine: AsyncEngine, *, migrate_out_of_process: bool = False, member_salt: bytes | None = None
    ) -> None:
        self.engine = engine
        self.member_salt = member_salt or None  # None: generated once and kept in the meta table
        self.ready = False  # schema checked; until then every operation first tries to migrate
        self.migrate_out_of_process = migrate_out_of_process

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def _engine(cls, url: str) -> AsyncEngine:
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 10}
        else:
            kwargs.update(pool_size=5, max_overflow=10, pool_timeout=5)
        return create_async_engine(url, **kwargs)

    @classmethod
    async def open(
        cls, url: str, *, migrate_out_of_process: bool = False, member_salt: bytes | None = None
    ) -> Store:
        """Connect and bring the schema up to date (Alembic).

        With ``migrate_out_of_process`` a pending migration runs in a short-lived child process, so a
        long-running bot never keeps Alembic (about 12 MiB) in memory.
        """
        store = cls(cls._engine(url), migrate_out_of_process=migrate_out_of_process, member_salt=member_salt)
        await store.migrate()
        return store

    @classmethod
    async def open_degraded(
        cls, url: str, *, migrate_out_of_process: bool = False, member_salt: bytes | None = None
    ) -> Store:
        """Like :meth:`open`, but a database that is down does not stop the bot: lookups keep working,
        and each store operation retries the connection and fails with StoreUnavailable until it is back."""
        try:
            return await cls.open(url, migrate_out_of_process=migrate_out_of_process, member_salt=member_salt)
        except StoreUnavailable:
            log.error("store: database unavailable at start; running without it until it comes back")
            return cls(cls._engine(url), migrate_out_of_process=migrate_out_of_process, member_salt=member_salt)

    async def migrate(self) -> None:
        """Apply pending migrations; several processes starting at once take turns (advisory lock)."""
        async with self._begin(migrating=True) as conn:
            current = await conn.run_sync(_current_revision)
        if current != HEAD_REVISION and self.migrate_out_of_process:
            await _migrate_in_child(self.engine.url.render_as_string(hide_password=False))
        elif current != HEAD_REVISION:
            async with self._begin(migrating=True) as conn:
                if self.dialect == "postgresql":
                    await conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                if await conn.run_sync(_current_revision) != HEAD_REVISION:
                    log.info("store: applying migrations up to %s", HEAD_REVISION)
                    await conn.run_sync(_upgrade)
        self.ready = True

    async def close(self) -> None:
        await self.engine.dispose()

    async def probe(self) -> bool:
        """True when the database answers a write transaction (for the health heartbeat)."""
        try:
            async with self._begin() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except StoreUnavailable:
            return False
        if self.dialect == "sqlite":  # SELECT works on a read-only file: check that it can be written
            database = self.engine.url.database
            if database and database != ":memory:" and not os.access(database, os.W_OK):
                return False
        return True

    @asynccontextmanager
    async def _begin(self, migrating: bool = False) -> AsyncIterator[AsyncConnection]:
        """A transaction; database failures become :class:`StoreUnavailable`."""
        if not self.ready and not migrating:
            await self.migrate()
        try:
            async with self.engine.begin() as conn:
                yield conn
        except (OperationalError, DBAPIError, OSError, TimeoutError) as exc:
            log.error("store: database error: %s", str(exc).splitlines()[0][:300])
            raise StoreUnavailable(str(exc).splitlines()[0][:200]) from exc

    transaction = _begin

    # ----------------------------------------------------------------- reports

    async def add_report(
        self,
        *,
        user_id: int,
        jurisdiction: str,
        kb_version: str,
        note: str = "",
        guild_id: int | None = None,
        channel_id: int | None = None,
        criterion: str | None = None,
    ) -> int:
        """Record a member's report; returns its id."""
        async with self._begin() as conn:
            result = await conn.execute(
                sa.insert(tables.reports).values(
                    created_at=utcnow(),
                    guild_id=guild_id,
                    channel_id=channel_id,
                    user_id=user_id,
                    jurisdiction=jurisdiction,
                    criterion=criterion,
                    note=note[:1000],
                    kb_version=kb_version,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def reports(self, status: str | None = "open", limit: int = 50) -> list[Report]:
        """Reports, oldest first."""
        query = sa.select(tables.reports).order_by(tables.reports.c.created_at, tables.reports.c.id).limit(limit)
        if status:
            query = query.where(tables.reports.c.status == status)
        async with self._begin() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_report(row) for row in rows]

    async def close_report(self, report_id: int, *, status: str, by: int, note: str) -> Report:
        """Resolve or dismiss an open report; raises StoreConflict if it is not open."""
        if status not in ("resolved", "dismissed"):
            raise ValueError(status)
        async with self._begin() as conn:
            result = await conn.execute(
                sa.update(tables.reports)
                .where(tables.reports.c.id == report_id, tables.reports.c.status == "open")
                .values(status=status, resolved_by=by, resolved_at=utcnow(), resolution=note[:1000])
            )
            if result.rowcount != 1:
                raise StoreConflict(f"report #{report_id} is not open (or does not exist)")
            row = (
                (await conn.execute(sa.select(tables.reports).where(tables.reports.c.id == report_id))).mappings().one()
            )
        return _report(row)

    # ----------------------------------------------------------------- knowledge-base history

    async def record_change(
        self,
        conn: AsyncConnection,
        *,
        user_id: int,
        guild_id: int | None,
        jurisdiction: str,
        criterion: str,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        file_sha_before: str,
        file_sha_after: str,
        reverts_id: int | None = None,
    ) -> int:
        """Insert a history row inside the caller's transaction (so file write and history commit together)."""
        result = await conn.execute(
            sa.insert(tables.kb_changes).values(
                created_at=utcnow(),
                user_id=user_id,
                guild_id=guild_id,
                jurisdiction=jurisdiction,
                criterion=criterion,
                action=action,
                before=None if before is None else json.dumps(before, sort_keys=True, default=str),
                after=None if after is None else json.dumps(after, sort_keys=True, default=str),
                file_sha_before=file_sha_before,
                file_sha_after=file_sha_after,
                reverts_id=reverts_id,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def change_with_sha(self, jurisdiction: str, file_sha_after: str) -> bool:
        """True when the history holds a change that left ``jurisdiction``'s file with this content."""
        query = sa.select(tables.kb_changes.c.id).where(
            tables.kb_changes.c.jurisdiction == jurisdiction, tables.kb_changes.c.file_sha_after == file_sha_after
        )
        async with self._begin() as conn:
            return (await conn.execute(query.limit(1))).first() is not None

    async def changes(self, jurisdiction: str | None = None, limit: int = 20) -> list[Change]:
        """Newest first."""
        query = sa.select(tables.kb_changes).order_by(tables.kb_changes.c.id.desc()).limit(limit)
        if jurisdiction:
            query = query.where(tables.kb_changes.c.jurisdiction == jurisdiction)
        async with self._begin() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_change(row) for row in rows]

    async def change(self, change_id: int) -> Change | None:
        async with self._begin() as conn:
            row = (
                (await conn.execute(sa.select(tables.kb_changes).where(tables.kb_changes.c.id == change_id)))
                .mappings()
                .first()
            )
        return _change(row) if row else None

    # ----------------------------------------------------------------- per-server settings

    async def guild_locale(self, guild_id: int) -> str | None:
        """The server's default reply language, if a moderator set one."""
        async with self._begin() as conn:
            return (
                await conn.execute(
                    sa.select(tables.guild_settings.c.locale).where(tables.guild_settings.c.guild_id == guild_id)
                )
            ).scalar()

    async def guild_locales(self) -> dict[int, str]:
        """Every server's default reply language that a moderator set, in one query (read at start)."""
        column = tables.guild_settings.c
        async with self._begin() as conn:
            rows = await conn.execute(sa.select(column.guild_id, column.locale).where(column.locale.is_not(None)))
            return {int(guild_id): str(locale) for guild_id, locale in rows}

    async def set_guild_setting(self, guild_id: int, **values: object) -> None:
        """Upsert per-server settings (locale, ping_role_id)."""
        async with self._begin() as conn:
            updated = await conn.execute(
                sa.update(tables.guild_settings)
                .where(tables.guild_settings.c.guild_id == guild_id)
                .values(updated_at=utcnow(), **values)
            )
            if updated.rowcount == 0:
                await conn.execute(
                    sa.insert(tables.guild_settings).values(guild_id=guild_id, updated_at=utcnow(), **values)
                )

    async def guild_setting(self, guild_id: int, name: str) -> object:
        async with self._begin() as conn:
            return (
                await conn.execute(
                    sa.select(tables.guild_settings.c[name]).where(tables.guild_settings.c.guild_id == guild_id)
                )
            ).scalar()


def _report(row: RowMapping) -> Report:
    return Report(
        **{k: aware(v) if k == "created_at" else v for k, v in row.items() if k in Report.__dataclass_fields__}
    )


def _change(row: RowMapping) -> Change:
    return Change(
        id=row["id"],
        created_at=aware(row["created_at"]),
        user_id=row["user_id"],
        guild_id=row["guild_id"],
        jurisdiction=row["jurisdiction"],
        criterion=row["criterion"],
        action=row["action"],
        before=json.loads(row["before"]) if row["before"] else None,
        after=json.loads(row["after"]) if row["after"] else None,
        file_sha_before=row["file_sha_before"],
        file_sha_after=row["file_sha_after"],
        reverts_id=row["reverts_id"],
    )
