"""`qibot people build PATH`: trim a checkout of openstates/people (CC0) into knowledge/people/.

Reads, per state and DC, ``data/<st>/legislature/*.yml`` (one file per person) and ``data/<st>/committees/*.yml``;
keeps each current seat-holder (a legislative role with no end date, or one after the as-of date, that has
started) with the fields the bot shows, and the judiciary and public-safety committees (by name, see
:data:`COMMITTEE_INCLUDE`). Everything is checked before anything is written: a bad record stops the build
with one line naming its file and Open States id.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.kb.us import JURISDICTIONS
from bot.people.checks import EMAIL, PHONE, URL, PeopleDataInvalid, natural_key, record_problem
from bot.people.directory import DEFAULT_PEOPLE_ROOT, META, SNAPSHOT
from bot.people.model import CHAMBERS

SOURCE_REPO = "https://github.com/openstates/people"
LICENSE = "CC0-1.0"
LICENSE_URL = "https://creativecommons.org/publicdomain/zero/1.0/"
COMMITTEES = "committees.json"
CHAMBER_SIZES = "chambers.yaml"
CORRECTIONS = "corrections.yaml"
CORRECTABLE = ("email", "phone", "website")

# The 50 states and DC (Open States' folder names). NYC's council and Puerto Rico are not in scope of the data.
STATES = tuple(sorted(set(JURISDICTIONS) - {"nyc"}))

# Committees kept: judiciary, courts, criminal justice, corrections, law enforcement and public safety — the ones
# that hear qualified-immunity and policing bills. A name matching COMMITTEE_EXCLUDE is dropped (budget
# subcommittees, award panels, the journal's "Correction and Revision"). Subcommittees are dropped too.
COMMITTEE_INCLUDE = re.compile(
    r"\b(judiciary|judicial proceedings|courts? of justice|criminal justice|criminal jurisprudence|"
    r"civil jurisprudence|public safety|law enforcement|corrections|policing|police|law and justice|"
    r"justice system|crime)\b",
    re.IGNORECASE,
)
COMMITTEE_EXCLUDE = re.compile(r"\b(appropriations|budget|medal of honor|revision of the journal)\b", re.IGNORECASE)

_NAME_LINE = re.compile(r"^name: *(.*(?:\n[ \t]+.*)*)", re.MULTILINE)  # with its continuation lines
COMMITTEE_KEYS = frozenset({"id", "name", "classification", "parent", "chamber", "members"})
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Built:
    """What a build produced, before or after writing."""

    legislators: list[dict[str, Any]]
    committees: list[dict[str, Any]]
    meta: dict[str, Any]


def _fail(rel: str, who: str | None, problem: str) -> PeopleDataInvalid:
    return PeopleDataInvalid(f"{rel}{f' ({who})' if who else ''}: {problem}")


_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):", re.MULTILINE)
PERSON_KEYS = frozenset({"id", "name", "email", "party", "roles", "offices", "links"})


def only_keys(text: str, keys: frozenset[str]) -> str:
    """The YAML text of just these top-level keys (a person file's sources, other names and extras are most of
    its bytes and parse time). A top-level key starts a line; everything up to the next one belongs to it."""
    starts = [(m.start(), m.group(1)) for m in _TOP_KEY.finditer(text)]
    if not starts or starts[0][0] != 0:
        return text  # something unusual at the top: parse it all and let YAML judge
    ends = [pos for pos, _ in starts[1:]] + [len(text)]
    return "".join(text[pos:end] for (pos, key), end in zip(starts, ends, strict=True) if key in keys)


def _read_yaml(path: Path, rel: str, keys: frozenset[str] | None = None) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(only_keys(text, keys) if keys else text, Loader=_LOADER)  # a safe loader (C or Python)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _fail(rel, None, f"not readable YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict):
        raise _fail(rel, None, "expected a mapping at the top")
    return data


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _current(entries: Any, as_of: dt.date, rel: str, who: str, what: str) -> Iterator[dict[str, Any]]:
    """Entries of a list (roles, parties) in force on ``as_of``."""
    if entries is None:
        return
    if not isinstance(entries, list):
        raise _fail(rel, who, f"{what} must be a list")
    for entry in entries:
        if not isinstance(entry, dict):
            raise _fail(rel, who, f"each of {what} must be a mapping")
        for key in ("start_date", "end_date"):
            if entry.get(key) not in (None, "") and _as_date(entry.get(key)) is None:
                raise _fail(rel, who, f"{what}: {key} {entry.get(key)!r} is not a date (YYYY-MM-DD)")
        start, end = _as_date(entry.get("start_date")), _as_date(entry.get("end_date"))
        if (start is None or start <= as_of) and (end is None or end > as_of):
            yield entry


def read_committees(data: Path, state: str) -> list[dict[str, Any]]:
    """The state's kept committees: id, state, chamber, name, members (Open States person ids)."""
    kept: list[dict[str, Any]] = []
    for path in sorted((data / state / "committees").glob("*.yml")):
        rel = str(path.relative_to(data.parent))
        head = _NAME_LINE.search(path.read_text(encoding="utf-8", errors="replace"))
        if head and not COMMITTEE_INCLUDE.search(head.group(1)):
            continue  # not a committee we keep: no need to parse it
        raw = _read_yaml(path, rel, COMMITTEE_KEYS)
        name, cid = raw.get("name"), raw.get("id")
        if not isinstance(name, str) or not isinstance(cid, str):
            raise _fail(rel, cid if isinstance(cid, str) else None, "a committee needs an id and a name")
        if raw.get("classification", "committee") != "committee" or raw.get("parent"):
            continue
        if not COMMITTEE_INCLUDE.search(name) or COMMITTEE_EXCLUDE.search(name):
            continue
        chamber = raw.get("chamber")
        if chamber not in CHAMBERS:
            raise _fail(rel, cid, f"chamber {chamber!r} is not one of {', '.join(CHAMBERS)}")
        members = raw.get("members") or []
        if not isinstance(members, list):
            raise _fail(rel, cid, "members must be a list")
        ids = sorted({m["person_id"] for m in members if isinstance(m, dict) and isinstance(m.get("person_id"), str)})
        kept.append({"id": cid, "state": state, "chamber": chamber, "name": " ".join(name.split()), "members": ids})
    return kept


