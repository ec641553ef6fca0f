"""Stateless buttons (pager, report) whose custom ids carry what they need, so they survive restarts
and keep no per-message state in memory; plus the view that assembles them with link buttons."""

from __future__ import annotations

import logging
import re
import secrets
from collections import OrderedDict
from typing import TYPE_CHECKING

import discord

from bot import limits
from bot.discord.locale import reply_locale
from bot.render.discord_embeds import link_buttons, page_embed
from bot.replies.model import Reply
from bot.replies.responder import templates_for

if TYPE_CHECKING:
    from bot.discord.app import QiBot

log = logging.getLogger(__name__)

PAGEABLE = ("state", "criterion", "compare")


def reply_args(reply: Reply) -> str | None:
    """What a pager needs to rebuild this reply: its jurisdiction, criterion or compared ids."""
    return reply.meta.get(
        {"state": "jurisdiction", "criterion": "criterion", "compare": "jurisdictions"}.get(reply.kind, "")
    )


def rebuild(bot: QiBot, kind: str, arg: str, locale: str) -> Reply:
    """Build a reply again from ids (used by pager clicks)."""
    responder = bot.responder
    if kind == "state":
        return responder.state(arg, locale)
    if kind == "criterion":
        return responder.criterion(arg, locale)
    return responder.compare(arg.split(","), locale)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"qibot:pg:(?P<kind>state|criterion|compare):(?P<arg>[a-z0-9,-]{1,60}):(?P<page>\d{1,3}):(?P<locale>[A-Za-z0-9-]{2,8}):(?P<dir>[pn])",
):
    """Previous / next page. Clicking rebuilds the reply from the live knowledge base."""

    def __init__(self, kind: str, arg: str, page: int, locale: str, direction: str, *, disabled: bool = False) -> None:
        label = templates_for(locale).render("buttons.previous" if direction == "p" else "buttons.next")
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"qibot:pg:{kind}:{arg}:{page}:{locale}:{direction}",
            )
        )
        self.kind, self.arg, self.page, self.locale = kind, arg, page, locale

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[QiBot], item: discord.ui.Button, match: re.Match[str], /
    ) -> PageButton:
        return cls(match["kind"], match["arg"], int(match["page"]), match["locale"], match["dir"])

    async def callback(self, interaction: discord.Interaction[QiBot]) -> None:
        bot: QiBot = interaction.client
        reply = rebuild(bot, self.kind, self.arg, self.locale)
        page = min(self.page, len(reply.pages) - 1)
        embed, view = rendered(reply, page, self.locale)
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=discord.AllowedMentions.none())
        bot.log_interaction(interaction, f"page:{self.kind}", "ok")


class ReportButton(discord.ui.DynamicItem[discord.ui.Button], template=r"qibot:report:(?P<jid>[a-z]{2,4})"):
    """“Report a problem” under a state reply: opens a short form, then records the report."""

    def __init__(self, jid: str, locale: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=templates_for(locale).render("buttons.report"),
                style=discord.ButtonStyle.danger,
                # in the BMP: an astral emoji (a flag) made each payload's JSON string 4 bytes per character
                emoji="\N{WARNING SIGN}\N{VARIATION SELECTOR-16}",
                custom_id=f"qibot:report:{jid}",
            )
        )
        self.jid = jid

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[QiBot], item: discord.ui.Button, match: re.Match[str], /
    ) -> ReportButton:
        return cls(match["jid"], reply_locale(interaction))

    async def callback(self, interaction: discord.Interaction[QiBot]) -> None:
        bot: QiBot = interaction.client
        name = bot.responder.kb.jurisdictions.get(self.jid)
        form = ReportModal(self.jid, name.name if name else self.jid.upper(), reply_locale(interaction))
        await interaction.response.send_modal(form)


