"""Current state legislators from Open States (CC0): load, validate and look up the shipped snapshot (no discord)."""

from bot.people.checks import PeopleDataInvalid
from bot.people.directory import Directory, FindPage, load_directory
from bot.people.model import CHAMBERS, Chamber, Legislator, parse_chamber

__all__ = [
    "CHAMBERS", "Chamber", "Directory", "FindPage", "Legislator", "PeopleDataInvalid",
    "load_directory", "parse_chamber",
]  # fmt: skip
