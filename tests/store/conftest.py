"""Store tests run on embedded SQLite always, and on PostgreSQL when QIBOT_TEST_DATABASE_URL is set
(.ci/run starts a local server and sets it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.settings import Settings
from bot.store import Store
from bot.store.sql import Connection

PG_URL = os.environ.get("QIBOT_TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason="no test PostgreSQL"))]


async def fresh_postgres_url() -> str:
    """A new empty database on the test server, so tests never see each other's rows."""
    assert PG_URL
    import asyncpg

    name = f"qibot_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return Settings(database_url=PG_URL.rsplit("/", 1)[0] + f"/{name}").store_url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest_asyncio.fixture
async def store_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'qibot.db'}"
    return await fresh_postgres_url()


@pytest_asyncio.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(store_url)
    yield opened
    await opened.close()


async def table_columns(conn: Connection) -> dict[str, set[str]]:
    """Every table of the database and its column names (SQLite or PostgreSQL)."""
    if conn.dialect == "sqlite":
        tables = [r["name"] for r in await conn.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: {r["name"] for r in await conn.fetch_all(f'PRAGMA table_info("{t}")')} for t in tables}
    found: dict[str, set[str]] = {}
    for r in await conn.fetch_all(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
    ):
        found.setdefault(r["table_name"], set()).add(r["column_name"])
    return found
