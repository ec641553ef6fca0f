"""Scheduler benchmark: 10,000 schedules due in the same minute.

Prints the time until all are posted and the database calls (statements or batched executemany calls,
each one network round trip with asyncpg's pipelining) per post, on SQLite and (when
QIBOT_TEST_DATABASE_URL points at a PostgreSQL server) PostgreSQL. Posting goes to an in-process
stand-in that only counts, so the figure is the scheduler's and the database's cost. For scale, the
baseline row is a plain loop that does one INSERT per run on the same database (the least a
scheduler that records its runs could do).

Run: .venv/bin/python bench/schedule_bench.py [--n 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.actions.scheduler import Scheduler  # noqa: E402
from bot.store import (  # noqa: E402
    Store,
    times,
)

UTC = dt.UTC


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.value = now

    def now(self) -> dt.datetime:
        return self.value


def count_round_trips(store: Store) -> list[int]:
    counter = [0]

    def _count(_sql: str) -> None:
        counter[0] += 1

    store.db.trace.append(_count)
    return counter


async def seed(store: Store, n: int) -> None:
    local = times.parse_local("2030-01-01 12:00")
    rows = [
        {
            "guild_id": 1,
            "channel_id": 10 + i,
            "prompt": "read-the-law",
            "jurisdiction": None,
            "timezone": "UTC",
            "local_time": local.isoformat(),
            "repeat": "daily",
            "next_run_at": times.to_utc(local, times.zone("UTC")),
            "status": "active",
            "created_by": 1,
            "created_at": dt.datetime.now(UTC),
        }
        for i in range(n)
    ]
    async with store.transaction() as conn:
        await conn.insert_many("schedules", rows)


async def run_scheduler(url: str, n: int) -> dict[str, float]:
    store = await Store.open(url)
    await seed(store, n)
    posted = []

    async def poster(claim) -> int:
        posted.append(claim.schedule.id)
        return len(posted)

    async def notifier(claim, reason) -> None:
        return None

    clock = Clock(dt.datetime(2030, 1, 1, 12, 0, 30, tzinfo=UTC))
    scheduler = Scheduler(store, clock, poster, notifier, grace=dt.timedelta(hours=1), batch=500, concurrency=50)
    trips = count_round_trips(store)
    start = time.perf_counter()
    await scheduler.tick()
    elapsed = time.perf_counter() - start
    assert len(posted) == n == len(set(posted)), (len(posted), n)
    await store.close()
    return {
        "seconds": elapsed,
        "round_trips": trips[0],
        "round_trips_per_post": trips[0] / n,
        "posts_per_second": n / elapsed,
    }


async def run_baseline(url: str, n: int) -> dict[str, float]:
    """One INSERT per run, committed in batches of 500: the floor for recording runs at all."""
    store = await Store.open(url)
    trips = count_round_trips(store)
    start = time.perf_counter()
    when = dt.datetime(2030, 1, 1, 12, tzinfo=UTC)
    for first in range(0, n, 500):
        async with store.transaction() as conn:
            for i in range(first, min(first + 500, n)):
                await conn.execute(
                    "INSERT INTO schedule_runs (schedule_id, run_at, outcome) VALUES (:id, :run_at, 'posted')",
                    {"id": i, "run_at": when},
                )
    elapsed = time.perf_counter() - start
    await store.close()
    return {
        "seconds": elapsed,
        "round_trips": trips[0],
        "round_trips_per_post": trips[0] / n,
        "posts_per_second": n / elapsed,
    }


async def fresh_url(kind: str, folder: Path) -> str | None:
    if kind == "sqlite":
        path = folder / f"bench-{time.monotonic_ns()}.db"
        return f"sqlite+aiosqlite:///{path}"
    if not os.environ.get("QIBOT_TEST_DATABASE_URL"):
        return None
    from tests.store.conftest import fresh_postgres_url

    return await fresh_postgres_url()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("sqlite", "postgresql"):
            base_url, url = await fresh_url(kind, Path(folder)), await fresh_url(kind, Path(folder))
            if url is None:
                print(f"{kind}: skipped (set QIBOT_TEST_DATABASE_URL, e.g. from .ci/postgres.sh)")
                continue
            baseline = await run_baseline(base_url, args.n)
            ours = await run_scheduler(url, args.n)
            results[kind] = {"baseline": baseline, "scheduler": ours}
            print(
                f"{kind}: {args.n} due runs posted in {ours['seconds']:.2f} s "
                f"({ours['posts_per_second']:.0f}/s), {ours['round_trips_per_post']:.3f} database calls per post; "
                f"baseline one-insert-per-run {baseline['seconds']:.2f} s, "
                f"{baseline['round_trips_per_post']:.3f} database calls per run; "
                f"time ratio {ours['seconds'] / baseline['seconds']:.2f}x"
            )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "schedule.json").write_text(json.dumps({"n": args.n, **results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
