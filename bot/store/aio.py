"""SQLAlchemy Core on an asyncio driver (aiosqlite, asyncpg), without ``sqlalchemy.ext.asyncio``.

That package imports the ORM (its AsyncSession), ~8 MiB of resident memory the store never uses. This module
drives the same async dialects through the Core ``Engine``, each call run by SQLAlchemy's ``greenlet_spawn``
exactly as ``sqlalchemy.ext.asyncio`` does for ``AsyncConnection.execute``; results come back buffered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, CursorResult, Dialect, Engine
from sqlalchemy.util.concurrency import greenlet_spawn
from sqlalchemy.util.typing import TupleAny, Unpack

T = TypeVar("T")


async def _to_completion(coro: Coroutine[Any, Any, T]) -> T:
    """Finish a cleanup (closing a connection) even if the caller is cancelled meanwhile; then re-raise."""
    task = asyncio.ensure_future(coro)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            result = await asyncio.shield(task)
            break
        except asyncio.CancelledError as exc:
            if task.done():
                raise
            cancelled = exc
    if cancelled is not None:
        raise cancelled
    return result


class AsyncConnection:
    """One connection inside a transaction (what :meth:`AsyncEngine.begin` yields)."""

    def __init__(self, sync_connection: Connection) -> None:
        self.sync_connection = sync_connection

    async def execute(self, statement: Any, parameters: Any = None) -> CursorResult[Unpack[TupleAny]]:
        """The statement's (buffered) result."""
        result: CursorResult[Unpack[TupleAny]] = await greenlet_spawn(
            self.sync_connection.execute, statement, parameters, _require_await=True
        )
        return result

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        return (await self.execute(statement, parameters)).scalar()

    async def run_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(sync_connection, *args, **kwargs)``, where blocking Core calls may be made (Alembic, inspect)."""
        result: T = await greenlet_spawn(fn, self.sync_connection, *args, **kwargs)
        return result


class AsyncEngine:
    """An async Core engine: ``async with engine.begin() as conn: await conn.execute(...)``."""

    def __init__(self, url: str | URL, **kwargs: Any) -> None:
        self.sync_engine: Engine = sa.create_engine(url, _is_async=True, **kwargs)

    @property
    def url(self) -> URL:
        return self.sync_engine.url

    @property
    def dialect(self) -> Dialect:
        return self.sync_engine.dialect

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction: committed when the block ends, rolled back if it raises."""
        connection: Connection = await greenlet_spawn(self.sync_engine.connect)
        try:
            transaction = await greenlet_spawn(connection.begin)
            try:
                yield AsyncConnection(connection)
            except BaseException:
                await _to_completion(greenlet_spawn(transaction.rollback))
                raise
            await greenlet_spawn(transaction.commit)
        finally:
            await _to_completion(greenlet_spawn(connection.close))

    async def dispose(self) -> None:
        await greenlet_spawn(self.sync_engine.dispose)


def create_async_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    return AsyncEngine(url, **kwargs)
