"""One current state legislator (or DC councilmember), as the shipped Open States snapshot holds them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Chamber = Literal["upper", "lower", "legislature"]  # legislature: a unicameral body (Nebraska, the DC Council)
CHAMBERS: tuple[Chamber, ...] = ("upper", "lower", "legislature")

# What a member may type for a chamber (case-insensitive) -> Open States' chamber.
CHAMBER_WORDS: dict[str, Chamber] = {
    "upper": "upper",
    "senate": "upper",
    "senator": "upper",
    "lower": "lower",
    "house": "lower",
    "assembly": "lower",
    "delegates": "lower",
    "house of delegates": "lower",
    "house of representatives": "lower",
    "legislature": "legislature",
    "council": "legislature",
    "unicameral": "legislature",
}

# Titles as Open States' jurisdiction metadata (openstates-metadata, roles' `title`) gives them, where they differ
# from the defaults below ("Senator" for an upper chamber, "Representative" for a lower one).
_LOWER_TITLES = {
    "ca": "Assemblymember",
    "nv": "Assembly Member",
    "nj": "Assembly Member",
    "ny": "Assembly Member",
    "md": "Delegate",
    "va": "Delegate",
    "wv": "Delegate",
}
_UNICAMERAL_TITLES = {"ne": "Senator", "dc": "Councilmember"}

# Which words name each chamber in replies (a key under `legislators.chamber.` in responses/<locale>.yaml).
_LOWER_NAMES = {"ca": "assembly", "nv": "assembly", "nj": "assembly", "ny": "assembly", "wi": "assembly",
                "md": "delegates", "va": "delegates", "wv": "delegates"}  # fmt: skip
_UNICAMERAL_NAMES = {"dc": "council"}


def parse_chamber(text: str) -> Chamber | None:
    """The chamber a member typed (house/assembly/lower, senate/upper, council/legislature), or None."""
    return CHAMBER_WORDS.get(" ".join(text.casefold().split()))


def chamber_key(state: str, chamber: Chamber) -> str:
    """The response key naming this chamber: house, assembly, delegates, senate, council or legislature."""
    if chamber == "upper":
        return "senate"
    if chamber == "lower":
        return _LOWER_NAMES.get(state, "house")
    return _UNICAMERAL_NAMES.get(state, "legislature")


def role_title(state: str, chamber: Chamber) -> str:
    """The member's title in this state and chamber (see :attr:`Legislator.title`)."""
    if chamber == "upper":
        return "Senator"
    if chamber == "lower":
        return _LOWER_TITLES.get(state, "Representative")
    return _UNICAMERAL_TITLES.get(state, "Legislator")


@dataclass(frozen=True)
class Legislator:
    """A current seat-holder. ``state`` is the lower-case postal code ("ct", "dc")."""

    id: str  # Open States id, ocd-person/…
    name: str
    state: str
    chamber: Chamber
    district: str
    party: str
    email: str | None
    phone: str | None
    website: str | None
    committees: tuple[str, ...]  # judiciary / public-safety committees they sit on (names)
    judiciary: bool  # sits on at least one of them

    @property
    def title(self) -> str:
        """ "Senator", "Representative", "Assembly Member", "Delegate" or "Councilmember" (English)."""
        return role_title(self.state, self.chamber)
