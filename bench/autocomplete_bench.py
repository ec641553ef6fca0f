"""Autocomplete with a 10× knowledge base: p50/p99 of ``Index.complete`` in-process, and the reply caches.

The synthetic knowledge base is the real one, loaded and validated, with each jurisdiction copied nine
more times in memory under a new id, name, postal code and aliases ("Connecticut 3", "CT3", "Conn. 3").
Queries are what members type: prefixes of names and aliases one keystroke at a time, mid-word
fragments, typos and empty input. Baseline: the real (1×) knowledge base, same queries, same run.
Printed: p50/p99 per round for both, the 10× figure as a ratio to 1× (median, [min-max] over rounds),
and the reply cache's size against the replies a knowledge base has.

Run: .venv/bin/python bench/autocomplete_bench.py [--copies 10] [--rounds 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.kb.loader import DEFAULT_ROOT, load_knowledge  # noqa: E402
from bot.kb.snapshot import KnowledgeBase  # noqa: E402
from bot.replies.responder import Responder, reply_cache_size  # noqa: E402
from bot.runtime import tune_gc  # noqa: E402


def make_copies(kb: KnowledgeBase, copies: int) -> KnowledgeBase:
    """The knowledge base with each jurisdiction repeated ``copies`` times under a new id, name, postal code,
    AP abbreviation and aliases ("Connecticut 3", "CT3", "Conn. 3")."""
    jurisdictions = dict(kb.jurisdictions)
    for k in range(2, copies + 1):
        for j in kb.jurisdictions.values():
            jurisdictions[f"{j.id}-{k}"] = dataclasses.replace(
                j, id=f"{j.id}-{k}", name=f"{j.name} {k}", postal=f"{j.postal}{k}",
                ap_style=f"{j.ap_style} {k}" if j.ap_style else None, aliases=[f"{a} {k}" for a in j.aliases],
            )  # fmt: skip
    return dataclasses.replace(kb, jurisdictions=jurisdictions, version=f"{kb.version}x{copies}", files={},
                               digests={})  # fmt: skip


def queries(kb: KnowledgeBase, n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    names = [j.name for j in kb.jurisdictions.values()] + [j.postal for j in kb.jurisdictions.values()]
    out: list[str] = []
    while len(out) < n:
        name = rng.choice(names).lower()
        kind = rng.random()
        if kind < 0.6:  # typing one keystroke at a time
            out.extend(name[:i] for i in range(1, len(name) + 1))
        elif kind < 0.8:  # a fragment from inside a word
            i = rng.randrange(max(1, len(name) - 3))
            out.append(name[i : i + 3])
        elif kind < 0.95:  # a typo
            i = rng.randrange(len(name))
            out.append(name[:i] + "x" + name[i + 1 :])
        else:
            out.append("")
    return out[:n]


def timings(kb: KnowledgeBase, qs: list[str]) -> tuple[float, float]:
    index = kb.jurisdiction_index
    samples = []
    for q in qs:
        start = time.perf_counter()
        index.complete(q, 25)
        samples.append(time.perf_counter() - start)
    samples.sort()
    return samples[len(samples) // 2] * 1000, samples[int(len(samples) * 0.99)] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--queries", type=int, default=5000)
    args = parser.parse_args()
    base = load_knowledge(DEFAULT_ROOT)
    big = make_copies(base, args.copies)
    tune_gc()  # as the bot runs
    keys = lambda kb: len(kb.jurisdiction_index._by_key)  # noqa: E731
    print(f"1×: {len(base.jurisdictions)} jurisdictions, {keys(base)} keys; "
          f"{args.copies}×: {len(big.jurisdictions)} jurisdictions, {keys(big)} keys")
    q_base, q_big = queries(base, args.queries), queries(big, args.queries)
    timings(base, q_base[:500]), timings(big, q_big[:500])  # warm up
    p50s, p99s, big99 = [], [], []
    for r in range(args.rounds):
        b50, b99 = timings(base, q_base)
        g50, g99 = timings(big, q_big)
        p50s.append(g50 / b50)
        p99s.append(g99 / b99)
        big99.append(g99)
        print(f"round {r + 1}: 1× p50 {b50:.3f} ms p99 {b99:.3f} ms; {args.copies}× p50 {g50:.3f} ms p99 {g99:.3f} ms")
    spread = lambda xs: f"{statistics.median(xs):.2f}× [{min(xs):.2f}–{max(xs):.2f}]"  # noqa: E731
    print(f"{args.copies}× / 1×: p50 {spread(p50s)}, p99 {spread(p99s)}; {args.copies}× p99 "
          f"{statistics.median(big99):.3f} ms [{min(big99):.3f}–{max(big99):.3f}] (target ≤ 1 ms)")
    for kb, label in ((base, "1×"), (big, f"{args.copies}×")):
        responder = Responder(lambda kb=kb: kb)
        built = responder.warm()
        print(f"{label}: reply cache holds {reply_cache_size(kb)} (was a fixed 512); warm() built {built} replies, "
              f"{len(responder._cache)} cached")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
