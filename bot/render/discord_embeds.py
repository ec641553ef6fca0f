"""Render the neutral reply model as discord.py embeds and link buttons."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import discord

from bot import limits
from bot.kb.schema import ActionLink
from bot.replies.fit import neutralize_mentions
from bot.replies.language import DEFAULT_LOCALE
from bot.replies.model import Reply, Tone
from bot.replies.responder import templates_for
from bot.replies.templates import Templates


class ActionMessage(Protocol):
    """What a call to action carries (bot.actions.render.ActionMessage; named here so render stays below it)."""

    prompt_id: str
    title: str
    text: str
    links: tuple[ActionLink, ...]
    event_unix: int | None
    event_label: str | None


COLOURS = {
    Tone.NEUTRAL: discord.Colour(0x4E79A7),
    Tone.YES: discord.Colour(0x1B7837),
    Tone.PARTIAL: discord.Colour(0xB8860B),
    Tone.NO: discord.Colour(0x762A83),
    Tone.UNKNOWN: discord.Colour(0x7F7F7F),
    Tone.ERROR: discord.Colour(0x9E9E9E),
}


def page_embed(reply: Reply, index: int = 0, t: Templates | None = None) -> discord.Embed:
    """One page of a reply as an embed; the footer says which page it is (in ``t``'s language)."""
    page = reply.pages[index]
    description = neutralize_mentions(page.description) if page.description else None
    embed = discord.Embed(title=neutralize_mentions(page.title), description=description, colour=COLOURS[reply.tone])
    for field in page.fields:
        name, value = neutralize_mentions(field.name), neutralize_mentions(field.value)
        embed.add_field(name=name, value=value, inline=field.inline)
    footer = page.footer
    if len(reply.pages) > 1:
        page_of = (t or templates_for(DEFAULT_LOCALE)).render("page", n=index + 1, total=len(reply.pages))
        footer = f"{footer} · {page_of}" if footer else page_of
    if footer:
        embed.set_footer(text=footer)
    if len(embed) > limits.EMBED_TOTAL:  # the reply model already paginates; this is a last guard
        raise ValueError(f"embed of {len(embed)} characters exceeds Discord's {limits.EMBED_TOTAL}")
    return embed


def link_buttons(reply: Reply, room: int) -> list[discord.ui.Button[discord.ui.View]]:
    """Link buttons for the reply's sources, at most ``room`` of them."""
    return [
        discord.ui.Button(style=discord.ButtonStyle.link, label=link.label[: limits.BUTTON_LABEL], url=link.url)
        for link in reply.links[:room]
    ]


def action_embed(msg: ActionMessage, t: Templates, *, late_for: int | None = None) -> discord.Embed:
    """A call to action as an embed: the text, then the event time as a Discord timestamp (local to each reader)."""
    lines = [neutralize_mentions(msg.text)]
    if msg.event_unix:
        label = msg.event_label or t.render("actions.embed.when")
        when, relative = f"<t:{msg.event_unix}:F>", f"<t:{msg.event_unix}:R>"
        lines.append(t.render("actions.embed.event", label=label, when=when, relative=relative))
    if late_for:
        lines.append(t.render("actions.embed.late", when=f"<t:{late_for}:f>"))
    embed = discord.Embed(
        title=msg.title, description="\n\n".join(lines)[: limits.EMBED_DESCRIPTION], colour=COLOURS[Tone.NEUTRAL]
    )
    embed.set_footer(text=t.render("actions.embed.footer", prompt=msg.prompt_id))
    return embed


def link_view(links: Iterable[ActionLink]) -> discord.ui.View | None:
    """Up to five link buttons on one row (no interactions, nothing kept in memory)."""
    if not links:
        return None
    view = discord.ui.View(timeout=None)
    for link in list(links)[: limits.BUTTONS_PER_ROW]:
        view.add_item(
            discord.ui.Button(style=discord.ButtonStyle.link, label=link.label[: limits.BUTTON_LABEL], url=link.url)
        )
    view.stop()
    return view


def action_message(msg: ActionMessage, t: Templates, *, late_for: int | None = None) -> dict[str, Any]:
    """Keyword arguments for sending a call to action: its embed and, when it has links, the link buttons."""
    kwargs: dict[str, Any] = {"embed": action_embed(msg, t, late_for=late_for)}
    view = link_view(msg.links)
    if view is not None:
        kwargs["view"] = view
    return kwargs
