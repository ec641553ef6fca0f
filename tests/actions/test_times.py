"""Schedule times across time zones and DST changes."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.store import times

NY = times.zone("America/New_York")
MADRID = times.zone("Europe/Madrid")
UTC = dt.UTC


def test_daily_keeps_local_wall_clock_time_across_spring_forward() -> None:
    runs = times.upcoming(times.parse_local("2026-03-06 18:00"), NY, "daily", dt.datetime(2026, 3, 6, tzinfo=UTC), 4)
    assert [r.astimezone(NY).strftime("%m-%d %H:%M %Z") for r in runs] == [
        "03-06 18:00 EST",
        "03-07 18:00 EST",
        "03-08 18:00 EDT",
        "03-09 18:00 EDT",
    ]
    assert [r.hour for r in runs] == [23, 23, 22, 22]


def test_daily_across_fall_back() -> None:
    runs = times.upcoming(times.parse_local("2026-10-31 09:30"), NY, "daily", dt.datetime(2026, 10, 31, tzinfo=UTC), 2)
    assert [r.astimezone(NY).strftime("%H:%M %Z") for r in runs] == ["09:30 EDT", "09:30 EST"]


def test_time_skipped_by_spring_forward_moves_forward() -> None:
    run = times.to_utc(times.parse_local("2026-03-08 02:30"), NY)
    assert run.astimezone(NY).strftime("%H:%M %Z") == "03:30 EDT"


def test_repeated_time_on_fall_back_is_the_first() -> None:
    run = times.to_utc(times.parse_local("2026-11-01 01:30"), NY)
    assert run == dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_europe_changes_on_its_own_date() -> None:
    runs = times.upcoming(
        times.parse_local("2026-03-28 12:00"), MADRID, "daily", dt.datetime(2026, 3, 28, tzinfo=UTC), 2
    )
    assert [r.hour for r in runs] == [11, 10]


def test_weekly_and_once() -> None:
    first = times.parse_local("2026-01-05 08:00")
    weekly = times.upcoming(first, NY, "weekly", dt.datetime(2026, 1, 1, tzinfo=UTC), 3)
    assert [(r - weekly[0]).days for r in weekly] == [0, 7, 14]
    once = times.upcoming(first, NY, "once", dt.datetime(2026, 1, 1, tzinfo=UTC), 3)
    assert len(once) == 1
    assert times.upcoming(first, NY, "once", dt.datetime(2026, 2, 1, tzinfo=UTC), 3) == []


def test_latest_and_next_far_from_the_start() -> None:
    first = times.parse_local("2020-01-01 18:00")
    now = dt.datetime(2026, 7, 4, 23, 30, tzinfo=UTC)  # 19:30 EDT
    latest = times.latest_at_or_before(first, NY, "daily", now)
    following = times.next_after(first, NY, "daily", now)
    assert latest == dt.datetime(2026, 7, 4, 22, 0, tzinfo=UTC)
    assert following == dt.datetime(2026, 7, 5, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-12-01 18:00", "2026-12-01T18:00", "2026-12-01 6:00 PM", "2026-12-01  18:00"])
def test_parse_local_formats(text: str) -> None:
    assert times.parse_local(text) == dt.datetime(2026, 12, 1, 18, 0)


def test_bad_input_is_explained() -> None:
    with pytest.raises(times.BadTime, match="2026-12-01 18:00"):
        times.parse_local("next tuesday")
    with pytest.raises(times.BadTime, match="America/New_York"):
        times.zone("Eastern")
    with pytest.raises(times.BadTime, match="repeat"):
        next(times.occurrences(dt.datetime(2026, 1, 1), NY, "hourly"))
