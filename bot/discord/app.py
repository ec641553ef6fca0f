"""The Discord client: loads cogs in setup_hook, syncs commands, logs one line per interaction."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import discord
from discord.ext import commands, tasks

from bot.actions.fanout import Pacer
from bot.discord.commandsync import sync_if_changed
from bot.discord.errors import QiTree, send_private
from bot.discord.translator import QiTranslator
from bot.discord.views import PageButton, ReportButton, size_render_cache
from bot.health import write_heartbeat
from bot.kb.gitsync import GitSync
from bot.kb.live import LiveKnowledge
from bot.kb.snapshot import KnowledgeBase
from bot.people.directory import load_directory, people_root
from bot.replies.responder import Responder, languages, reply_cache_size
from bot.runtime import Trimmer
from bot.settings import Settings
from bot.store import Store

log = logging.getLogger("qibot.discord")
interactions_log = logging.getLogger("qibot.interactions")

EXTENSIONS = (
    "bot.discord.cogs.lookup",
    "bot.discord.cogs.about",
    "bot.discord.cogs.moderation",
    "bot.discord.cogs.map",
    "bot.discord.cogs.settings",
    "bot.discord.cogs.actions",
    "bot.discord.cogs.subscriptions",
    "bot.discord.cogs.calls",
    "bot.discord.cogs.me",
    "bot.discord.cogs.legislators",
)


HTTP_CONNECTIONS = 32


def http_connector() -> aiohttp.TCPConnector:
    """A bounded pool of kept-alive connections to Discord's API. discord.py's default has no bound, so a burst
    of 1,000 interaction responses opened ~1,000 new connections at once (a TCP and, against Discord, a TLS
    handshake each); with a bound, responses queue for a warm connection instead."""
    return aiohttp.TCPConnector(limit=HTTP_CONNECTIONS)


class QiBot(commands.AutoShardedBot):
    """The one bot class. Without configured shards discord.py asks the gateway how many to run (one for a
    small server); ``QIBOT_SHARD_COUNT`` / ``QIBOT_SHARD_IDS`` split a large deployment over processes."""

    def __init__(
        self,
        settings: Settings,
        knowledge: LiveKnowledge,
        store: Store | None,
        *,
        guild_ready_timeout: float = 1.0,
    ) -> None:
        shards: dict[str, Any] = {}
        if settings.shard_count:
            shards["shard_count"] = settings.shard_count
            if settings.shard_ids:
                shards["shard_ids"] = settings.shard_ids
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents(guilds=True),  # no message, typing, reaction or voice events: qibot reads none
            tree_cls=QiTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            max_messages=None,  # no message cache: the bot never reads past messages
            guild_ready_timeout=guild_ready_timeout,
            **shards,
        )
        self.settings = settings
        self.knowledge = knowledge
        people = people_root(settings.knowledge_path)
        self.responder = Responder(knowledge, people=lambda: load_directory(people))
        self.store = store
        self.pacer = Pacer()  # notices and scheduled posts share it, under Discord's global rate limit
        self.git = (
            GitSync(settings.knowledge_path, settings.git_branch, settings.git_remote) if settings.git_commit else None
        )
        self._push_wanted = asyncio.Event()
        self._pusher: asyncio.Task | None = None
        self._warming: asyncio.Task | None = None
        self.trimmer = Trimmer()  # hands a burst's freed memory back to the system once it is over
        self.last_activity = 0.0  # loop time of the latest interaction
        self._warmers: list[asyncio.Task] = []

    async def login(self, token: str) -> None:
        if self.http.connector is discord.utils.MISSING:  # created here: a connector needs the running loop
            self.http.connector = http_connector()
        await super().login(token)

    def _size_caches(self, kb: KnowledgeBase) -> None:
        """Reply and render caches grow with the knowledge base, not a fixed count."""
        size_render_cache(reply_cache_size(kb), len(kb.jurisdictions), len(languages()))

    async def setup_hook(self) -> None:
        self.heartbeat.change_interval(seconds=self.settings.heartbeat_seconds)
        self.heartbeat.start()
        if self.git is not None and self.git.remote:
            self._pusher = asyncio.create_task(self._push_forever(), name="git-push")
            self._push_wanted.set()  # push anything committed before a restart
        self.add_dynamic_items(PageButton, ReportButton)
        self._size_caches(self.knowledge())
        if hasattr(self.knowledge, "on_change"):
            self.knowledge.on_change(lambda _diff, kb: self._size_caches(kb))
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.tree.set_translator(QiTranslator())
        guild_id = self.settings.dev_guild_id
        guild = discord.Object(guild_id) if guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        await sync_if_changed(self.tree, self.settings.data_dir, guild)
        # Last: the thread would otherwise take turns on the GIL with the work above, which must finish first.
        self._warming = asyncio.create_task(self._warm_replies(), name="warm-replies")

    async def _warm_replies(self) -> None:
        """Build every state and criterion reply in a thread while the gateway connects (a request that comes
        first builds its own reply; both are the same)."""
        built = await asyncio.to_thread(self.responder.warm)
        log.info("built %d replies ahead of the first request", built)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d guild(s), kb version %s", self.user, len(self.guilds), self.knowledge().version)
        await self.heartbeat()  # healthy as soon as connected, not one interval later
        print(f"READY {self.user} guilds={len(self.guilds)}", flush=True)

    def log_interaction(self, interaction: discord.Interaction[QiBot], name: str | None, outcome: str) -> None:
        """One structured line per interaction: command, guild, latency, outcome (never the token)."""
        t0 = interaction.extras.get("t0")
        latency = (time.perf_counter() - t0) * 1000 if t0 else -1.0
        if name is None:
            name = interaction.command.qualified_name if interaction.command else "?"
        interactions_log.info(
            "interaction command=%s guild=%s user=%s locale=%s latency_ms=%.1f outcome=%s",
            name,
            interaction.guild_id,
            interaction.user.id,
            interaction.locale,
            latency,
            outcome,
        )
        self.trimmer.note()
        self.last_activity = asyncio.get_running_loop().time()

    async def when_quiet(self, seconds: float = 5.0) -> None:
        """Wait until the bot is ready and no interaction came for ``seconds``: background work that may
        wait (starting worker processes) then does not take the CPU from a burst just after start."""
        await self.wait_until_ready()
        loop = asyncio.get_running_loop()
        ready = loop.time()  # a burst may come right after READY: quiet counts from there
        while (idle := loop.time() - max(self.last_activity, ready)) < seconds:
            await asyncio.sleep(seconds - idle)

    def warm_when_quiet(self, warm: Callable[[], object]) -> None:
        """Run ``warm`` (which blocks: it starts a worker process) in a thread once the bot is quiet."""

        async def later() -> None:
            try:
                await self.when_quiet()
            except RuntimeError:  # a client that never logged in (cogs loaded by a test): nothing to warm
                return
            await asyncio.get_running_loop().run_in_executor(None, warm)

        self._warmers.append(asyncio.create_task(later()))

    async def record_report(self, interaction: discord.Interaction[QiBot], jid: str, note: str) -> None:
        """Record a member's report (deferring if the database is slow) and thank them privately."""
        from bot.discord.locale import words
        from bot.discord.respond import deliver_text

        async def save() -> str:
            if self.store is None:
                raise RuntimeError("no store configured")
            report_id = await self.store.add_report(
                user_id=interaction.user.id,
                jurisdiction=jid,
                kb_version=self.knowledge().version,
                note=note,
                guild_id=interaction.guild_id,
                channel_id=interaction.channel_id,
            )
            log.info("report #%d on %s by %s", report_id, jid, interaction.user.id)
            return words(interaction).render("report.thanks", id=report_id)

        # errors (a database that is down) reach the modal's on_error and so the central handler
        await deliver_text(interaction, save, defer_after=self.settings.defer_after_seconds)
        self.log_interaction(interaction, "report", "ok")

    def request_push(self) -> None:
        """Ask the background pusher to push the knowledge branch (after a commit)."""
        self._push_wanted.set()

    async def _push_forever(self, backoff: tuple[float, ...] = (5, 15, 60, 300)) -> None:
        """Push when asked; on failure retry with backoff until it succeeds (reported in /kb status)."""
        assert self.git is not None
        while True:
            await self._push_wanted.wait()
            self._push_wanted.clear()
            failures = 0
            while not await asyncio.to_thread(self.git.push):
                await asyncio.sleep(backoff[min(failures, len(backoff) - 1)] * self.settings.git_backoff_scale)
                failures += 1

    @tasks.loop(seconds=30)
    async def heartbeat(self) -> None:
        """Write the health heartbeat: gateway connected and the database answering (``qibot health``)."""
        latency = self.latency
        gateway = self.is_ready() and not self.is_closed() and math.isfinite(latency)
        database = await self.store.probe() if self.store is not None else True
        await asyncio.to_thread(
            write_heartbeat,
            self.settings.data_dir,
            gateway=gateway,
            database=database,
            latency_ms=latency * 1000 if gateway else None,
        )

    @heartbeat.error
    async def _heartbeat_failed(self, error: BaseException) -> None:
        log.error("heartbeat failed: %s", error)

    async def close(self) -> None:
        self.heartbeat.cancel()
        for warmer in self._warmers:
            warmer.cancel()
        if self._pusher is not None:
            self._pusher.cancel()
        await super().close()
        if self.store is not None:
            await self.store.close()


__all__ = ["EXTENSIONS", "QiBot", "send_private"]
