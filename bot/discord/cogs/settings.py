"""/settings language: a moderator picks the server's default reply language.

The default applies to members whose Discord language has no reply templates (members using English or
Spanish keep their own). Values live in the store and in a small in-memory cache on the bot, filled when a
server becomes available, so answering never waits on the database."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import QiBot
from bot.discord.checks import member_has_configured_role
from bot.discord.locale import guild_locales, reply_locale
from bot.discord.respond import deliver_text
from bot.replies.responder import templates_for

log = logging.getLogger(__name__)

LANGUAGES = {"en": "English", "es": "Español"}


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class ServerSettings(
    commands.GroupCog, group_name="settings", group_description="Moderators: qibot's settings for this server"
):
    def __init__(self, bot: QiBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[QiBot]) -> bool:
        return member_has_configured_role(interaction, "moderator")

    async def cog_load(self) -> None:
        """Every server's default language in one query; per-server queries only if that failed."""
        self._loaded_all = False
        cache = guild_locales(self.bot)
        store = getattr(self.bot, "store", None)
        if store is None:
            return
        try:
            cache.update(await store.guild_locales())
            self._loaded_all = True
        except Exception as exc:
            log.warning("could not read the servers' default languages: %s", exc)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        if not self._loaded_all:  # a server without a row has no default: nothing to ask the database
            await self._load(guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._load(guild.id)

    async def _load(self, guild_id: int) -> None:
        """Fill the cache for one server; a database problem leaves the member-locale behaviour in place."""
        store = getattr(self.bot, "store", None)
        if store is None:
            return
        try:
            guild_locales(self.bot)[guild_id] = await store.guild_locale(guild_id)
        except Exception as exc:
            log.warning("could not read the default language of guild %s: %s", guild_id, exc)

    @app_commands.command(
        name="language", description="Default reply language for members whose Discord language qibot lacks"
    )
    @app_commands.describe(language="The server's default reply language")
    @app_commands.choices(language=[app_commands.Choice(name=name, value=code) for code, name in LANGUAGES.items()])
    async def language(self, interaction: discord.Interaction[QiBot], language: app_commands.Choice[str]) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None  # guild_only

        async def save() -> str:
            store = getattr(self.bot, "store", None)
            if store is None:
                raise RuntimeError("no store configured")
            await store.set_guild_setting(guild_id, locale=language.value)
            guild_locales(self.bot)[guild_id] = language.value
            log.info("guild %s default language set to %s by %s", guild_id, language.value, interaction.user.id)
            t = templates_for(reply_locale(interaction))
            return t.render("settings.language_set", name=LANGUAGES[language.value])

        await deliver_text(interaction, save, defer_after=self.bot.settings.defer_after_seconds)
        self.bot.log_interaction(interaction, None, "ok")


async def setup(bot: QiBot) -> None:
    await bot.add_cog(ServerSettings(bot))
