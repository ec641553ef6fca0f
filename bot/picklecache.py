"""Private caches on disk: a pickled value stored under a key, read back only if the key matches.

Used for what is slow to rebuild and cheap to check: the validated knowledge-base snapshot the bot starts from,
and `qibot ask`'s answers. A cache only saves time, so every failure (missing, stale, truncated, damaged, from
another version, or not safely ours) reads as "no cache" and the caller rebuilds. Files are written atomically
(temporary file, rename) in a folder only this user may write, and unpickled only if this user owns both the
file and its folder and nobody else may write either: a pickle planted by someone else would run code.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1


def add_files(digest: Any, folder: Path, pattern: str = "*") -> None:
    """Feed ``digest`` (a hashlib object) the path relative to ``folder`` and the bytes of every file there
    matching ``pattern``, in a stable order (nothing under ``.git``): the key of a cache built from them."""
    for path in sorted(p for p in folder.rglob(pattern) if ".git" not in p.parts and p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")


def trusted(path: Path) -> bool:
    """Whether ``path`` and its folder belong to this user and nobody else may write them."""
    if not hasattr(os, "getuid"):
        return True
    for item in (path, path.parent):
        st = item.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o022:
            return False
    return True


def read(path: Path, key: str) -> Any | None:
    """The value stored at ``path`` under ``key``, or None when there is no usable one."""
    try:
        if not trusted(path):
            return None
        with open(path, "rb") as f:
            stored = pickle.load(f)
        if isinstance(stored, dict) and stored.get("format") == FORMAT and stored.get("key") == key:
            return stored["value"]
    except Exception:  # missing, truncated, damaged or written by another version: rebuilt
        return None
    return None


def write(path: Path, key: str, value: Any) -> bool:
    """Store ``value`` under ``key`` atomically; False (and nothing written) if that failed."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump({"format": FORMAT, "key": key, "value": value}, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except Exception:
        return False
    return True
