"""Schedule times: local wall-clock times in an IANA zone, turned into UTC run times across DST."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPEATS = ("once", "daily", "weekly")
STEP = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(weeks=1)}
FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %I:%M %p", "%Y-%m-%d %I:%M%p", "%Y-%m-%d")


class BadTime(ValueError):
    """A time or time zone the organizer typed that cannot be used; the message says how to fix it."""


def zone(name: str) -> ZoneInfo:
    """An IANA time zone such as America/New_York."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise BadTime(
            f"“{name[:60]}” is not a time zone name; use one like America/New_York or Europe/Madrid"
        ) from None


def parse_local(text: str) -> dt.datetime:
    """ "2026-12-01 18:00" (or with T, or 6:00 PM) as a naive local date-time."""
    cleaned = " ".join(text.strip().split())
    for fmt in FORMATS:
        try:
            return dt.datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    raise BadTime(f"“{text[:60]}” is not a date and time; write it like 2026-12-01 18:00")


def to_utc(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Local wall-clock time to UTC. A time skipped by a DST jump (02:30 on a spring-forward night)
    moves forward by the gap; a repeated time (01:30 on a fall-back night) means its first occurrence.
    Both follow from fold=0 (PEP 495)."""
    return local.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)


def occurrences(first_local: dt.datetime, tz: ZoneInfo, repeat: str) -> Iterator[dt.datetime]:
    """UTC run times: the same local wall-clock time every day or week, whatever the UTC offset."""
    if repeat not in REPEATS:
        raise BadTime(f"repeat must be one of {', '.join(REPEATS)}")
    local = first_local
    while True:
        yield to_utc(local, tz)
        if repeat == "once":
            return
        local = local + STEP[repeat]


def _start_near(first_local: dt.datetime, tz: ZoneInfo, repeat: str, moment: dt.datetime) -> dt.datetime:
    """A local start at most one step before ``moment``, so callers need not walk every day since the start."""
    if repeat == "once":
        return first_local
    start_utc = to_utc(first_local, tz)
    skipped = (moment - start_utc) // STEP[repeat] - 1 if moment > start_utc else 0
    return first_local + STEP[repeat] * skipped if skipped > 0 else first_local


def next_after(first_local: dt.datetime, tz: ZoneInfo, repeat: str, after: dt.datetime) -> dt.datetime | None:
    """The first run strictly after ``after`` (UTC), or None when a one-off run has passed."""
    for run in occurrences(_start_near(first_local, tz, repeat, after), tz, repeat):
        if run > after:
            return run
    return None


def latest_at_or_before(first_local: dt.datetime, tz: ZoneInfo, repeat: str, now: dt.datetime) -> dt.datetime | None:
    """The most recent scheduled run at or before ``now`` (UTC)."""
    previous = None
    for run in occurrences(_start_near(first_local, tz, repeat, now), tz, repeat):
        if run > now:
            break
        previous = run
    return previous


def upcoming(
    first_local: dt.datetime, tz: ZoneInfo, repeat: str, now: dt.datetime, count: int = 3
) -> list[dt.datetime]:
    """The next ``count`` runs after ``now`` (fewer for a one-off)."""
    runs: list[dt.datetime] = []
    after = now
    while len(runs) < count:
        run = next_after(first_local, tz, repeat, after)
        if run is None:
            break
        runs.append(run)
        after = run
    return runs