def _capitol_phone(offices: Any) -> str | None:
    if not isinstance(offices, list):
        return None
    for office in offices:
        if isinstance(office, dict) and office.get("classification") == "capitol" and office.get("voice"):
            return " ".join(str(office["voice"]).split())
    return None


def _website(links: Any) -> str | None:
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and isinstance(link.get("url"), str) and link["url"].strip():
            return str(link["url"]).strip()
    return None


@dataclass
class Correction:
    """A field fixed on top of the source (knowledge/people/corrections.yaml)."""

    id: str
    field: str
    was: str | None
    use: str | None
    applied: bool = False


def load_corrections(path: Path) -> dict[tuple[str, str], Correction]:
    """(Open States id, field) -> correction; a malformed file is one line naming the entry."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: dict[tuple[str, str], Correction] = {}
    for n, entry in enumerate(data.get("corrections") or []):
        if not isinstance(entry, dict) or entry.get("field") not in CORRECTABLE or not entry.get("why"):
            raise PeopleDataInvalid(f"{path.name}: entry {n + 1} needs id, field ({'/'.join(CORRECTABLE)}), was, why")
        found[(str(entry["id"]), entry["field"])] = Correction(str(entry["id"]), entry["field"], entry.get("was"),
                                                                entry.get("use"))  # fmt: skip
    return found


def _correct(pid: str, values: dict[str, str | None], corrections: dict[tuple[str, str], Correction]) -> None:
    for key in CORRECTABLE:
        fix = corrections.get((pid, key))
        if fix is not None and values.get(key) == fix.was:
            values[key] = fix.use
            fix.applied = True


def read_person(
    path: Path, rel: str, state: str, as_of: dt.date, corrections: dict[tuple[str, str], Correction] | None = None
) -> list[dict[str, Any]]:
    """The trimmed seat(s) one person file holds on ``as_of`` (usually one, none for someone between terms)."""
    raw = _read_yaml(path, rel, PERSON_KEYS)
    pid, name = raw.get("id"), raw.get("name")
    who = pid if isinstance(pid, str) else None
    if not isinstance(pid, str) or not pid.startswith("ocd-person/"):
        raise _fail(rel, who, "missing or malformed id (expected ocd-person/…)")
    if not isinstance(name, str) or not name.strip():
        raise _fail(rel, who, "missing name")
    roles = [r for r in _current(raw.get("roles"), as_of, rel, pid, "roles") if r.get("type") in CHAMBERS]
    if not roles:
        return []
    parties = list(_current(raw.get("party"), as_of, rel, pid, "party"))
    party = parties[0].get("name") if parties else None
    values: dict[str, Any] = {
        "email": raw.get("email"), "phone": _capitol_phone(raw.get("offices")), "website": _website(raw.get("links"))
    }  # fmt: skip
    _correct(pid, values, corrections or {})
    email, phone, website = values["email"], values["phone"], values["website"]
    for key, value, pattern in (("email", email, EMAIL), ("capitol phone", phone, PHONE), ("link", website, URL)):
        if value is not None and (not isinstance(value, str) or not pattern.match(value.strip())):
            raise _fail(rel, pid, f"malformed {key} {value!r}")
    seats = []
    for role in roles:
        district = role.get("district")
        if not isinstance(district, str | int) or not str(district).strip():
            raise _fail(rel, pid, f"a {role.get('type')} role without a district")
        jurisdiction = str(role.get("jurisdiction", ""))
        if jurisdiction and not re.search(rf"/(state|district):{state}/", jurisdiction):
            raise _fail(rel, pid, f"role jurisdiction {jurisdiction!r} is not {state}")
        row: dict[str, Any] = {
            "id": pid, "name": " ".join(name.split()), "state": state, "chamber": role["type"],
            "district": " ".join(str(district).split()), "party": party if isinstance(party, str) else "",
        }  # fmt: skip
        for key, value in (("email", email), ("phone", phone), ("website", website)):
            if value:
                row[key] = value.strip()
        problem = record_problem(row)
        if problem:
            raise _fail(rel, pid, problem)
        seats.append(row)
    return seats


def load_chamber_sizes(path: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """state -> chamber -> {name, title, seats, districts, max_per_district} (knowledge/people/chambers.yaml)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): v for k, v in data["chambers"].items()}


