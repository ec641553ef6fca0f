"""Call-script calls to action: the public post's "Call your legislators" button shows each member, privately,
their own legislators with the script filled in and outcome buttons that are counted once per member.

Every button is a DynamicItem whose custom id carries what it needs (prompt, legislator, outcome), so posts
keep working after a restart and nothing is kept in memory per message. Nothing personal is posted publicly.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets

import discord
from discord.ext import commands

from bot import limits
from bot.actions.render import render_script
from bot.discord.app import QiBot
from bot.discord.errors import reported
from bot.discord.locale import reply_locale, words
from bot.discord.people import Seat, directory, resolve_seat, seat_words, state_name
from bot.discord.respond import NO_PINGS, deliver_text, in_time, reply_private
from bot.kb.schema import ActionPrompt
from bot.people.model import Legislator
from bot.replies import legislators as people_replies
from bot.replies.fit import clip
from bot.replies.legislators import chamber_name
from bot.replies.responder import templates_for
from bot.replies.templates import TemplateProblem, Templates
from bot.store.members import MemberDistrict

log = logging.getLogger(__name__)
OUTCOME_CODES = {"c": "called", "v": "voicemail", "e": "emailed", "s": "skipped"}
CODE_OF = {v: k for k, v in OUTCOME_CODES.items()}
OUTCOME_EMOJI = {"called": "📞", "voicemail": "📨", "emailed": "✉️", "skipped": "⏭️"}
OCD = "ocd-person/"
MAX_SHOWN = 10  # New Hampshire has ten-member House districts; each member gets a message with a button row


def short_id(legislator_id: str) -> str:
    """Open States ids in a custom id: "ocd-person/<uuid>" as "~<uuid>" (custom ids hold 100 characters)."""
    return "~" + legislator_id.removeprefix(OCD) if legislator_id.startswith(OCD) else legislator_id


def long_id(short: str) -> str:
    return OCD + short[1:] if short.startswith("~") else short


async def find_prompt(bot: QiBot, guild_id: int, name: str) -> ActionPrompt | None:
    """A call-script prompt: a reviewed one, else this server's own."""
    prompt = bot.knowledge().actions.get(name)
    if prompt is None:
        prompt = next((p for p in await bot.store.prompts(guild_id) if p.id == name), None)
    return prompt if prompt is not None and prompt.kind == "call-script" else None


def wants_other_chamber(prompt: ActionPrompt, saved: MemberDistrict | Seat) -> bool:
    """The prompt calls one chamber and the member saved a seat in the other (a unicameral seat always fits)."""
    return prompt.chamber in ("upper", "lower") and saved.chamber not in (prompt.chamber, "legislature")


class CallButton(discord.ui.DynamicItem[discord.ui.Button], template=r"qibot:call:(?P<prompt>[a-z0-9-]{1,40})"):
    """On the public post. Pressing it answers only the member who pressed."""

    def __init__(self, prompt: str, locale: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=templates_for(locale).render("call.button"),
                style=discord.ButtonStyle.primary,
                emoji="📞",
                custom_id=f"qibot:call:{prompt}",
            )
        )
        self.prompt = prompt

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[QiBot], item: discord.ui.Button, match: re.Match[str], /
    ) -> CallButton:
        return cls(match["prompt"], reply_locale(interaction))

    @reported
    async def callback(self, interaction: discord.Interaction[QiBot]) -> None:
        bot = interaction.client
        locale = reply_locale(interaction)
        t = templates_for(locale)
        if interaction.guild_id is None:
            await reply_private(interaction, t.render("call.guild_only"))
            return
        guild_id, user_id = interaction.guild_id, interaction.user.id

        async def look() -> tuple[ActionPrompt | None, MemberDistrict | None]:
            return await find_prompt(bot, guild_id, self.prompt), await bot.store.member_district(user_id)

        # A slow database: defer, and offer the district form by a button if one is needed.
        (prompt, saved), _ = await in_time(interaction, look(), defer_after=bot.settings.defer_after_seconds)
        if prompt is None:
            await reply_private(interaction, t.render("call.no_prompt"))
            bot.log_interaction(interaction, "call", "not-found")
            return
        if saved is None or wants_other_chamber(prompt, saved):
            await ask_for_district(interaction, prompt, t, locale, state=saved.state if saved else "")
            return
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True, thinking=True)
        await show_legislators(interaction, prompt, Seat(saved.state, saved.chamber, saved.district), t)


