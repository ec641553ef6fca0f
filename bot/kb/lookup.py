"""Find jurisdictions, criteria and glossary terms by id, name, alias or typo (rapidfuzz)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from bot.kb.normalize import normalize

AUTO_ACCEPT_SCORE = 88  # fuzz.ratio a typo must reach to be answered without asking
AUTO_ACCEPT_MARGIN = 6  # ... and by how much it must beat the next candidate
MIN_AUTO_LENGTH = 5  # short inputs ("CX") are never auto-corrected
SUGGEST_SCORE = 60
SUGGESTIONS = 3
SHORT_INPUT = 2  # autocomplete results for inputs this short are kept per index
SHORT_CACHE = 4096
TYPO_EXACT_UP_TO = 256  # up to this many keys a typo is scored against every key (WRatio)
TYPO_CANDIDATES = 48  # past it, against this many closest by edit distance (whole key, and as a prefix)
HEADS_KEPT_UP_TO = 16  # the keys cut to each typed length up to this one are kept per index


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
        # Autocomplete's indexes: keys in order (prefixes by bisection), every word-start suffix in order
        # ("york city" of "new york city"), and all keys in one string for substring search in C.
        self._ordered_keys = sorted(self._keys)
        self._word_starts = sorted(
            (k[i:], k) for k in self._keys for i in range(len(k)) if i == 0 or k[i - 1] == " "
        )
        self._haystack = "\n".join(self._keys)
        self._offsets = list(accumulate((len(k) + 1 for k in self._keys[:-1]), initial=0))
        self._short: dict[tuple[str, int], list[Entry]] = {}
        self._heads: dict[int, list[str]] = {}  # every key cut to n characters, for typos n long

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
        from rapidfuzz import fuzz  # imported on the first typo: an exact lookup (`qibot ask`) never needs it
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
        from rapidfuzz import process

        best: dict[str, float] = {}
        for match, score, _ in process.extract(key, self._keys, scorer=scorer, limit=40):
            eid = self._by_key[match]
            best[eid] = max(best.get(eid, 0.0), score)
        return sorted(best.items(), key=lambda item: (-item[1], self.entries[item[0]].display))

    def complete(self, text: str, limit: int = 25) -> list[Entry]:
        """Autocomplete: canonical entries ranked by prefix, word start, substring, then fuzzy match; at most
        ``limit``. Work grows with the matches, not the knowledge base (bisection over sorted keys)."""
        key = normalize(text)
        if not key:
            return self._sorted[:limit]
        if len(key) <= SHORT_INPUT:  # "n", "ne": many matches, few distinct inputs; kept once computed
            found = self._short.get((key, limit))
            if found is None:
                found = self._complete(key, limit)
                if len(self._short) < SHORT_CACHE:
                    self._short[(key, limit)] = found
            return list(found)
        return self._complete(key, limit)

    def _complete(self, key: str, limit: int) -> list[Entry]:
        scored: dict[str, float] = {}

        def note(eid: str, score: float) -> None:
            if score > scored.get(eid, 0.0):
                scored[eid] = score

        for k in self._starting(self._ordered_keys, key):
            note(self._by_key[k], 300.0 if k == key else 200.0 - len(k) / 100)
        for _suffix, k in self._starting(self._word_starts, (key,)):
            note(self._by_key[k], 150.0)
        if len(scored) < limit:  # substring matches rank below these: only needed when there is room
            at = self._haystack.find(key)
            while at >= 0:
                k = self._keys[bisect_right(self._offsets, at) - 1]
                note(self._by_key[k], 120.0)
                at = self._haystack.find(key, at + 1)
        if not scored:  # nothing contains the text: fall back to typo-tolerant matching
            scored = {eid: score for eid, score in self._rank_typo(key) if score >= SUGGEST_SCORE}
        ranked = sorted(scored, key=lambda eid: (-scored[eid], self.entries[eid].display))
        return [self.entries[eid] for eid in ranked[:limit]]

    @staticmethod
    def _starting(ordered: list[Any], prefix: Any) -> Iterator[Any]:
        """Items of a sorted list that start with ``prefix`` (a string, or a 1-tuple for pairs)."""
        head = prefix[0] if isinstance(prefix, tuple) else prefix
        for item in ordered[bisect_left(ordered, prefix) :]:
            if not (item[0] if isinstance(item, tuple) else item).startswith(head):
                return
            yield item

    def _rank_typo(self, key: str) -> list[tuple[str, float]]:
        """Like ``_rank(key, WRatio)``, over the keys closest by edit distance to the text, whole or as a
        prefix (WRatio is ~100x the cost of ratio per key; this keeps a typo's cost flat as the base grows)."""
        from rapidfuzz import fuzz, process

        if len(self._keys) <= TYPO_EXACT_UP_TO:
            return self._rank(key, fuzz.WRatio)
        heads = self._heads.get(len(key)) or [k[: len(key)] for k in self._keys]
        if len(key) <= HEADS_KEPT_UP_TO:
            self._heads[len(key)] = heads
        picks = {i for _, _, i in process.extract(key, self._keys, scorer=fuzz.ratio, limit=TYPO_CANDIDATES)}
        picks |= {i for _, _, i in process.extract(key, heads, scorer=fuzz.ratio, limit=TYPO_CANDIDATES)}
        candidates = [self._keys[i] for i in picks]
        best: dict[str, float] = {}
        for match, score, _ in process.extract(key, candidates, scorer=fuzz.WRatio, limit=40):
            eid = self._by_key[match]
            best[eid] = max(best.get(eid, 0.0), score)
        return sorted(best.items(), key=lambda item: (-item[1], self.entries[item[0]].display))
