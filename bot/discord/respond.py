"""Deliver a reply: defer when building may pass Discord's deadline, keep misses private, never ping."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import discord

from bot.discord.locale import words
from bot.discord.views import rendered
from bot.replies.model import Reply

if TYPE_CHECKING:
    from bot.discord.app import QiBot

NO_PINGS = discord.AllowedMentions.none()
T = TypeVar("T")


async def in_time(
    interaction: discord.Interaction[QiBot], work: Awaitable[T], *, defer_after: float, ephemeral: bool = True
) -> tuple[T, bool]:
    """Await ``work``; when it is not done within ``defer_after`` seconds and nothing has answered the
    interaction yet, defer ("thinking…") first, so Discord's 3-second deadline is never missed. Returns the
    result and whether this call deferred (the answer then goes as a follow-up)."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=defer_after)
    deferred = not done and not interaction.response.is_done()
    if deferred:
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    return await task, deferred


async def deliver(
    interaction: discord.Interaction[QiBot],
    reply: Reply | Awaitable[Reply],
    *,
    public: bool,
    defer_after: float,
    locale: str,
) -> Reply:
    """Send a reply. When it is still being built (an awaitable) and not ready within ``defer_after``
    seconds, defer first and follow up. Misses and errors are always private. Returns the reply sent."""
    deferred = False
    if inspect.isawaitable(reply):
        reply, deferred = await in_time(interaction, reply, defer_after=defer_after, ephemeral=not public)
    private = reply.private or not public
    embed, view = rendered(reply, 0, locale)
    kwargs: dict = {"embed": embed, "allowed_mentions": NO_PINGS}
    if view is not None:
        kwargs["view"] = view
    if not deferred:
        await interaction.response.send_message(ephemeral=private, **kwargs)
    elif private and public:  # a public "thinking…" cannot turn private: remove it, answer privately
        await interaction.delete_original_response()
        await interaction.followup.send(ephemeral=True, **kwargs)
    else:
        await interaction.followup.send(**kwargs)
    return reply


async def deliver_text(
    interaction: discord.Interaction[QiBot], make: Callable[[], Awaitable[str]], *, defer_after: float
) -> None:
    """Private text reply for work that may be slow (a database write): defers when needed."""
    answered = interaction.response.is_done()  # already deferred: do the work and follow up
    text, deferred = await in_time(interaction, make(), defer_after=defer_after)
    if answered or deferred:
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


async def reply_private(interaction: discord.Interaction[QiBot], content: str | None = None, **kwargs) -> None:
    """Answer privately, whether or not the interaction was already answered or deferred; never pings."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


async def say_private(interaction: discord.Interaction[QiBot], text: str, outcome: str = "ok", **kwargs) -> None:
    """A private answer plus the interaction's log line (the cogs' usual way to reply with text)."""
    await reply_private(interaction, text, **kwargs)
    interaction.client.log_interaction(interaction, None, outcome)


async def say(interaction: discord.Interaction[QiBot], key: str, outcome: str = "ok", /, **context: object) -> None:
    """A private answer from the catalogue (``key`` in ``responses/<language>.yaml``) plus the log line."""
    await say_private(interaction, words(interaction).render(key, **context), outcome)
