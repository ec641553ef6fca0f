"""The central app-command error handler (modelled on Red-DiscordBot's tree): short private messages,
tracebacks only in the log."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.discord.locale import reply_locale
from bot.discord.respond import reply_private
from bot.render.discord_embeds import page_embed
from bot.replies import build
from bot.replies.responder import templates_for
from bot.replies.templates import TemplateProblem
from bot.store import StoreUnavailable

if TYPE_CHECKING:
    from bot.discord.app import QiBot

log = logging.getLogger(__name__)


class LookupMiss(Exception):
    """Raised by a transformer when input matched nothing; carries the suggestions."""

    def __init__(self, query: str, what: str, suggestions: tuple) -> None:
        super().__init__(query)
        self.query, self.what, self.suggestions = query, what, suggestions


def describe(error: Exception) -> tuple[str, str, dict[str, object]]:
    """(outcome label for the log, the message's key in ``responses/<language>.yaml``, its values)."""
    if isinstance(error, app_commands.CommandInvokeError) and isinstance(error.original, app_commands.AppCommandError):
        error = error.original  # a check raised inside a command body
    chain = [error, getattr(error, "original", None), error.__cause__]
    original = next((e for e in chain if isinstance(e, StoreUnavailable | TemplateProblem)), chain[1] or error)
    if isinstance(error, app_commands.NoPrivateMessage):
        return "denied", "errors.guild_only", {}
    if isinstance(error, app_commands.MissingAnyRole | app_commands.MissingRole | app_commands.MissingPermissions):
        return "denied", "errors.denied", {}
    if isinstance(error, app_commands.BotMissingPermissions):
        needed = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return "bot-missing-permissions", "errors.bot_missing", {"needed": needed}
    if isinstance(error, app_commands.CommandOnCooldown):
        return "cooldown", "errors.cooldown", {"seconds": f"{error.retry_after:.0f}"}
    if isinstance(error, app_commands.CheckFailure):
        return "denied", "errors.denied", {}
    if isinstance(error, app_commands.CommandNotFound):
        return "not-found", "errors.outdated", {}
    if isinstance(original, StoreUnavailable):
        return "store-down", "errors.store_down", {}
    if isinstance(original, TemplateProblem):
        return "template-error", "errors.template", {}
    if isinstance(error, app_commands.TransformerError):
        return "bad-input", "errors.bad_value", {"value": str(error.value)[:100]}
    return "error", "errors.unexpected", {}


class QiTree(app_commands.CommandTree):
    """Command tree with one error handler for every app command; stamps each interaction's start."""

    async def interaction_check(self, interaction: discord.Interaction[QiBot]) -> bool:
        interaction.extras["t0"] = time.perf_counter()
        interaction.client.last_activity = asyncio.get_running_loop().time()  # type: ignore[attr-defined]
        return True

    async def on_error(self, interaction: discord.Interaction[QiBot], error: app_commands.AppCommandError) -> None:
        bot: QiBot = interaction.client
        miss = error.__cause__ if isinstance(error, app_commands.TransformerError) else None
        t = templates_for(reply_locale(interaction))
        if isinstance(miss, LookupMiss):
            reply = build.not_found_reply(miss.query, miss.what, miss.suggestions, t)
            await send_private(interaction, embed=page_embed(reply, 0, t))
            bot.log_interaction(interaction, None, "miss")
            return
        if expired(error):  # answered after Discord's 3-second deadline: nobody is left to tell
            bot.log_interaction(interaction, None, "expired")
            return
        outcome, key, values = describe(error)
        if outcome in ("error", "template-error"):
            log.error("unexpected error in %s", _name(interaction), exc_info=error)
        await send_private(interaction, content=t.render(key, **values))
        bot.log_interaction(interaction, None, outcome)


def expired(error: Exception) -> bool:
    """True when Discord no longer knows the interaction (10062: its token expired, the deadline passed).
    Answering again would fail the same way, and a traceback per late interaction made a late burst later."""
    original = getattr(error, "original", error)
    return isinstance(original, discord.NotFound) and original.code == 10062


def _name(interaction: discord.Interaction[QiBot]) -> str:
    command = interaction.command
    return command.qualified_name if command else (interaction.data or {}).get("custom_id", "?")


async def send_private(interaction: discord.Interaction[QiBot], **kwargs) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred."""
    try:
        await reply_private(interaction, **kwargs)
    except discord.HTTPException as exc:
        log.warning("could not send an error message for %s: %s", _name(interaction), exc)


def reported(callback: Callable[[Any, discord.Interaction], Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """A button's callback whose errors (a database that is down, ...) reach the central handler: a short private
    message for the member and a log line, as for commands."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction) -> None:
        try:
            await callback(self, interaction)
        except Exception as exc:
            await interaction.client.tree.on_error(interaction, exc)  # type: ignore[arg-type]

    return wrapper
