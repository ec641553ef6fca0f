"""`qibot run`: settings, knowledge base, store, then the Discord client."""

from __future__ import annotations

import asyncio
import logging
import sys

import discord
import yarl

from bot.kb.live import LiveKnowledge
from bot.settings import Settings, SettingsError, load_settings
from bot.store import Store

log = logging.getLogger("qibot")


def point_at(settings: Settings) -> None:
    """Re-point discord.py at another Discord (a local fake in tests); a no-op in production."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


async def start(settings: Settings) -> int:
    from bot.cli import load_or_explain
    from bot.discord.app import make_bot

    kb = load_or_explain(settings.knowledge_path)
    if kb is None:
        return 1
    store = await Store.open_degraded(settings.sqlalchemy_url, migrate_out_of_process=True)
    point_at(settings)
    bot = make_bot(settings, LiveKnowledge(settings.knowledge_path, kb), store)
    try:
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())  # type: ignore[union-attr]
    except discord.LoginFailure:
        print("qibot: Discord rejected the token (DISCORD_TOKEN); check it and try again.", file=sys.stderr)
        return 1
    return 0


def run_bot() -> int:
    try:
        settings = load_settings(require_token=True)
    except SettingsError as exc:
        print(f"qibot: {exc}", file=sys.stderr)
        return 2
    logging.getLogger().setLevel(settings.log_level)
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLogger().level))
    try:
        return asyncio.run(start(settings))
    except KeyboardInterrupt:
        return 0
