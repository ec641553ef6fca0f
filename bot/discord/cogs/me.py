"""/me district · show · forget: what qibot keeps about a member (only what they chose), privately.

A saved district is a state, a chamber and a district, never an address. ``/me forget`` deletes it, the
call outcomes counted under the member's hash, their DM notices, and their id on reports they filed.
"""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import QiBot
from bot.discord.errors import reported
from bot.discord.locale import reply_locale, words
from bot.discord.people import (
    Seat,
    chamber_choices,
    directory,
    district_choices,
    resolve_seat,
    seat_words,
    state_name,
)
from bot.discord.respond import NO_PINGS, deliver_text, say_private
from bot.discord.transformers import Jurisdiction
from bot.replies import legislators as people_replies
from bot.replies.legislators import chamber_name
from bot.replies.responder import templates_for

log = logging.getLogger(__name__)
FORGET_KINDS = ("district", "outcomes", "subscriptions", "notices", "reports")


class ForgetButton(discord.ui.DynamicItem[discord.ui.Button], template=r"qibot:forget:(?P<uid>\d{1,20}):(?P<yes>[yn])"):
    """Confirm (or keep) on a member's own ``/me forget``; only that member may press it."""

    def __init__(self, user_id: int, yes: bool, locale: str = "en") -> None:
        t = templates_for(locale)
        super().__init__(
            discord.ui.Button(
                label=t.render("me.forget_button" if yes else "me.forget_cancel_button"),
                style=discord.ButtonStyle.danger if yes else discord.ButtonStyle.secondary,
                custom_id=f"qibot:forget:{user_id}:{'y' if yes else 'n'}",
            )
        )
        self.user_id, self.yes = user_id, yes

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[QiBot], item: discord.ui.Button, match: re.Match[str], /
    ) -> ForgetButton:
        return cls(int(match["uid"]), match["yes"] == "y", reply_locale(interaction))

    @reported
    async def callback(self, interaction: discord.Interaction[QiBot]) -> None:
        t = words(interaction)
        if interaction.user.id != self.user_id:
            await say_private(interaction, t.render("me.not_yours"), "forbidden")
            return
        if not self.yes:
            await interaction.response.edit_message(content=t.render("me.kept"), view=None, allowed_mentions=NO_PINGS)
            interaction.client.log_interaction(interaction, "me-forget", "kept")
            return
        await interaction.response.defer()  # the deletion is a database transaction: never miss the deadline
        deleted = await interaction.client.store.forget_member(self.user_id)
        log.info("me forget: member %s: %s", self.user_id, deleted)
        parts = [t.render(f"me.kinds.{kind}", n=deleted[kind]) for kind in FORGET_KINDS if deleted.get(kind)]
        text = t.render("me.forgotten", parts="; ".join(parts)) if parts else t.render("me.forgotten_nothing")
        await interaction.edit_original_response(content=text, view=None, allowed_mentions=NO_PINGS)
        interaction.client.log_interaction(interaction, "me-forget", "ok")


class Me(commands.GroupCog, group_name="me", group_description="What qibot keeps about you (only what you chose)"):
    """Every reply is private; nothing here needs a role (it is the member's own data)."""

    def __init__(self, bot: QiBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ForgetButton)

    async def _chamber_autocomplete(
        self, interaction: discord.Interaction[QiBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await chamber_choices(interaction, current, words(interaction))

    async def _district_autocomplete(
        self, interaction: discord.Interaction[QiBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await district_choices(interaction, current)

    @app_commands.command(
        name="district", description="Save your state legislative district, privately (never an address)"
    )
    @app_commands.describe(
        state="Your state (e.g. CT)", chamber="house, senate, assembly…", district="Your district (e.g. 113)"
    )
    @app_commands.autocomplete(chamber=_chamber_autocomplete, district=_district_autocomplete)
    async def district(
        self, interaction: discord.Interaction[QiBot], state: Jurisdiction, chamber: str, district: str
    ) -> None:
        t = words(interaction)
        if getattr(self.bot, "people", None) is None:  # the first use reads the snapshot: answer Discord first
            await interaction.response.defer(ephemeral=True, thinking=True)
        people = await directory(self.bot)
        seat = resolve_seat(self.bot, people, t, state, chamber, district)
        if not isinstance(seat, Seat):
            await say_private(interaction, seat, "invalid")
            log.info("me district: not saved (no such seat)")
            return
        found: Seat = seat

        async def save() -> str:
            await self.bot.store.save_district(interaction.user.id, found.state, found.chamber, found.district)
            chamber_word = chamber_name(found.state, found.chamber, t)
            names = ", ".join(
                t.render("call.legislator", title=people_replies.title_text(p, t), name=p.name, party=p.party)
                for p in people.members(found.state, found.chamber, found.district)
            )
            return "\n".join(
                (
                    t.render(
                        "me.saved",
                        state=state_name(self.bot, found.state),
                        chamber=chamber_word,
                        seat=seat_words(t, found.district),
                    ),
                    t.render("me.saved_members", chamber=chamber_word, names=names),
                )
            )

        await deliver_text(interaction, save, defer_after=self.bot.settings.defer_after_seconds)
        self.bot.log_interaction(interaction, None, "ok")

    @app_commands.command(name="show", description="See what qibot keeps about you")
    async def show(self, interaction: discord.Interaction[QiBot]) -> None:
        t = words(interaction)
        store = self.bot.store

        async def read() -> str:
            saved = await store.member_district(interaction.user.id)
            count = await store.member_outcome_count(interaction.user.id)
            subs = await store.subscriptions(target_kind="user", target_id=interaction.user.id)
            if saved is None:
                lines = [t.render("me.show_none")]
            else:
                lines = [
                    t.render(
                        "me.show",
                        state=state_name(self.bot, saved.state),
                        chamber=chamber_name(saved.state, saved.chamber, t),
                        seat=seat_words(t, saved.district),
                    )
                ]
            lines.append(t.render("me.show_outcomes", count=count))
            if subs:
                lines.append(t.render("me.show_subscriptions", names=", ".join(s.jurisdiction.upper() for s in subs)))
            reports = await store.member_report_count(interaction.user.id)
            if reports:
                lines.append(t.render("me.show_reports", count=reports))
            lines.append(t.render("me.show_privacy"))
            return "\n".join(lines)

        await deliver_text(interaction, read, defer_after=self.bot.settings.defer_after_seconds)
        self.bot.log_interaction(interaction, None, "ok")

    @app_commands.command(name="forget", description="Delete everything qibot keeps about you")
    async def forget(self, interaction: discord.Interaction[QiBot]) -> None:
        locale = reply_locale(interaction)
        view = discord.ui.View(timeout=None)
        view.add_item(ForgetButton(interaction.user.id, True, locale))
        view.add_item(ForgetButton(interaction.user.id, False, locale))
        view.stop()  # dispatched by custom id (survives a restart); nothing kept per message
        await say_private(interaction, templates_for(locale).render("me.forget_confirm"), view=view)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Me(bot))
