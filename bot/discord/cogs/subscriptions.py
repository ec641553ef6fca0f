"""/subscribe, /unsubscribe, /subscriptions: follow a jurisdiction; get one notice when its data changes."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import limits
from bot.actions.fanout import deliver_notices
from bot.discord.checks import member_has_configured_role
from bot.discord.notices import NoticeSender
from bot.discord.respond import say_private
from bot.discord.transformers import Jurisdiction
from bot.kb.diff import KBDiff
from bot.kb.snapshot import KnowledgeBase
from bot.replies.fit import clip

log = logging.getLogger(__name__)


def notice_text(diff: KBDiff, kb: KnowledgeBase, jid: str) -> str:
    """ "Connecticut changed: attorney fees: verdict No → Partial. Ask /state CT for the full reply." """
    j = kb.jurisdictions.get(jid)
    name, postal = (j.name, j.postal) if j else (jid.upper(), jid.upper())
    lines = "; ".join(diff.summary_lines(jid))
    return clip(
        f"**{name}** changed in qibot's knowledge base: {lines}. Ask `/state {postal}` for the full reply.",
        limits.MESSAGE_CONTENT,
    )


class Subscriptions(commands.Cog):
    """Members follow by DM; organizers subscribe a channel."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self._tasks: set[asyncio.Task] = set()
        self.sender = NoticeSender(bot, bot.store)  # type: ignore[attr-defined]
        live = bot.knowledge  # type: ignore[attr-defined]
        if hasattr(live, "on_change"):
            live.on_change(self._changed)

    async def cog_load(self) -> None:
        every = self.bot.settings.scheduler_seconds  # type: ignore[attr-defined]
        if every and self.bot.store is not None:  # type: ignore[attr-defined]
            self.drain.change_interval(seconds=every)
            self.drain.start()

    async def cog_unload(self) -> None:
        self.drain.cancel()

    @tasks.loop(seconds=15)
    async def drain(self) -> None:
        """Send notices left pending by a process that stopped mid-batch (their lease expired)."""
        await self.deliver()

    def _changed(self, diff: KBDiff, kb: KnowledgeBase) -> None:
        task = asyncio.get_running_loop().create_task(self.notify(diff, kb))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def notify(self, diff: KBDiff, kb: KnowledgeBase) -> int:
        """Queue one notice per subscriber of each changed jurisdiction, then send; returns how many this
        process sent (every process that sees the change does this; each notice goes once)."""
        texts = {jid: notice_text(diff, kb, jid) for jid in diff.jurisdictions()}
        try:
            await self.bot.store.enqueue_notices(kb.version, texts)  # type: ignore[attr-defined]
        except Exception:
            log.exception("subscriptions: could not queue notices")
            return 0
        return await self.deliver()

    async def deliver(self) -> int:
        """Send pending notices in batches, paced under Discord's global rate limit."""
        try:
            stats = await deliver_notices(
                self.bot.store,  # type: ignore[attr-defined]
                self.sender.send,
                pacer=self.bot.pacer,  # type: ignore[attr-defined]
                now=lambda: dt.datetime.now(dt.UTC),
            )
        except Exception:
            log.exception("subscriptions: sending notices failed; pending ones are sent later")
            return 0
        if stats.claimed:
            log.info("subscriptions: %d notices sent, %d failed", stats.sent, stats.failed)
        return stats.sent

    def _target(self, interaction: discord.Interaction, channel: discord.TextChannel | None) -> tuple[str, int]:
        if channel is None:
            return "user", interaction.user.id
        member_has_configured_role(interaction, "organizer")
        return "channel", channel.id

    @app_commands.command(name="subscribe", description="Get a short notice when a jurisdiction's data changes")
    @app_commands.describe(
        jurisdiction="State, DC or NYC", channel="Organizers: notify a channel instead of you (by DM)"
    )
    async def subscribe(
        self, interaction: discord.Interaction, jurisdiction: Jurisdiction, channel: discord.TextChannel | None = None
    ) -> None:
        kind, target = self._target(interaction, channel)
        new = await self.bot.store.subscribe(
            jurisdiction=jurisdiction,
            target_kind=kind,
            target_id=target,  # type: ignore[attr-defined]
            guild_id=interaction.guild_id,
            by=interaction.user.id,
        )
        where = channel.mention if channel else "you by DM"
        name = self.bot.knowledge().jurisdictions[jurisdiction].name  # type: ignore[attr-defined]
        await say_private(
            interaction, f"{'Subscribed' if new else 'Already subscribed'}: changes to {name} will notify {where}."
        )

    @app_commands.command(name="unsubscribe", description="Stop notices for a jurisdiction")
    @app_commands.describe(jurisdiction="State, DC or NYC", channel="Organizers: the channel to unsubscribe")
    async def unsubscribe(
        self, interaction: discord.Interaction, jurisdiction: Jurisdiction, channel: discord.TextChannel | None = None
    ) -> None:
        kind, target = self._target(interaction, channel)
        done = await self.bot.store.unsubscribe(jurisdiction=jurisdiction, target_kind=kind, target_id=target)  # type: ignore[attr-defined]
        await say_private(interaction, "Unsubscribed." if done else "There was no such subscription.")

    @app_commands.command(name="subscriptions", description="What you (and this channel) follow")
    async def subscriptions(self, interaction: discord.Interaction) -> None:
        store = self.bot.store  # type: ignore[attr-defined]
        mine = await store.subscriptions(target_kind="user", target_id=interaction.user.id)
        here = (
            await store.subscriptions(target_kind="channel", target_id=interaction.channel_id)
            if interaction.guild_id
            else []
        )
        lines = ["**You follow:** " + (", ".join(s.jurisdiction.upper() for s in mine) or "nothing")]
        if interaction.guild_id:
            lines.append("**This channel follows:** " + (", ".join(s.jurisdiction.upper() for s in here) or "nothing"))
        await say_private(interaction, "\n".join(lines))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Subscriptions(bot))
