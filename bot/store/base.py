"""What every store module shares: its errors and UTC time helpers (reading stored times back)."""

from __future__ import annotations

import datetime as dt
from typing import overload


class StoreUnavailable(Exception):
    """The database cannot be reached or refused the operation; nothing was written."""


class StoreConflict(Exception):
    """The operation conflicts with the current state (e.g. a report already closed)."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@overload
def aware(value: dt.datetime | str) -> dt.datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: dt.datetime | str | None) -> dt.datetime | None:
    """A stored time as an aware UTC datetime: SQLite holds naive UTC text (SQLAlchemy's format,
    ``2026-12-01 18:00:00.000000``), PostgreSQL returns aware datetimes."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def day(value: dt.date | str) -> dt.date:
    """A stored date (SQLite holds ``YYYY-MM-DD`` text)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