async def ask_for_district(
    interaction: discord.Interaction[QiBot], prompt: ActionPrompt, t: Templates, locale: str, state: str = ""
) -> None:
    """The district form: directly when the interaction is still unanswered, else behind a button."""
    bot = interaction.client
    if not interaction.response.is_done():
        await interaction.response.send_modal(DistrictModal(prompt.id, t, chamber_hint(prompt, t), state))
        bot.log_interaction(interaction, "call", "form")
        return
    view = discord.ui.View(timeout=None)
    view.add_item(PickButton(prompt.id, locale))
    view.stop()
    key = "call.need_chamber" if prompt.chamber in ("upper", "lower") else "call.need_district"
    await reply_private(interaction, t.render(key, chamber=chamber_hint(prompt, t)), view=view)
    bot.log_interaction(interaction, "call", "need-district")


def chamber_hint(prompt: ActionPrompt, t: Templates) -> str:
    return chamber_name("", prompt.chamber, t) if prompt.chamber in ("upper", "lower") else ""


class PickButton(discord.ui.DynamicItem[discord.ui.Button], template=r"qibot:callpick:(?P<prompt>[a-z0-9-]{1,40})"):
    """Opens the district form (when the first answer had to be a deferral)."""

    def __init__(self, prompt: str, locale: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=templates_for(locale).render("call.pick_button"),
                style=discord.ButtonStyle.primary,
                custom_id=f"qibot:callpick:{prompt}",
            )
        )
        self.prompt = prompt

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[QiBot], item: discord.ui.Button, match: re.Match[str], /
    ) -> PickButton:
        return cls(match["prompt"], reply_locale(interaction))

    @reported
    async def callback(self, interaction: discord.Interaction[QiBot]) -> None:
        t = words(interaction)
        await interaction.response.send_modal(DistrictModal(self.prompt, t, "", ""))


class DistrictModal(discord.ui.Modal):
    """State, chamber and district for one call (``/me district`` saves them; this form does not)."""

    def __init__(self, prompt: str, t: Templates, chamber: str, state: str) -> None:
        super().__init__(
            title=t.render("call.form_title")[: limits.MODAL_TITLE],
            custom_id=f"qibot:callform:{prompt}:{secrets.token_hex(6)}",  # one per opening: forms never collide
        )
        self.prompt = prompt
        self.state = discord.ui.TextInput(
            label=t.render("call.form_state"), max_length=40, default=state.upper() or None
        )
        self.chamber = discord.ui.TextInput(  # optional: DC and Nebraska have one chamber
            label=t.render("call.form_chamber"), max_length=40, default=chamber or None, required=False
        )
        self.district = discord.ui.TextInput(label=t.render("call.form_district"), max_length=80)
        for item in (self.state, self.chamber, self.district):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[QiBot]) -> None:
        bot = interaction.client
        t = words(interaction)
        if interaction.guild_id is None:
            await reply_private(interaction, t.render("call.guild_only"))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        prompt = await find_prompt(bot, interaction.guild_id, self.prompt)
        if prompt is None:
            await reply_private(interaction, t.render("call.no_prompt"))
            return
        people = await directory(bot)
        seat = resolve_seat(bot, people, t, self.state.value, self.chamber.value, self.district.value)
        if not isinstance(seat, Seat):
            log.info("call form: no such seat")  # what the member typed stays out of the log
            await reply_private(interaction, seat)
            bot.log_interaction(interaction, "call-form", "invalid")
            return
        if wants_other_chamber(prompt, seat):  # a seat in the chamber this call is not to
            await reply_private(interaction, t.render("call.need_chamber", chamber=chamber_hint(prompt, t)))
            bot.log_interaction(interaction, "call-form", "other-chamber")
            return
        await show_legislators(interaction, prompt, seat, t)

    async def on_error(self, interaction: discord.Interaction[QiBot], error: Exception) -> None:
        await interaction.client.tree.on_error(interaction, error)


async def show_legislators(
    interaction: discord.Interaction[QiBot], prompt: ActionPrompt, seat: Seat, t: Templates
) -> None:
    """The member's legislators for this seat, each with the script filled in and outcome buttons (private)."""
    bot = interaction.client
    people = await directory(bot)
    members = people.members(seat.state, seat.chamber, seat.district)[:MAX_SHOWN]
    chamber, state = chamber_name(seat.state, seat.chamber, t), state_name(bot, seat.state)
    if not members:
        page = people.find_page(seat.state)
        text = t.render(
            "call.nobody",
            state=state,
            chamber=chamber,
            seat=seat_words(t, seat.district),
            url=page.url if page else None,
            official=bool(page and page.official),
        )
        await reply_private(interaction, text)
        bot.log_interaction(interaction, "call", "nobody")
        return
    kb = bot.knowledge()
    try:
        scripts = await asyncio.to_thread(lambda: [render_script(prompt, kb, p) for p in members])
    except TemplateProblem as exc:
        log.error("call %s: the script could not be rendered: %s", prompt.id, exc)
        await reply_private(interaction, t.render("call.script_error"))
        bot.log_interaction(interaction, "call", "template-error")
        return
    locale = reply_locale(interaction)
    await reply_private(
        interaction,
        t.render("call.intro", title=prompt.title, chamber=chamber, state=state, seat=seat_words(t, seat.district)),
    )
    for person, script in zip(members, scripts, strict=True):
        embed, view = legislator_card(person, script, prompt.id, t, locale)
        await interaction.followup.send(embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS)
    bot.log_interaction(interaction, "call", "ok")


