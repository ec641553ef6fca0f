"""Which catalogue answers a Discord locale: the one mapping, light enough for `qibot ask` to import
(no Jinja, no YAML)."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

DEFAULT_ROOT = Path(os.environ.get("QIBOT_RESPONSES_PATH") or Path(__file__).resolve().parents[2] / "responses")
DEFAULT_LOCALE = "en"
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def language_of(locale: str) -> str:
    """A Discord locale's language code: "es-ES" -> "es", "en-US" -> "en"."""
    return (locale or DEFAULT_LOCALE)[:16].split("-")[0].lower()


@lru_cache(maxsize=64)
def catalogue_language(locale: str) -> str:
    """The language replies to ``locale`` are in: its own when ``responses/<language>.yaml`` exists, else
    English (a locale that is not a language code, such as a path, never reaches the file system)."""
    language = language_of(locale)
    known = LANGUAGE_CODE.fullmatch(language) and (DEFAULT_ROOT / f"{language}.yaml").is_file()
    return language if known else DEFAULT_LOCALE
