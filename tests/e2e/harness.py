"""Run the real bot (`qibot run`) as a subprocess against the local fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-secret-token-do-not-log"
MOD_ROLE = 111_000_000_000_000_001
ORGANIZER_ROLE = 111_000_000_000_000_002
OTHER_ROLE = 111_000_000_000_000_003
ROLES = [
    {"id": MOD_ROLE, "name": "Moderator"},
    {"id": ORGANIZER_ROLE, "name": "Organizer"},
    {"id": OTHER_ROLE, "name": "Member"},
]


def bot_env(fake: FakeDiscord, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment that points `qibot run` at the fake."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("QIBOT_") and k not in ("DISCORD_TOKEN", "DATABASE_URL")
    }
    env.update(
        DISCORD_TOKEN=TOKEN,
        QIBOT_DISCORD_API_BASE=fake.api_base,
        QIBOT_DISCORD_GATEWAY_URL=fake.gateway_url,
        QIBOT_DEV_GUILD_ID=str(fake.guild_id),
        QIBOT_DATA_DIR=str(data_dir),
        QIBOT_LOG_LEVEL="INFO",
        QIBOT_MODERATOR_ROLE_IDS=str(MOD_ROLE),
        QIBOT_ORGANIZER_ROLE_IDS=str(ORGANIZER_ROLE),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def seeded_data_dir(base: Path, migrated: Path) -> Path:
    """``base`` with a copy of an already migrated database in it (what a bot's second start finds)."""
    base.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated, base / "qibot.db")
    return base


@dataclass
class BotProcess:
    """A running `qibot run` subprocess with its output collected."""

    proc: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    _readers: list[asyncio.Task] = field(default_factory=list)
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    _new_line: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def start(cls, env: dict[str, str], *args: str) -> BotProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *(args if args and args[0].endswith(".py") else ("-m", "bot", *(args or ("run",)))),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self = cls(proc)
        self._readers = [asyncio.create_task(self._read(proc.stdout)), asyncio.create_task(self._read(proc.stderr))]
        return self

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            text = line.decode(errors="replace").rstrip()
            self.lines.append(text)
            self._new_line.set()
            if text.startswith("READY"):
                self._ready.set()
        self._new_line.set()  # the stream ended: waiters look once more, then see the exit

    async def wait_ready(self, timeout: float = 120.0) -> None:
        """Wait for the bot's READY line (printed from on_ready); ``timeout`` only guards against a hang."""
        done = asyncio.create_task(self._ready.wait())
        exited = asyncio.create_task(self.proc.wait())
        finished, _ = await asyncio.wait({done, exited}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for task in (done, exited):
            task.cancel()
        if done not in finished:
            raise AssertionError("bot did not become ready:\n" + self.output)

    async def wait_line(self, needle: str, timeout: float = 60.0, *, since: int = 0) -> str:
        """Wait for an output line containing ``needle`` (among lines from index ``since`` on: pass
        ``len(process.lines)`` taken before an action to see only what the action caused).

        Woken by each new line, not by polling; ``timeout`` only guards against a hang."""

        def found() -> str | None:
            return next((line for line in self.lines[since:] if needle in line), None)

        line = None
        try:
            async with asyncio.timeout(timeout):
                while (line := found()) is None:
                    if self.proc.returncode is not None and all(task.done() for task in self._readers):
                        break
                    self._new_line.clear()
                    await self._new_line.wait()
        except TimeoutError:
            pass
        if line is None:
            raise AssertionError(f"no line containing {needle!r}:\n{self.output}")
        return line

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def stop(self) -> int:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        for task in self._readers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 2)
        return self.proc.returncode or 0


def embed_of(callback_or_message: dict) -> dict:
    """The first embed of a callback's data or of a message."""
    data = callback_or_message.get("data", callback_or_message)
    return data["embeds"][0]


def buttons_of(message: dict) -> list[dict]:
    """Every component of a message's action rows."""
    return [c for row in message.get("components") or [] for c in row.get("components", [])]


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord, env: dict[str, str]) -> AsyncIterator[BotProcess]:
    """Start `qibot run`, wait until both the fake and the bot say it is ready; stop it afterwards."""
    process = await BotProcess.start(env)
    try:
        await fake.wait_ready()
        await process.wait_ready()
        yield process
    finally:
        await process.stop()


async def answer(handle) -> dict:
    """The message an interaction was answered with: the callback's data, or the follow-up after a defer
    (commands that render a prompt defer when the render worker is slow to answer)."""
    callback = await handle.wait_response()
    if callback.type == 5:
        return await handle.wait_followup()
    return callback.data
