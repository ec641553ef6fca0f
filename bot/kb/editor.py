"""Edit a verdict in its YAML file: validate the whole knowledge base with the change first, keep
every other line, comment and key order (ruamel.yaml round-trip), and write atomically."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.kb.issues import Issue, Severity
from bot.kb.snapshot import KnowledgeBase

if TYPE_CHECKING:  # ruamel.yaml loads on the first edit, not at start-up
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

EDITABLE = ("verdict", "points", "reason", "quote", "source")
DEFAULTS = {"confidence": "medium", "scored_by": "our-reading"}
CITY_IDS = frozenset({"nyc"})
UNKNOWN_NOTE = "Set to unknown from Discord; say here what was searched."


def scope_criteria(root: Path) -> set[str]:
    """Criteria whose "yes" must say which claims it reaches (rubric ``scope_clause``)."""
    import yaml

    rubric = yaml.safe_load((root / "rubric.yaml").read_text(encoding="utf-8")) or {}
    return {c["id"] for c in rubric.get("criteria", []) if c.get("scope_clause")}


class EditConflict(Exception):
    """The file changed since the editor opened it; nothing was written."""


class EditInvalid(Exception):
    """The edit would make the knowledge base invalid; carries the findings."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues[:3]))


@dataclass(frozen=True)
class EditPlan:
    """A validated change, ready to write."""

    path: Path
    jurisdiction: str
    criterion: str
    text_before: str
    text_after: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    kb: KnowledgeBase

    @property
    def sha_before(self) -> str:
        return file_sha(self.text_before)

    @property
    def sha_after(self) -> str:
        return file_sha(self.text_after)


def file_sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _yaml() -> YAML:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap lines the edit did not touch
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def plain(entry: Any) -> dict[str, Any] | None:
    """A verdict entry as plain JSON-able values (dates as ISO strings)."""
    if entry is None:
        return None
    return {
        str(k): (v.isoformat() if isinstance(v, dt.date) else v if isinstance(v, int | float) else str(v))
        for k, v in entry.items()
        if k != "i18n"
    }


def jurisdiction_path(root: Path, jid: str) -> Path:
    return root / "jurisdictions" / f"{jid}.yaml"


def current_sha(root: Path, jid: str) -> str:
    return file_sha(jurisdiction_path(root, jid).read_text(encoding="utf-8"))


def current_entry(root: Path, jid: str, cid: str) -> dict[str, Any] | None:
    doc = _yaml().load(jurisdiction_path(root, jid).read_text(encoding="utf-8"))
    return plain(((doc.get("current_law") or {}).get("verdicts") or {}).get(cid))


def _plan(root: Path, jid: str, cid: str, expected_sha: str | None, change: Callable[[CommentedMap], None]) -> EditPlan:
    path = jurisdiction_path(root, jid)
    text = path.read_text(encoding="utf-8")
    if expected_sha and not file_sha(text).startswith(expected_sha):
        raise EditConflict(f"{jid}.yaml changed since you opened the editor; reopen it to see the new version")
    yaml = _yaml()
    doc = yaml.load(text)
    from ruamel.yaml.comments import CommentedMap

    if doc.get("current_law") is None:
        doc["current_law"] = CommentedMap()
    if doc["current_law"].get("verdicts") is None:
        doc["current_law"]["verdicts"] = CommentedMap()
    verdicts = doc["current_law"]["verdicts"]
    before = plain(verdicts.get(cid))
    change(verdicts)
    after = plain(verdicts.get(cid))
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    new_text = buffer.getvalue()
    from bot.kb.loader import collect  # planning runs in the worker; importing editor must stay light

    kb, issues = collect(root, overrides={path: new_text})
    if kb is None:
        raise EditInvalid([i for i in issues if i.severity is Severity.ERROR])
    return EditPlan(path, jid, cid, text, new_text, before, after, kb)


def plan_edit(
    root: Path, jid: str, cid: str, values: dict[str, Any], *, expected_sha: str | None, today: dt.date | None = None
) -> EditPlan:
    """Set a verdict's editable fields (empty quote removes it); verified_on becomes today."""

    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    def change(verdicts: CommentedMap) -> None:
        entry = verdicts.get(cid)
        if entry is None:
            entry = verdicts[cid] = CommentedMap()
        for position, key in enumerate(EDITABLE):
            value = values.get(key)
            if value in (None, ""):
                entry.pop(key, None)
                continue
            if key == "verdict":
                value = DoubleQuotedScalarString(str(value).strip().lower())
            if key in entry:
                entry[key] = value
            else:  # keep the conventional field order for new keys
                entry.insert(min(position, len(entry)), key, value)
        entry["verified_on"] = today or dt.date.today()
        for key, default in DEFAULTS.items():
            entry.setdefault(key, default)
        if entry.get("verdict") == "unknown":
            entry.setdefault("note", UNKNOWN_NOTE)
        else:
            if entry.get("note") == UNKNOWN_NOTE:
                del entry["note"]
            if entry.get("verdict") in ("yes", "partial") and cid in scope_criteria(root):
                city = jid in CITY_IDS
                entry.setdefault("scope", "city-law-claims" if city else "state-law-claims")

    return _plan(root, jid, cid, expected_sha, change)


def plan_restore(
    root: Path, jid: str, cid: str, restore: dict[str, Any] | None, *, expect: dict[str, Any] | None
) -> EditPlan:
    """Put a verdict entry back as it was (``restore``; None removes it), if it still equals ``expect``."""

    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    def change(verdicts: CommentedMap) -> None:
        if plain(verdicts.get(cid)) != expect:
            raise EditConflict(f"{jid} · {cid} has changed since; revert the later change first")
        if restore is None:
            verdicts.pop(cid, None)
            return
        entry = CommentedMap()
        for key, value in restore.items():
            if key == "verdict":
                entry[key] = DoubleQuotedScalarString(value)
            elif key == "verified_on":
                entry[key] = dt.date.fromisoformat(value)
            else:
                entry[key] = value
        verdicts[cid] = entry

    return _plan(root, jid, cid, None, change)


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, fsync, then rename over the old file.

    A crash at any point leaves either the old file or the new one, never a torn one.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