def legislator_card(
    person: Legislator, script: str, prompt: str, t: Templates, locale: str
) -> tuple[discord.Embed, discord.ui.View]:
    """One legislator: name and party, phone and email as text, the script, and a row of outcome buttons."""
    title = t.render("call.legislator", title=people_replies.title_text(person, t), name=person.name,
                     party=person.party)  # fmt: skip
    contact = t.render("call.contact", phone=person.phone, email=person.email)
    embed = discord.Embed(
        title=clip(title, limits.EMBED_TITLE), description=clip(f"{contact}\n\n{script}", limits.EMBED_DESCRIPTION),
        url=person.website or None,
    )  # fmt: skip
    view = discord.ui.View(timeout=None)
    for outcome in OUTCOME_CODES.values():
        view.add_item(OutcomeButton(prompt, person.id, outcome, locale, who=person.name))
    view.stop()
    return embed, view


class OutcomeButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"qibot:co:(?P<prompt>[a-z0-9-]{1,40}):(?P<o>[cves]):(?P<leg>[A-Za-z0-9/~._-]{1,80})",
):
    """Called / left voicemail / emailed / skipped, for one legislator and one prompt; a second press changes
    the member's outcome (the store keeps one row per member, prompt and legislator, under a salted hash)."""

    def __init__(self, prompt: str, legislator_id: str, outcome: str, locale: str = "en", who: str = "") -> None:
        t = templates_for(locale)
        label = t.render(f"call.outcome.{outcome}")
        super().__init__(
            discord.ui.Button(
                label=clip(f"{label} · {who}" if who else label, limits.BUTTON_LABEL),
                emoji=OUTCOME_EMOJI[outcome],
                style=discord.ButtonStyle.success if outcome == "called" else discord.ButtonStyle.secondary,
                custom_id=f"qibot:co:{prompt}:{CODE_OF[outcome]}:{short_id(legislator_id)}",
            )
        )
        self.prompt, self.legislator_id, self.outcome = prompt, legislator_id, outcome

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[QiBot], item: discord.ui.Button, match: re.Match[str], /
    ) -> OutcomeButton:
        return cls(match["prompt"], long_id(match["leg"]), OUTCOME_CODES[match["o"]], reply_locale(interaction))

    @reported
    async def callback(self, interaction: discord.Interaction[QiBot]) -> None:
        bot = interaction.client
        t = words(interaction)
        if interaction.guild_id is None:
            await reply_private(interaction, t.render("call.guild_only"))
            return
        guild_id = interaction.guild_id

        async def record() -> str:
            if await find_prompt(bot, guild_id, self.prompt) is None:  # deleted since: nothing to count
                return t.render("call.no_prompt")
            before = await bot.store.record_outcome(
                guild_id=guild_id,
                prompt=self.prompt,
                legislator_id=self.legislator_id,
                user_id=interaction.user.id,
                outcome=self.outcome,
            )
            word = t.render(f"call.outcome.{self.outcome}")
            if before is None or before == self.outcome:
                return t.render("call.recorded", outcome=word)
            return t.render("call.changed", before=t.render(f"call.outcome.{before}"), outcome=word)

        await deliver_text(interaction, record, defer_after=bot.settings.defer_after_seconds)
        bot.log_interaction(interaction, f"call-outcome:{self.outcome}", "ok")


def call_button_view(prompt: str, locale: str, view: discord.ui.View | None) -> discord.ui.View:
    """The post's view with the "Call your legislators" button first (then its link buttons on their row)."""
    out = discord.ui.View(timeout=None)
    out.add_item(CallButton(prompt, locale))
    for item in view.children if view is not None else ():
        item.row = 1
        out.add_item(item)
    out.stop()
    return out


class Calls(commands.Cog):
    """Registers the call buttons (dispatched by custom id); the commands live in /action and /me."""

    def __init__(self, bot: QiBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(CallButton, PickButton, OutcomeButton)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Calls(bot))
