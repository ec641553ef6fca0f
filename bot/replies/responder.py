"""Answer commands from the current knowledge base: resolve input, then build the reply.

The console, the CLI and the Discord cogs all call this one class, so they share parsing, lookup
and templates.
"""

from __future__ import annotations

import re
import shlex
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache

from bot.kb.snapshot import KnowledgeBase
from bot.people.directory import Directory, load_directory, read_meta
from bot.people.model import Chamber, parse_chamber
from bot.replies import build
from bot.replies import legislators as people_replies
from bot.replies.language import DEFAULT_LOCALE, LANGUAGE_CODE, language_of
from bot.replies.language import DEFAULT_ROOT as RESPONSES_ROOT
from bot.replies.model import Reply
from bot.replies.templates import Templates

COMMANDS = ("state", "criterion", "compare", "explain", "about", "help", "map", "legislators")
DISCORD_ONLY = ("kb", "action", "settings", "subscribe", "unsubscribe", "report", "me")
_COMPARE_SPLIT = re.compile(r"\s*(?:,|\bvs\.?\b|\bversus\b|\band\b)\s*", re.IGNORECASE)


def templates_for(locale: str) -> Templates:
    """Templates for a Discord locale ("es-ES" -> "es"), cached per language: "en-US" and "en-GB" share the
    templates compiled for "en" (compiling all of them again took ~1 s of the first burst)."""
    return _templates(language_of(locale))


@lru_cache(maxsize=64)  # Discord has about 30 locales; each language code is loaded once
def _templates(language: str) -> Templates:
    return Templates.load(language)


def languages() -> tuple[str, ...]:
    """The languages replies exist in: one ``responses/<language>.yaml`` each."""
    return tuple(sorted(p.stem for p in RESPONSES_ROOT.glob("*.yaml") if LANGUAGE_CODE.fullmatch(p.stem)))


def reply_cache_size(kb: KnowledgeBase) -> int:
    """Room for every reply the knowledge base has, in every language: each state, criterion and glossary
    reply, and as many comparisons again (they are combinations, so only the ones asked for are kept)."""
    replies = len(kb.jurisdictions) + len(kb.criteria) + len(kb.glossary)
    return 2 * replies * max(1, len(languages()))


SEAT_CACHE_SIZE = 2048  # /legislators replies (about 1 KB each): the seats members actually ask for


