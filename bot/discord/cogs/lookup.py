"""Member commands: /state, /criterion, /compare, /explain."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import QiBot
from bot.discord.locale import reply_locale
from bot.discord.respond import deliver
from bot.discord.transformers import Criterion, Jurisdiction, Term

PUBLIC = app_commands.locale_str("Show the reply to the channel (default) or only to you")  # localised by QiTranslator


class PublicReplies:
    """Answers public by default, rate-limited per member: over the limit the answer still comes, privately."""

    bot: QiBot

    def _init_cooldowns(self, bot: QiBot) -> None:
        settings = bot.settings
        self._cooldowns: dict[int, app_commands.Cooldown] = {}
        self._rate, self._per = settings.public_cooldown_rate, settings.public_cooldown_seconds

    def _allow_public(self, user_id: int) -> bool:
        bucket = self._cooldowns.get(user_id)
        if bucket is None:
            if len(self._cooldowns) > 10_000:
                self._cooldowns.clear()
            bucket = self._cooldowns[user_id] = app_commands.Cooldown(self._rate, self._per)
        return bucket.update_rate_limit() is None

    async def _answer(
        self, interaction: discord.Interaction[QiBot], make, public: bool, name: str | None = None
    ) -> None:
        if public and not self._allow_public(interaction.user.id):
            public = False
            interaction.extras["outcome"] = "cooldown-private"
        locale = reply_locale(interaction)
        reply = await deliver(
            interaction, make(locale), public=public, defer_after=self.bot.settings.defer_after_seconds, locale=locale
        )
        outcome = interaction.extras.get("outcome") or (reply.kind if reply.private else "ok")
        self.bot.log_interaction(interaction, name, outcome)


class Lookup(PublicReplies, commands.Cog):
    """Answers from the knowledge base. Public replies are rate-limited per member; over the limit the
    answer still comes, privately."""

    def __init__(self, bot: QiBot) -> None:
        self.bot = bot
        self._init_cooldowns(bot)

    @app_commands.command(name="state", description="Where qualified immunity stands in a state, DC or New York City")
    @app_commands.describe(jurisdiction="A state, DC or NYC: name, postal code or abbreviation", public=PUBLIC)
    async def state(
        self, interaction: discord.Interaction[QiBot], jurisdiction: Jurisdiction, public: bool = True
    ) -> None:
        await self._answer(interaction, lambda loc: self.bot.responder.state(jurisdiction, loc), public)

    @app_commands.command(name="criterion", description="One rubric criterion across every jurisdiction, ranked")
    @app_commands.describe(criterion="A rubric criterion, e.g. attorney-fees or failure-to-intervene", public=PUBLIC)
    async def criterion(
        self, interaction: discord.Interaction[QiBot], criterion: Criterion, public: bool = True
    ) -> None:
        await self._answer(interaction, lambda loc: self.bot.responder.criterion(criterion, loc), public)

    @app_commands.command(name="compare", description="Two or three jurisdictions side by side, criterion by criterion")
    @app_commands.describe(
        first="First state, DC or NYC", second="Second state, DC or NYC", third="Optional third", public=PUBLIC
    )
    async def compare(
        self,
        interaction: discord.Interaction[QiBot],
        first: Jurisdiction,
        second: Jurisdiction,
        third: Jurisdiction | None = None,
        public: bool = True,
    ) -> None:
        ids = [first, second, *([third] if third else [])]
        await self._answer(interaction, lambda loc: self.bot.responder.compare(ids, loc), public)

    @app_commands.command(
        name="explain", description="A short, sourced glossary entry, e.g. qualified immunity or 1983"
    )
    @app_commands.describe(term="A term, e.g. qualified-immunity, 1983, clearly established", public=PUBLIC)
    async def explain(self, interaction: discord.Interaction[QiBot], term: Term, public: bool = True) -> None:
        await self._answer(interaction, lambda loc: self.bot.responder.explain(term, loc), public)


async def setup(bot: QiBot) -> None:
    await bot.add_cog(Lookup(bot))
