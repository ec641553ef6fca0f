"""Tile-map render timing: cold (cache cleared) versus cached, for the total map and one criterion.

Run: .venv/bin/python bench/map_bench.py
"""

from __future__ import annotations

import sys
import time

from bot.kb.loader import load_knowledge
from bot.render.tilemap import clear_cache, render_map
from bot.replies.responder import templates_for

EN = templates_for("en")

CACHED_RUNS = 1000


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def main() -> int:
    kb = load_knowledge()
    for criterion in (None, "attorney-fees"):
        clear_cache()
        start = time.perf_counter()
        render_map(kb, criterion, EN)
        cold = _ms(start)
        start = time.perf_counter()
        for _ in range(CACHED_RUNS):
            render_map(kb, criterion, EN)
        cached = _ms(start) / CACHED_RUNS
        name = criterion or "total score"
        print(f"{name:<14} cold {cold:8.2f} ms   cached {cached:8.4f} ms   cached/cold {cached / cold:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
