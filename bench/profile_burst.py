"""Profile qibot (cProfile) through one burst on the fake: where the time goes.

Run: .venv/bin/python bench/profile_burst.py [--burst 1000] [--top 40]
"""

from __future__ import annotations

import argparse
import asyncio
import pstats
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench import burst, prepare  # noqa: E402
from tests.e2e.harness import TOKEN, BotProcess, bot_env  # noqa: E402
from tests.fakediscord import FakeDiscord  # noqa: E402


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "qibot", Path(tmp) / "burst.prof"
        data.mkdir()
        await prepare(data, "qibot")
        async with FakeDiscord(token=TOKEN) as fake:
            env = bot_env(fake, data)
            env.pop("QIBOT_LOG_LEVEL")
            env["QIBOT_PROFILE_OUT"] = str(out)
            bot = await BotProcess.start(env, str(ROOT / "bench" / "profiled_bot.py"))
            try:
                await bot.wait_ready(60)
                await fake.wait_ready(10)
                bot.proc.send_signal(signal.SIGUSR1)
                await asyncio.sleep(0.1)
                print(await burst(fake, args.burst), file=sys.stderr)
                bot.proc.send_signal(signal.SIGUSR2)
                await asyncio.sleep(2.0)
                pstats.Stats(str(out)).sort_stats(args.sort).print_stats(args.top)
            finally:
                bot.proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
