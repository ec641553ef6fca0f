"""The shipped snapshot (knowledge/people/): every state and DC, seats within each chamber's size, real
lookups, the find-my-legislator table, and the loader's checks."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.kb.us import JURISDICTIONS
from bot.people import Directory, PeopleDataInvalid, load_directory, parse_chamber
from bot.people.checks import natural_key
from bot.people.directory import DEFAULT_PEOPLE_ROOT, read_directory

# Seats per chamber and the most members one district may have, from Open States' jurisdiction metadata
# (openstates-metadata 2026.9.1; the file says so). Nebraska and DC are unicameral.
SIZES = yaml.safe_load((DEFAULT_PEOPLE_ROOT / "chambers.yaml").read_text())["chambers"]
STATES = sorted(set(JURISDICTIONS) - {"nyc"})
ROWS = json.loads(gzip.decompress((DEFAULT_PEOPLE_ROOT / "legislators.json.gz").read_bytes()))["legislators"]


@pytest.fixture(scope="module")
def people() -> Directory:
    return load_directory()


def test_every_state_and_dc_is_present_and_nyc_is_not(people: Directory) -> None:
    assert people.states() == STATES
    assert not people.covered("nyc")
    assert people.not_in_data("nyc") is not None
    assert people.chambers("ne") == ["legislature"] and people.chambers("dc") == ["legislature"]
    assert all(people.chambers(s) == ["upper", "lower"] for s in STATES if s not in ("ne", "dc"))


@pytest.mark.parametrize("state", STATES)
def test_seats_per_chamber_within_the_legislatures_size(people: Directory, state: str) -> None:
    for chamber in people.chambers(state):
        size = SIZES[state][chamber]
        seats = [len(people.members(state, chamber, d)) for d in people.districts(state, chamber)]
        assert max(seats) <= size["max_per_district"], (state, chamber)
        assert sum(seats) <= size["seats"], (state, chamber)
        # Vacancies exist, but a chamber this empty would mean lost data.
        assert sum(seats) >= 0.9 * size["seats"], (state, chamber, sum(seats))
        assert len(people.districts(state, chamber)) <= size["districts"]


def test_districts_are_sorted_naturally(people: Directory) -> None:
    districts = people.districts("ct", "lower")
    assert districts[:3] == ["1", "2", "3"]
    assert districts == sorted(districts, key=natural_key)


@pytest.mark.parametrize(
    ("state", "chamber", "district"), [("ct", "lower", "113"), ("tx", "upper", "14"), ("nh", "lower", "Hillsborough 1")]
)
def test_a_lookup_returns_the_members_the_snapshot_holds(
    people: Directory, state: str, chamber: str, district: str
) -> None:
    held = sorted(r["id"] for r in ROWS if (r["state"], r["chamber"], r["district"]) == (state, chamber, district))
    assert held, "the snapshot holds this seat"
    found = people.members(state, parse_chamber(chamber) or "lower", district.upper())
    assert sorted(p.id for p in found) == held
    assert all(p.state == state and p.district == district for p in found)


def test_titles_follow_the_chamber(people: Directory) -> None:
    assert people.members("ca", "lower", "1")[0].title == "Assemblymember"
    assert people.members("va", "lower", "1")[0].title == "Delegate"
    assert people.members("ne", "legislature", "1")[0].title == "Senator"
    assert people.members("ct", "upper", "1")[0].title == "Senator"
    assert people.members("dc", "legislature", "Ward 1")[0].title == "Councilmember"


def test_chamber_words() -> None:
    assert [parse_chamber(w) for w in ("House", "assembly", "LOWER", "senate", "Upper", "council", "floor")] == [
        "lower", "lower", "lower", "upper", "upper", "legislature", None,
    ]  # fmt: skip


def test_every_state_has_an_https_lookup_page(people: Directory) -> None:
    for state in [*STATES, "nyc"]:
        url = people.find_my_legislator_url(state)
        assert url and url.startswith("https://"), state
    assert people.find_my_legislator_url("nyc") == "https://council.nyc.gov/districts/"
    official = Counter(people.find_page(s).official for s in STATES)  # type: ignore[union-attr]
    assert official[True] >= 30


def test_meta_names_the_source_and_licence(people: Directory) -> None:
    assert len(people.source_commit) == 40
    assert people.source_date[:4].isdigit()
    assert people.meta["license"] == "CC0-1.0"
    assert people.meta["counts"]["legislators"] == len(people) == len(ROWS)


def test_a_damaged_snapshot_is_refused_with_one_line(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_PEOPLE_ROOT, tmp_path / "people")
    rows = [dict(r) for r in ROWS]
    rows[5]["email"] = "not an email"
    payload = json.dumps({"format": 1, "legislators": rows}).encode()
    (tmp_path / "people" / "legislators.json.gz").write_bytes(gzip.compress(payload))
    with pytest.raises(PeopleDataInvalid) as caught:
        read_directory(tmp_path / "people")
    assert str(caught.value) == f"legislators.json.gz: {rows[5]['id']}: malformed email 'not an email'"
    (tmp_path / "people" / "legislators.json.gz").write_bytes(b"not gzip")
    with pytest.raises(PeopleDataInvalid, match="not readable gzipped JSON"):
        read_directory(tmp_path / "people")
