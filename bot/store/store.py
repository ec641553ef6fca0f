"""The store: every read and write of bot state goes through this class (raw SQL on aiosqlite or asyncpg).

Embedded SQLite by default; PostgreSQL through DATABASE_URL for several processes (shards).
The schema is managed by Alembic migrations (bot/store/migrate.py), applied under a PostgreSQL advisory lock;
the bot applies them in a child process, so neither Alembic nor SQLAlchemy is ever loaded in the bot.
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

from bot.store.actions import ActionStore
from bot.store.base import StoreConflict, StoreUnavailable, aware, utcnow
from bot.store.members import MemberStore
from bot.store.notices import NoticeStore
from bot.store.sql import Connection, Database, Row

log = logging.getLogger(__name__)

HEAD_REVISION = "0006"  # the newest file in migrations/versions (a test keeps them in step)
MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 72_0242_001
GUILD_SETTINGS = ("locale", "ping_role_id")  # the per-server settings a moderator may set


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


async def current_revision(conn: Connection) -> str | None:
    """The schema's Alembic revision, or None for an empty database."""
    if conn.dialect == "sqlite":
        exists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    else:
        exists = (
            "SELECT 1 FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_name = 'alembic_version'"
        )
    if await conn.fetch_value(exists) is None:
        return None
    revision = await conn.fetch_value("SELECT version_num FROM alembic_version")
    return None if revision is None else str(revision)


