"""An async database handle over the two drivers, aiosqlite (SQLite) and asyncpg (PostgreSQL), without SQLAlchemy.

SQL is written once with named ``:param`` placeholders (converted once per statement to ``$n`` for asyncpg);
``begin()`` yields a connection inside a transaction, committed when the block ends and rolled back if it
raises; a driver failure becomes :class:`StoreUnavailable`. Values keep SQLAlchemy's on-disk formats: on SQLite
a datetime is written as naive UTC text ``YYYY-MM-DD HH:MM:SS.ffffff`` and a date as ``YYYY-MM-DD`` (read back
with :func:`bot.store.base.aware` / :func:`bot.store.base.day`).
"""

from __future__ import annotations

import abc
import asyncio
import datetime as dt
import json
import logging
import os
import re
import sqlite3
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from bot.store.base import StoreUnavailable

if TYPE_CHECKING:
    import aiosqlite
    import asyncpg

log = logging.getLogger(__name__)
T = TypeVar("T")
Row = dict[str, Any]
Params = Mapping[str, Any] | None
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DateTime storage format
SQLITE_TIMEOUT = 10  # seconds a writer waits for SQLite's lock (busy timeout), as before
SQLITE_KEEP = 5  # idle SQLite connections kept open (each is one aiosqlite thread)
PG_POOL = 15  # at most this many PostgreSQL connections per process
PG_TIMEOUT = 5  # seconds to connect to PostgreSQL or wait for a free connection

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=1024)
def numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """``:name`` placeholders as asyncpg's ``$1, $2, …`` and the names in that order (``::casts`` are kept)."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PARAM.sub(number, sql), tuple(names)


def _rowcount(status: str) -> int:
    """The row count in an asyncpg command status such as ``UPDATE 3`` or ``INSERT 0 1``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def sqlite_value(value: Any) -> Any:
    """A parameter as SQLite stores it (SQLAlchemy's formats); a collection becomes JSON for ``json_each``."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime(SQLITE_TIME)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return json.dumps([sqlite_value(v) for v in value])
    return value


def _pg_value(value: Any) -> Any:
    return list(value) if isinstance(value, set | frozenset | tuple) else value


async def _to_completion(coro: Coroutine[Any, Any, T]) -> T:
    """Finish a cleanup (rollback, closing a connection) even if the caller is cancelled meanwhile; then re-raise."""
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


class Connection(abc.ABC):
    """One connection inside a transaction: run statements with named ``:param`` parameters."""

    dialect: str

    def __init__(self, trace: list[Callable[[str], None]]) -> None:
        self._trace = trace

    def _traced(self, sql: str) -> None:
        for listener in self._trace:
            listener(sql)

    @abc.abstractmethod
    async def execute(self, sql: str, params: Params = None) -> int:
        """Run one statement; returns the number of rows it changed."""

    @abc.abstractmethod
    async def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run one statement once per parameter set, in one call to the driver."""

    @abc.abstractmethod
    async def fetch_all(self, sql: str, params: Params = None) -> list[Row]:
        """Every row, as dicts keyed by column name."""

    async def fetch_one(self, sql: str, params: Params = None) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_value(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return next(iter(row.values())) if row else None

    @abc.abstractmethod
    def in_(self, column: str, param: str) -> str:
        """SQL for ``column IN (the values of the collection parameter param)``, one placeholder on both drivers."""

    async def insert_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Plain INSERT of rows that all have the same keys (tests, benchmarks, seeding)."""
        if rows:
            columns = list(rows[0])
            await self.execute_many(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})", rows
            )


class SqliteConnection(Connection):
    dialect = "sqlite"

    def __init__(self, raw: aiosqlite.Connection, trace: list[Callable[[str], None]]) -> None:
        super().__init__(trace)
        self.raw = raw

    @staticmethod
    def _params(params: Params) -> dict[str, Any]:
        return {k: sqlite_value(v) for k, v in params.items()} if params else {}

    async def execute(self, sql: str, params: Params = None) -> int:
        self._traced(sql)
        cursor = await self.raw.execute(sql, self._params(params))
        count = cursor.rowcount
        await cursor.close()
        return max(count, 0)

    async def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self._traced(sql)
        await self.raw.executemany(sql, [self._params(row) for row in rows])

    async def fetch_all(self, sql: str, params: Params = None) -> list[Row]:
        self._traced(sql)
        cursor = await self.raw.execute(sql, self._params(params))
        rows = await cursor.fetchall()
        names = [d[0] for d in cursor.description or ()]
        await cursor.close()
        return [dict(zip(names, row, strict=True)) for row in rows]

    def in_(self, column: str, param: str) -> str:
        return f"{column} IN (SELECT value FROM json_each(:{param}))"


class PostgresConnection(Connection):
    dialect = "postgresql"

    def __init__(self, raw: asyncpg.Connection, trace: list[Callable[[str], None]]) -> None:
        super().__init__(trace)
        self.raw = raw

    def _args(self, sql: str, params: Params) -> tuple[str, list[Any]]:
        self._traced(sql)
        text, names = numbered(sql)
        return text, [_pg_value(params[name]) for name in names] if params else []

    async def execute(self, sql: str, params: Params = None) -> int:
        text, args = self._args(sql, params)
        return _rowcount(await self.raw.execute(text, *args))

    async def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self._traced(sql)
        text, names = numbered(sql)
        await self.raw.executemany(text, [[_pg_value(row[name]) for name in names] for row in rows])

    async def fetch_all(self, sql: str, params: Params = None) -> list[Row]:
        text, args = self._args(sql, params)
        return [dict(record) for record in await self.raw.fetch(text, *args)]

    def in_(self, column: str, param: str) -> str:
        return f"{column} = ANY(:{param})"


class Database(abc.ABC):
    """The handle: ``async with db.begin() as conn: await conn.execute(...)``; :meth:`close` at the end."""

    dialect: str

    def __init__(self, url: str) -> None:
        self.url = url
        self.trace: list[Callable[[str], None]] = []  # called with each statement's SQL (tests, benchmarks)

    @staticmethod
    def from_url(url: str) -> Database:
        """``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://user:password@host/name`` (SQLAlchemy URLs)."""
        scheme = url.split("://", 1)[0]
        if scheme.startswith("sqlite"):
            return SqliteDatabase(url)
        if scheme.startswith("postgres"):
            return PostgresDatabase(url)
        raise ValueError(f"unsupported database URL scheme {scheme!r} (use sqlite or postgresql)")

    def _errors(self) -> tuple[type[BaseException], ...]:
        return (OSError, TimeoutError)

    @abc.abstractmethod
    def _transaction(self) -> AbstractAsyncContextManager[Connection]:
        """A connection inside a transaction: committed at the end of the block, rolled back if it raises."""

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Connection]:
        """A connection in a transaction; database failures become :class:`StoreUnavailable`."""
        try:
            async with self._transaction() as conn:
                yield conn
        except self._errors() as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.error("store: database error: %s", first[:300])
            raise StoreUnavailable(first[:200]) from exc

    @abc.abstractmethod
    async def close(self) -> None:
        """Close every connection this handle opened."""