def git_source(path: Path) -> tuple[str, str] | None:
    """(commit, ISO commit date) of a git checkout, or None when PATH is not one."""
    try:
        out = subprocess.run(
            ["git", "-C", str(path), "log", "-1", "--format=%H %cI"], capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return None
    return (out[0], out[1]) if len(out) == 2 else None


def build(
    source: Path,
    *,
    commit: str,
    commit_date: str,
    as_of: dt.date,
    sizes: dict[str, dict[str, dict[str, Any]]],
    corrections: dict[tuple[str, str], Correction] | None = None,
) -> Built:
    """Read and check everything; raise :class:`PeopleDataInvalid` (one line) at the first problem."""
    data = source / "data" if (source / "data").is_dir() else source
    if not data.is_dir():
        raise PeopleDataInvalid(f"{source}: not a checkout of openstates/people (no data/ folder)")
    legislators: list[dict[str, Any]] = []
    committees: list[dict[str, Any]] = []
    for state in STATES:
        folder = data / state / "legislature"
        if not folder.is_dir():
            raise PeopleDataInvalid(f"data/{state}/legislature: missing (every state and DC must be present)")
        state_committees = read_committees(data, state) if (data / state / "committees").is_dir() else []
        on: dict[str, list[str]] = {}
        for committee in state_committees:
            for pid in committee["members"]:
                on.setdefault(pid, []).append(committee["name"])
        committees.extend(state_committees)
        seats: Counter[tuple[str, str]] = Counter()
        for path in sorted(folder.glob("*.yml")):
            rel = str(path.relative_to(data.parent))
            for row in read_person(path, rel, state, as_of, corrections):
                limits = sizes.get(state, {}).get(row["chamber"])
                if limits is None:
                    raise _fail(rel, row["id"], f"{state} has no {row['chamber']} chamber in {CHAMBER_SIZES}")
                seat = (row["chamber"], row["district"].casefold())
                seats[seat] += 1
                if seats[seat] > int(limits["max_per_district"]):
                    raise _fail(
                        rel, row["id"],
                        f"{state} {row['chamber']} district {row['district']} has more members than its "
                        f"{limits['max_per_district']} seat(s): a duplicate or a role that should have ended",
                    )  # fmt: skip
                row["committees"] = sorted(set(on.get(row["id"], [])))
                legislators.append(row)
        for chamber, limits in sizes.get(state, {}).items():
            held = sum(n for (c, _), n in seats.items() if c == chamber)
            if held > int(limits["seats"]):
                raise PeopleDataInvalid(f"data/{state}/legislature: {held} {chamber} members, {limits['seats']} seats")
    legislators.sort(key=lambda r: (r["state"], r["chamber"], natural_key(r["district"]), r["name"], r["id"]))
    committees.sort(key=lambda c: (c["state"], c["chamber"], c["name"], c["id"]))
    by_state = Counter(r["state"] for r in legislators)
    meta = {
        "source": SOURCE_REPO,
        "commit": commit,
        "commit_date": commit_date,
        "as_of": as_of.isoformat(),
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "corrections": sum(1 for c in (corrections or {}).values() if c.applied),
        "counts": {
            "legislators": len(legislators),
            "states": len(by_state),
            "judiciary_members": sum(1 for r in legislators if r["committees"]),
            "committees": len(committees),
            "by_state": dict(sorted(by_state.items())),
        },
    }
    return Built(legislators, committees, meta)


def snapshot_bytes(legislators: list[dict[str, Any]]) -> bytes:
    """The gzipped snapshot, byte-for-byte the same for the same records (no name or time in the header)."""
    body = json.dumps({"format": 1, "legislators": legislators}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()  # fmt: skip
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(body)
    return buffer.getvalue()


def _write_atomic(path: Path, payload: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the bot may run as another user (a bind mount)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_bytes(value: Any, *, indent: int) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=True) + "\n").encode()


def write(built: Built, out: Path) -> dict[str, int]:
    """Write the three files (each atomically) and return their sizes in bytes."""
    out.mkdir(parents=True, exist_ok=True)
    payloads = {
        SNAPSHOT: snapshot_bytes(built.legislators),
        COMMITTEES: _json_bytes({"committees": built.committees}, indent=1),
        META: _json_bytes(built.meta, indent=2),
    }
    for name, payload in payloads.items():
        _write_atomic(out / name, payload)
    return {name: len(payload) for name, payload in payloads.items()}


def run(
    source: Path,
    *,
    out: Path | None = None,
    commit: str | None = None,
    commit_date: str | None = None,
    as_of: dt.date | None = None,
) -> tuple[Built, dict[str, int], list[str]]:
    """Build from ``source`` and write into ``out`` (knowledge/people/); nothing is written on an error.

    Returns what was built, the files' sizes, and the corrections the source no longer needs."""
    out = out or DEFAULT_PEOPLE_ROOT
    found = git_source(source)
    commit = commit or (found[0] if found else None)
    commit_date = commit_date or (found[1] if found else None)
    if not commit or not commit_date:
        raise PeopleDataInvalid(f"{source}: not a git checkout; pass --commit and --commit-date of the source")
    if not re.fullmatch(r"[0-9a-f]{40}", commit):
        raise PeopleDataInvalid(f"--commit {commit!r} is not a 40-character git commit hash")
    sizes_file = out / CHAMBER_SIZES if (out / CHAMBER_SIZES).exists() else DEFAULT_PEOPLE_ROOT / CHAMBER_SIZES
    sizes = load_chamber_sizes(sizes_file)
    corrections = load_corrections(sizes_file.parent / CORRECTIONS)
    built = build(source, commit=commit, commit_date=commit_date, as_of=as_of or dt.date.today(), sizes=sizes,
                  corrections=corrections)  # fmt: skip
    stale = [f"{c.id} {c.field}" for c in corrections.values() if not c.applied]
    return built, write(built, out), stale
