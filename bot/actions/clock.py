"""Clocks for the scheduler: the system clock, or one shifted by an offset read from a file.

The offset clock lets an operator (or an end-to-end test) move a running bot's sense of time
forward, e.g. to see tomorrow's daily post now, without touching the machine's clock.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    """Real UTC time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class OffsetClock:
    """UTC time plus the number of seconds written in ``path`` (0 when the file is missing or empty)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> dt.datetime:
        try:
            offset = float(self.path.read_text().strip() or 0)
        except (OSError, ValueError):
            offset = 0.0
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset)
