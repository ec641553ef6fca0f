"""Which language to answer in: the member's Discord locale when we have templates for it, otherwise the
server's default (set by a moderator with /settings language), otherwise the member's locale (which
falls back to English key by key)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import discord

from bot.replies.language import DEFAULT_LOCALE, catalogue_language, language_of
from bot.replies.responder import templates_for
from bot.replies.templates import Templates

if TYPE_CHECKING:
    from bot.discord.app import QiBot

SUPPORTED = ("en", "es")


def has_templates(locale: str) -> bool:
    """True when ``responses/<language>.yaml`` answers a Discord locale ("es-419" -> es.yaml)."""
    return catalogue_language(locale) == language_of(locale)


def guild_locales(client: object) -> dict[int, str | None]:
    """The bot's in-memory cache of server defaults (filled by the settings cog); created on first use."""
    cache_ = getattr(client, "guild_locales", None)
    if cache_ is None:
        cache_ = {}
        with contextlib.suppress(AttributeError):
            client.guild_locales = cache_
    return cache_


def reply_locale(interaction: discord.Interaction[QiBot]) -> str:
    """The locale to build this interaction's reply in (no database access: the cache only)."""
    member = str(interaction.locale)
    if has_templates(member):
        return member
    if interaction.guild_id is not None:
        default = guild_locales(interaction.client).get(interaction.guild_id)
        if default:
            return default
    return member


def words(interaction: discord.Interaction[QiBot]) -> Templates:
    """The catalogue (``responses/<language>.yaml``) in this interaction's language: every word a person reads."""
    return templates_for(reply_locale(interaction))


def server_words(client: object, guild_id: int | None) -> Templates:
    """The catalogue in a server's default language, for what no member asked for in their own: public posts,
    scheduled runs, notices and DMs (a member's Discord language is not known there)."""
    default = guild_locales(client).get(guild_id) if guild_id else None
    return templates_for(default or DEFAULT_LOCALE)
