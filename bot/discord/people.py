"""The legislator directory as the cogs use it: loaded once off the event loop, and a member's typed
state, chamber and district resolved to a seat (or a short message saying what is wrong)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import limits
from bot.people.directory import Directory
from bot.people.model import Chamber, chamber_key, parse_chamber
from bot.replies import legislators as people_replies
from bot.replies.templates import Templates

if TYPE_CHECKING:
    from bot.discord.app import QiBot

_lock = asyncio.Lock()


async def directory(bot: object) -> Directory:
    """The shipped legislator snapshot (the responder's, shared with /legislators), read once in a thread."""
    found: Directory | None = getattr(bot, "people", None)
    if found is not None:
        return found
    async with _lock:
        found = getattr(bot, "people", None)
        if found is None:
            found = await asyncio.to_thread(bot.responder.load_people)  # type: ignore[attr-defined]
            bot.people = found  # type: ignore[attr-defined]
    return found


def seat_words(t: Templates, district: str) -> str:
    """ "district 113", or the seat's own name ("At-Large", "Ward 1", "Chittenden-1")."""
    return t.render("me.seat", district=district)


def state_name(bot: QiBot, state: str) -> str:
    j = bot.responder.kb.jurisdictions.get(state)
    return j.name if j else state.upper()


@dataclass(frozen=True)
class Seat:
    state: str
    chamber: Chamber
    district: str  # as the data spells it


def resolve_state(bot: QiBot, text: str) -> str | None:
    """A typed state ("CT", "conn", "Connecticut") as a knowledge-base id, or None."""
    return bot.responder.kb.jurisdiction_index.resolve(text or "").id


def resolve_chamber(people: Directory, state: str, text: str) -> Chamber | None:
    """The typed chamber among the state's own; a unicameral body accepts any chamber word."""
    chambers = people.chambers(state)
    if chambers == ["legislature"]:
        return "legislature"
    chamber = parse_chamber(text or "")
    return chamber if chamber in chambers else None


def resolve_seat(bot: QiBot, people: Directory, t: Templates, state_text: str, chamber_text: str,
                 district_text: str) -> Seat | str:  # fmt: skip
    """The seat a member typed, or the message telling them what is wrong (in their language)."""
    state = resolve_state(bot, state_text)
    if state is None or not people.covered(state):
        url = people.find_my_legislator_url(state) if state else None
        return t.render("me.not_covered", state=state_name(bot, state) if state else state_text[:40], url=url)
    name = state_name(bot, state)
    chamber = resolve_chamber(people, state, chamber_text)
    if chamber is None:
        choices = ", ".join(people_replies.chamber_name(state, c, t) for c in people.chambers(state))
        return t.render("me.bad_chamber", chamber=chamber_text[:40], state=name, choices=choices)
    district = district_text.strip().removeprefix("District").removeprefix("district").strip()
    members = people.members(state, chamber, district)
    if not members:
        close = people_replies.nearest_districts(people, state, chamber, district)
        return t.render(
            "me.bad_district",
            state=name,
            chamber=people_replies.chamber_name(state, chamber, t),
            district=district_text[:40],
            suggestions=", ".join(close),
        )
    return Seat(state, chamber, members[0].district)


async def chamber_choices(
    interaction: discord.Interaction, current: str, t: Templates
) -> list[app_commands.Choice[str]]:
    """Autocomplete: the chambers of the state typed so far (values a member could type: house, senate...)."""
    bot: QiBot = interaction.client  # type: ignore[assignment]
    people = await directory(bot)
    state = resolve_state(bot, str(getattr(interaction.namespace, "state", "") or ""))
    if state is None:
        return []
    out = []
    for chamber in people.chambers(state):
        value = {"upper": "senate", "lower": chamber_key(state, "lower")}.get(chamber, "legislature")
        name = people_replies.chamber_name(state, chamber, t)
        if current.casefold() in f"{name} {value}".casefold():
            out.append(app_commands.Choice(name=name[: limits.CHOICE_NAME], value=value))
    return out


async def district_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete: only the districts the data holds for the state and chamber typed so far."""
    from bot.discord.cogs.legislators import district_choices as choices

    bot: QiBot = interaction.client  # type: ignore[assignment]
    people = await directory(bot)
    state = resolve_state(bot, str(getattr(interaction.namespace, "state", "") or ""))
    if state is None or not people.covered(state):
        return []
    chamber = resolve_chamber(people, state, str(getattr(interaction.namespace, "chamber", "") or ""))
    return [] if chamber is None else choices(people, state, chamber, current)
