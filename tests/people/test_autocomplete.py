"""District autocomplete offers only districts the data holds, for the state and chamber chosen."""

from __future__ import annotations

import pytest

from bot.discord.cogs.legislators import district_choices
from bot.people import load_directory

CASES = [("ct", "lower", ""), ("ct", "lower", "11"), ("ma", "lower", "franklin"), ("nh", "lower", "hills"),
         ("dc", "legislature", "ward"), ("md", "lower", "1"), ("ne", "legislature", "4")]  # fmt: skip


@pytest.mark.parametrize(("state", "chamber", "typed"), CASES)
def test_only_real_districts(state: str, chamber: str, typed: str) -> None:
    people = load_directory()
    real = set(people.districts(state, chamber))  # type: ignore[arg-type]
    choices = district_choices(people, state, chamber, typed)  # type: ignore[arg-type]
    assert choices, (state, chamber, typed)
    assert len(choices) <= 25
    assert {c.value for c in choices} <= real
    assert all(typed.casefold() in c.value.casefold() for c in choices)
    assert all(len(c.name) <= 100 for c in choices)


def test_nothing_for_a_chamber_or_text_that_has_no_district() -> None:
    people = load_directory()
    assert district_choices(people, "ct", "lower", "zzz") == []
    assert district_choices(people, "ne", "lower", "") == []
