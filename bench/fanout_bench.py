"""Fan-out benchmark: one knowledge-base change notifies N subscribers through the fake Discord.

qibot's path: the notices are queued in the store (SQLite, or PostgreSQL with --database-url), claimed in
batches and sent by ``NoticeSender`` over a real discord.py client (half to channels, half by DM: the first
DM creates the channel, two requests); the baseline is a plain loop of raw aiohttp requests to the same
fake, the same requests (DM channel creation + POST) with the same concurrency and pacing, and no store.
Both run in this process against a fresh fake, alternating, for ``--rounds`` rounds.

Printed per size: the send rate in each tenth of the notices from first to last (a flat row is linear
time), each subscriber's message count (must be exactly 1), discord.py's rate-limit bucket map at its
largest, and the wall time as a ratio to the baseline (median and [min-max] over rounds).

``--rate R`` paces both at R requests/s and makes the fake enforce a global limit of R/s (Discord's is 50;
``--rate 0``, the default, runs unpaced with no limit, so the figure is the per-notice cost).
``--no-prune`` leaves discord.py's bucket map alone (the old behaviour) for comparison.

Run: .venv/bin/python bench/fanout_bench.py --sizes 10000 100000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import discord
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.discord.notices as notices_module  # noqa: E402
from bot.actions.fanout import Pacer, deliver_notices  # noqa: E402
from bot.discord.notices import NoticeSender  # noqa: E402
from bot.store import Store, tables  # noqa: E402
from tests.fakediscord import FakeDiscord  # noqa: E402
from tests.fakediscord import payloads as pl  # noqa: E402

TOKEN = "bench-token"
CHANNEL0, USER0 = 600_000_000_000_000_000, 700_000_000_000_000_000
CONCURRENCY = 16
TEXT = "**Connecticut** changed in qibot's knowledge base: attorney fees: verdict No → Partial. Ask `/state CT`."


def targets(n: int) -> list[tuple[str, int]]:
    return [("channel", CHANNEL0 + i) if i % 2 == 0 else ("user", USER0 + i) for i in range(n)]


async def new_fake(n: int, rate: float) -> FakeDiscord:
    fake = FakeDiscord(token=TOKEN, global_rate=rate or None, record=False)
    await fake.start()
    for kind, tid in targets(n):
        if kind == "channel":
            fake.channels[tid] = pl.text_channel(tid, fake.guild_id, f"c{tid}")
    return fake


def exactly_once(fake: FakeDiscord, n: int) -> tuple[int, int]:
    """(subscribers with exactly one message, total messages)."""
    ok = total = 0
    for kind, tid in targets(n):
        cid = tid if kind == "channel" else int(fake._dm_by_user.get(str(tid), {}).get("id", 0))
        count = len(fake.channel_messages.get(cid, []))
        ok += count == 1
        total += count
    return ok, total


def slices(stamps: list[float], start: float) -> list[float]:
    """Notices per second in each tenth of the notices, in the order they completed."""
    stamps = sorted(stamps)
    n, rates, prev = len(stamps), [], start
    for k in range(1, 11):
        end = stamps[k * n // 10 - 1]
        rates.append((k * n // 10 - (k - 1) * n // 10) / max(end - prev, 1e-9))
        prev = end
    return rates


async def run_qibot(n: int, rate: float, folder: Path, database_url: str | None) -> dict:
    fake = await new_fake(n, rate)
    url = database_url or f"sqlite+aiosqlite:///{folder / f'fanout-{time.monotonic_ns()}.db'}"
    store = await Store.open(url)
    now = dt.datetime.now(dt.UTC)
    rows = [{"jurisdiction": "ct", "target_kind": k, "target_id": t, "guild_id": fake.guild_id if k == "channel"
             else None, "created_by": 1, "created_at": now} for k, t in targets(n)]  # fmt: skip
    async with store.transaction() as conn:
        for i in range(0, n, 5000):
            await conn.execute(sa.insert(tables.subscriptions), rows[i : i + 5000])
    discord.http.Route.BASE = fake.api_base
    client = discord.Client(intents=discord.Intents.none())
    await client.login(TOKEN)
    sender = NoticeSender(client, store)
    stamps: list[float] = []
    biggest = [0]

    async def send(notice):
        result = await sender.send(notice)
        stamps.append(time.perf_counter())
        biggest[0] = max(biggest[0], len(client.http._buckets))
        return result

    fake.request_count = 0
    start = time.perf_counter()
    await store.enqueue_notices("v2", {"ct": TEXT})
    stats = await deliver_notices(store, send, pacer=Pacer(rate * 0.9 if rate else 0), now=lambda: dt.datetime.now(
        dt.UTC), concurrency=CONCURRENCY)  # fmt: skip
    elapsed = time.perf_counter() - start
    counts = await store.notice_counts("v2")
    ok, total = exactly_once(fake, n)
    out = {"seconds": elapsed, "slices": slices(stamps, start), "exactly_once": ok, "messages": total,
           "sent": stats.sent, "store": counts, "requests": fake.request_count, "429": fake.global_429s,
           "buckets_max": biggest[0]}  # fmt: skip
    await client.close()
    await store.close()
    await fake.stop()
    return out


async def run_baseline(n: int, rate: float) -> dict:
    """The same requests from a plain loop of aiohttp calls: no store, no discord.py."""
    fake = await new_fake(n, rate)
    pacer, limit = Pacer(rate * 0.9 if rate else 0), asyncio.Semaphore(CONCURRENCY)
    headers = {"Authorization": f"Bot {TOKEN}", "Content-Type": "application/json"}
    stamps: list[float] = []
    base = fake.api_base

    async with aiohttp.ClientSession() as http:

        async def post(path: str, body: dict) -> dict:
            while True:
                await pacer.wait()
                async with http.post(f"{base}{path}", json=body, headers=headers) as resp:
                    data = await resp.json()
                    if resp.status != 429:
                        return data
                    await asyncio.sleep(data["retry_after"])

        async def one(kind: str, tid: int, i: int) -> None:
            async with limit:
                cid = tid
                if kind == "user":
                    cid = int((await post("/users/@me/channels", {"recipient_id": str(tid)}))["id"])
                await post(f"/channels/{cid}/messages", {"content": TEXT, "nonce": str(i), "enforce_nonce": True})
                stamps.append(time.perf_counter())

        fake.request_count = 0
        start = time.perf_counter()
        await asyncio.gather(*(one(k, t, i) for i, (k, t) in enumerate(targets(n))))
        elapsed = time.perf_counter() - start
    ok, total = exactly_once(fake, n)
    await fake.stop()
    return {"seconds": elapsed, "slices": slices(stamps, start), "exactly_once": ok, "messages": total,
            "requests": fake.request_count, "429": fake.global_429s}  # fmt: skip


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}× [{min(values):.2f}–{max(values):.2f}]"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=float, default=0.0, help="requests/s for both, and the fake's global limit")
    parser.add_argument("--database-url", help="a fresh PostgreSQL database URL (default: SQLite in a tmp dir)")
    parser.add_argument("--no-prune", action="store_true", help="leave discord.py's bucket map alone (before)")
    args = parser.parse_args()
    if args.no_prune:
        notices_module.prune_idle_buckets = lambda http, above=0: 0  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            ratios, ours_s, base_s, flat = [], [], [], []
            for r in range(args.rounds):
                base = await run_baseline(n, args.rate)
                ours = await run_qibot(n, args.rate, Path(folder), args.database_url)
                ratios.append(ours["seconds"] / base["seconds"])
                ours_s.append(ours["seconds"])
                base_s.append(base["seconds"])
                flat.append(ours["slices"][-1] / ours["slices"][0])
                print(f"n={n} round {r + 1}: qibot {ours['seconds']:.1f} s ({n / ours['seconds']:.0f}/s), "
                      f"baseline {base['seconds']:.1f} s ({n / base['seconds']:.0f}/s), ratio {ratios[-1]:.2f}×")
                print("  qibot rate per 10% slice, first to last: " + " ".join(f"{x:.0f}" for x in ours["slices"]))
                print("  baseline rate per 10% slice:            " + " ".join(f"{x:.0f}" for x in base["slices"]))
                print(f"  exactly once: qibot {ours['exactly_once']}/{n} subscribers one message each "
                      f"({ours['messages']} messages, store {ours['store']}), baseline {base['exactly_once']}/{n}; "
                      f"requests {ours['requests']} vs {base['requests']}; global 429s {ours['429']} vs "
                      f"{base['429']}; discord.py bucket map at most {ours['buckets_max']}")  # fmt: skip
                assert ours["exactly_once"] == n and ours["messages"] == n, "a notice was lost or doubled"
            print(f"n={n}: qibot {statistics.median(ours_s):.1f} s [{min(ours_s):.1f}–{max(ours_s):.1f}], "
                  f"baseline {statistics.median(base_s):.1f} s; time ratio to the plain loop {spread(ratios)}; "
                  f"last-slice rate / first-slice rate {spread(flat)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
