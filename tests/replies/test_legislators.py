"""/legislators replies: every seat in the snapshot fits Discord's limits in English and Spanish; contacts are text,
buttons are http(s) pages; misses are private; console input is split into state, chamber and district."""

from __future__ import annotations

import pytest

from bot.kb.snapshot import KnowledgeBase
from bot.people import load_directory
from bot.replies.responder import Responder
from tests.replies.test_replies_fit_limits import assert_fits


@pytest.fixture(scope="module")
def responder(kb: KnowledgeBase) -> Responder:
    return Responder(lambda: kb)


@pytest.mark.parametrize("locale", ["en", "es"])
def test_every_seat_fits_discord(responder: Responder, locale: str) -> None:
    people = load_directory()
    count = 0
    for state in people.states():
        for chamber in people.chambers(state):
            for district in people.districts(state, chamber):
                reply = responder.legislators(state, chamber, district, locale)
                assert reply.kind == "legislators" and not reply.private, (state, chamber, district)
                assert_fits(reply)
                assert "@everyone" not in reply.pages[0].description
                count += 1
    assert count == len({(p.state, p.chamber, p.district) for p in _everyone()})


def _everyone():
    people = load_directory()
    return [p for s in people.states() for c in people.chambers(s) for d in people.districts(s, c)
            for p in people.members(s, c, d)]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "split"),
    [
        ("CT house 113", ("CT", "house", "113")),
        ("new york senate 5", ("new york", "senate", "5")),
        ("MA house 1st Franklin", ("MA", "house", "1st Franklin")),
        ("NE 5", ("NE", "", "5")),
        ("DC ward 1", ("DC", "", "ward 1")),
        ("CT 113", ("CT", "", "113")),
        ("CT floor", ("CT", "floor", "")),
        ("Connecticut", ("Connecticut", "", "")),
        ("conneticut house 113", ("conneticut", "house", "113")),
    ],
)
def test_console_input_is_split(responder: Responder, line: str, split: tuple[str, str, str]) -> None:
    assert responder.split_legislators(line) == split


def test_misses_are_private_and_say_what_to_do(responder: Responder) -> None:
    assert responder.ask("/legislators CT 113").private
    assert "house" in responder.ask("/legislators CT 113").pages[0].description
    miss = responder.ask("/legislators CT house 999")
    assert miss.private and "Did you mean" in miss.pages[0].description
    assert responder.ask("/legislators Atlantis house 1").private
    assert responder.ask("/legislators CT floor 3").private


def test_without_district_and_for_nyc(responder: Responder) -> None:
    find = responder.ask("/legislators WY")
    assert "ZIP code alone" in find.pages[0].description
    assert "not confirmed an official lookup page" in find.pages[0].description  # WY: Open States' lookup for now
    assert [link.url for link in find.links] == ["https://openstates.org/find_your_legislator/"]
    nyc = responder.ask("/legislators new york city")
    assert "not in our data" in nyc.pages[0].description
    assert [link.url for link in nyc.links] == ["https://council.nyc.gov/districts/"]


def test_about_names_the_people_source(responder: Responder) -> None:
    text = responder.about().pages[0].description
    assert "Open States" in text and "CC0" in text and load_directory().source_commit[:12] in text
