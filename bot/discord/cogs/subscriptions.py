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
from bot.discord.app import QiBot
from bot.discord.checks import member_has_configured_role
from bot.discord.locale import server_words, words
from bot.discord.notices import NoticeSender
from bot.discord.respond import say, say_private
from bot.discord.transformers import Jurisdiction
from bot.kb.diff import KBDiff
from bot.kb.snapshot import KnowledgeBase
from bot.replies import changes
from bot.replies.fit import clip
from bot.replies.responder import languages, templates_for
from bot.replies.templates import Templates

log = logging.getLogger(__name__)


def notice_text(diff: KBDiff, kb: KnowledgeBase, jid: str, t: Templates) -> str:
    """ "Connecticut changed: attorney fees: verdict No → Partial. Ask /state CT for the full reply." """
    j = kb.jurisdictions.get(jid)
    name, postal = (j.name, j.postal) if j else (jid.upper(), jid.upper())
    lines = "; ".join(changes.summary_lines(diff, kb, jid, t))
    return clip(t.render("subscriptions.notice", name=name, lines=lines, postal=postal), limits.MESSAGE_CONTENT)


class Subscriptions(commands.Cog):
    """Members follow by DM; organizers subscribe a channel."""

    def __init__(self, bot: QiBot) -> None:
        self.bot = bot
        self._tasks: set[asyncio.Task] = set()
        self.sender = NoticeSender(bot, bot.store, lambda guild_id: server_words(bot, guild_id).locale)
        live = bot.knowledge
        if hasattr(live, "on_change"):
            live.on_change(self._changed)

    async def cog_load(self) -> None:
        every = self.bot.settings.scheduler_seconds
        if every and self.bot.store is not None:
            self.drain.change_interval(seconds=every)
            self.drain.start()

    async def cog_unload(self) -> None:
        self.drain.cancel()

    @tasks.loop(seconds=15)
    async def drain(self) -> None:
        """Send notices left pending by a process that stopped mid-batch (their lease expired)."""
        await self.deliver()

    @drain.before_loop
    async def _drain_once_connected(self) -> None:
        await self.bot.wait_until_ready()  # not while the client starts: a burst may come right after READY

    def _changed(self, diff: KBDiff, kb: KnowledgeBase) -> None:
        task = asyncio.get_running_loop().create_task(self.notify(diff, kb))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def notify(self, diff: KBDiff, kb: KnowledgeBase) -> int:
        """Queue one notice per subscriber of each changed jurisdiction, then send; returns how many this
        process sent (every process that sees the change does this; each notice goes once). The text is
        written in every language; each notice goes in its server's (a DM: the default)."""
        texts = {
            (jid, lang): notice_text(diff, kb, jid, templates_for(lang))
            for jid in diff.jurisdictions()
            for lang in languages()
        }
        try:
            await self.bot.store.enqueue_notices(kb.version, texts)
        except Exception:
            log.exception("subscriptions: could not queue notices")
            return 0
        return await self.deliver()

    async def deliver(self) -> int:
        """Send pending notices in batches, paced under Discord's global rate limit."""
        try:
            stats = await deliver_notices(
                self.bot.store, self.sender.send, pacer=self.bot.pacer, now=lambda: dt.datetime.now(dt.UTC)
            )
        except Exception:
            log.exception("subscriptions: sending notices failed; pending ones are sent later")
            return 0
        if stats.claimed:
            log.info("subscriptions: %d notices sent, %d failed", stats.sent, stats.failed)
        return stats.sent

    def _target(self, interaction: discord.Interaction[QiBot], channel: discord.TextChannel | None) -> tuple[str, int]:
        if channel is None:
            return "user", interaction.user.id
        member_has_configured_role(interaction, "organizer")
        return "channel", channel.id

    @app_commands.command(name="subscribe", description="Get a short notice when a jurisdiction's data changes")
    @app_commands.describe(
        jurisdiction="State, DC or NYC", channel="Organizers: notify a channel instead of you (by DM)"
    )
    async def subscribe(
        self,
        interaction: discord.Interaction[QiBot],
        jurisdiction: Jurisdiction,
        channel: discord.TextChannel | None = None,
    ) -> None:
        kind, target = self._target(interaction, channel)
        new = await self.bot.store.subscribe(
            jurisdiction=jurisdiction,
            target_kind=kind,
            target_id=target,
            guild_id=interaction.guild_id,
            by=interaction.user.id,
        )
        t = words(interaction)
        where = channel.mention if channel else t.render("subscriptions.you_by_dm")
        name = self.bot.knowledge().jurisdictions[jurisdiction].name
        await say(interaction, "subscriptions.subscribed" if new else "subscriptions.already", name=name, where=where)

    @app_commands.command(name="unsubscribe", description="Stop notices for a jurisdiction")
    @app_commands.describe(jurisdiction="State, DC or NYC", channel="Organizers: the channel to unsubscribe")
    async def unsubscribe(
        self,
        interaction: discord.Interaction[QiBot],
        jurisdiction: Jurisdiction,
        channel: discord.TextChannel | None = None,
    ) -> None:
        kind, target = self._target(interaction, channel)
        done = await self.bot.store.unsubscribe(jurisdiction=jurisdiction, target_kind=kind, target_id=target)
        await say(interaction, "subscriptions.unsubscribed" if done else "subscriptions.no_such")

    @app_commands.command(name="subscriptions", description="What you (and this channel) follow")
    async def subscriptions(self, interaction: discord.Interaction[QiBot]) -> None:
        store = self.bot.store
        mine = await store.subscriptions(target_kind="user", target_id=interaction.user.id)
        here = (
            await store.subscriptions(target_kind="channel", target_id=interaction.channel_id)
            if interaction.guild_id
            else []
        )
        t = words(interaction)
        nothing = t.render("subscriptions.nothing")
        lines = [t.render("subscriptions.you_follow", names=", ".join(s.jurisdiction.upper() for s in mine) or nothing)]
        if interaction.guild_id:
            names = ", ".join(s.jurisdiction.upper() for s in here) or nothing
            lines.append(t.render("subscriptions.channel_follows", names=names))
        await say_private(interaction, "\n".join(lines))


async def setup(bot: QiBot) -> None:
    await bot.add_cog(Subscriptions(bot))
