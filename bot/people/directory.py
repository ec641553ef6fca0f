"""The shipped legislator snapshot (knowledge/people/), loaded once and looked up by state, chamber and district."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml

from bot.people.checks import URL, PeopleDataInvalid, natural_key, record_problem
from bot.people.model import CHAMBERS, Chamber, Legislator

DEFAULT_PEOPLE_ROOT = Path(__file__).resolve().parents[2] / "knowledge" / "people"
SNAPSHOT = "legislators.json.gz"
META = "meta.json"
FIND_PAGES = "find-my-legislator.yaml"


@dataclass(frozen=True)
class FindPage:
    """A "find my legislator" page: its URL, whether it is the body's own (official) and the body's name."""

    url: str
    official: bool
    name: str = ""
    part_of: str = ""  # the state whose legislators also represent this body's residents (nyc: ny)


def district_key(district: str) -> str:
    """Districts compare case- and space-insensitively ("1st  franklin" finds "1st Franklin")."""
    return " ".join(district.casefold().split())


class Directory:
    """Current seat-holders by state, chamber and district, plus each legislature's own lookup page."""

    def __init__(
        self,
        legislators: list[Legislator],
        *,
        find_pages: dict[str, FindPage] | None = None,
        not_covered: dict[str, FindPage] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self._seats: dict[tuple[str, Chamber, str], list[Legislator]] = defaultdict(list)
        self._districts: dict[tuple[str, Chamber], list[str]] = defaultdict(list)
        for person in sorted(legislators, key=lambda p: (p.state, p.chamber, natural_key(p.district), p.name, p.id)):
            seat = self._seats[(person.state, person.chamber, district_key(person.district))]
            if not seat:
                self._districts[(person.state, person.chamber)].append(person.district)
            seat.append(person)
        self._count = len(legislators)
        self._find_pages = dict(find_pages or {})
        self._not_covered = dict(not_covered or {})
        self.meta: dict[str, Any] = dict(meta or {})
        self.source_commit: str = str(self.meta.get("commit", ""))
        self.source_date: str = str(self.meta.get("commit_date", ""))

    def __len__(self) -> int:
        return self._count

    def members(self, state: str, chamber: Chamber, district: str) -> list[Legislator]:
        """The seat's current members (several in multi-member districts), or [] if there is no such seat."""
        return list(self._seats.get((state.casefold(), chamber, district_key(district)), ()))

    def districts(self, state: str, chamber: Chamber) -> list[str]:
        """The chamber's districts that have a member, sorted naturally (2 before 10)."""
        return list(self._districts.get((state.casefold(), chamber), ()))

    def chambers(self, state: str) -> list[Chamber]:
        """The state's chambers in the data: upper, lower; or legislature for a unicameral body."""
        state = state.casefold()
        return [c for c in CHAMBERS if (state, c) in self._districts]

    def states(self) -> list[str]:
        """Postal codes (lower case) with at least one seat-holder."""
        return sorted({state for state, _ in self._districts})

    def covered(self, state: str) -> bool:
        """Whether the data holds this state's legislature (nyc: False: the City Council is not in Open States)."""
        return bool(self.chambers(state))

    def find_page(self, state: str) -> FindPage | None:
        """The lookup page for this state's legislature, or for a body the data does not hold (nyc)."""
        state = state.casefold()
        return self._find_pages.get(state) or self._not_covered.get(state)

    def find_my_legislator_url(self, state: str) -> str | None:
        """The legislature's own official "find my legislator" page (or the body's, for one not in the data);
        Open States' address lookup where no official one is confirmed (knowledge/people/find-my-legislator.yaml)."""
        page = self.find_page(state)
        return page.url if page else None

    def not_in_data(self, state: str) -> FindPage | None:
        """A body we know of but the data does not hold (the New York City Council), with its own page."""
        return self._not_covered.get(state.casefold())


def _legislator(row: dict[str, Any]) -> Legislator:
    committees = tuple(cast(list[str], row.get("committees", [])))
    return Legislator(
        id=row["id"], name=row["name"], state=row["state"], chamber=cast(Chamber, row["chamber"]),
        district=row["district"], party=row["party"], email=row.get("email"), phone=row.get("phone"),
        website=row.get("website"), committees=committees, judiciary=bool(committees),
    )  # fmt: skip


def read_snapshot(path: Path) -> list[dict[str, Any]]:
    """The trimmed records of a legislators.json.gz, or :class:`PeopleDataInvalid` naming what is wrong."""
    try:
        with gzip.open(path, "rb") as fh:
            data = json.load(fh)
    except (OSError, ValueError, EOFError) as exc:
        raise PeopleDataInvalid(f"{path.name}: not readable gzipped JSON ({exc})") from exc
    rows = data.get("legislators") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise PeopleDataInvalid(f"{path.name}: no 'legislators' list")
    for n, row in enumerate(rows):
        problem = record_problem(row) if isinstance(row, dict) else "not an object"
        if problem:
            who = row.get("id", f"record {n}") if isinstance(row, dict) else f"record {n}"
            raise PeopleDataInvalid(f"{path.name}: {who}: {problem}")
    return cast(list[dict[str, Any]], rows)


def read_find_pages(path: Path) -> tuple[dict[str, FindPage], dict[str, FindPage]]:
    """(state -> the legislature's find-my-legislator page, body not in the data -> its official page)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PeopleDataInvalid(f"{path.name}: not readable ({exc})") from exc
    if not isinstance(data, dict):
        raise PeopleDataInvalid(f"{path.name}: expected a mapping")
    pages: dict[str, dict[str, FindPage]] = {}
    for section in ("legislatures", "not_in_data"):
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise PeopleDataInvalid(f"{path.name}: {section} must be a mapping")
        pages[section] = {}
        for state, entry in entries.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("official"), bool):
                raise PeopleDataInvalid(f"{path.name}: {section}.{state}: needs url and official: true/false")
            url = entry.get("url")
            if not isinstance(url, str) or not URL.match(url) or not url.startswith("https://"):
                raise PeopleDataInvalid(f"{path.name}: {section}.{state}: the url must be https://…")
            pages[section][str(state).casefold()] = FindPage(
                url, entry["official"], str(entry.get("name", "")), str(entry.get("part_of", ""))
            )
    return pages["legislatures"], pages["not_in_data"]


def read_directory(root: Path) -> Directory:
    """Read and check knowledge/people/ (slow: a few hundred ms; call it off the event loop)."""
    rows = read_snapshot(root / SNAPSHOT)
    find_pages, not_covered = read_find_pages(root / FIND_PAGES)
    try:
        meta = json.loads((root / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PeopleDataInvalid(f"{META}: not readable ({exc})") from exc
    return Directory([_legislator(r) for r in rows], find_pages=find_pages, not_covered=not_covered, meta=meta)


@lru_cache(maxsize=4)
def read_meta(root: Path = DEFAULT_PEOPLE_ROOT) -> dict[str, Any]:
    """meta.json alone (a kilobyte: source commit, date, licence, counts) for /about; {} when missing."""
    try:
        data = json.loads((root / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@lru_cache(maxsize=4)
def _cached(root: Path) -> Directory:
    return read_directory(root)


def people_root(knowledge_path: Path) -> Path:
    """The people folder inside a knowledge folder, or the shipped one when that folder has no snapshot."""
    candidate = knowledge_path / "people"
    return candidate if (candidate / SNAPSHOT).is_file() else DEFAULT_PEOPLE_ROOT


def load_directory(path: Path | None = None) -> Directory:
    """The shipped snapshot, read once per folder and cached. Blocking: the bot calls it via asyncio.to_thread."""
    return _cached((path or DEFAULT_PEOPLE_ROOT).resolve())
