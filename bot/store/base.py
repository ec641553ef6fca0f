"""What every store module shares: its errors and UTC time helpers."""

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
def aware(value: dt.datetime) -> dt.datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value
