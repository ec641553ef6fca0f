"""`python -m bot.store.migrate`: apply the store's migrations to QIBOT_MIGRATE_URL and exit.

The bot runs this in a child process on first start (and after an upgrade), so Alembic is never
resident in the long-running bot.
"""

from __future__ import annotations

import asyncio
import os
import sys

from bot.store import Store, StoreUnavailable


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
