"""Fan-out benchmark: one knowledge-base change notifies N subscribers through the fake Discord.

qibot's path: the notices are queued in the store (SQLite, or PostgreSQL with --database-url), claimed in
batches and sent by ``NoticeSender`` over a real discord.py client (half to channels, half by DM: the first
DM creates the channel, two requests); the baseline is a plain loop of raw aiohttp requests to the same
fake, the same requests (DM channel creation + POST) with the same concurrency and pacing, and no store.
Both run in this process against a fresh fake, alternating, for ``--rounds`` rounds.

Printed per size: the request rate and the CPU time per request in each tenth of the notices from first
to last (a flat row is linear time), each subscriber's message count (must be exactly 1), discord.py's
rate-limit bucket map at its largest, and the wall and CPU time as ratios to the baseline (median and
[min-max] over rounds).

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
from bot.runtime import tune_gc  # noqa: E402
from bot.store import Store, tables  # noqa: E402
from tests.fakediscord import FakeDiscord  # noqa: E402
from tests.fakediscord import payloads as pl  # noqa: E402

TOKEN = "bench-token"
CHANNEL0, USER0 = 600_000_000_000_000_000, 700_000_000_000_000_000
CONCURRENCY = 16
# The fake announces per-route rate-limit buckets in X-RateLimit-* headers, as Discord does on every response
# (without them discord.py treats each route as 1 request at a time: every first-time DM would queue behind the
# one DM channel being created). The limit is set so high that it never binds here: only --rate paces.
ROUTE_LIMIT = (100_000, 1.0)
TEXT = "**Connecticut** changed in qibot's knowledge base: attorney fees: verdict No → Partial. Ask `/state CT`."


def targets(n: int) -> list[tuple[str, int]]:
    return [("channel", CHANNEL0 + i) if i % 2 == 0 else ("user", USER0 + i) for i in range(n)]


async def new_fake(n: int, rate: float) -> FakeDiscord:
    fake = FakeDiscord(token=TOKEN, global_rate=rate or None, route_limit=ROUTE_LIMIT, record=False)
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


def slices(stamps: list[tuple[float, float, int]], start: tuple[float, float]) -> tuple[list[float], list[float]]:
    """Per tenth of the notices, in the order they completed: Discord requests per second of wall time, and
    CPU microseconds per request (this process: sender and fake; other load on the machine hardly moves it).
    Requests, not notices: a first DM takes two (the store lists channels before users)."""
    stamps = sorted(stamps)
    n, rates, cpu, prev = len(stamps), [], [], start
    for k in range(1, 11):
        part = stamps[(k - 1) * n // 10 : k * n // 10]
        end, count = part[-1], sum(s[2] for s in part)
        rates.append(count / max(end[0] - prev[0], 1e-9))
        cpu.append((end[1] - prev[1]) / count * 1e6)
        prev = end[:2]
    return rates, cpu


def clocks(requests: int = 0) -> tuple[float, float, int]:
    return time.perf_counter(), time.process_time(), requests


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
    stamps: list[tuple[float, float, int]] = []
    biggest = [0]

    async def send(notice):
        result = await sender.send(notice)
        stamps.append(clocks(1 + (notice.target_kind == "user" and notice.dm_channel_id is None)))
        biggest[0] = max(biggest[0], len(client.http._buckets))
        return result

    fake.request_count = 0
    start = clocks()
    await store.enqueue_notices("v2", {("ct", "en"): TEXT})
    stats = await deliver_notices(store, send, pacer=Pacer(rate * 0.9 if rate else 0), now=lambda: dt.datetime.now(
        dt.UTC), concurrency=CONCURRENCY)  # fmt: skip
    elapsed, cpu = clocks()[0] - start[0], clocks()[1] - start[1]
    counts = await store.notice_counts("v2")
    ok, total = exactly_once(fake, n)
    out = {"seconds": elapsed, "cpu": cpu, "slices": slices(stamps, start[:2]), "exactly_once": ok, "messages": total,
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
    stamps: list[tuple[float, float, int]] = []
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
                stamps.append(clocks(1 + (kind == "user")))

        fake.request_count = 0
        start = clocks()
        await asyncio.gather(*(one(k, t, i) for i, (k, t) in enumerate(targets(n))))
        elapsed, cpu = clocks()[0] - start[0], clocks()[1] - start[1]
    ok, total = exactly_once(fake, n)
    await fake.stop()
    return {"seconds": elapsed, "cpu": cpu, "slices": slices(stamps, start[:2]), "exactly_once": ok, "messages": total,
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
    tune_gc()  # as the bot runs
    if args.no_prune:
        notices_module.prune_idle_buckets = lambda http, above=0: 0  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            ratios, cpu_ratios, ours_s, base_s, flat, cpu_flat = [], [], [], [], [], []
            for r in range(args.rounds):
                base = await run_baseline(n, args.rate)
                ours = await run_qibot(n, args.rate, Path(folder), args.database_url)
                ratios.append(ours["seconds"] / base["seconds"])
                cpu_ratios.append(ours["cpu"] / base["cpu"])
                ours_s.append(ours["seconds"])
                base_s.append(base["seconds"])
                (rate, cpu), (base_rate, base_cpu) = ours["slices"], base["slices"]
                flat.append(rate[-1] / rate[0])
                cpu_flat.append(cpu[-1] / cpu[0])
                print(f"n={n} round {r + 1}: qibot {ours['seconds']:.1f} s ({n / ours['seconds']:.0f}/s, CPU "
                      f"{ours['cpu']:.1f} s), baseline {base['seconds']:.1f} s ({n / base['seconds']:.0f}/s, CPU "
                      f"{base['cpu']:.1f} s); ratio {ratios[-1]:.2f}× wall, {cpu_ratios[-1]:.2f}× CPU")  # fmt: skip
                print("  qibot requests/s per 10% slice, first to last: " + " ".join(f"{x:.0f}" for x in rate))
                print("  qibot CPU µs per request per 10% slice:        " + " ".join(f"{x:.0f}" for x in cpu))
                print("  baseline requests/s per 10% slice:             " + " ".join(f"{x:.0f}" for x in base_rate))
                print("  baseline CPU µs per request per 10% slice:     " + " ".join(f"{x:.0f}" for x in base_cpu))
                print(f"  exactly once: qibot {ours['exactly_once']}/{n} subscribers one message each "
                      f"({ours['messages']} messages, store {ours['store']}), baseline {base['exactly_once']}/{n}; "
                      f"requests {ours['requests']} vs {base['requests']}; global 429s {ours['429']} vs "
                      f"{base['429']}; discord.py bucket map at most {ours['buckets_max']}")  # fmt: skip
                assert ours["exactly_once"] == n and ours["messages"] == n, "a notice was lost or doubled"
            print(f"n={n}: qibot {statistics.median(ours_s):.1f} s [{min(ours_s):.1f}–{max(ours_s):.1f}], "
                  f"baseline {statistics.median(base_s):.1f} s [{min(base_s):.1f}–{max(base_s):.1f}]; ratio to the "
                  f"plain loop {spread(ratios)} wall, {spread(cpu_ratios)} CPU; last / first slice: rate "
                  f"{spread(flat)}, CPU per request {spread(cpu_flat)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