class Responder:
    """Turns a command and its arguments into a :class:`Reply`.

    Replies are pure functions of (snapshot version, ids, locale), so built replies are cached; a
    reload brings a new version and with it fresh replies (a state reply is keyed by its own file's hash,
    so an edit to one jurisdiction does not rebuild the others).
    """

    def __init__(
        self, knowledge: Callable[[], KnowledgeBase], people: Callable[[], Directory] = load_directory
    ) -> None:
        self._knowledge = knowledge
        self._people = people  # blocking on first call (reads the snapshot): the bot loads it in a thread first
        self._cache: OrderedDict[tuple[str, ...], Reply] = OrderedDict()
        self._lock = threading.Lock()  # warm() fills the cache from a thread while the event loop reads it
        self._seats: OrderedDict[tuple[str, ...], Reply] = OrderedDict()
        self._loaded_people: Directory | None = None
        self._sized_for = ""  # the knowledge-base version the cache limit was computed for
        self.cache_size = 0

    def _limit(self, kb: KnowledgeBase) -> int:
        if kb.version != self._sized_for:
            self._sized_for, self.cache_size = kb.version, reply_cache_size(kb)
        return self.cache_size

    def _built(self, kb: KnowledgeBase, kind: str, key: str, locale: str) -> Reply:
        """Build (or fetch from the cache) the reply of ``kind`` for ``key``."""
        # A state reply depends on its own file and the shared ones only: an edit elsewhere keeps it cached.
        # Replies depend on the language only: "en-US" gets the reply warm() built for "en", and a language
        # with no replies of its own ("fr") shares English's.
        locale = templates_for(locale).locale
        cache_key = (*kb.state_key(key), kind, key, locale) if kind == "state" else (kb.version, kind, key, locale)
        with self._lock:
            reply = self._cache.get(cache_key)
            if reply is not None:
                self._cache.move_to_end(cache_key)
                return reply
        t = templates_for(locale)
        if kind == "state":
            reply = build.state_reply(kb, key, t)
        elif kind == "criterion":
            reply = build.criterion_reply(kb, key, t)
        elif kind == "compare":
            reply = build.compare_reply(kb, key.split(","), t)
        else:
            reply = build.explain_reply(kb, key, t)
        with self._lock:
            self._cache[cache_key] = reply
            if len(self._cache) > self._limit(kb):
                self._cache.popitem(last=False)
        return reply

    def prime(self, kb: KnowledgeBase, replies: dict[tuple[str, str], Reply]) -> None:
        """Store state replies built elsewhere (the worker that planned an edit), keyed as ``_built`` keys them."""
        for (jid, locale), reply in replies.items():
            with self._lock:
                self._cache[(*kb.state_key(jid), "state", jid, templates_for(locale).locale)] = reply
                while len(self._cache) > self._limit(kb):
                    self._cache.popitem(last=False)

    def warm(self, locale: str = DEFAULT_LOCALE) -> int:
        """Build every state and criterion reply ahead of the first request; returns how many."""
        kb = self.kb
        for jid in kb.jurisdictions:
            self._built(kb, "state", jid, locale)
        for cid in kb.criteria:
            self._built(kb, "criterion", cid, locale)
        return len(kb.jurisdictions) + len(kb.criteria)

    @property
    def kb(self) -> KnowledgeBase:
        """The live snapshot (re-read on every call, so reloads take effect at once)."""
        return self._knowledge()

    def _answer(self, what: str, kind: str, query: str, locale: str) -> Reply:
        """Resolve ``query`` in the ``what`` index; build the ``kind`` reply, or a private "Did you mean"."""
        kb = self.kb
        found = kb.index(what).resolve(query)
        if found.id is None:
            return build.not_found_reply(query, what, found.suggestions, templates_for(locale))
        return self._built(kb, kind, found.id, locale)

    def state(self, query: str, locale: str = DEFAULT_LOCALE) -> Reply:
        return self._answer("jurisdiction", "state", query, locale)

    def criterion(self, query: str, locale: str = DEFAULT_LOCALE) -> Reply:
        return self._answer("criterion", "criterion", query, locale)

    def compare(self, queries: list[str], locale: str = DEFAULT_LOCALE) -> Reply:
        kb, t = self.kb, templates_for(locale)
        queries = [q for q in queries if q.strip()]
        if not 2 <= len(queries) <= 3:
            return build.usage_reply(t, t.render("usage.compare_count"))
        ids = []
        for query in queries:
            found = kb.jurisdiction_index.resolve(query)
            if found.id is None:
                return build.not_found_reply(query, "jurisdiction", found.suggestions, t)
            ids.append(found.id)
        ids = list(dict.fromkeys(ids))
        if len(ids) < 2:
            return build.usage_reply(t, t.render("usage.compare_count"))
        return self._built(kb, "compare", ",".join(ids), locale)

    def explain(self, query: str, locale: str = DEFAULT_LOCALE) -> Reply:
        return self._answer("term", "explain", query, locale)

    def about(self, locale: str = DEFAULT_LOCALE) -> Reply:
        if self._loaded_people is not None:
            meta = self._loaded_people.meta
        else:  # a 1 KB file, read once (not the snapshot itself)
            meta = self._people_meta = getattr(self, "_people_meta", None) or read_meta()
        return build.about_reply(self.kb, templates_for(locale), people=meta)

    def load_people(self) -> Directory:
        """Read the legislator directory now (blocking; the bot calls it via asyncio.to_thread)."""
        self._loaded_people = self._people()
        return self._loaded_people

    @property
    def people(self) -> Directory:
        """The legislator directory (read once; the bot loads it off the event loop before the first lookup)."""
        return self._people()

    def legislators(
        self, state: str, chamber: str = "", district: str = "", locale: str = DEFAULT_LOCALE
    ) -> Reply:
        """``/legislators CT house 113``: the seat's members; without a district, where to find one's district."""
        kb, t, people = self.kb, templates_for(locale), self.people
        found = kb.jurisdiction_index.resolve(state)
        if found.id is None:
            return people_replies.unknown_state_reply(state, found.suggestions, t)
        sid, name = found.id, kb.jurisdictions[found.id].name
        if not people.covered(sid):
            if people.not_in_data(sid):
                return people_replies.not_in_data_reply(people, sid, name, t)
            return people_replies.find_reply(people, sid, name, None, t)
        chambers = people.chambers(sid)
        picked: Chamber | None = None
        if chamber.strip():
            picked = parse_chamber(chamber)
            if picked is not None and picked not in chambers and len(chambers) == 1:
                picked = chambers[0]  # "senate" or "house" in Nebraska or DC: their one chamber
            if picked not in chambers:
                return people_replies.bad_chamber_reply(people, sid, name, chamber, t)
        elif len(chambers) == 1:
            picked = chambers[0]
        if not district.strip():
            return people_replies.find_reply(people, sid, name, picked, t)
        if picked is None:
            return people_replies.need_chamber_reply(people, sid, name, t)
        key = (people.source_commit, kb.version, sid, picked, " ".join(district.casefold().split()), locale)
        reply = self._seats.get(key)
        if reply is None:
            if not people.members(sid, picked, district):
                return people_replies.bad_district_reply(people, sid, name, picked, district.strip(), t)
            reply = people_replies.members_reply(people, sid, name, picked, district, t)
            self._seats[key] = reply
            if len(self._seats) > SEAT_CACHE_SIZE:
                self._seats.popitem(last=False)
        else:
            self._seats.move_to_end(key)
        return reply

    def usage(self, locale: str = DEFAULT_LOCALE, problem: str | None = None) -> Reply:
        return build.usage_reply(templates_for(locale), problem)

    def map(self, query: str = "", locale: str = DEFAULT_LOCALE) -> Reply:
        """The map's categories as text: ``/map``, ``/map legislation`` or ``/map <criterion>``."""
        kb, t = self.kb, templates_for(locale)
        query = query.strip().removeprefix("layer:").removeprefix("criterion:").strip()
        if query.lower().replace(" ", "-") in ("", "current-law", "current", "law"):
            layer = "current-law"
        elif query.lower() in ("legislation", "bills"):
            layer = "legislation"
        else:
            found = kb.criterion_index.resolve(query)
            if found.id is None:
                return build.not_found_reply(query, "criterion", found.suggestions, t)
            layer = f"criterion:{found.id}"
        return build.map_reply(kb, layer, t)

    def split_legislators(self, text: str) -> tuple[str, str, str]:
        """Console input to (state, chamber, district): "CT house 113", "new york senate 5",
        "MA house 1st Franklin", "NE 5". The longest run of leading words that names a jurisdiction is the
        state; then a chamber word if there is one; the rest is the district."""
        words = _split(text)
        index = self.kb.jurisdiction_index
        for i in range(len(words), 0, -1):
            sid = index.exact(" ".join(words[:i]))
            if sid:
                rest = words[i:]
                if not rest:
                    return " ".join(words[:i]), "", ""
                if parse_chamber(rest[0]) is None and len(self.people.chambers(sid)) == 1:
                    return " ".join(words[:i]), "", " ".join(rest)  # "DC ward 1", "NE 5": one chamber
                if parse_chamber(rest[0]) is not None or (len(rest) > 1 and not any(c.isdigit() for c in rest[0])):
                    return " ".join(words[:i]), rest[0], " ".join(rest[1:])
                if len(rest) == 1 and not any(c.isdigit() for c in rest[0]):
                    return " ".join(words[:i]), rest[0], ""  # "CT floor": a chamber that is not one
                return " ".join(words[:i]), "", " ".join(rest)
        for i, word in enumerate(words):  # a misspelt state: split at the first chamber word
            if i > 0 and parse_chamber(word) is not None:
                return " ".join(words[:i]), word, " ".join(words[i + 1 :])
        return " ".join(words), "", ""

    def ask(self, line: str, locale: str = DEFAULT_LOCALE) -> Reply:
        """Answer a typed line such as ``/state CT`` or ``/compare CO, NM`` (console and CLI)."""
        t = templates_for(locale)
        line = line.strip()
        command, _, rest = line.lstrip("/").partition(" ")
        command, rest = command.lower(), rest.strip()
        if command in ("help", ""):
            return self.usage(locale)
        if command == "about":
            return self.about(locale)
        if command in DISCORD_ONLY:
            return self.usage(locale, t.render("usage.discord_only", command=command))
        if command not in COMMANDS:
            return self.usage(locale, t.render("usage.unknown", command=command[:40]))
        if command == "map":
            return self.map(rest, locale)
        if command == "legislators":
            return self.legislators(*self.split_legislators(rest), locale=locale) if rest else self.usage(locale)
        if command == "compare":
            parts = _COMPARE_SPLIT.split(rest) if _COMPARE_SPLIT.search(rest) else _split(rest)
            return self.compare(parts, locale)
        if not rest:
            return self.usage(locale)
        answer: Callable[[str, str], Reply] = getattr(self, command)
        return answer(rest.strip("\"'"), locale)


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()
