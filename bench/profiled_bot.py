"""`qibot run` with a profiler switched by signals: SIGUSR1 starts cProfile, SIGUSR2 stops it and writes the
stats to $QIBOT_PROFILE_OUT (used by bench/profile_burst.py; never by the bot itself)."""

from __future__ import annotations

import cProfile
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.cli import main

profiler = cProfile.Profile()
signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())
signal.signal(signal.SIGUSR2, lambda *_: (profiler.disable(), profiler.dump_stats(os.environ["QIBOT_PROFILE_OUT"])))
sys.exit(main(["run"]))
