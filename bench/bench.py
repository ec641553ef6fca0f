"""Latency, deadline and memory benchmark: qibot against a bare discord.py bot, both on the local fake Discord.

Run: .venv/bin/python bench/bench.py [--rounds 3] [--burst 1000] [--n 300] [--load 1] [--quick]

The fake enforces Discord's 3-second interaction deadline (a late callback is rejected with 10062 and counted
as missed). Both bots run at their default log level (qibot: INFO, one line per interaction; the bare bot:
discord.py's default handler). Each round starts each bot afresh on an already migrated database, alternating
bare bot and qibot, and measures in this order:

- start: spawn -> READY line, and RSS right after (``--cold``: without the validated knowledge-base snapshot
  the bot keeps in its data folder, as on the first start after the files changed);
- burst: just after READY, ``--burst`` distinct members send a public ``/state`` at once;
- sequential: ``--n`` commands one after another; autocomplete: ``--n`` autocomplete requests;
- RSS after the burst and at the end (the main process; ``tree`` adds its child processes).

Every figure is printed as a ratio to the bare bot measured in the same round: the median ratio over the rounds
and its spread (min-max). ``--load N`` runs N CPU-bound processes beside, as on a busy shared host.
Results also go to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import TOKEN, BotProcess, bot_env  # noqa: E402
from tests.fakediscord import FakeDiscord  # noqa: E402

DEADLINE = 3.0  # Discord's: the first response must arrive within 3 seconds
JURISDICTIONS = ["ct", "co", "nm", "nyc", "tx", "ca", "ma", "wa"]
CRITERIA = ["attorney-fees", "failure-to-intervene", "no-damages-caps"]
PREFIXES = ["co", "new", "conn", "tex", ""]
BASELINE = str(ROOT / "bench" / "baseline_bot.py")
APPLICATION_ID, GUILD_ID = 700_000_000_000_000_001, 700_000_000_000_000_002
_users = iter(range(900_000_000_000_000_000, 1 << 62))  # every request from a member not seen before


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """Child processes, recursively (render and knowledge-base workers, started from any thread)."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            out += [child, *descendants(child)]
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples) or [float("nan")]
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99)}


async def settle(fake: FakeDiscord, handles: list, timeout: float) -> dict[str, float]:
    """Wait for every handle's callback (or the deadline); count those that missed it. A late callback, which
    the fake rejects, counts with its real latency in the percentiles; one never sent counts as infinite."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(h.wait_response(timeout) for h in handles), return_exceptions=True),
                               timeout + 1)  # fmt: skip
    first_try: dict[str, float] = {}
    for rec in fake.requests:
        if rec.method == "POST" and rec.path.startswith("/interactions/"):
            first_try.setdefault(rec.path.split("/")[2], rec.at)
    latencies = [first_try.get(str(h.id), float("inf")) - h.sent_at for h in handles]
    missed = sum(h.callback is None or latency > DEADLINE for h, latency in zip(handles, latencies, strict=True))
    return {"missed": float(missed), **percentiles(latencies)}


async def burst(fake: FakeDiscord, n: int) -> dict[str, float]:
    """``n`` distinct members send a public /state at once."""
    handles = await asyncio.gather(
        *(
            fake.inject_command("state", {"jurisdiction": JURISDICTIONS[i % len(JURISDICTIONS)]}, user=next(_users))
            for i in range(n)
        )
    )
    return await settle(fake, list(handles), DEADLINE + 2)


async def sequential(fake: FakeDiscord, n: int) -> dict[str, float]:
    handles = []
    for i in range(n):
        if i % 2:
            options, name = {"jurisdiction": JURISDICTIONS[i % len(JURISDICTIONS)]}, "state"
        else:
            options, name = {"criterion": CRITERIA[i % len(CRITERIA)]}, "criterion"
        handle = await fake.inject_command(name, options, user=next(_users))
        with contextlib.suppress(TimeoutError):
            await handle.wait_response(DEADLINE + 2)
        handles.append(handle)
    return await settle(fake, handles, 0.1)


async def autocomplete(fake: FakeDiscord, n: int) -> dict[str, float]:
    handles = []
    for i in range(n):
        handle = await fake.inject_autocomplete("state", {"jurisdiction": PREFIXES[i % len(PREFIXES)]},
                                                user=next(_users))  # fmt: skip
        with contextlib.suppress(TimeoutError):
            await handle.wait_response(DEADLINE + 2)
        handles.append(handle)
    return await settle(fake, handles, 0.1)


def memory(pid: int) -> dict[str, float]:
    main = rss_mib(pid)
    return {"mib": main, "tree_mib": main + sum(rss_mib(c) for c in descendants(pid))}


def same_discord() -> FakeDiscord:
    """A fake with the same application and guild every time (as Discord is across restarts)."""
    return FakeDiscord(token=TOKEN, interaction_timeout=DEADLINE, application_id=APPLICATION_ID, guild_id=GUILD_ID)


async def measure(label: str, data: Path, args: argparse.Namespace, commands: dict) -> dict[str, dict[str, float]]:
    """One bot, one fresh process: start, burst, sequential, autocomplete."""
    async with same_discord() as fake:
        fake.commands = copy.deepcopy(commands)  # what Discord kept from the previous start
        env = bot_env(fake, data)
        env.pop("QIBOT_LOG_LEVEL")  # each bot at its default level
        if args.cold:  # the first start after the knowledge files changed: parse and validate them again
            (data / "kb-snapshot.pickle").unlink(missing_ok=True)
        t0 = time.perf_counter()
        bot = await BotProcess.start(env, *([BASELINE] if label == "bare" else ["run"]))
        try:
            await bot.wait_ready(60)
            await fake.wait_ready(10)
            result = {"start": {"ready_s": time.perf_counter() - t0, "syncs": float(fake.sync_count)}}
            result["rss_start"] = memory(bot.proc.pid)
            result["burst"] = await burst(fake, args.burst)
            result["rss_burst"] = memory(bot.proc.pid)
            await asyncio.sleep(1.0)  # what stays resident once the burst is over
            result["rss_after_burst"] = memory(bot.proc.pid)
            result["sequential"] = await sequential(fake, args.n)
            result["autocomplete"] = await autocomplete(fake, args.n)
            result["rss_end"] = memory(bot.proc.pid)
        finally:
            await bot.stop()
    print(f"  {label}: burst missed {result['burst']['missed']:.0f}, p50 {result['burst']['p50_ms']:.0f} ms",
          file=sys.stderr)  # fmt: skip
    return result


async def prepare(data: Path, label: str) -> dict:
    """Start once so the database is migrated and the commands registered, as on any start but the first;
    returns the commands the fake Discord then holds."""
    async with same_discord() as fake:
        env = bot_env(fake, data)
        bot = await BotProcess.start(env, *([BASELINE] if label == "bare" else ["run"]))
        try:
            await bot.wait_ready(120)
            await fake.wait_synced(30)
        finally:
            await bot.stop()
        return copy.deepcopy(fake.commands)


@contextlib.contextmanager
def cpu_load(processes: int) -> Iterator[None]:
    """``processes`` busy loops beside the benchmark: a loaded, shared host."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def flat(result: dict[str, dict[str, float]]) -> dict[str, float]:
    return {f"{phase}.{key}": value for phase, figures in result.items() for key, value in figures.items()}


