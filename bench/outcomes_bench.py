"""Call-outcome benchmark: what a press of an outcome button costs the store, and what `/me forget` costs.

For each backend (SQLite; PostgreSQL when QIBOT_TEST_DATABASE_URL is set) and in alternating rounds:

- baseline: ``add_report`` (one INSERT in its own transaction), the cheapest write a button press could make;
- first press: ``record_outcome`` for a new (prompt, legislator, member): a keyed hash, a SELECT and an upsert;
- second press: the same member changing the outcome (the upsert's update path);
- forget: ``forget_member`` for one member among ``--members`` members with outcomes on ``--prompts`` prompts
  (it recomputes the member's hash for every (server, prompt) that has outcomes).

Prints per-operation medians and the ratio to the baseline as median [min-max] over the rounds.

Run: .venv/bin/python bench/outcomes_bench.py [--n 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.store import Store  # noqa: E402


async def _timed(n: int, make) -> float:
    """Median seconds per call of ``n`` sequential awaits."""
    spent = []
    for i in range(n):
        t0 = time.perf_counter()
        await make(i)
        spent.append(time.perf_counter() - t0)
    return statistics.median(spent)


async def one_round(url: str, n: int, prompts: int, members: int) -> dict[str, float]:
    store = await Store.open(url)
    tag = uuid.uuid4().hex[:6]
    try:
        baseline = await _timed(n, lambda i: store.add_report(user_id=i, jurisdiction="ct", kb_version="b"))
        first = await _timed(
            n,
            lambda i: store.record_outcome(
                guild_id=1, prompt=f"p-{tag}", legislator_id="ocd-person/x", user_id=i, outcome="voicemail"
            ),
        )
        second = await _timed(
            n,
            lambda i: store.record_outcome(
                guild_id=1, prompt=f"p-{tag}", legislator_id="ocd-person/x", user_id=i, outcome="called"
            ),
        )
        for p in range(prompts):  # outcomes spread over many prompts: forget recomputes a hash per prompt
            for m in range(members):
                await store.record_outcome(
                    guild_id=2, prompt=f"q{p}-{tag}", legislator_id="y", user_id=10_000 + m, outcome="called"
                )
        forget = await _timed(5, lambda i: store.forget_member(10_000 + i))
    finally:
        await store.close()
    return {"baseline": baseline, "first press": first, "second press": second, "forget": forget}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prompts", type=int, default=50)
    parser.add_argument("--members", type=int, default=10)
    args = parser.parse_args()
    backends = []
    with tempfile.TemporaryDirectory() as tmp:
        backends.append(("sqlite", lambda r: f"sqlite+aiosqlite:///{Path(tmp) / f'r{r}.db'}"))
        pg = os.environ.get("QIBOT_TEST_DATABASE_URL")
        if pg:
            sys.path.insert(0, str(ROOT / "tests"))
            from tests.store.conftest import fresh_postgres_url

            urls = [await fresh_postgres_url() for _ in range(args.rounds)]
            backends.append(("postgresql", lambda r: urls[r]))
        for name, url in backends:
            rounds = [await one_round(url(r), args.n, args.prompts, args.members) for r in range(args.rounds)]
            print(f"{name}: {args.n} sequential calls per operation, {args.rounds} rounds; "
                  f"forget with {args.prompts} prompts x {args.members} members")  # fmt: skip
            for op in rounds[0]:
                ms = statistics.median(r[op] for r in rounds) * 1000
                ratios = [r[op] / r["baseline"] for r in rounds]
                spread = f"[{min(ratios):.2f}-{max(ratios):.2f}]"
                print(f"  {op:13s} {ms:7.2f} ms  {statistics.median(ratios):5.2f}x {spread}")


if __name__ == "__main__":
    asyncio.run(main())
