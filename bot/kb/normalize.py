"""Normalise what people type into lookup keys."""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s-]")
_SPACE = re.compile(r"[\s_-]+")
_PREFIXES = ("state of ", "commonwealth of ", "the ")


def normalize(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces/hyphens: "Conn." -> "conn"."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _PUNCT.sub("", text.casefold())
    text = _SPACE.sub(" ", text).strip()
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix) :]
    return text
