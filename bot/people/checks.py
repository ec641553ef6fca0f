"""Field checks shared by `qibot people build` and the loader of the shipped snapshot."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.people.model import CHAMBERS

EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
# North American numbers as Open States writes them (555-555-5555, (555) 555-5555, +1 …, with an extension).
PHONE = re.compile(r"^(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?$", re.I)
URL = re.compile(r"^https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?(?:[/?#]\S*)?$")

REQUIRED_TEXT = ("id", "name", "state", "district", "party")


class PeopleDataInvalid(Exception):
    """The people data is wrong; the message is one line naming the record."""


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort "2" before "10" and "Belknap 2" before "Belknap 10"."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in re.split(r"(\d+)", text) if p)


def record_problem(row: Mapping[str, Any]) -> str | None:
    """What is wrong with one trimmed legislator record, or None."""
    for key in REQUIRED_TEXT:
        value = row.get(key)
        if not isinstance(value, str) or not value.strip():
            return f"missing or empty {key!r}"
    if not str(row["id"]).startswith("ocd-person/"):
        return f"id {row['id']!r} is not an Open States person id (ocd-person/…)"
    if row.get("chamber") not in CHAMBERS:
        return f"chamber {row.get('chamber')!r} is not one of {', '.join(CHAMBERS)}"
    for key, pattern in (("email", EMAIL), ("phone", PHONE), ("website", URL)):
        value = row.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not pattern.match(value):
            return f"malformed {key} {value!r}"
    committees = row.get("committees", [])
    if not isinstance(committees, list) or not all(isinstance(c, str) and c for c in committees):
        return "committees must be a list of names"
    return None
