"""Lookups and normalisation: abbreviations, names, AP style, typos, DC and NYC."""

from __future__ import annotations

import random

import pytest

from bot.kb.lookup import Entry, Index
from bot.kb.normalize import normalize
from bot.kb.snapshot import KnowledgeBase


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Conn.", "conn"),
        ("  New   York  City ", "new york city"),
        ("W.Va.", "wva"),
        ("State of Texas", "texas"),
        ("attorney-fees", "attorney fees"),
        ("Niño", "nino"),
        ("the District of Columbia", "district of columbia"),
    ],
)
def test_normalize(text: str, key: str) -> None:
    assert normalize(text) == key


@pytest.mark.parametrize(
    ("query", "jid"),
    [
        ("CT", "ct"),
        ("ct", "ct"),
        ("conn", "ct"),
        ("Conn.", "ct"),
        ("Connecticut", "ct"),
        ("CONNECTICUT", "ct"),
        ("conneticut", "ct"),
        ("new york city", "nyc"),
        ("NYC", "nyc"),
        ("N.Y.C.", "nyc"),
        ("NY", "ny"),
        ("New York", "ny"),
        ("N.Y.", "ny"),
        ("DC", "dc"),
        ("D.C.", "dc"),
        ("District of Columbia", "dc"),
        ("washington dc", "dc"),
        ("Washington", "wa"),
        ("Wash.", "wa"),
        ("W.Va.", "wv"),
        ("west virgina", "wv"),
        ("Virginia", "va"),
        ("Calif.", "ca"),
        ("massachusets", "ma"),
        ("Pennsylvania", "pa"),
        ("Texas", "tx"),
        ("State of Ohio", "oh"),
        ("Colo.", "co"),
        ("new mexcio", "nm"),
    ],
)
def test_jurisdiction_resolves(kb: KnowledgeBase, query: str, jid: str) -> None:
    assert kb.jurisdiction_index.resolve(query).id == jid


@pytest.mark.parametrize("query", ["CX", "zz", "Atlantis", "", "new"])
def test_unknown_input_is_not_guessed(kb: KnowledgeBase, query: str) -> None:
    found = kb.jurisdiction_index.resolve(query)
    assert found.id is None
    assert len(found.suggestions) <= 3


def test_typo_suggests_the_closest(kb: KnowledgeBase) -> None:
    found = kb.jurisdiction_index.resolve("Texs")
    assert found.id is None
    assert found.suggestions[0].id == "tx"


@pytest.mark.parametrize(
    ("query", "cid"),
    [
        ("attorney-fees", "attorney-fees"),
        ("fees", "attorney-fees"),
        ("Starts attorney fees", "attorney-fees"),
        ("caps", "no-damages-caps"),
        ("duty to intervene", "failure-to-intervene"),
        ("records", "public-records"),
        ("police", "qi-law-enforcement"),
        ("attorny fees", "attorney-fees"),
    ],
)
def test_criterion_resolves(kb: KnowledgeBase, query: str, cid: str) -> None:
    assert kb.criterion_index.resolve(query).id == cid


@pytest.mark.parametrize(
    ("query", "term"),
    [
        ("qualified-immunity", "qualified-immunity"),
        ("QI", "qualified-immunity"),
        ("1983", "section-1983"),
        ("42 U.S.C. 1983", "section-1983"),
        ("clearly established", "clearly-established"),
        ("indemnification", "indemnification"),
    ],
)
def test_glossary_resolves(kb: KnowledgeBase, query: str, term: str) -> None:
    assert kb.glossary_index.resolve(query).id == term


def test_autocomplete_is_ranked_capped_and_canonical(kb: KnowledgeBase) -> None:
    index = kb.jurisdiction_index
    everything = index.complete("")
    assert len(everything) == 25
    assert [e.display for e in everything] == sorted(e.display for e in everything)
    new = [e.id for e in index.complete("new")]
    assert set(new[:6]) == {"nh", "nj", "nm", "ny", "nyc", "ne"} or set(new[:5]) == {"nh", "nj", "nm", "ny", "nyc"}
    assert len(new) == len(set(new)), "aliases must not list an entry twice"
    assert [e.id for e in index.complete("conn")][0] == "ct"
    assert [e.id for e in index.complete("CT")][0] == "ct"
    assert [e.id for e in index.complete("conneticut")][0] == "ct"
    for text in ["", "a", "n", "new", "x", "zzzz"]:
        assert len(index.complete(text)) <= 25


def test_autocomplete_criteria_lists_each_once(kb: KnowledgeBase) -> None:
    found = kb.criterion_index.complete("fee")
    assert found[0].id == "attorney-fees"
    assert len(kb.criterion_index.complete("")) == 9


def _scan_complete(index: Index, text: str, limit: int = 25) -> list[str]:
    """The definition autocomplete keeps (a scan of every key), for the matches that are not typos."""
    key = normalize(text)
    scored: dict[str, float] = {}
    for k, eid in index._by_key.items():
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
    return sorted(scored, key=lambda eid: (-scored[eid], index.entries[eid].display))[:limit]


def test_autocomplete_on_a_large_index_matches_a_full_scan() -> None:
    rng = random.Random(3)
    words = ["new", "york", "north", "south", "carolina", "west", "virginia", "city", "port", "land", "ham", "shire",
             "portland", "highland", "hampshire"]  # words inside other words: word starts rank above substrings
    entries = []
    for i in range(700):  # past the size where typos are ranked among candidates only
        name = " ".join(rng.sample(words, rng.randint(1, 3))) + f" {i}"
        entries.append(Entry(f"j{i}", name.title(), (f"j{i}", name, f"{name[:4]}{i}")))
    index = Index(entries)
    queries = ["land", "ham", "shire", "n", "ne", "new"]
    queries += ["new y", "york c", "ina", "rth car", "and 1", "j12", "shire 69", "ity 7", "ort"]
    queries += [rng.choice(entries).keys[1][: rng.randint(1, 12)] for _ in range(200)]
    for text in queries:
        for _ in range(2):  # the second time from the short-input cache
            assert [e.id for e in index.complete(text)] == _scan_complete(index, text), text
    typo = index.complete("nortx carolina 12")
    assert typo and len(typo) <= 25, "a typo still gets suggestions"
