"""Render the neutral reply model as discord.py embeds and link buttons."""

from __future__ import annotations

import discord

from bot import limits
from bot.replies.model import Reply, Tone

COLOURS = {
    Tone.NEUTRAL: discord.Colour(0x4E79A7),
    Tone.YES: discord.Colour(0x1B7837),
    Tone.PARTIAL: discord.Colour(0xB8860B),
    Tone.NO: discord.Colour(0x762A83),
    Tone.UNKNOWN: discord.Colour(0x7F7F7F),
    Tone.ERROR: discord.Colour(0x9E9E9E),
}


def page_embed(reply: Reply, index: int = 0) -> discord.Embed:
    """One page of a reply as an embed; the footer says which page it is."""
    page = reply.pages[index]
    embed = discord.Embed(title=page.title, description=page.description or None, colour=COLOURS[reply.tone])
    for field in page.fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    footer = page.footer
    if len(reply.pages) > 1:
        footer = f"{footer} · page {index + 1}/{len(reply.pages)}" if footer else f"page {index + 1}/{len(reply.pages)}"
    if footer:
        embed.set_footer(text=footer)
    if len(embed) > limits.EMBED_TOTAL:  # the reply model already paginates; this is a last guard
        raise ValueError(f"embed of {len(embed)} characters exceeds Discord's {limits.EMBED_TOTAL}")
    return embed


def link_buttons(reply: Reply, room: int) -> list[discord.ui.Button]:
    """Link buttons for the reply's sources, at most ``room`` of them."""
    return [
        discord.ui.Button(style=discord.ButtonStyle.link, label=link.label[: limits.BUTTON_LABEL], url=link.url)
        for link in reply.links[:room]
    ]
