"""/legislators state chamber district: a seat's current members (Open States, CC0), with autocomplete from the data.

The directory (about 400 KB gzipped, ~0.3 s to read and check) is loaded once in a thread when the cog loads and
awaited by the first command or autocomplete that needs it; nothing here blocks the event loop.

With a district saved by `/me district` (the store's ``member_district``), ``/legislators`` needs no arguments.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits
from bot.discord.app import QiBot
from bot.discord.cogs.lookup import PUBLIC, PublicReplies
from bot.discord.locale import reply_locale
from bot.discord.people import directory as shared_directory
from bot.discord.transformers import Jurisdiction
from bot.people.directory import Directory
from bot.people.model import Chamber, parse_chamber
from bot.replies.legislators import chamber_name, chamber_word, usage_reply
from bot.replies.model import Reply
from bot.replies.responder import templates_for

log = logging.getLogger("qibot.discord.legislators")


class Legislators(PublicReplies, commands.Cog):
    """Current state legislators and DC councilmembers by state, chamber and district."""

    def __init__(self, bot: QiBot) -> None:
        self.bot = bot
        self._init_cooldowns(bot)

    async def directory(self) -> Directory:
        """The legislator snapshot, read in a thread on first use (not at start: ~10 MiB and CPU the bot does not
        need until someone asks), shared with /me and the call buttons."""
        return await shared_directory(self.bot)

    def _state_id(self, interaction: discord.Interaction[QiBot]) -> str | None:
        typed = getattr(interaction.namespace, "state", None)
        return self.bot.responder.kb.jurisdiction_index.resolve(str(typed)).id if typed else None

    async def _saved_district(self, user_id: int) -> tuple[str, str, str] | None:
        """The member's saved (state, chamber, district), if they saved one with `/me district`."""
        if self.bot.store is None:
            return None
        try:
            saved = await self.bot.store.member_district(user_id)
        except Exception:  # a database that is down: answer as if nothing were saved, and log it
            log.exception("could not read the saved district of a member")
            return None
        return (saved.state, saved.chamber, saved.district) if saved else None

    @app_commands.command(name="legislators", description="Your state legislators: a district's current members")
    @app_commands.describe(
        state="A state or DC: name or postal code",
        chamber="House (assembly, lower) or senate (upper); DC and Nebraska have one",
        district="The district number or name; without it, how to find yours",
        public=PUBLIC,
    )
    async def legislators(
        self,
        interaction: discord.Interaction[QiBot],
        state: Jurisdiction | None = None,
        chamber: str | None = None,
        district: str | None = None,
        public: bool = True,
    ) -> None:
        user_id = interaction.user.id

        async def make(locale: str) -> Reply:  # runs under deliver()'s defer timer: a slow database defers
            saved = None if state else await self._saved_district(user_id)
            await self.directory()
            if state:
                return self.bot.responder.legislators(state, chamber or "", district or "", locale)
            if saved:
                return self.bot.responder.legislators(*saved, locale=locale)
            return usage_reply(templates_for(locale))

        # without a state the answer comes from the member's saved district: never shown to the channel
        await self._answer(interaction, make, public and state is not None, "legislators")

    @legislators.autocomplete("chamber")
    async def chamber_autocomplete(
        self, interaction: discord.Interaction[QiBot], value: str
    ) -> list[app_commands.Choice[str]]:
        sid = self._state_id(interaction)
        if sid is None:
            return []
        people, t = await self.directory(), templates_for(reply_locale(interaction))
        typed = value.strip().casefold()
        choices = []
        for c in people.chambers(sid):
            word, name = chamber_word(sid, c), chamber_name(sid, c, t)
            if not typed or typed in name.casefold() or typed in word or parse_chamber(typed) == c:
                choices.append(app_commands.Choice(name=name[: limits.CHOICE_NAME], value=word))
        return choices

    @legislators.autocomplete("district")
    async def district_autocomplete(
        self, interaction: discord.Interaction[QiBot], value: str
    ) -> list[app_commands.Choice[str]]:
        sid = self._state_id(interaction)
        if sid is None:
            return []
        people = await self.directory()
        chambers = people.chambers(sid)
        picked = parse_chamber(str(getattr(interaction.namespace, "chamber", "") or ""))
        if picked is None and len(chambers) == 1:
            picked = chambers[0]
        if picked not in chambers:
            return []
        return district_choices(people, sid, picked, value)


def district_choices(people: Directory, state: str, chamber: Chamber, value: str) -> list[app_commands.Choice[str]]:
    """Real districts only: those starting with what was typed first, then those containing it; each named with
    its members ("113 · Amy Romano")."""
    typed = " ".join(value.casefold().split())
    districts = people.districts(state, chamber)
    starts = [d for d in districts if d.casefold().startswith(typed)]
    contains = [d for d in districts if typed and typed in d.casefold() and d not in starts]
    choices = []
    for d in (starts + contains)[: limits.AUTOCOMPLETE_CHOICES]:
        names = ", ".join(p.name for p in people.members(state, chamber, d))
        choices.append(app_commands.Choice(name=f"{d} · {names}"[: limits.CHOICE_NAME], value=d))
    return choices


async def setup(bot: QiBot) -> None:
    await bot.add_cog(Legislators(bot))
