"""Builders for the Discord API v10 payloads the fake sends, in the shapes discord.py 2.7 parses.

Every builder returns a plain ``dict`` ready for ``json.dumps``. Ids are strings on the wire, as
Discord sends them; builders accept ``int`` or ``str`` ids.
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]
DISCORD_EPOCH_MS = 1420070400000
_counter = itertools.count()

#: Default permissions: view, send, embed links, attach files, read history, use application commands.
DEFAULT_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)


def snowflake() -> int:
    """A new unique, time-based snowflake (so discord.py's ``created_at`` is sane)."""
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF)


def now_iso() -> str:
    """The current UTC time as an ISO-8601 timestamp."""
    return datetime.now(UTC).isoformat()


def user(user_id: int | str, username: str = "tester", *, bot: bool = False, global_name: str | None = None) -> Json:
    """A user object."""
    return {'id': str(user_id), 'username': username, 'discriminator': '0', 'global_name': global_name,
            'avatar': None, 'bot': bot, 'public_flags': 0, 'flags': 0}  # fmt: skip


def role(role_id: int | str, name: str, *, position: int = 1, permissions: int = 0) -> Json:
    """A role (``@everyone`` has the guild's id and position 0)."""
    return {'id': str(role_id), 'name': name, 'position': position, 'permissions': str(permissions), 'color': 0,
            'colors': {'primary_color': 0, 'secondary_color': None, 'tertiary_color': None}, 'hoist': False,
            'icon': None, 'unicode_emoji': None, 'managed': False, 'mentionable': False, 'flags': 0}  # fmt: skip


def text_channel(channel_id: int | str, guild_id: int | str, name: str = "general", **extra: Any) -> Json:
    """A guild channel: type 0 (text) unless ``extra`` says otherwise, e.g. ``type=4`` for a category."""
    data = {'id': str(channel_id), 'type': 0, 'guild_id': str(guild_id), 'name': name, 'position': 0,
            'permission_overwrites': [], 'nsfw': False, 'parent_id': None, 'topic': None,
            'last_message_id': None, 'rate_limit_per_user': 0, 'flags': 0, **extra}  # fmt: skip
    if data["parent_id"] is not None:
        data["parent_id"] = str(data["parent_id"])
    return data


def dm_channel(channel_id: int | str, recipient: Json) -> Json:
    """A DM channel (type 1) with one recipient."""
    return {"id": str(channel_id), "type": 1, "last_message_id": None, "flags": 0, "recipients": [recipient]}


def member(user_payload: Json, roles: list[int] | None = None, *, permissions: int | None = None) -> Json:
    """A guild member (``flags`` is required by discord.py); ``permissions`` only in interactions."""
    data: Json = {'user': user_payload, 'roles': [str(r) for r in roles or []], 'nick': None, 'avatar': None,
                  'joined_at': now_iso(), 'premium_since': None, 'deaf': False, 'mute': False, 'pending': False,
                  'flags': 0, 'communication_disabled_until': None}  # fmt: skip
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild(guild_id: int | str, name: str, *, owner_id: str, roles: list[Json], channels: list[Json],
          members: list[Json]) -> Json:  # fmt: skip
    """A full GUILD_CREATE payload."""
    return {'id': str(guild_id), 'name': name, 'owner_id': owner_id, 'roles': roles, 'channels': channels,
            'members': members, 'member_count': len(members), 'icon': None, 'splash': None,
            'discovery_splash': None, 'banner': None, 'description': None, 'afk_channel_id': None,
            'afk_timeout': 300, 'verification_level': 0, 'default_message_notifications': 0,
            'explicit_content_filter': 0, 'features': [], 'mfa_level': 0, 'system_channel_id': None,
            'system_channel_flags': 0, 'rules_channel_id': None, 'public_updates_channel_id': None,
            'vanity_url_code': None, 'premium_tier': 0, 'premium_subscription_count': 0,
            'preferred_locale': 'en-US', 'nsfw_level': 0, 'premium_progress_bar_enabled': False, 'emojis': [],
            'stickers': [], 'threads': [], 'voice_states': [], 'presences': [], 'stage_instances': [],
            'guild_scheduled_events': [], 'soundboard_sounds': [], 'large': False, 'unavailable': False,
            'joined_at': now_iso()}  # fmt: skip


