"""`qibot ask` without loading the knowledge base: answers cached on disk, keyed by everything they depend on.

The first `qibot ask` after any change loads and validates the knowledge base as before, answers, then writes
a cache: the lookup indexes and the text of every state, criterion and glossary answer and of /about and
/help, in every language. Later asks hash the knowledge files, the reply templates and the code, and, when the
hash matches, resolve the query in the cached index and print the cached text: no YAML, no validation, no
pydantic, no Jinja. Anything the cache does not hold (/compare, /map, a query that finds nothing) takes the
full path. A cache that is missing, stale, unreadable or damaged is rebuilt without a word.

The cache lives in ``QIBOT_CACHE_DIR``, else ``$XDG_CACHE_HOME/qibot``, else ``~/.cache/qibot``; it is written
atomically and read only from there, by the user who wrote it (:mod:`bot.picklecache`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import bot
from bot import picklecache
from bot.replies.language import DEFAULT_ROOT as RESPONSES_ROOT
from bot.replies.language import catalogue_language

FORMAT = 1
CACHED_KINDS = {"state": "jurisdiction", "criterion": "criterion", "explain": "term"}
_CODE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    explicit = os.environ.get("QIBOT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qibot"


def fingerprint(root: Path) -> str:
    """A hash of every knowledge file (people data included) and reply template (contents) and of the code
    (sizes and times)."""
    digest = hashlib.blake2b(f"{FORMAT}:{bot.__version__}".encode(), digest_size=16)
    for folder in (root, RESPONSES_ROOT, _CODE.parent / "knowledge" / "people"):
        picklecache.add_files(digest, folder)
    for path in sorted(p for p in _CODE.rglob("*.py") if p.is_file()):
        st = path.stat()
        digest.update(f"{path.relative_to(_CODE)}:{st.st_size}:{st.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _path(root: Path) -> Path:
    where = hashlib.blake2b(str(root.resolve()).encode(), digest_size=8).hexdigest()
    return cache_dir() / f"ask-{where}.pickle"


def _load(root: Path, key: str) -> dict[str, Any] | None:
    data = picklecache.read(_path(root), key)
    return data if isinstance(data, dict) else None


def lookup(root: Path, line: str, locale: str) -> tuple[str, int] | None:
    """The cached answer's text and exit status, or None when the full path must answer."""
    command, _, rest = line.strip().lstrip("/").partition(" ")
    command, rest = command.lower(), rest.strip().strip("\"'")
    if command not in CACHED_KINDS and command not in ("about", "help", ""):
        return None
    if command in CACHED_KINDS and not rest:
        return None
    key = fingerprint(root)
    data = _load(root, key)
    if data is None:
        return None
    lang = catalogue_language(locale)
    if command in ("about", "help", ""):
        return data["answers"].get((command or "help", "", lang))
    found = data["indexes"][CACHED_KINDS[command]].resolve(rest)
    if found.id is None:
        return None
    return data["answers"].get((command, found.id, lang))


def build(root: Path, kb: Any) -> None:
    """Answer everything cacheable from a loaded snapshot and write the cache (errors are ignored: the
    cache only saves time)."""
    from bot.render.text import render_text
    from bot.replies.responder import Responder, languages

    try:
        key = fingerprint(root)
        responder = Responder(lambda: kb)
        answers: dict[tuple[str, str, str], tuple[str, int]] = {}
        for lang in languages():
            for command, what in CACHED_KINDS.items():
                for eid in kb.index(what).entries:
                    reply = getattr(responder, command)(eid, lang)
                    answers[(command, eid, lang)] = (render_text(reply), exit_status(reply))
            for command in ("about", "help"):
                reply = responder.ask(f"/{command}", lang)
                answers[(command, "", lang)] = (render_text(reply), exit_status(reply))
        indexes = {what: kb.index(what) for what in CACHED_KINDS.values()}
        picklecache.write(_path(root), key, {"indexes": indexes, "answers": answers})
    except Exception:
        return


def exit_status(reply: Any) -> int:
    """2 when the answer is a miss or a usage message (as `qibot ask` exits), else 0."""
    return 2 if reply.kind in ("not_found", "usage") and reply.private else 0
