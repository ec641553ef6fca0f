"""Store tests run on embedded SQLite always, and on PostgreSQL when QIBOT_TEST_DATABASE_URL is set
(.ci/run starts a local server and sets it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.settings import Settings
from bot.store import Store

PG_URL = os.environ.get("QIBOT_TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason="no test PostgreSQL"))]


async def fresh_postgres_url() -> str:
    """A new empty database on the test server, so tests never see each other's rows."""
    assert PG_URL
    admin = create_async_engine(Settings(database_url=PG_URL).sqlalchemy_url, isolation_level="AUTOCOMMIT")
    name = f"qibot_{uuid.uuid4().hex[:12]}"
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return Settings(database_url=PG_URL.rsplit("/", 1)[0] + f"/{name}").sqlalchemy_url


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