class Store(ActionStore, MemberStore, NoticeStore):
    """Async access to bot state."""

    def __init__(
        self, db: Database, *, migrate_out_of_process: bool = False, member_salt: bytes | None = None
    ) -> None:
        self.db = db
        self.member_salt = member_salt or None  # None: generated once and kept in the meta table
        self.ready = False  # schema checked; until then every operation first tries to migrate
        self.migrate_out_of_process = migrate_out_of_process

    @property
    def dialect(self) -> str:
        return self.db.dialect

    @classmethod
    async def open(
        cls, url: str, *, migrate_out_of_process: bool = False, member_salt: bytes | None = None
    ) -> Store:
        """Connect and bring the schema up to date (Alembic).

        With ``migrate_out_of_process`` a pending migration runs in a short-lived child process, so a
        long-running bot never loads Alembic or SQLAlchemy.
        """
        store = cls(Database.from_url(url), migrate_out_of_process=migrate_out_of_process, member_salt=member_salt)
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
            return cls(Database.from_url(url), migrate_out_of_process=migrate_out_of_process, member_salt=member_salt)

    async def migrate(self) -> None:
        """Apply pending migrations; several processes starting at once take turns (advisory lock)."""
        async with self._begin(migrating=True) as conn:
            current = await current_revision(conn)
        if current != HEAD_REVISION and self.migrate_out_of_process:
            await _migrate_in_child(self.db.url)
        elif current != HEAD_REVISION:
            from bot.store.migrate import upgrade  # Alembic and SQLAlchemy load only here (tests, the CLI)

            await upgrade(self.db.url)
        self.ready = True

    async def close(self) -> None:
        await self.db.close()

    async def probe(self) -> bool:
        """True when the database answers a write transaction (for the health heartbeat)."""
        try:
            async with self._begin() as conn:
                await conn.fetch_value("SELECT 1")
        except StoreUnavailable:
            return False
        path = getattr(self.db, "path", None)  # SELECT works on a read-only SQLite file: check it can be written
        return not (path and path != ":memory:" and not os.access(path, os.W_OK))

    @asynccontextmanager
    async def _begin(self, migrating: bool = False) -> AsyncIterator[Connection]:
        """A transaction; database failures become :class:`StoreUnavailable`."""
        if not self.ready and not migrating:
            await self.migrate()
        async with self.db.begin() as conn:
            yield conn

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
            return int(
                await conn.fetch_value(
                    "INSERT INTO reports (created_at, guild_id, channel_id, user_id, jurisdiction, criterion, note,"
                    " kb_version, status) VALUES (:created_at, :guild_id, :channel_id, :user_id, :jurisdiction,"
                    " :criterion, :note, :kb_version, 'open') RETURNING id",
                    {
                        "created_at": utcnow(),
                        "guild_id": guild_id,
                        "channel_id": channel_id,
                        "user_id": user_id,
                        "jurisdiction": jurisdiction,
                        "criterion": criterion,
                        "note": note[:1000],
                        "kb_version": kb_version,
                    },
                )
            )

    async def reports(self, status: str | None = "open", limit: int = 50) -> list[Report]:
        """Reports, oldest first."""
        where = "WHERE status = :status " if status else ""
        async with self._begin() as conn:
            rows = await conn.fetch_all(
                f"SELECT * FROM reports {where}ORDER BY created_at, id LIMIT :limit", {"status": status, "limit": limit}
            )
        return [_report(row) for row in rows]

    async def close_report(self, report_id: int, *, status: str, by: int, note: str) -> Report:
        """Resolve or dismiss an open report; raises StoreConflict if it is not open."""
        if status not in ("resolved", "dismissed"):
            raise ValueError(status)
        async with self._begin() as conn:
            changed = await conn.execute(
                "UPDATE reports SET status = :status, resolved_by = :by, resolved_at = :now, resolution = :note"
                " WHERE id = :id AND status = 'open'",
                {"status": status, "by": by, "now": utcnow(), "note": note[:1000], "id": report_id},
            )
            if changed != 1:
                raise StoreConflict(f"report #{report_id} is not open (or does not exist)")
            row = await conn.fetch_one("SELECT * FROM reports WHERE id = :id", {"id": report_id})
        assert row is not None
        return _report(row)

    # ----------------------------------------------------------------- knowledge-base history

    async def record_change(
        self,
        conn: Connection,
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
        return int(
            await conn.fetch_value(
                "INSERT INTO kb_changes (created_at, user_id, guild_id, jurisdiction, criterion, action, before, after,"
                " file_sha_before, file_sha_after, reverts_id) VALUES (:created_at, :user_id, :guild_id,"
                " :jurisdiction, :criterion, :action, :before, :after, :file_sha_before, :file_sha_after,"
                " :reverts_id) RETURNING id",
                {
                    "created_at": utcnow(),
                    "user_id": user_id,
                    "guild_id": guild_id,
                    "jurisdiction": jurisdiction,
                    "criterion": criterion,
                    "action": action,
                    "before": None if before is None else json.dumps(before, sort_keys=True, default=str),
                    "after": None if after is None else json.dumps(after, sort_keys=True, default=str),
                    "file_sha_before": file_sha_before,
                    "file_sha_after": file_sha_after,
                    "reverts_id": reverts_id,
                },
            )
        )

    async def change_with_sha(self, jurisdiction: str, file_sha_after: str) -> bool:
        """True when the history holds a change that left ``jurisdiction``'s file with this content."""
        async with self._begin() as conn:
            found = await conn.fetch_value(
                "SELECT id FROM kb_changes WHERE jurisdiction = :jurisdiction AND file_sha_after = :sha LIMIT 1",
                {"jurisdiction": jurisdiction, "sha": file_sha_after},
            )
        return found is not None

    async def changes(self, jurisdiction: str | None = None, limit: int = 20) -> list[Change]:
        """Newest first."""
        where = "WHERE jurisdiction = :jurisdiction " if jurisdiction else ""
        async with self._begin() as conn:
            rows = await conn.fetch_all(
                f"SELECT * FROM kb_changes {where}ORDER BY id DESC LIMIT :limit",
                {"jurisdiction": jurisdiction, "limit": limit},
            )
        return [_change(row) for row in rows]

    async def change(self, change_id: int) -> Change | None:
        async with self._begin() as conn:
            row = await conn.fetch_one("SELECT * FROM kb_changes WHERE id = :id", {"id": change_id})
        return _change(row) if row else None

    # ----------------------------------------------------------------- per-server settings

    async def guild_locale(self, guild_id: int) -> str | None:
        """The server's default reply language, if a moderator set one."""
        async with self._begin() as conn:
            locale = await conn.fetch_value("SELECT locale FROM guild_settings WHERE guild_id = :id", {"id": guild_id})
        return None if locale is None else str(locale)

    async def guild_locales(self) -> dict[int, str]:
        """Every server's default reply language that a moderator set, in one query (read at start)."""
        async with self._begin() as conn:
            rows = await conn.fetch_all("SELECT guild_id, locale FROM guild_settings WHERE locale IS NOT NULL")
        return {int(row["guild_id"]): str(row["locale"]) for row in rows}

    async def set_guild_setting(self, guild_id: int, **values: object) -> None:
        """Upsert per-server settings (locale, ping_role_id)."""
        unknown = set(values) - set(GUILD_SETTINGS)
        if unknown:
            raise ValueError(f"unknown server setting(s): {', '.join(sorted(unknown))}")
        params = {**values, "guild_id": guild_id, "updated_at": utcnow()}
        assignments = ", ".join(f"{name} = :{name}" for name in [*values, "updated_at"])
        async with self._begin() as conn:
            updated = await conn.execute(f"UPDATE guild_settings SET {assignments} WHERE guild_id = :guild_id", params)
            if updated == 0:
                columns = ["guild_id", "updated_at", *values]
                await conn.execute(
                    f"INSERT INTO guild_settings ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})",
                    params,
                )

    async def guild_setting(self, guild_id: int, name: str) -> object:
        if name not in (*GUILD_SETTINGS, "updated_at"):
            raise ValueError(f"unknown server setting {name!r}")
        async with self._begin() as conn:
            value = await conn.fetch_value(f"SELECT {name} FROM guild_settings WHERE guild_id = :id", {"id": guild_id})
        return aware(value) if name == "updated_at" and value is not None else value


def _report(row: Row) -> Report:
    fields: dict[str, Any] = {k: v for k, v in row.items() if k in Report.__dataclass_fields__}
    return Report(**{**fields, "created_at": aware(row["created_at"])})


def _change(row: Row) -> Change:
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
