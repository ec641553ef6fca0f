"""The store: every read and write of bot state goes through this class (SQLAlchemy 2 async)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.store import tables

log = logging.getLogger(__name__)


class StoreUnavailable(Exception):
    """The database cannot be reached or refused the operation; nothing was written."""


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


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """Async access to bot state on embedded SQLite (default) or PostgreSQL (DATABASE_URL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    async def open(cls, url: str) -> Store:
        """Connect and make sure the schema exists."""
        kwargs = {"pool_pre_ping": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 10}
        store = cls(create_async_engine(url, **kwargs))
        async with store._begin() as conn:
            await conn.run_sync(tables.metadata.create_all)
        return store

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[AsyncConnection]:
        """A transaction; database failures become :class:`StoreUnavailable`."""
        try:
            async with self.engine.begin() as conn:
                yield conn
        except (OperationalError, DBAPIError, OSError) as exc:
            log.error("store: database error: %s", exc)
            raise StoreUnavailable(str(exc).splitlines()[0][:200]) from exc

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
            return int(result.inserted_primary_key[0])

    async def reports(self, status: str | None = "open", limit: int = 50) -> list[Report]:
        """Reports, oldest first."""
        query = sa.select(tables.reports).order_by(tables.reports.c.created_at, tables.reports.c.id).limit(limit)
        if status:
            query = query.where(tables.reports.c.status == status)
        async with self._begin() as conn:
            rows = (await conn.execute(query)).mappings().all()
        fields = Report.__dataclass_fields__
        return [Report(**{k: v for k, v in row.items() if k in fields}) for row in rows]
