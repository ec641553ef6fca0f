"""Fit text into Discord's limits by splitting into pages, never by failing."""

from __future__ import annotations

import re

from bot import limits
from bot.replies.model import Field, Page

PAGE_FOOTER_RESERVE = 24  # room for " · page 10/10" added by renderers
SAFE_TOTAL = limits.EMBED_TOTAL - PAGE_FOOTER_RESERVE


_MENTION = re.compile(r"@(everyone|here)\b|<@([!&]?)(\d+)>|<#(\d+)>")


def neutralize_mentions(text: str) -> str:
    """Show mentions as inert text ("@\u200beveryone", "@user", "@role"), so a reply copied or forwarded
    anywhere never pings; Discord replies also send AllowedMentions.none()."""

    def inert(match: re.Match[str]) -> str:
        if match.group(1):
            return "@\u200b" + match.group(1)
        if match.group(4):
            return "#channel"
        return "@role" if match.group(2) == "&" else "@user"

    return _MENTION.sub(inert, text)


def clip(text: str, size: int) -> str:
    """Cut ``text`` to ``size`` characters at a word boundary, marking the cut with an ellipsis."""
    if len(text) <= size:
        return text
    cut = text[: size - 1]
    space = cut.rfind(" ")
    if space > size * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def chunk_lines(lines: list[str], size: int) -> list[str]:
    """Join lines into blocks of at most ``size`` characters, clipping any single over-long line."""
    blocks: list[str] = []
    current = ""
    for line in lines:
        line = clip(line, size)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            blocks.append(current)
            current = line
        else:
            current = candidate
    if current:
        blocks.append(current)
    return blocks


def paginate(
    title: str, description: str, fields: list[Field], footer: str = "", *, fields_per_page: int = 25
) -> tuple[Page, ...]:
    """Split fields across as few pages as fit; the description is shown on the first page only."""
    title = clip(title, limits.EMBED_TITLE)
    description = clip(description, limits.EMBED_DESCRIPTION)
    footer = clip(footer, limits.FOOTER - PAGE_FOOTER_RESERVE)
    fields = [Field(clip(f.name, limits.FIELD_NAME), clip(f.value, limits.FIELD_VALUE), f.inline) for f in fields]
    pages: list[Page] = []
    current: list[Field] = []
    size = len(title) + len(description) + len(footer)
    per_page = min(fields_per_page, limits.EMBED_FIELDS)
    for f in fields:
        f_size = len(f.name) + len(f.value)
        if current and (size + f_size > SAFE_TOTAL or len(current) >= per_page):
            pages.append(Page(title, description if not pages else "", tuple(current), footer))
            current, size = [], len(title) + len(footer)
        current.append(f)
        size += f_size
    pages.append(Page(title, description if not pages else "", tuple(current), footer))
    return tuple(pages)
