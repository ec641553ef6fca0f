"""One fake Discord and one bot subprocess per test module (starting Python costs about a second)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.harness import ROLES, ROOT, TOKEN, BotProcess, bot_env, running_bot
from tests.fakediscord import FakeDiscord


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN, roles=ROLES, heartbeat_interval_ms=500) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("qibot-data")


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