def application(app_id: int | str, bot_user: Json, owner: Json) -> Json:
    """``GET /oauth2/applications/@me`` (``interactions_endpoint_url`` must stay null)."""
    return {'id': str(app_id), 'name': bot_user['username'], 'icon': None, 'description': 'offline fake',
            'rpc_origins': [], 'bot_public': True, 'bot_require_code_grant': False, 'bot': bot_user,
            'owner': owner, 'team': None, 'verify_key': '0' * 64, 'flags': 0, 'interactions_endpoint_url': None,
            'tags': [], 'redirect_uris': [], 'approximate_guild_count': 1}  # fmt: skip


def embeds(raw: list[Json] | None) -> list[Json]:
    """Embeds as Discord returns them (``type: rich`` added)."""
    return [{"type": "rich", **e} for e in raw or []]


def message(message_id: int | str, channel_id: int | str, author: Json, body: Json | None = None, *,
            guild_id: str | None = None, attachments: list[Json] | None = None, msg_type: int = 0,
            **extra: Any) -> Json:  # fmt: skip
    """A message made from a create-message request ``body`` (content, embeds, components, flags)."""
    body = body or {}
    return {'id': str(message_id), 'type': msg_type, 'channel_id': str(channel_id), 'author': author,
            'content': body.get('content') or '', 'timestamp': now_iso(), 'edited_timestamp': None,
            'tts': bool(body.get('tts')), 'mention_everyone': False, 'mentions': [], 'mention_roles': [],
            'attachments': attachments or [], 'embeds': embeds(body.get('embeds')),
            'components': body.get('components') or [], 'pinned': False, 'flags': int(body.get('flags') or 0),
            **({'guild_id': guild_id} if guild_id else {}), **({'poll': body['poll']} if body.get('poll') else {}),
            **extra}  # fmt: skip


def attachment(attachment_id: int, channel_id: int | str, filename: str, data: bytes, content_type: str | None) -> Json:
    """An attachment for an uploaded file (its CDN URL is not served)."""
    url = f"https://cdn.discordapp.com/attachments/{channel_id}/{attachment_id}/{filename}"
    proxy_url = url.replace("cdn.discordapp.com", "media.discordapp.net")
    return {'id': str(attachment_id), 'filename': filename, 'size': len(data), 'url': url, 'proxy_url': proxy_url,
            'content_type': content_type}  # fmt: skip


def interaction(*, interaction_id: int, interaction_type: int, token: str, application_id: int | str,
                data: Json | None, channel: Json, user_payload: Json, guild_id: int | str | None = None,
                member_payload: Json | None = None, locale: str = 'en-US', guild_locale: str | None = 'en-US',
                message_payload: Json | None = None) -> Json:  # fmt: skip
    """An INTERACTION_CREATE payload: with ``member`` in a guild, with ``user`` in a DM.

    ``attachment_size_limit`` is required by discord.py (a KeyError without it).
    """
    payload: Json = {'id': str(interaction_id), 'type': interaction_type, 'token': token, 'version': 1,
                     'application_id': str(application_id), 'channel': channel, 'channel_id': channel['id'],
                     'locale': locale, 'app_permissions': str(DEFAULT_PERMISSIONS), 'entitlements': [],
                     'entitlement_sku_ids': [], 'attachment_size_limit': 10 * 1024 * 1024}  # fmt: skip
    if data is not None:
        payload["data"] = data
    if message_payload is not None:
        payload["message"] = message_payload
    if guild_id is None:
        payload.update(user=user_payload, authorizing_integration_owners={"0": "0"}, context=1)
        return payload
    payload.update(guild_id=str(guild_id), member=member_payload or member(user_payload), context=0,
                   guild={'id': str(guild_id), 'locale': guild_locale or 'en-US', 'features': []},
                   authorizing_integration_owners={'0': str(guild_id)})  # fmt: skip
    if guild_locale is not None:
        payload["guild_locale"] = guild_locale
    return payload


def chat_input_options(schema: list[Json], values: dict[str, Any], focused: str | None = None) -> list[Json]:
    """``data.options`` for ``values``, each typed from the synced ``schema`` (ValueError if undeclared)."""
    by_name = {opt["name"]: opt for opt in schema}
    out: list[Json] = []
    for name, value in values.items():
        if name not in by_name:
            raise ValueError(f"option {name!r} not in synced schema (known: {sorted(by_name)})")
        opt_type = by_name[name]["type"]
        entry: Json = {"name": name, "type": opt_type, "value": str(value) if opt_type in (6, 7, 8, 9, 11) else value}
        if name == focused:
            entry["focused"] = True
        out.append(entry)
    return out
