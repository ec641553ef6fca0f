"""Start-up helpers shared by the command line and the Discord entry point (no discord imports).

The bot starts from a validated snapshot kept on disk when one matches the knowledge files and the code that
validates them; otherwise it loads and validates ``knowledge/`` (YAML, schema, cross-file checks) and keeps the
result for the next start. Validation never gets skipped for content it has not passed: the key hashes every
YAML file's path and bytes and the knowledge-base code, so any change is a miss. The bot validates a miss in a
child process (``python -m bot.boot``), so its own long-running process never loads the validator either.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import bot
from bot import picklecache
from bot.kb.snapshot import KnowledgeBase

_KB_CODE = Path(__file__).resolve().parent / "kb"


def snapshot_key(root: Path) -> str:
    """A hash of every YAML file under ``root`` (path and bytes), the knowledge-base code and pydantic."""
    digest = hashlib.blake2b(f"{bot.__version__}:{metadata.version('pydantic')}".encode(), digest_size=16)
    picklecache.add_files(digest, root, "*.yaml")
    picklecache.add_files(digest, _KB_CODE, "*.py")
    return digest.hexdigest()


def load_or_explain(root: Path, cache: Path | None = None, *, in_child: bool = False) -> KnowledgeBase | None:
    """Load the knowledge base (from ``cache`` when it holds this exact content already validated), or print
    why it is invalid (the bot refuses to start on it). ``in_child``: validate a miss in a child process that
    writes the snapshot, then read it (the child prints the problems of an invalid base itself)."""
    key = snapshot_key(root) if cache is not None else ""
    if cache is not None:
        stored = picklecache.read(cache, key)
        if isinstance(stored, KnowledgeBase):
            return stored
        if in_child:
            child = subprocess.run([sys.executable, "-m", "bot.boot", str(root), str(cache)], check=False)
            if child.returncode != 0:
                return None
            stored = picklecache.read(cache, key)
            if isinstance(stored, KnowledgeBase):
                return stored  # else the folder is not safely ours (or the files changed meanwhile): below
    from bot.kb.issues import KnowledgeBaseInvalid, Severity
    from bot.kb.loader import load_knowledge

    try:
        kb = load_knowledge(root)
    except KnowledgeBaseInvalid as exc:
        errors = [i for i in exc.issues if i.severity is Severity.ERROR]
        print(
            f"qibot: the knowledge base at {root} is invalid ({len(errors)} error(s)); not starting.", file=sys.stderr
        )
        for issue in errors[:20]:
            print(f"  {issue}", file=sys.stderr)
        if len(errors) > 20:
            print(f"  … and {len(errors) - 20} more; run `qibot kb validate {root}`", file=sys.stderr)
        return None
    if cache is not None:
        picklecache.write(cache, key, kb)
    return kb


if __name__ == "__main__":  # python -m bot.boot ROOT CACHE: validate and store the snapshot (exit 1 if invalid)
    sys.exit(0 if load_or_explain(Path(sys.argv[1]), cache=Path(sys.argv[2])) is not None else 1)
