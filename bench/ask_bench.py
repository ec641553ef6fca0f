"""`qibot ask "/state CT"` against `python -c "import discord"`, as wall time of a fresh process each.

Alternating rounds in one run: the baseline (importing discord.py in the same interpreter), then `qibot ask`
with its answer cache current (a change to any knowledge file, reply template or code file rebuilds it on
the next ask, whose time is printed apart as the cold figure: load, validate, answer, write the cache).
Printed: each round's times and the ratio (median, [min-max]); target ≤ 1.5×.

Run: .venv/bin/python bench/ask_bench.py [--rounds 7] [--line "/state CT"]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QIBOT = [sys.executable, "-m", "bot"]


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--line", default="/state CT")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "QIBOT_CACHE_DIR": cache}
        cold = timed([*QIBOT, "ask", args.line], env)
        baseline_cold = timed([sys.executable, "-c", "import discord"], env)
        print(f"cold (no cache: load, validate, answer, write the cache): {cold * 1000:.0f} ms, "
              f"{cold / baseline_cold:.2f}× one `import discord`")  # fmt: skip
        ratios, ours, base = [], [], []
        for r in range(args.rounds):
            b = timed([sys.executable, "-c", "import discord"], env)
            q = timed([*QIBOT, "ask", args.line], env)
            base.append(b)
            ours.append(q)
            ratios.append(q / b)
            print(f"round {r + 1}: import discord {b * 1000:.0f} ms, qibot ask {q * 1000:.0f} ms, ratio {q / b:.2f}×")
    print(f"qibot ask {args.line!r}: {statistics.median(ours) * 1000:.0f} ms [{min(ours) * 1000:.0f}–"
          f"{max(ours) * 1000:.0f}], import discord {statistics.median(base) * 1000:.0f} ms; ratio "
          f"{statistics.median(ratios):.2f}× [{min(ratios):.2f}–{max(ratios):.2f}] (target ≤ 1.5×)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
