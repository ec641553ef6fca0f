"""Latency and memory benchmark: qibot against a baseline bot, both on the local fake Discord.

Run: .venv/bin/python bench/bench.py [--n 1000]
Prints a table of figures with each one as a ratio to the baseline measured in the same run, and
writes bench/results/latest.json. Targets: qibot's p99 within 1.5x the baseline's, RSS within 2x.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import TOKEN, BotProcess, bot_env  # noqa: E402
from tests.fakediscord import FakeDiscord  # noqa: E402

JURISDICTIONS = ["ct", "co", "nm", "nyc", "tx", "ca", "ma", "wa"]
CRITERIA = ["attorney-fees", "failure-to-intervene", "no-damages-caps"]
USERS = [900_000_000_000_000_000 + n for n in range(200)]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50": pick(0.50), "p90": pick(0.90), "p99": pick(0.99), "mean": statistics.fmean(ordered) * 1000}


async def drive(fake: FakeDiscord, n: int) -> dict[str, object]:
    """Sequential commands, sequential autocompletes, then a concurrent burst."""

    async def command(i: int):
        if i % 2:
            return await fake.inject_command(
                "state", {"jurisdiction": JURISDICTIONS[i % len(JURISDICTIONS)]}, user=USERS[i % len(USERS)]
            )
        return await fake.inject_command(
            "criterion", {"criterion": CRITERIA[i % len(CRITERIA)]}, user=USERS[i % len(USERS)]
        )

    for i in range(50):  # warm-up
        await (await command(i)).wait_response(10)
    latencies = []
    for i in range(n):
        handle = await command(i)
        await handle.wait_response(10)
        latencies.append(handle.latency)
    completes = []
    for i in range(n):
        handle = await fake.inject_autocomplete("state", {"jurisdiction": ["co", "new", "conn", "tex", ""][i % 5]})
        await handle.wait_response(10)
        completes.append(handle.latency)
    return {"commands": percentiles(latencies), "autocomplete": percentiles(completes)}


async def burst(fake: FakeDiscord, n: int) -> float:
    start = time.perf_counter()
    handles = await asyncio.gather(
        *(
            fake.inject_command(
                "state", {"jurisdiction": JURISDICTIONS[i % len(JURISDICTIONS)]}, user=USERS[i % len(USERS)]
            )
            for i in range(n)
        )
    )
    await asyncio.gather(*(h.wait_response(60) for h in handles))
    return time.perf_counter() - start


async def measure(label: str, n: int, *args: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as data:
        async with FakeDiscord(token=TOKEN, interaction_timeout=120) as fake:
            env = bot_env(fake, Path(data), QIBOT_LOG_LEVEL="WARNING", QIBOT_DEFER_AFTER_SECONDS="2.5")
            bot = await BotProcess.start(env, *args)
            try:
                await fake.wait_ready(60)
                await bot.wait_ready(60)
                pid = bot.proc.pid
                result: dict[str, object] = {"rss_start": rss_mib(pid)}
                result |= await drive(fake, n)
                result["rss_after_sequential"] = rss_mib(pid)
                result["burst_wall_s"] = await burst(fake, n)
                result["rss_after_burst"] = rss_mib(pid)
            finally:
                await bot.stop()
    print(f"  measured {label}", file=sys.stderr)
    return result


def flatten(result: dict[str, object]) -> dict[str, float]:
    flat = {}
    for key, value in result.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{k}": v for k, v in value.items()})
        else:
            flat[key] = float(value)  # type: ignore[arg-type]
    return flat


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "qibot": []}
    for _ in range(args.rounds):  # alternate, so drift on a noisy machine hits both alike
        runs["baseline"].append(flatten(await measure("baseline", args.n, str(ROOT / "bench" / "baseline_bot.py"))))
        runs["qibot"].append(flatten(await measure("qibot", args.n, "run")))
    baseline, qibot = ({k: statistics.median(r[k] for r in runs[name]) for k in runs[name][0]} for name in runs)
    print(f"median of {args.rounds} alternating rounds, n={args.n}")
    rows = []
    print(f"{'figure':32} {'baseline':>10} {'qibot':>10} {'ratio':>7}")
    for key in baseline:
        ratio = qibot[key] / baseline[key] if baseline[key] else float("nan")
        unit = "ms" if key.startswith(("commands", "autocomplete")) else ("s" if key.endswith("_s") else "MiB")
        rows.append({"figure": key, "unit": unit, "baseline": baseline[key], "qibot": qibot[key], "ratio": ratio})
        print(f"{key + ' (' + unit + ')':32} {baseline[key]:10.2f} {qibot[key]:10.2f} {ratio:6.2f}x")
    p99 = qibot["commands_p99"] / baseline["commands_p99"]
    rss = qibot["rss_after_burst"] / baseline["rss_after_burst"]
    print(f"targets: p99 ratio {p99:.2f} (<= 1.5), RSS ratio {rss:.2f} (<= 2.0)")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps({"n": args.n, "rounds": args.rounds, "rows": rows, "p99_ratio": p99, "rss_ratio": rss}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
