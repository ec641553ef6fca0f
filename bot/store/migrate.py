"""The store's migrations (Alembic on SQLAlchemy), and `python -m bot.store.migrate`: apply them to
QIBOT_MIGRATE_URL and exit.

The bot runs this in a child process on first start (and after an upgrade), so Alembic and SQLAlchemy are
never resident in the long-running bot; tests and the command line call :func:`upgrade` in-process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import TYPE_CHECKING

from bot.store import Store, StoreUnavailable
from bot.store.store import HEAD_REVISION, MIGRATION_LOCK, MIGRATIONS

if TYPE_CHECKING:
    import sqlalchemy as sa

log = logging.getLogger(__name__)


def _current_revision(sync_connection: sa.Connection) -> str | None:
    import sqlalchemy as sa

    if not sa.inspect(sync_connection).has_table("alembic_version"):
        return None
    revision = sync_connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return None if revision is None else str(revision)


def _upgrade(sync_connection: sa.Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = sync_connection
    command.upgrade(config, "head")


async def upgrade(url: str) -> None:
    """Bring the schema at ``url`` up to date; processes starting together take turns (advisory lock)."""
    import sqlalchemy as sa
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, connect_args={"timeout": 10})
    try:
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                await conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            if await conn.run_sync(_current_revision) != HEAD_REVISION:
                log.info("store: applying migrations up to %s", HEAD_REVISION)
                await conn.run_sync(_upgrade)
    except (DBAPIError, OSError, TimeoutError) as exc:
        log.error("store: migration failed: %s", str(exc).splitlines()[0][:300])
        raise StoreUnavailable(str(exc).splitlines()[0][:200]) from exc
    finally:
        await engine.dispose()


async def _main(url: str) -> int:
    try:
        store = await Store.open(url)
    except StoreUnavailable as exc:
        print(f"qibot: {exc}", file=sys.stderr)
        return 1
    await store.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main(os.environ["QIBOT_MIGRATE_URL"])))
