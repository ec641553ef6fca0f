"""One fake Discord and one bot subprocess per test module (starting Python costs about a second).

Under ``pytest-xdist`` (``-n 2 --dist loadgroup``, what ``dev.py test`` runs) a module's tests stay in one
worker, so they share its fake and bot (see ``tests/conftest.py``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.harness import ROLES, ROOT, TOKEN, BotProcess, bot_env, running_bot, seeded_data_dir
from tests.fakediscord import FakeDiscord


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """A failed e2e test's report carries the last lines of its bot's output."""
    report = yield
    process = getattr(item, "funcargs", {}).get("bot")
    if report.failed and isinstance(process, BotProcess):
        report.sections.append(("bot output (last 60 lines)", "\n".join(process.lines[-60:])))
    return report


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database with every migration applied, made once by the bot's own migration command.

    A bot started on a copy skips the first-start migration child process (about 1.5 s); the first start
    itself is covered by ``tests/store`` (out-of-process migration) and by the lifecycle module's bot."""
    path = tmp_path_factory.mktemp("migrated") / "qibot.db"
    env = {**os.environ, "QIBOT_MIGRATE_URL": f"sqlite+aiosqlite:///{path}"}
    subprocess.run([sys.executable, "-m", "bot.store.migrate"], cwd=ROOT, env=env, check=True, timeout=120)
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN, roles=ROLES, heartbeat_interval_ms=500) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def data_dir(tmp_path_factory: pytest.TempPathFactory, migrated_db: Path) -> Path:
    return seeded_data_dir(tmp_path_factory.mktemp("qibot-data"), migrated_db)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable copy of the real knowledge folder, for modules whose bot edits it."""
    target = tmp_path_factory.mktemp("kb") / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(fake: FakeDiscord, data_dir: Path) -> AsyncIterator[BotProcess]:
    async with running_bot(fake, bot_env(fake, data_dir)) as process:
        yield process
