"""The process as an operator sees it: a health check that reflects the gateway and the database, and a
SIGTERM in the middle of an edit that ends in a clean exit with the edit either fully saved or not at all."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import yaml

from bot.health import HEARTBEAT_FILE, check_heartbeat
from bot.store import Store
from tests.e2e.harness import MOD_ROLE, ROOT, BotProcess, bot_env, running_bot
from tests.fakediscord import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty data directory: this module's bot makes its database on a real first start (migration)."""
    return tmp_path_factory.mktemp("qibot-data")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(fake: FakeDiscord, data_dir: Path, knowledge: Path) -> AsyncIterator[BotProcess]:
    env = bot_env(fake, data_dir, QIBOT_KNOWLEDGE_PATH=str(knowledge), QIBOT_HEARTBEAT_SECONDS="1")
    async with running_bot(fake, env) as process:
        process.env = env  # type: ignore[attr-defined]
        yield process


async def _health(env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "health", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode()


async def test_health_is_ok_while_connected_and_fails_when_stale(bot: BotProcess, data_dir: Path) -> None:
    assert (data_dir / HEARTBEAT_FILE).exists(), "the first heartbeat is written when the bot is ready"
    code, out = await _health(bot.env)  # type: ignore[attr-defined]
    assert code == 0, out
    assert out.startswith("qibot health: ok")
    assert out.count("\n") == 1, "one line"
    stale = check_heartbeat(data_dir, max_age=5, now=(data_dir / HEARTBEAT_FILE).stat().st_mtime + 60)
    assert not stale.ok and "stalled or stopped" in stale.message


async def test_health_fails_without_a_heartbeat(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIBOT_")} | {"QIBOT_DATA_DIR": str(tmp_path)}
    code, out = await _health(env)
    assert code == 1
    assert "no heartbeat yet" in out and out.count("\n") == 1


async def test_sigterm_mid_edit_exits_cleanly_and_loses_nothing(
    fake: FakeDiscord, bot: BotProcess, data_dir: Path, knowledge: Path
) -> None:
    handle = await fake.inject_command("kb edit", {"jurisdiction": "ID", "criterion": "fees"}, roles=[MOD_ROLE])
    modal = await handle.wait_response()
    ids = [row["components"][0]["custom_id"] for row in modal.data["components"]]
    await fake.inject_modal_submit(
        modal.data["custom_id"],
        {ids[0]: "unknown", ids[1]: "", ids[2]: "Edit during shutdown (test).", ids[3]: "", ids[4]: "https://example.org/x"},
        roles=[MOD_ROLE],
    )  # fmt: skip
    bot.proc.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(bot.proc.wait(), 60)
    assert code == 0, bot.output
    assert "shut down cleanly" in bot.output
    saved = "Edit during shutdown (test)." in (knowledge / "jurisdictions" / "id.yaml").read_text()
    yaml.safe_load((knowledge / "jurisdictions" / "id.yaml").read_text())  # never a torn file
    assert not list((knowledge / "jurisdictions").glob(".*.tmp")), "no temporary files left behind"
    store = await Store.open(f"sqlite+aiosqlite:///{data_dir / 'qibot.db'}")
    changes = await store.changes("id")
    recorded = [c for c in changes if c.after and c.after.get("reason") == "Edit during shutdown (test)."]
    await store.close()
    assert saved == bool(recorded), "the file and the history agree: the edit is in both or in neither"
