"""/map [criterion]: a U.S. tile map coloured by total score or by one criterion's verdict, sent as a PNG
with alt text, plus a text summary of the same data in the reply's language."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import QiBot
from bot.discord.locale import words
from bot.discord.respond import NO_PINGS
from bot.discord.transformers import Criterion
from bot.render.tilemap import is_cached, render_map
from bot.replies.maptext import map_text

PUBLIC = app_commands.locale_str("Show the map to the channel (default) or only to you")  # localised by QiTranslator


class Map(commands.Cog):
    """Renders are cached per knowledge-base version and criterion; a map that is not cached yet is drawn in
    a worker thread after deferring, so the answer never misses Discord's 3-second deadline."""

    def __init__(self, bot: QiBot) -> None:
        self.bot = bot

    def _allow_public(self, interaction: discord.Interaction[QiBot]) -> bool:
        """Share the member's public-reply rate limit with the lookup commands when that cog is loaded."""
        lookup = self.bot.get_cog("Lookup")
        allow = getattr(lookup, "_allow_public", None)
        return allow(interaction.user.id) if allow else True

    @app_commands.command(name="map", description="A U.S. tile map of current law, of legislation, or of one criterion")
    @app_commands.describe(
        layer="Current law's score (default) or where bills stand",
        criterion="Colour current law by this criterion's verdict",
        public=PUBLIC,
    )
    @app_commands.choices(
        layer=[
            app_commands.Choice(name="Current law (the law in force)", value="current-law"),
            app_commands.Choice(name="Legislation (where bills stand)", value="legislation"),
        ]
    )
    async def map(
        self,
        interaction: discord.Interaction[QiBot],
        layer: str = "current-law",
        criterion: Criterion | None = None,
        public: bool = True,
    ) -> None:
        outcome = "ok"
        if public and not self._allow_public(interaction):
            public, outcome = False, "cooldown-private"
        kb = self.bot.responder.kb
        layer = f"criterion:{criterion}" if criterion else ("legislation" if layer == "legislation" else "current-law")
        t = words(interaction)
        deferred = not is_cached(kb, layer, t)
        if deferred:
            await interaction.response.defer(thinking=True, ephemeral=not public)
            png, data = await asyncio.to_thread(render_map, kb, layer, t)
        else:
            png, data = render_map(kb, layer, t)
        text = map_text(kb, data, t)
        filename = f"qi-map-{layer.replace(':', '-')}.png"
        file = discord.File(io.BytesIO(png), filename=filename, description=text.alt_text)
        if deferred:
            await interaction.followup.send(text.content, file=file, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(
                text.content, file=file, ephemeral=not public, allowed_mentions=NO_PINGS
            )
        self.bot.log_interaction(interaction, "map", outcome)


async def setup(bot: QiBot) -> None:
    await bot.add_cog(Map(bot))