class _Turns:
    """First come, first served transactions on one SQLite file among this process's connections.

    SQLite lets one writer in at a time and a waiting connection polls with growing sleeps (1 ms … 100 ms) in its
    driver thread, so a busy writer in the same process can starve the others until it runs out of work; queueing
    here keeps the order instead. A transaction opened inside another by the same task passes through.
    """

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.owner: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and self.owner is task:
            yield
            return
        async with self.lock:
            self.owner = task
            try:
                yield
            finally:
                self.owner = None


_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Turns]] = weakref.WeakKeyDictionary()


def _turns(path: str) -> _Turns:
    """The queue for ``path`` in the running event loop (an asyncio lock belongs to one loop)."""
    per_loop = _TURNS.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault(os.path.abspath(path), _Turns())


class SqliteDatabase(Database):
    """An embedded SQLite file; a few idle connections are kept for the next transaction."""

    dialect = "sqlite"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        path = url.split(":///", 1)[1] if ":///" in url else ""
        self.path = path.split("?", 1)[0] or ":memory:"
        memory = self.path == ":memory:"
        self._keep = 1 if memory else SQLITE_KEEP
        self._slots = asyncio.Semaphore(1 if memory else PG_POOL)
        self._idle: list[aiosqlite.Connection] = []
        self._memory_turns = _Turns()

    def _errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error, OSError, TimeoutError)

    async def _connect(self) -> aiosqlite.Connection:
        import aiosqlite

        return await aiosqlite.connect(self.path, timeout=SQLITE_TIMEOUT)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        # Python's sqlite3 begins a deferred transaction before the first write, as under SQLAlchemy before.
        turns = self._memory_turns if self.path == ":memory:" else _turns(self.path)
        async with turns.turn(), self._slots:
            raw = self._idle.pop() if self._idle else await self._connect()
            reusable = False
            try:
                try:
                    yield SqliteConnection(raw, self.trace)
                except BaseException:
                    reusable = await _to_completion(_quietly(raw.rollback()))
                    raise
                await raw.commit()
                reusable = True
            finally:
                if reusable and len(self._idle) < self._keep:
                    self._idle.append(raw)
                else:
                    await _to_completion(raw.close())

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for raw in idle:
            await raw.close()


async def _no_reset(connection: asyncpg.Connection) -> None:
    """Every transaction ends in commit or rollback and no session state is set: nothing to reset on release."""


class PostgresDatabase(Database):
    """A pool of asyncpg connections, created on first use (so a server that is down does not stop the start)."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.dsn = "postgresql://" + url.split("://", 1)[1]
        self._pool: asyncpg.Pool | None = None
        self._pool_lock = asyncio.Lock()

    def _errors(self) -> tuple[type[BaseException], ...]:
        import asyncpg

        return (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)

    async def _get_pool(self) -> asyncpg.Pool:
        async with self._pool_lock:
            if self._pool is None:
                import asyncpg

                self._pool = await asyncpg.create_pool(
                    self.dsn, min_size=0, max_size=PG_POOL, timeout=PG_TIMEOUT, reset=_no_reset
                )
            return self._pool

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        pool = await self._get_pool()
        raw = await pool.acquire(timeout=PG_TIMEOUT)
        try:
            transaction = raw.transaction()
            await transaction.start()
            try:
                yield PostgresConnection(raw, self.trace)
            except BaseException:
                await _to_completion(_quietly(transaction.rollback()))
                raise
            await transaction.commit()
        finally:
            await _to_completion(pool.release(raw))

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


async def _quietly(coro: Coroutine[Any, Any, Any]) -> bool:
    """A rollback on a connection that broke fails too; the first error is the one to report. True if it worked."""
    try:
        await coro
    except Exception as exc:
        log.debug("store: rollback failed: %s", exc)
        return False
    return True
