"""Find jurisdictions, criteria and glossary terms by id, name, alias or typo (rapidfuzz)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.kb.normalize import normalize

AUTO_ACCEPT_SCORE = 88  # fuzz.ratio a typo must reach to be answered without asking
AUTO_ACCEPT_MARGIN = 6  # ... and by how much it must beat the next candidate
MIN_AUTO_LENGTH = 5  # short inputs ("CX") are never auto-corrected
SUGGEST_SCORE = 60
SUGGESTIONS = 3


@dataclass(frozen=True)
class Entry:
    """A canonical entry and every key that finds it."""

    id: str
    display: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """The outcome of a lookup: the id found (exactly or by a clear typo), or suggestions."""

    query: str
    id: str | None
    suggestions: tuple[Entry, ...] = ()
    corrected: bool = False


class Index:
    """An in-memory index over canonical entries; aliases find entries but are never listed twice."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = {e.id: e for e in entries}
        self._by_key: dict[str, str] = {}
        for entry in self.entries.values():
            for key in entry.keys:
                self._by_key.setdefault(normalize(key), entry.id)
        self._keys = list(self._by_key)
        self._sorted = sorted(self.entries.values(), key=lambda e: e.display)

    def exact(self, query: str) -> str | None:
        """The id this exact key (normalized: case, accents, spacing) names, without typo matching."""
        return self._by_key.get(normalize(query))

    def resolve(self, query: str) -> Resolution:
        """Exact key first, then a clear typo, otherwise up to three suggestions."""
        key = normalize(query)
        if not key:
            return Resolution(query, None, tuple(self._sorted[:SUGGESTIONS]))
        if key in self._by_key:
            return Resolution(query, self._by_key[key])
        ranked = self._rank(key, fuzz.ratio)
        if (
            len(key) >= MIN_AUTO_LENGTH
            and ranked
            and ranked[0][1] >= AUTO_ACCEPT_SCORE
            and (len(ranked) == 1 or ranked[0][1] - ranked[1][1] >= AUTO_ACCEPT_MARGIN)
        ):
            return Resolution(query, ranked[0][0], corrected=True)
        suggestions = [eid for eid, score in self._rank(key, fuzz.WRatio) if score >= SUGGEST_SCORE]
        return Resolution(query, None, tuple(self.entries[eid] for eid in suggestions[:SUGGESTIONS]))

    def _rank(self, key: str, scorer: Callable[..., float]) -> list[tuple[str, float]]:
        """Best score per entry id, highest first."""
        best: dict[str, float] = {}
        for match, score, _ in process.extract(key, self._keys, scorer=scorer, limit=40):
            eid = self._by_key[match]
            best[eid] = max(best.get(eid, 0.0), score)
        return sorted(best.items(), key=lambda item: (-item[1], self.entries[item[0]].display))

    def complete(self, text: str, limit: int = 25) -> list[Entry]:
        """Autocomplete: canonical entries ranked by prefix, substring, then fuzzy match; at most ``limit``."""
        key = normalize(text)
        if not key:
            return self._sorted[:limit]
        scored: dict[str, float] = {}
        for k, eid in self._by_key.items():
            if k == key:
                score = 300.0
            elif k.startswith(key):
                score = 200.0 - len(k) / 100
            elif f" {key}" in f" {k}":
                score = 150.0
            elif key in k:
                score = 120.0
            else:
                continue
            scored[eid] = max(scored.get(eid, 0.0), score)
        if not scored:  # nothing contains the text: fall back to typo-tolerant matching
            scored = {eid: score for eid, score in self._rank(key, fuzz.WRatio) if score >= SUGGEST_SCORE}
        ranked = sorted(scored, key=lambda eid: (-scored[eid], self.entries[eid].display))
        return [self.entries[eid] for eid in ranked[:limit]]
