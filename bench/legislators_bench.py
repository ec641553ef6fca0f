"""/legislators: snapshot size, in-process latency against a plain /state lookup, and resident memory with the
snapshot loaded against without it. Prints figures as ratios to a baseline measured in the same run, with the
spread (min-max) over rounds.

Run: .venv/bin/python bench/legislators_bench.py [--rounds 5] [--n 2000]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.kb.loader import load_knowledge  # noqa: E402
from bot.people.directory import DEFAULT_PEOPLE_ROOT, load_directory  # noqa: E402
from bot.replies.responder import Responder  # noqa: E402

STATES = ["ct", "tx", "nh", "ca", "ma", "ny", "dc", "ne"]

RSS_CHILD = """
import gc, json, sys
sys.path.insert(0, {root!r})
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
import discord, bot.discord.app, bot.discord.cogs.legislators  # what the bot process imports
from bot.kb.loader import load_knowledge
from bot.replies.responder import Responder
responder = Responder(lambda: kb)
kb = load_knowledge()
responder.warm()
gc.collect()
before = rss()
if {load!r}:
    directory = responder.load_people()
    responder.legislators("ct", "house", "113")
gc.collect()
print(json.dumps({{"before": before, "after": rss()}}))
"""


def seats(directory) -> list[tuple[str, str, str]]:
    out = []
    for state in STATES:
        for chamber in directory.chambers(state):
            out += [(state, chamber, d) for d in directory.districts(state, chamber)]
    return out


def timed(fn, args_list: list[tuple], n: int) -> list[float]:
    samples = []
    for i in range(n):
        args = args_list[i % len(args_list)]
        start = time.perf_counter()
        fn(*args)
        samples.append(time.perf_counter() - start)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e6


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}x [{min(values):.2f}-{max(values):.2f}]"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()

    snapshot = DEFAULT_PEOPLE_ROOT / "legislators.json.gz"
    raw_json = len(__import__("gzip").decompress(snapshot.read_bytes()))
    print(f"snapshot: {snapshot.stat().st_size:,} bytes gzipped ({raw_json:,} bytes of JSON); "
          f"committees.json {(DEFAULT_PEOPLE_ROOT / 'committees.json').stat().st_size:,} bytes")  # fmt: skip

    started = time.perf_counter()
    kb = load_knowledge()
    directory = load_directory()
    load_s = time.perf_counter() - started
    responder = Responder(lambda: kb, people=lambda: directory)
    responder.warm()
    all_seats = seats(directory)
    states = [(s,) for s in STATES]
    words = {"upper": "senate", "lower": "house", "legislature": "legislature"}
    lookups = [(s, words[c], d) for s, c, d in all_seats]
    print(f"{len(all_seats)} seats in {len(STATES)} states; loading the kb and the directory took {load_s:.2f} s")

    ratios: dict[str, list[float]] = {"cached p50": [], "cached p99": [], "built p50": [], "built p99": []}
    absolute: dict[str, list[float]] = {k: [] for k in ("state p50", "state p99", *ratios)}
    gc.disable()
    try:
        for _ in range(args.rounds):
            base = timed(responder.state, states, args.n)
            for lookup in lookups:  # fill the reply cache: repeat asks for a seat are answered from it
                responder.legislators(*lookup)
            cached = timed(responder.legislators, lookups, args.n)

            def built(state: str, chamber: str, district: str) -> None:
                responder._seats.clear()  # the cold path: every reply built from the directory and the templates
                responder.legislators(state, chamber, district)

            cold = timed(built, lookups, args.n)
            for name, samples in (("cached", cached), ("built", cold)):
                for q, label in ((0.5, "p50"), (0.99, "p99")):
                    ratios[f"{name} {label}"].append(pct(samples, q) / pct(base, q))
                    absolute[f"{name} {label}"].append(pct(samples, q))
            absolute["state p50"].append(pct(base, 0.5))
            absolute["state p99"].append(pct(base, 0.99))
            responder.state("ct")  # keep the baseline cached
    finally:
        gc.enable()
    print(f"\nin-process latency, {args.rounds} rounds of {args.n} (median [min-max] over rounds), "
          "against /state (cached, the baseline):")  # fmt: skip
    print(f"  /state                       p50 {statistics.median(absolute['state p50']):7.1f} us   "
          f"p99 {statistics.median(absolute['state p99']):7.1f} us")  # fmt: skip
    for name in ("cached", "built"):
        p50, p99 = statistics.median(absolute[f"{name} p50"]), statistics.median(absolute[f"{name} p99"])
        print(f"  /legislators ({name:6})        p50 {p50:7.1f} us ({spread(ratios[f'{name} p50'])})   "
              f"p99 {p99:7.1f} us ({spread(ratios[f'{name} p99'])})")  # fmt: skip

    befores, afters = [], []
    for _ in range(3):
        for load in (False, True):
            out = subprocess.run([sys.executable, "-c", RSS_CHILD.format(root=str(ROOT), load=load)],
                                 capture_output=True, text=True, check=True).stdout  # fmt: skip
            figures = json.loads(out.strip().splitlines()[-1])
            (afters if load else befores).append(figures["after"])
    ratio = [a / b for a, b in zip(afters, befores, strict=True)]
    print("\nresident memory of the bot's process (imports, knowledge base, warmed replies), 3 rounds:")
    print(f"  without the snapshot {statistics.median(befores):6.1f} MiB   with it {statistics.median(afters):6.1f} MiB"
          f"   +{statistics.median(afters) - statistics.median(befores):.1f} MiB ({spread(ratio)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
