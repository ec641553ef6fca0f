"""The benchmark's baseline: a minimal discord.py bot that answers every command with a fixed embed.

It registers the same command names and options as qibot, so the fake can drive both identically.
"""

from __future__ import annotations

import os

import discord
import yarl
from discord import app_commands

discord.http.Route.BASE = os.environ["QIBOT_DISCORD_API_BASE"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["QIBOT_DISCORD_GATEWAY_URL"])
GUILD = discord.Object(int(os.environ["QIBOT_DEV_GUILD_ID"]))
EMBED = discord.Embed(title="Fixed", description="A fixed reply.")
CHOICES = [app_commands.Choice(name="Fixed", value="fixed")]


class Baseline(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=1.0)
        self.tree = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return CHOICES

        @self.tree.command(name="state", description="fixed")
        @app_commands.autocomplete(jurisdiction=complete)
        async def state(interaction: discord.Interaction, jurisdiction: str) -> None:
            await interaction.response.send_message(embed=EMBED)

        @self.tree.command(name="criterion", description="fixed")
        @app_commands.autocomplete(criterion=complete)
        async def criterion(interaction: discord.Interaction, criterion: str) -> None:
            await interaction.response.send_message(embed=EMBED)

        self.tree.copy_global_to(guild=GUILD)
        await self.tree.sync(guild=GUILD)

    async def on_ready(self) -> None:
        print(f"READY {self.user}", flush=True)


Baseline().run(os.environ["DISCORD_TOKEN"])  # discord.py's default logging, as a bare bot ships