def ratio(q: float, b: float) -> float:
    if b == 0:
        return 1.0 if q == 0 else float("inf")
    return q / b


def table(rounds: list[tuple[dict[str, float], dict[str, float]]]) -> list[dict[str, object]]:
    rows = []
    for key in rounds[0][0]:
        bare = [b[key] for b, _ in rounds]
        qi = [q[key] for _, q in rounds]
        ratios = [ratio(q, b) for b, q in zip(bare, qi, strict=True)]
        rows.append({"figure": key, "bare": statistics.median(bare), "qibot": statistics.median(qi),
                     "ratio": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
                     "bare_all": bare, "qibot_all": qi})  # fmt: skip
    return rows


def show(rows: list[dict[str, object]], args: argparse.Namespace) -> None:
    print(f"{len(args.rounds_done)} alternating rounds, burst={args.burst}, n={args.n}, load={args.load}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"{'figure':28} {'bare':>9} {'qibot':>9} {'ratio':>7}  spread      per round (bare / qibot)")
    for row in rows:
        per = "  ".join(f"{b:.0f}/{q:.0f}" for b, q in zip(row["bare_all"], row["qibot_all"], strict=True))  # type: ignore[call-overload]
        if str(row["figure"]).endswith(("missed", "syncs")):
            spread = ""
            shown = f"{row['bare']:9.0f} {row['qibot']:9.0f} {'':7}"
        else:
            spread = f"{row['ratio_min']:.2f}-{row['ratio_max']:.2f}"
            shown = f"{row['bare']:9.2f} {row['qibot']:9.2f} {row['ratio']:6.2f}x"
        print(f"{row['figure']:28} {shown}  {spread:11} {per}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burst", type=int, default=1000, help="distinct members in the burst")
    parser.add_argument("--n", type=int, default=300, help="sequential commands and autocompletes")
    parser.add_argument("--load", type=int, default=0, help="CPU-bound processes running beside")
    parser.add_argument("--quick", action="store_true", help="one round, n=100 (to iterate)")
    parser.add_argument("--only", choices=["bare", "qibot"], help="measure one bot (profiling)")
    parser.add_argument("--cold", action="store_true", help="every qibot start without its validated snapshot")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.n = 1, 100
    args.rounds_done = []
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {label: Path(tmp) / label for label in ("bare", "qibot")}
        commands = {}
        for label, data in dirs.items():
            data.mkdir()
            commands[label] = await prepare(data, label)
        with cpu_load(args.load):
            for _ in range(args.rounds):  # alternate, so drift on a noisy machine hits both alike
                got = {}
                for label in ("bare", "qibot"):
                    if args.only in (None, label):
                        got[label] = flat(await measure(label, dirs[label], args, commands[label]))
                args.rounds_done.append((got.get("bare") or got["qibot"], got.get("qibot") or got["bare"]))
    rows = table(args.rounds_done)
    show(rows, args)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    summary = {"burst": args.burst, "n": args.n, "load": args.load, "rounds": args.rounds, "rows": rows}
    (out / ("latest-load.json" if args.load else "latest.json")).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
