"""Send one subscriber notice: to a channel, or by DM through the member's stored DM channel (one call;
the first notice creates the channel, two calls, and the store keeps its id).

Both calls go through ``client.http`` by id, so discord.py's rate-limit handling applies, but no channel,
user or message object is built or cached for a recipient nobody looks up again."""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiohttp
import discord
from discord.http import Route

from bot.discord.ratelimits import prune_idle_buckets
from bot.discord.respond import NO_PINGS
from bot.nonce import message_nonce
from bot.store.notices import Notice, NoticeResult

log = logging.getLogger(__name__)
_NO_PINGS = NO_PINGS.to_dict()


class NoticeSender:
    """``send(notice)`` for :func:`bot.actions.fanout.deliver_notices`, over a logged-in discord.py client."""

    def __init__(self, client: discord.Client, store, language: Callable[[int | None], str] = lambda _: "en") -> None:
        self.client, self.store, self.language = client, store, language  # language: of a server's replies

    async def send(self, notice: Notice) -> NoticeResult:
        nonce = message_nonce("notice", notice.kb_version, notice.jurisdiction, notice.target_kind, notice.target_id)
        text = notice.text(self.language(notice.guild_id))
        try:
            if notice.target_kind != "user":
                await self._post(notice.target_id, text, nonce)
                return NoticeResult(notice.id, "sent")
            channel_id, created = notice.dm_channel_id, False
            if channel_id is not None:
                try:
                    await self._post(channel_id, text, nonce)
                    return NoticeResult(notice.id, "sent")
                except discord.NotFound:  # the stored DM channel is gone: make a new one
                    await self.store.forget_dm_channel(notice.target_id)
            channel_id, created = int((await self.client.http.start_private_message(notice.target_id))["id"]), True
            await self._post(channel_id, text, nonce)
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

    async def _post(self, channel_id: int, text: str, nonce: str) -> None:
        """POST the message by channel id: what ``Messageable.send`` sends, without the ``Message`` it builds."""
        payload = {"content": text, "nonce": nonce, "enforce_nonce": True, "allowed_mentions": _NO_PINGS}
        await self.client.http.request(Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id),
                                       json=payload)  # fmt: skip
