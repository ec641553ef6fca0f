"""Send one subscriber notice: to a channel, or by DM through the member's stored DM channel (one call;
the first notice creates the channel, two calls, and the store keeps its id)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiohttp
import discord

from bot.discord.ratelimits import prune_idle_buckets
from bot.discord.respond import NO_PINGS
from bot.nonce import message_nonce
from bot.store.notices import Notice, NoticeResult

log = logging.getLogger(__name__)


class NoticeSender:
    """``send(notice)`` for :func:`bot.actions.fanout.deliver_notices`, over a logged-in discord.py client."""

    def __init__(self, client: discord.Client, store, language: Callable[[int | None], str] = lambda _: "en") -> None:
        self.client, self.store, self.language = client, store, language  # language: of a server's replies

    async def send(self, notice: Notice) -> NoticeResult:
        nonce = message_nonce("notice", notice.kb_version, notice.jurisdiction, notice.target_kind, notice.target_id)
        text = notice.text(self.language(notice.guild_id))
        try:
            if notice.target_kind != "user":
                await self._post(notice.target_id, notice.guild_id, text, nonce)
                return NoticeResult(notice.id, "sent")
            channel_id, created = notice.dm_channel_id, False
            if channel_id is not None:
                try:
                    await self._post(channel_id, None, text, nonce)
                    return NoticeResult(notice.id, "sent")
                except discord.NotFound:  # the stored DM channel is gone: make a new one
                    await self.store.forget_dm_channel(notice.target_id)
            channel_id, created = int((await self.client.http.start_private_message(notice.target_id))["id"]), True
            await self._post(channel_id, None, text, nonce)
            return NoticeResult(notice.id, "sent", notice.target_id, channel_id if created else None)
        except discord.DiscordServerError as exc:  # Discord's 5xx: tried again later, never dropped
            log.warning("notice %d to %s %s: Discord error, retrying later: %s", notice.id, notice.target_kind,
                        notice.target_id, exc)  # fmt: skip
            return NoticeResult(notice.id, "retry")
        except discord.HTTPException as exc:  # DMs closed, channel gone, no permission: not retried
            log.warning("notice %d to %s %s failed: %s", notice.id, notice.target_kind, notice.target_id, exc)
            return NoticeResult(notice.id, "failed")
        except (aiohttp.ClientError, TimeoutError) as exc:  # the network: tried again later
            log.warning("notice %d: network error, retrying later: %s", notice.id, exc)
            return NoticeResult(notice.id, "retry")
        finally:
            try:
                prune_idle_buckets(self.client.http)
            except Exception:  # private discord.py state: a newer version must never turn a sent notice into a failure
                log.debug("could not prune rate-limit buckets", exc_info=True)

    async def _post(self, channel_id: int, guild_id: int | None, text: str, nonce: str) -> None:
        channel = self.client.get_partial_messageable(channel_id, guild_id=guild_id)
        await channel.send(text, allowed_mentions=NO_PINGS, nonce=nonce)
