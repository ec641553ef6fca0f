"""The bot's process never loads SQLAlchemy, greenlet or Alembic: its start path and the store's operations
run on the async drivers alone (migrations run in a child process)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from bot.store import Store

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import asyncio, datetime as dt, sys
    import bot.discord.main, bot.discord.app
    from bot.store import Store

    async def main(url):
        store = await Store.open(url, migrate_out_of_process=True)
        now = dt.datetime.now(dt.UTC)
        await store.add_report(user_id=1, jurisdiction="ct", kb_version="v1")
        assert len(await store.reports()) == 1
        await store.set_guild_setting(5, locale="es")
        assert await store.guild_locales() == {5: "es"}
        await store.subscribe(jurisdiction="ct", target_kind="user", target_id=2, guild_id=5, by=2)
        assert await store.enqueue_notices("v2", {("ct", "en"): "changed"}) == 1
        assert len(await store.claim_notices(now, worker="w")) == 1
        await store.record_outcome(guild_id=5, prompt="p", legislator_id="x", user_id=2, outcome="called")
        await store.claim_due(now, worker="w", grace=dt.timedelta(minutes=5))
        await store.forget_member(2)
        await store.close()

    asyncio.run(main(sys.argv[1]))
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "greenlet", "alembic"))
    print(" ".join(loaded))
    """
)


async def test_the_bot_process_loads_no_sqlalchemy(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'qibot.db'}"
    await (await Store.open(url)).close()  # migrated here, as the bot's child process would
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, url], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"loaded in the bot's process: {done.stdout.strip()}"
