"""`qibot run`: settings, knowledge base, store, then the Discord client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

import aiohttp
import discord
import yarl

from bot.kb.live import LiveKnowledge
from bot.runtime import tune_gc
from bot.settings import Settings, SettingsError, load_settings
from bot.store import Store

log = logging.getLogger("qibot")


def point_at(settings: Settings) -> None:
    """Re-point discord.py at another Discord (a local fake in tests); a no-op in production."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


async def start(settings: Settings) -> int:
    from bot.boot import load_or_explain
    from bot.discord.app import QiBot

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    kb = load_or_explain(settings.knowledge_path, cache=settings.data_dir / "kb-snapshot.pickle", in_child=True)
    if kb is None:
        return 1
    store = await Store.open_degraded(
        settings.store_url, migrate_out_of_process=True, member_salt=settings.member_salt_bytes
    )
    await settle_interrupted_edits(settings, store)
    point_at(settings)
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # qibot never joins voice: no warnings
    bot = QiBot(settings, LiveKnowledge(settings.knowledge_path, kb), store)
    tune_gc()  # after the knowledge base and the modules are loaded
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with bot:
            runner = asyncio.create_task(connect(bot, settings.discord_token.get_secret_value()))  # type: ignore[union-attr]
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if runner in done:
                stopper.cancel()
                runner.result()  # raises what ended the client (a rejected token, a lost connection)
                return 0
            await shut_down(bot, runner, settings.shutdown_seconds)
    except discord.LoginFailure:
        print("qibot: Discord rejected the token (DISCORD_TOKEN); check it and try again.", file=sys.stderr)
        return 1
    return 0


async def settle_interrupted_edits(settings: Settings, store: Store) -> None:
    """An edit interrupted by a crash is completed or undone before the bot takes interactions."""
    from bot.edits import journal_folder
    from bot.kb.journal import reconcile
    from bot.store import StoreUnavailable

    try:
        await reconcile(journal_folder(settings.data_dir / "kb-edit.lock"), settings.knowledge_path, store)
    except StoreUnavailable:
        log.error("journal: the database is down; interrupted edits will be settled at the next start")


async def connect(bot: discord.Client, token: str, backoff: tuple[float, ...] = (2, 5, 15, 30, 60)) -> None:
    """Log in and run; while Discord cannot be reached, say so in one line and retry with backoff.

    A rejected token (LoginFailure) is not retried: it will not fix itself.
    """
    failures = 0
    while True:
        try:
            await bot.login(token)
            break
        except (aiohttp.ClientConnectionError, TimeoutError, OSError, discord.DiscordServerError) as exc:
            delay = backoff[min(failures, len(backoff) - 1)]
            first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            print(f"qibot: cannot reach Discord ({first}); retrying in {delay:.0f}s", file=sys.stderr, flush=True)
            failures += 1
            await asyncio.sleep(delay)
    await bot.connect(reconnect=True)


async def shut_down(bot: discord.Client, runner: asyncio.Task, grace: float) -> None:
    """SIGTERM: stop taking interactions, let an in-flight knowledge-base write finish, close the store."""
    from bot.edits import drain

    log.warning("shutting down: stopping the gateway, finishing in-flight writes (up to %.0fs)", grace)
    finished = await drain(grace)
    if not finished:
        log.error("shutting down: an edit was still running after %.0fs", grace)
    await bot.close()  # closes the gateway (no new interactions) and the store
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await runner
    log.warning("shut down cleanly")


def run_bot() -> int:
    try:
        settings = load_settings(require_token=True)
    except SettingsError as exc:
        print(f"qibot: {exc}", file=sys.stderr)
        return 2
    logging.getLogger().setLevel(settings.log_level)
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLogger().level))
    try:
        return asyncio.run(start(settings))
    except KeyboardInterrupt:
        return 0
