"""Fan-out benchmark: one knowledge-base change notifies N subscribers through the fake Discord.

qibot's path: the notices are queued in the store (SQLite, or PostgreSQL with --database-url), claimed in
batches and sent by ``NoticeSender`` over a real discord.py client (half to channels, half by DM: the first
DM creates the channel, two requests); the baseline is a plain loop of raw aiohttp requests to the same
fake, the same requests (DM channel creation + POST) with the same concurrency and pacing, and no store.
The fake runs in a child process (fresh for every run), so this process's CPU time is the sender's own; it
announces per-route rate-limit buckets as Discord does (see ROUTE_LIMIT) and keeps no message bodies.
qibot and the loop alternate, for ``--rounds`` rounds.

Printed per run, for each tenth of the notices in the order they completed: Discord requests per second,
notices per second and CPU milliseconds per request (the store lists channels before users, so the first
half is one request per notice and the second half two). Per size: wall and CPU time as ratios to the loop
(median and [min-max] over rounds), the last tenth's request rate over the first's for both, and whether
every tenth's request rate of qibot, relative to its run's mean, stays within the loop's own spread of
tenths ("constant rate"), plus each subscriber's message count (must be exactly 1) and discord.py's
rate-limit bucket map at its largest.

``--rate R`` paces both at R requests/s and makes the fake enforce a global limit of R/s (Discord's is 50;
``--rate 0``, the default, runs unpaced with no limit, so the figure is the per-request cost).
``--no-prune`` leaves discord.py's bucket map alone (the old behaviour) for comparison; ``--no-route-headers``
makes the fake send no per-route headers (as before: first-time DMs then queue behind each other).

Run: .venv/bin/python bench/fanout_bench.py --sizes 10000 100000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import discord

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.discord.notices as notices_module  # noqa: E402
from bot.actions.fanout import Pacer, deliver_notices  # noqa: E402
from bot.discord.notices import NoticeSender  # noqa: E402
from bot.runtime import tune_gc  # noqa: E402
from bot.store import Store  # noqa: E402
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


def in_store_order(subscribers: list[tuple[str, int]]) -> list[tuple[int, tuple[str, int]]]:
    """The order the store hands notices out: channels, then users (so each tenth has the same requests)."""
    return sorted(enumerate(subscribers), key=lambda item: item[1][0] != "channel")


async def new_fake(n: int, rate: float, route_limit: tuple[int, float] | None = ROUTE_LIMIT) -> FakeDiscord:
    fake = FakeDiscord(token=TOKEN, global_rate=rate or None, route_limit=route_limit, record=False)
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


def _serve(conn: Connection, n: int, rate: float, route_limit: tuple[int, float] | None) -> None:
    """The child process: a fresh fake for ``n`` subscribers, answering "start", "report" and "stop"."""
    tune_gc()
    asyncio.run(_serve_fake(conn, n, rate, route_limit))


async def _serve_fake(conn: Connection, n: int, rate: float, route_limit: tuple[int, float] | None) -> None:
    fake = await new_fake(n, rate, route_limit)
    conn.send((fake.api_base, fake.guild_id))
    cpu = time.process_time()
    while True:
        command = await asyncio.to_thread(conn.recv)
        if command == "start":  # the run begins: count from here
            fake.request_count, fake.global_429s, fake.route_429s, cpu = 0, 0, 0, time.process_time()
            conn.send(None)
        elif command == "report":
            ok, total = exactly_once(fake, n)
            conn.send({"exactly_once": ok, "messages": total, "requests": fake.request_count,
                       "429": fake.global_429s + fake.route_429s, "fake_cpu": time.process_time() - cpu})  # fmt: skip
        else:
            await fake.stop()
            conn.send(None)
            return


class FakeProcess:
    """The fake Discord in a child process: this process's CPU time is then the sender's alone."""

    route_limit: tuple[int, float] | None = ROUTE_LIMIT  # --no-route-headers: None

    def __init__(self, n: int, rate: float) -> None:
        context = multiprocessing.get_context("spawn")  # no fork under a running event loop
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, n, rate, self.route_limit), daemon=True)

    async def __aenter__(self) -> FakeProcess:
        self._process.start()
        self.api_base, self.guild_id = await asyncio.to_thread(self._conn.recv)
        return self

    async def call(self, command: str) -> Any:
        self._conn.send(command)
        return await asyncio.to_thread(self._conn.recv)

    async def __aexit__(self, *exc: object) -> None:
        await self.call("stop")
        await asyncio.to_thread(self._process.join, 10)


class Meter:
    """Stamps each finished notice (wall clock, requests it took); reads the CPU clock once per tenth of the
    notices only: on this VM ``time.process_time()`` costs ~0.2 ms per call while other threads exist (the
    store's, the child pipe's), which per notice would add more than the work being measured."""

    def __init__(self, n: int) -> None:
        self.n, self.stamps, self.cpu = n, [], []
        self._marks = {k * n // 10 for k in range(1, 11)}

    def start(self) -> None:
        self.start_wall, self.start_cpu = time.perf_counter(), time.process_time()

    def done(self, requests: int) -> None:
        self.stamps.append((time.perf_counter(), requests))
        if len(self.stamps) in self._marks:
            self.cpu.append(time.process_time())

    def slices(self) -> dict[str, list[float]]:
        """Per tenth of the notices, in the order they finished: Discord requests and notices per second of
        wall time, and CPU milliseconds per request of this process (the fake runs in its own)."""
        out: dict[str, list[float]] = {"requests/s": [], "notices/s": [], "CPU ms/request": []}
        wall, cpu, first = self.start_wall, self.start_cpu, 0
        for k in range(1, 11):
            last = k * self.n // 10
            part = self.stamps[first:last]
            count, seconds = sum(r for _, r in part), max(part[-1][0] - wall, 1e-9)
            out["requests/s"].append(count / seconds)
            out["notices/s"].append(len(part) / seconds)
            out["CPU ms/request"].append((self.cpu[k - 1] - cpu) / count * 1e3)
            wall, cpu, first = part[-1][0], self.cpu[k - 1], last
        return out


async def run_qibot(n: int, rate: float, folder: Path, database_url: str | None) -> dict:
    async with FakeProcess(n, rate) as fake:
        url = database_url or f"sqlite+aiosqlite:///{folder / f'fanout-{time.monotonic_ns()}.db'}"
        store = await Store.open(url)
        now = dt.datetime.now(dt.UTC)
        rows = [{"jurisdiction": "ct", "target_kind": k, "target_id": t, "guild_id": fake.guild_id if k == "channel"
                 else None, "created_by": 1, "created_at": now} for k, t in targets(n)]  # fmt: skip
        async with store.transaction() as conn:
            for i in range(0, n, 5000):
                await conn.insert_many("subscriptions", rows[i : i + 5000])
        del rows
        discord.http.Route.BASE = fake.api_base
        client = discord.Client(intents=discord.Intents.none())
        await client.login(TOKEN)
        sender = NoticeSender(client, store)
        meter, biggest = Meter(n), [0]

        async def send(notice):
            result = await sender.send(notice)
            meter.done(1 + (notice.target_kind == "user" and notice.dm_channel_id is None))
            biggest[0] = max(biggest[0], len(client.http._buckets))
            return result

        await fake.call("start")
        meter.start()
        await store.enqueue_notices("v2", {("ct", "en"): TEXT})
        stats = await deliver_notices(store, send, pacer=Pacer(rate * 0.9 if rate else 0), now=lambda: dt.datetime.now(
            dt.UTC), concurrency=CONCURRENCY)  # fmt: skip
        elapsed, cpu = time.perf_counter() - meter.start_wall, time.process_time() - meter.start_cpu
        counts = await store.notice_counts("v2")
        report = await fake.call("report")
        await client.close()
        await store.close()
    return {"seconds": elapsed, "cpu": cpu, "slices": meter.slices(), "sent": stats.sent, "store": counts,
            "buckets_max": biggest[0], **report}  # fmt: skip


async def run_baseline(n: int, rate: float) -> dict:
    """The same requests from a plain loop of aiohttp calls: no store, no discord.py."""
    async with FakeProcess(n, rate) as fake:
        pacer, limit = Pacer(rate * 0.9 if rate else 0), asyncio.Semaphore(CONCURRENCY)
        headers = {"Authorization": f"Bot {TOKEN}", "Content-Type": "application/json"}
        meter, base = Meter(n), fake.api_base

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
                    meter.done(1 + (kind == "user"))

            await fake.call("start")
            meter.start()
            await asyncio.gather(*(one(k, t, i) for i, (k, t) in in_store_order(targets(n))))
            elapsed, cpu = time.perf_counter() - meter.start_wall, time.process_time() - meter.start_cpu
        report = await fake.call("report")
    return {"seconds": elapsed, "cpu": cpu, "slices": meter.slices(), **report}


def spread(values: list[float], unit: str = "×") -> str:
    return f"{statistics.median(values):.2f}{unit} [{min(values):.2f}–{max(values):.2f}]"


def relative(values: list[float]) -> list[float]:
    """Each tenth's value over the run's mean of tenths."""
    mean = statistics.fmean(values)
    return [v / mean for v in values]


def print_run(n: int, r: int, ours: dict, base: dict) -> None:
    print(f"n={n} round {r}: qibot {ours['seconds']:.1f} s ({n / ours['seconds']:.0f} notices/s, CPU "
          f"{ours['cpu']:.1f} s), plain loop {base['seconds']:.1f} s ({n / base['seconds']:.0f} notices/s, CPU "
          f"{base['cpu']:.1f} s); ratio {ours['seconds'] / base['seconds']:.2f}× wall, "
          f"{ours['cpu'] / base['cpu']:.2f}× CPU")  # fmt: skip
    print("  per tenth of the notices, first to last:")
    for key, digits in (("requests/s", 0), ("notices/s", 0), ("CPU ms/request", 3)):
        for who, run in (("qibot", ours), ("loop", base)):
            print(f"    {who:<5} {key:<15}" + " ".join(f"{x:7.{digits}f}" for x in run["slices"][key]))
    print(f"  exactly once: qibot {ours['exactly_once']}/{n} subscribers one message each ({ours['messages']} "
          f"messages, store {ours['store']}), loop {base['exactly_once']}/{n}; requests {ours['requests']} vs "
          f"{base['requests']}; 429s {ours['429']} vs {base['429']}; discord.py bucket map at most "
          f"{ours['buckets_max']}; the fake's CPU per request {ours['fake_cpu'] / ours['requests'] * 1e3:.3f} vs "
          f"{base['fake_cpu'] / base['requests'] * 1e3:.3f} ms")  # fmt: skip


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=float, default=0.0, help="requests/s for both, and the fake's global limit")
    parser.add_argument("--database-url", help="a fresh PostgreSQL database URL (default: SQLite in a tmp dir)")
    parser.add_argument("--no-prune", action="store_true", help="leave discord.py's bucket map alone (before)")
    parser.add_argument("--no-route-headers", action="store_true", help="the fake sends no per-route headers (before)")
    args = parser.parse_args()
    tune_gc()  # as the bot runs
    if args.no_route_headers:
        FakeProcess.route_limit = None
    if args.no_prune:
        notices_module.prune_idle_buckets = lambda http, above=0: 0  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            wall, cpu, ours_s, base_s, flat, base_flat, cpu_flat, base_cpu_flat = ([] for _ in range(8))
            within, ours_rel, base_rel, runs = 0, [], [], []
            for r in range(args.rounds):
                base = await run_baseline(n, args.rate)
                ours = await run_qibot(n, args.rate, Path(folder), args.database_url)
                print_run(n, r + 1, ours, base)
                runs.append((ours["slices"], base["slices"]))
                assert ours["exactly_once"] == n and ours["messages"] == n, "a notice was lost or doubled"
                wall.append(ours["seconds"] / base["seconds"])
                cpu.append(ours["cpu"] / base["cpu"])
                ours_s.append(ours["seconds"])
                base_s.append(base["seconds"])
                rates, base_rates = ours["slices"]["requests/s"], base["slices"]["requests/s"]
                flat.append(rates[-1] / rates[0])
                base_flat.append(base_rates[-1] / base_rates[0])
                cpu_ms, base_cpu_ms = ours["slices"]["CPU ms/request"], base["slices"]["CPU ms/request"]
                cpu_flat.append(cpu_ms[-1] / cpu_ms[0])
                base_cpu_flat.append(base_cpu_ms[-1] / base_cpu_ms[0])
                ours_rel += relative(rates)
                base_rel += relative(base_rates)
                lo, hi = min(relative(base_rates)), max(relative(base_rates))
                within += all(lo <= x <= hi for x in relative(rates))
            print(f"n={n}: qibot {statistics.median(ours_s):.1f} s [{min(ours_s):.1f}–{max(ours_s):.1f}], plain loop "
                  f"{statistics.median(base_s):.1f} s [{min(base_s):.1f}–{max(base_s):.1f}]; ratio to the plain loop "
                  f"{spread(wall)} wall, {spread(cpu)} CPU")  # fmt: skip
            print(f"  last tenth / first tenth: requests/s qibot {spread(flat)}, loop {spread(base_flat)}; CPU per "
                  f"request qibot {spread(cpu_flat)}, loop {spread(base_cpu_flat)}")  # fmt: skip
            print(f"  per tenth, median over {args.rounds} rounds (qibot / loop: the median of each round's ratio):")
            for key, digits in (("requests/s", 0), ("notices/s", 0), ("CPU ms/request", 3)):
                for who, side in (("qibot", 0), ("loop", 1)):
                    row = [statistics.median(run[side][key][k] for run in runs) for k in range(10)]
                    print(f"    {who:<5} {key:<15}" + " ".join(f"{x:7.{digits}f}" for x in row))
                ratio = [statistics.median(run[0][key][k] / run[1][key][k] for run in runs) for k in range(10)]
                print(f"    {'ratio':<5} {key:<15}" + " ".join(f"{x:6.2f}×" for x in ratio))
            print(f"  each tenth's requests/s over its run's mean: qibot {min(ours_rel):.2f}–{max(ours_rel):.2f}, "
                  f"loop {min(base_rel):.2f}–{max(base_rel):.2f}; rounds with every qibot tenth inside that round's "
                  f"loop range: {within}/{args.rounds}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
