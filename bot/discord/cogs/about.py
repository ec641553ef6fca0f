"""/about: what qibot is, its sources and coverage, and how to report an error."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import QiBot
from bot.discord.locale import reply_locale
from bot.discord.respond import deliver


class About(commands.Cog):
    def __init__(self, bot: QiBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="What qibot is, where its facts come from, how to report an error")
    async def about(self, interaction: discord.Interaction[QiBot]) -> None:
        locale = reply_locale(interaction)

        reply = self.bot.responder.about(locale)
        await deliver(
            interaction,
            reply,
            public=False,
            defer_after=self.bot.settings.defer_after_seconds,
            locale=locale,
        )
        self.bot.log_interaction(interaction, "about", "ok")


async def setup(bot: QiBot) -> None:
    await bot.add_cog(About(bot))
