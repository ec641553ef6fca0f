"""Sync application commands only when their definition changed: the payload's hash is kept in the data
directory, so a restart with the same commands makes no sync call (and reaches READY sooner)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path

import discord
from discord import app_commands

log = logging.getLogger("qibot.discord")

HASH_FILE = "commands.sha256"


async def payload_hash(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    """SHA-256 of what ``tree.sync(guild=guild)`` would send, with the application and guild it goes to."""
    commands = tree._get_all_commands(guild=guild)
    translator = tree.translator
    if translator:
        payload = [await command.get_translated_payload(tree, translator) for command in commands]
    else:
        payload = [command.to_dict(tree) for command in commands]
    scope = {"application": tree.client.application_id, "guild": guild.id if guild else None, "commands": payload}
    return hashlib.sha256(json.dumps(scope, sort_keys=True, default=str).encode()).hexdigest()


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


async def sync_if_changed(tree: app_commands.CommandTree, data_dir: Path, guild: discord.abc.Snowflake | None) -> bool:
    """Sync when the payload's hash differs from the last successful sync's; returns whether it synced."""
    digest = await payload_hash(tree, guild)
    path = data_dir / HASH_FILE
    if await asyncio.to_thread(_read, path) == digest:
        log.info("commands unchanged (%s…): not synced", digest[:12])
        return False
    synced = await tree.sync(guild=guild)
    await asyncio.to_thread(path.write_text, digest + "\n")
    log.info("synced %d commands %s", len(synced), f"to guild {guild.id}" if guild else "globally")
    return True