class ReportModal(discord.ui.Modal):
    """Asks what looks wrong; the note is optional."""

    def __init__(self, jid: str, name: str, locale: str = "en") -> None:
        t = templates_for(locale)
        super().__init__(
            title=t.render("report_form.title", name=name)[: limits.MODAL_TITLE],
            custom_id=f"qibot:reportform:{jid}:{secrets.token_hex(6)}",  # one per opening: forms never collide
        )
        self.jid = jid
        self.note = discord.ui.TextInput(
            label=t.render("report_form.label"),
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=1000,
            placeholder=t.render("report_form.placeholder"),
        )
        self.add_item(self.note)

    async def on_submit(self, interaction: discord.Interaction[QiBot]) -> None:
        bot: QiBot = interaction.client
        await bot.record_report(interaction, self.jid, self.note.value or "")

    async def on_error(self, interaction: discord.Interaction[QiBot], error: Exception) -> None:
        bot: QiBot = interaction.client
        await bot.tree.on_error(interaction, error)


class FrozenView(discord.ui.View):
    """A stopped view whose component payload is built once: cached replies are sent many times, and
    rebuilding ten buttons' dicts for every send was a tenth of a burst's CPU."""

    _payload: list[dict] | None = None

    def to_components(self) -> list[dict]:
        if self._payload is None:
            self._payload = super().to_components()
        return self._payload


def reply_view(reply: Reply, page: int, locale: str) -> discord.ui.View | None:
    """Pager row (when there are several pages), a report button (state replies) and link buttons.

    The view is stopped before it is returned: its buttons are dispatched by custom id, so nothing
    is kept in memory per message.
    """
    view = FrozenView(timeout=None)
    arg = reply_args(reply)
    rows_used = 0
    if len(reply.pages) > 1 and reply.kind in PAGEABLE and arg:
        view.add_item(PageButton(reply.kind, arg, max(page - 1, 0), locale, "p", disabled=page == 0))
        view.add_item(
            PageButton(
                reply.kind, arg, min(page + 1, len(reply.pages) - 1), locale, "n", disabled=page >= len(reply.pages) - 1
            )
        )
        rows_used = 1
    if reply.subject and reply.kind == "state":
        item = ReportButton(reply.subject, locale)
        item.row = rows_used
        view.add_item(item)
        first_links = limits.BUTTONS_PER_ROW - 1
    else:
        first_links = limits.BUTTONS_PER_ROW
    room = first_links + limits.BUTTONS_PER_ROW * (limits.ROWS_PER_MESSAGE - rows_used - 1)
    for n, button in enumerate(link_buttons(reply, room)):
        button.row = rows_used + (0 if n < first_links else 1 + (n - first_links) // limits.BUTTONS_PER_ROW)
        view.add_item(button)
    if not view.children:
        return None
    view.stop()
    return view


_render_cache_size = 512  # set from the knowledge base by size_render_cache
_rendered: OrderedDict[tuple[int, int, str], tuple[Reply, discord.Embed, discord.ui.View | None]] = OrderedDict()


def size_render_cache(replies: int, jurisdictions: int, languages: int) -> None:
    """Hold the first page of every cached reply, and room for the later pages of each state reply."""
    global _render_cache_size
    _render_cache_size = replies + jurisdictions * languages


def rendered(reply: Reply, page: int, locale: str) -> tuple[discord.Embed, discord.ui.View | None]:
    """The embed and (stopped, stateless) view of one page, cached per reply object.

    Replies are immutable and cached by the responder, so their Discord rendering can be reused; the
    cache holds the reply itself, so an id is never reused while its entry lives.
    """
    key = (id(reply), page, locale)
    hit = _rendered.get(key)
    if hit is not None and hit[0] is reply:
        _rendered.move_to_end(key)
        return hit[1], hit[2]
    embed, view = page_embed(reply, page, templates_for(locale)), reply_view(reply, page, locale)
    _rendered[key] = (reply, embed, view)
    while len(_rendered) > _render_cache_size:
        _rendered.popitem(last=False)
    return embed, view
