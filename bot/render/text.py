"""Render a reply as plain terminal text (the offline console and `qibot ask`)."""

from __future__ import annotations

import re
import textwrap

from bot.replies.fit import neutralize_mentions
from bot.replies.language import DEFAULT_LOCALE
from bot.replies.model import Page, Reply
from bot.replies.responder import templates_for
from bot.replies.templates import Templates

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def plain(markdown: str) -> str:
    """Discord markdown to plain text: links become "label <url>", bold markers go, mentions are inert."""
    return neutralize_mentions(_BOLD.sub(r"\1", _LINK.sub(r"\1 <\2>", markdown)))


def _wrap(text: str, indent: str = "", width: int = 100) -> str:
    lines = []
    for line in plain(text).splitlines():
        if not line.strip():
            lines.append("")
            continue
        lines.extend(
            textwrap.wrap(
                line,
                width=width,
                initial_indent=indent,
                subsequent_indent=indent + ("  " if line.startswith(">") else ""),
                break_on_hyphens=False,
            )
            or [indent]
        )
    return "\n".join(lines)


def render_page(page: Page) -> str:
    """One page as text."""
    out = [page.title, "=" * min(len(page.title), 100)]
    if page.description:
        out += [_wrap(page.description), ""]
    for field in page.fields:
        out += [plain(field.name), _wrap(field.value, "  "), ""]
    if page.footer:
        out.append(plain(page.footer))
    return "\n".join(out).rstrip()


def render_text(reply: Reply, t: Templates | None = None) -> str:
    """The whole reply as text: every page, then the links (page numbers in ``t``'s language)."""
    t = t or templates_for(DEFAULT_LOCALE)
    parts = []
    for number, page in enumerate(reply.pages, 1):
        text = render_page(page)
        if len(reply.pages) > 1:
            text += " · " + t.render("page", n=number, total=len(reply.pages))
        parts.append(neutralize_mentions(text))
    if reply.links:
        parts.append(
            t.render("links_heading") + "\n" + "\n".join(f"  {link.label}: {link.url}" for link in reply.links)
        )
    return "\n\n".join(parts)
