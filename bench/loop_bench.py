#!/usr/bin/env python3
"""Event-loop benchmark: does moderator work stall members' answers?

In one process and one run, members ask `/state` every 10 ms (through the same Responder the cogs use) while
a monitor measures how late the event loop wakes up (its longest stall). Three phases, each repeated for
several rounds:
  idle        members only;
  moderators  members while moderators validate, reload and save an edit, the way the cogs do it now
              (YAML parsing and validation in a worker process, file writes and locks in threads);
  on-loop     the same moderator work run directly on the event loop (the old way), for contrast.
Prints the longest stall and members' p50/p99 latency per phase, as ratios to the idle phase, with the spread
over rounds, and the time to load and validate the 52 files.

    .venv/bin/python bench/loop_bench.py [--rounds 3] [--seconds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import edits
from bot import worker as offload
from bot.kb import editor
from bot.kb.live import LiveKnowledge
from bot.kb.loader import DEFAULT_ROOT, collect, load_knowledge
from bot.replies.responder import Responder
from bot.runtime import tune_gc
from bot.store import Store

TICK = 0.005
IDS = ["ca", "co", "ct", "nm", "wv", "tx", "ny", "oh"]


async def _monitor(stop: asyncio.Event, stalls: list[float]) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(TICK)
        stalls.append(time.perf_counter() - t0 - TICK)


async def _members(stop: asyncio.Event, responder: Responder, latencies: list[float]) -> None:
    n = 0
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(0.010)
        start = time.perf_counter()
        responder.state(IDS[n % len(IDS)])
        latencies.append(time.perf_counter() - start + max(0.0, start - t0 - 0.010))  # queueing + build
        n += 1


async def _moderators(stop: asyncio.Event, live: LiveKnowledge, responder: Responder, store: Store, lock: Path,
                      on_loop: bool) -> int:  # fmt: skip
    done = 0
    verdicts = ["unknown", "unknown"]
    while not stop.is_set():
        values = {"verdict": verdicts[done % 2], "points": None, "reason": f"Benchmark edit {done}.", "quote": "",
                  "source": "https://endqi.org/state/ca"}  # fmt: skip
        if on_loop:
            collect(live.root)
            live.apply(live.prepare())
            plan = editor.plan_edit(live.root, "ca", "public-records", values, expected_sha=None)
        else:  # as the cogs do it: parsing and validation in the worker process
            await offload.reload(live.root, live())
            live.apply(await offload.reload(live.root, live()))
            plan, replies = await offload.plan(editor.plan_edit, live(), live.root, "ca", "public-records", values,
                                               expected_sha=None)  # fmt: skip
        applied = await edits.apply_plan(store, live, plan, user_id=1, guild_id=None, lock_file=lock)
        if not on_loop:
            responder.prime(applied.plan.kb, replies)
        done += 1
        await asyncio.sleep(0)
    return done


async def _phase(root: Path, seconds: float, mode: str) -> dict[str, float]:
    live = LiveKnowledge(root, load_knowledge(root))
    responder = Responder(live)
    for jid in IDS:
        responder.state(jid)
    store = await Store.open(f"sqlite+aiosqlite:///{root.parent / 'bench.db'}")
    stop = asyncio.Event()
    stalls: list[float] = []
    latencies: list[float] = []
    tasks = [asyncio.create_task(_monitor(stop, stalls)), asyncio.create_task(_members(stop, responder, latencies))]
    moderators = None
    if mode != "idle":
        moderators = asyncio.create_task(
            _moderators(stop, live, responder, store, root.parent / "lock", mode == "on-loop")
        )
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks)
    edits_done = await moderators if moderators else 0
    await store.close()
    latencies.sort()
    return {
        "stall_ms": max(stalls) * 1000,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "edits": edits_done,
    }


def _load_seconds(rounds: int = 5) -> list[float]:
    """Cold first (no file cached), then reloads of unchanged files (what /kb reload and an edit's check do)."""
    from bot.kb import loader, yamlio

    loader._VALID.clear()
    yamlio.compose_lines.cache_clear()
    out = []
    for _ in range(rounds + 1):
        t0 = time.perf_counter()
        kb, _ = collect(DEFAULT_ROOT)
        out.append(time.perf_counter() - t0)
        assert kb is not None
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    offload.warm()
    tune_gc()  # as `qibot run` does after start-up
    results: dict[str, list[dict[str, float]]] = {"idle": [], "moderators": [], "on-loop": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            for mode in results:  # alternate the phases within each round: the machine's noise hits all alike
                root = Path(tmp) / f"{mode}-{n}" / "knowledge"
                shutil.copytree(DEFAULT_ROOT, root)
                results[mode].append(asyncio.run(_phase(root, args.seconds, mode)))
    idle = results["idle"]
    print(f"event loop under moderator load ({args.rounds} rounds x {args.seconds:g} s; median, [min-max] over rounds)")
    print(f"{'phase':<11} {'longest stall':>22} {'member p50':>22} {'member p99':>22} {'edits':>6}")
    for mode, rows in results.items():
        cells = []
        for key in ("stall_ms", "p50_ms", "p99_ms"):
            values = [r[key] for r in rows]
            ratios = [r[key] / max(i[key], 1e-6) for r, i in zip(rows, idle, strict=True)]
            cells.append(f"{statistics.median(values):6.1f} ms {statistics.median(ratios):4.1f}x "
                         f"[{min(ratios):.1f}-{max(ratios):.1f}]")  # fmt: skip
        edits_done = statistics.median(r["edits"] for r in rows)
        print(f"{mode:<11} {cells[0]:>22} {cells[1]:>22} {cells[2]:>22} {edits_done:>6.0f}")
    cold, *warm = _load_seconds()
    print(f"load + validate 52 files: cold {cold * 1000:.0f} ms; reload with unchanged files cached: median "
          f"{statistics.median(warm) * 1000:.0f} ms [{min(warm) * 1000:.0f}-{max(warm) * 1000:.0f}] "
          f"over {len(warm)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
