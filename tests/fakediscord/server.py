"""An offline fake of Discord's REST API (v10) and gateway for end-to-end tests of discord.py bots.

Point the bot at it with ``discord.http.Route.BASE = fake.api_base`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)``.
See README.md (in this folder) for the test API and the background.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import fnmatch
import json
import re
import secrets
import socket
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import payloads as pl

try:  # zstd-stream only when zstandard is importable here too; otherwise TEXT frames
    import zstandard as _zstd
except ImportError:  # pragma: no cover - depends on the environment
    _zstd = None

Json = dict[str, Any]
_API_PREFIX = re.compile(r"^/api/v\d+")
_MAJOR = re.compile(r"^/(?:channels|guilds|webhooks)/\d+")  # a route's major parameter, as Discord buckets it


@dataclass
class Part:
    """One multipart form field (``payload_json`` or ``files[n]``)."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """A REST request as received; ``path`` has no ``/api/v10`` prefix, ``status`` is what the fake answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    parts: list[Part]
    at: float
    status: int = 0

    @property
    def files(self) -> list[Part]:
        """The uploaded files (the multipart parts that carry a filename)."""
        return [p for p in self.parts if p.filename is not None]


@dataclass
class Callback:
    """An accepted interaction callback: ``type`` (4-9) and ``data`` (content, embeds, components, flags...)."""

    type: int
    data: Json
    files: list[Part]
    at: float


HANG_GUARD = 60.0  # default for every wait_*: long enough that only a hang reaches it, never a slow machine
NONCE_WINDOW = 300.0  # seconds in which Discord dedupes an enforced nonce ("the past few minutes")


@dataclass
class _Failure:
    method: str
    glob: str
    status: int
    body: Any
    headers: dict[str, str] | None
    count: int
    after: bool = False  # do the request's work, then answer with the failure (Discord's 502 after creating)


_AFTER_REPLY: contextvars.ContextVar[list[Callable[[], None]] | None] = contextvars.ContextVar(
    "_AFTER_REPLY", default=None
)


def _after_reply(notify: Callable[[], None]) -> None:
    """Run ``notify`` once the current REST answer has been written (at once outside a request)."""
    pending = _AFTER_REPLY.get()
    if pending is None:
        notify()
    else:
        pending.append(notify)


async def _until(event: asyncio.Event, predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait until ``predicate()`` holds, re-checking whenever ``event`` is set."""
    try:
        async with asyncio.timeout(timeout):
            while not predicate():
                event.clear()
                await event.wait()
    except TimeoutError:
        raise TimeoutError(f"fake discord: no {what} within {timeout}s") from None


class InteractionHandle:
    """One injected interaction and everything the bot did with it."""

    def __init__(self, payload: Json, name: str, message: Json | None = None) -> None:
        self.payload, self.name, self.message = payload, name, message  # message: the one clicked on
        self.id, self.token, self.type = int(payload["id"]), str(payload["token"]), int(payload["type"])
        self.sent_at: float | None = None  # perf_counter() when INTERACTION_CREATE was written
        self.responded_at: float | None = None  # perf_counter() when the callback body was received
        self.callback: Callback | None = None
        self.original: Json | None = None  # message created (type 4/5) or updated (type 6/7) by the response
        self.followups: list[Json] = []
        self.edits: list[Json] = []  # snapshots of response messages after each PATCH
        self.deleted: list[int] = []
        self.errors: list[tuple[int, int]] = []  # (status, code) of each rejected request
        self._loading = False
        self._changed = asyncio.Event()

    def __repr__(self) -> str:
        return f"<InteractionHandle {self.name!r} id={self.id} type={self.type} errors={self.errors}>"

    @property
    def latency(self) -> float | None:
        """Seconds from INTERACTION_CREATE written to callback received (None until both happened)."""
        return None if self.sent_at is None or self.responded_at is None else self.responded_at - self.sent_at

    def _notify(self) -> None:
        self._changed.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        """Wait until ``predicate()`` is true (re-checked on every change to this handle)."""
        await _until(self._changed, predicate, timeout, f"{what} for {self!r}")

    async def wait_response(self, timeout: float = HANG_GUARD) -> Callback:
        """Wait for the interaction callback (the ack) and return it."""
        await self.wait_for(lambda: self.callback is not None, timeout, "callback")
        assert self.callback is not None
        return self.callback

    async def wait_followup(self, timeout: float = HANG_GUARD, count: int = 1) -> Json:
        """Wait for the ``count``-th followup message and return it."""
        await self.wait_for(lambda: len(self.followups) >= count, timeout, f"followup #{count}")
        return self.followups[count - 1]

    async def wait_edit(self, timeout: float = HANG_GUARD, count: int = 1) -> Json:
        """Wait for the ``count``-th PATCH of a response message and return the edited message."""
        await self.wait_for(lambda: len(self.edits) >= count, timeout, f"edit #{count}")
        return self.edits[count - 1]

    async def wait_error(self, timeout: float = HANG_GUARD, count: int = 1) -> tuple[int, int]:
        """Wait for the ``count``-th rejected request for this interaction; return ``(status, code)``."""
        await self.wait_for(lambda: len(self.errors) >= count, timeout, f"error #{count}")
        return self.errors[count - 1]


class _Conn:
    """One gateway websocket with its own compression stream (one zlib context per connection)."""

    def __init__(self, ws: web.WebSocketResponse, path: str, query: dict[str, str], mode: str | None) -> None:
        self.ws, self.path, self.query, self.mode = ws, path, query, mode
        self.lock = asyncio.Lock()
        self._zlib = zlib.compressobj() if mode == "zlib-stream" else None
        self._zstd = _zstd.ZstdCompressor().compressobj() if mode == "zstd-stream" and _zstd else None

    async def send(self, payload: Json) -> float:
        """Send one gateway message; return ``perf_counter()`` right after it was written."""
        raw = json.dumps(payload, separators=(",", ":")).encode()
        async with self.lock:
            if self._zlib is not None:
                await self.ws.send_bytes(self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH))
            elif self._zstd is not None:  # pragma: no cover - needs zstandard
                await self.ws.send_bytes(self._zstd.compress(raw) + self._zstd.flush(_zstd.COMPRESSOBJ_FLUSH_BLOCK))
            else:
                await self.ws.send_str(raw.decode())
            return time.perf_counter()


@dataclass
class _Session:
    id: str
    conn: _Conn | None
    seq: int = 0
    sent: collections.deque[Json] = field(default_factory=lambda: collections.deque(maxlen=5000))


Handler = Callable[[RecordedRequest, "re.Match[str]"], Awaitable[web.Response]]


def _json(status: int, obj: Any, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with Content-Type exactly ``application/json`` (discord.py compares it with ``==``)."""
    return web.Response(status=status, body=json.dumps(obj).encode(),
                        headers={'Content-Type': 'application/json', **(headers or {})})  # fmt: skip


def _error(status: int, code: int, message: str) -> web.Response:
    return _json(status, {"message": message, "code": code})


def _new_token() -> str:
    return "itok." + secrets.token_urlsafe(24)


def _find_component(components: list[Json], custom_id: str) -> Json | None:
    for comp in components:
        if comp.get("custom_id") == custom_id:
            return comp
        found = _find_component(comp.get('components') or ([comp['component']] if 'component' in comp else []),
                                custom_id)  # fmt: skip
        if found is not None:
            return found
    return None


class FakeDiscord:
    """The fake: an aiohttp app serving ``/api/v10/...`` and ``/gateway`` (plus ``/gateway/resume``)."""

    def __init__(self, *, token: str = 'fake-bot-token', application_id: int | None = None,
                 guild_id: int | None = None, guild_name: str = 'Fake Guild', roles: list[Json] | None = None,
                 channels: list[Json] | None = None, heartbeat_interval_ms: int = 41250,
                 interaction_timeout: float = 3.0, compress: bool = True, bot_name: str = 'FakeBot',
                 host: str = '127.0.0.1', port: int = 0, global_rate: float | None = 50.0,
                 route_limit: tuple[int, float] | None = None, record: bool = True) -> None:  # fmt: skip
        self.token, self.host, self.port, self.compress = token, host, port, compress
        self.application_id = application_id or pl.snowflake()
        self.guild_id, self.guild_name = guild_id or pl.snowflake(), guild_name
        self.heartbeat_interval_ms, self.interaction_timeout = heartbeat_interval_ms, interaction_timeout
        self.bot_user = {**pl.user(self.application_id, bot_name, bot=True), "verified": True, "mfa_enabled": False}
        self.owner, self.default_user = pl.user(pl.snowflake(), "owner"), pl.user(pl.snowflake(), "tester")
        self.users: dict[int, Json] = {int(u["id"]): u for u in (self.bot_user, self.owner, self.default_user)}
        everyone = {"id": self.guild_id, "name": "@everyone", "permissions": pl.DEFAULT_PERMISSIONS}
        self.roles = [pl.role(r['id'], r['name'], position=i, permissions=int(r.get('permissions', 0)))
                      for i, r in enumerate([everyone, *(roles or [])])]  # fmt: skip
        self.channels: dict[int, Json] = {}
        for i, ch in enumerate(channels or [{"id": pl.snowflake(), "name": "general"}]):
            extra = {"position": i, **{k: v for k, v in ch.items() if k not in ("id", "name")}}
            self.channels[int(ch["id"])] = pl.text_channel(ch["id"], self.guild_id, ch.get("name", f"ch{i}"), **extra)
        self.default_channel_id = next(int(c["id"]) for c in self.channels.values() if c["type"] == 0)
        self.forbidden_channels: set[int] = set()
        # Discord's global rate limit: ``global_rate`` requests/s per bot token (interactions and webhooks are
        # exempt), a second's worth at once; past it 429 with ``global: true``. None turns it off.
        self.global_rate, self.global_429s = global_rate, 0
        self._global_tokens, self._global_stamp = global_rate or 0.0, time.monotonic()
        # Discord's per-route buckets: ``route_limit = (limit, seconds)`` per route and major parameter (channel,
        # guild, webhook), announced in X-RateLimit-* headers on every bot request as Discord does, past it 429
        # with ``scope: user``. None (default): no per-route headers and no per-route limit.
        self.route_limit, self.route_429s = route_limit, 0
        self._route_windows: dict[tuple[int, str], list[float]] = {}  # bucket -> [requests, window end]
        # False: keep no RecordedRequest, and of each message only what nonces and counts need (benchmarks
        # sending 100k messages keep memory flat, so the fake's own cost per request does not grow)
        self.record = record
        self.request_count = 0
        self._dm_by_user: dict[str, Json] = {}
        self.deleted_channels: set[int] = set()
        self.requests: list[RecordedRequest] = []
        self.commands: dict[int | None, list[Json]] = {}  # None: global commands
        self.channel_messages: dict[int, list[Json]] = {}  # POST /channels/{id}/messages only
        self.messages: dict[int, Json] = {}  # every live message, by id
        self.message_files: dict[int, list[Part]] = {}
        self.interactions: list[InteractionHandle] = []
        self.gateway_connections: list[_Conn] = []
        self.gateway_received: list[Json] = []
        self.identify_payloads: list[Json] = []
        self.identify_count = self.resume_count = self.heartbeat_count = self.sync_count = 0
        self._by_id: dict[int, InteractionHandle] = {}
        self._by_token: dict[str, InteractionHandle] = {}
        self._failures: list[_Failure] = []
        self._session: _Session | None = None
        self._ready, self._live, self._changed = asyncio.Event(), asyncio.Event(), asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [(m, re.compile(p), h) for m, p, h in [
            ('GET', r'/users/@me', self._get_me),
            ('GET', r'/users/(\d+)', self._get_user),
            ('POST', r'/users/@me/channels', self._create_dm),
            ('GET', r'/(?:oauth2/)?applications/@me', self._get_app),
            ('GET', r'/gateway(?:/bot)?', self._get_gateway),
            ('GET|PUT|POST', r'/applications/(\d+)(?:/guilds/(\d+))?/commands', self._commands),
            ('POST', r'/interactions/(\d+)/([^/]+)/callback', self._callback),
            ('POST', r'/webhooks/(\d+)/([^/]+)', self._followup),
            ('GET|PATCH|DELETE', r'/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)', self._webhook_message),
            ('GET', r'/channels/(\d+)', self._get_channel),
            ('POST', r'/channels/(\d+)/typing', self._typing),
            ('GET|POST', r'/channels/(\d+)/messages', self._channel_messages),
            ('GET|PATCH|DELETE', r'/channels/(\d+)/messages/(\d+)', self._channel_message),
            ('GET', r'/guilds/(\d+)(?:/(roles|channels))?', self._get_guild),
        ]]  # fmt: skip

    # ------------------------------------------------------------------ lifecycle and waiting

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"http://{self.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for ``DiscordWebSocket.DEFAULT_GATEWAY`` (wrap it in ``yarl.URL``)."""
        return f"ws://{self.host}:{self.port}/gateway"

    async def start(self) -> FakeDiscord:
        """Bind (a free port when ``port=0``) and serve."""
        app = web.Application(client_max_size=100 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/resume", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        """Close the gateway connections and stop serving."""
        for conn in self.gateway_connections:
            if not conn.ws.closed:
                await conn.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def wait_ready(self, timeout: float = HANG_GUARD) -> None:
        """Wait until the bot IDENTIFYed and READY + GUILD_CREATE were sent."""
        await _until(self._ready, self._ready.is_set, timeout, "IDENTIFY/READY")

    async def wait_live(self, timeout: float = HANG_GUARD) -> None:
        """Wait until a gateway session is connected (after READY or RESUMED)."""
        await _until(self._live, self._live.is_set, timeout, "live gateway session")

    async def wait_synced(self, timeout: float = HANG_GUARD, count: int = 1) -> list[Json]:
        """Wait for ``count`` command syncs (PUT/POST) in total; return :attr:`synced_commands`."""
        await _until(self._changed, lambda: self.sync_count >= count, timeout, f"command sync #{count}")
        return self.synced_commands

    async def wait_resumed(self, timeout: float = HANG_GUARD, count: int = 1) -> None:
        """Wait until the bot RESUMEd ``count`` times in total."""
        await _until(self._changed, lambda: self.resume_count >= count, timeout, f"RESUME #{count}")

    async def wait_channel_message(self, channel_id: int, timeout: float = HANG_GUARD, count: int = 1) -> Json:
        """Wait for the ``count``-th message POSTed to ``channel_id`` and return it."""

        def msgs() -> list[Json]:
            return self.channel_messages.get(int(channel_id), [])

        await _until(self._changed, lambda: len(msgs()) >= count, timeout, f"message #{count} in {channel_id}")
        return msgs()[count - 1]

    @property
    def session_id(self) -> str | None:
        """The current gateway session id (``None`` before IDENTIFY)."""
        return self._session.id if self._session else None

    @property
    def synced_commands(self) -> list[Json]:
        """All synced commands: global ones first, then guild ones (which carry ``guild_id``)."""
        return [c for key in sorted(self.commands, key=lambda k: k or 0) for c in self.commands[key]]

    def requests_to(self, method: str, glob: str) -> list[RecordedRequest]:
        """Recorded requests for ``method`` (``'*'``: any) whose path matches a glob like '/channels/*/messages'."""
        return [r for r in self.requests if method in ("*", r.method) and fnmatch.fnmatchcase(r.path, glob)]

    # ------------------------------------------------------------------ test controls

    def fail_next(self, method: str, path_glob: str, status: int, body: Any = None,
                  headers: dict[str, str] | None = None, count: int = 1) -> None:  # fmt: skip
        """Answer the next ``count`` requests matching ``method`` ('*' = any) and ``path_glob`` with ``status``.

        A 429 defaults to a retryable rate limit (``Via`` header, ``retry_after`` 0.05 s); pass
        ``headers={}`` for a Cloudflare-style ban. discord.py retries 5xx after sleeping 1 s, 3 s, ...
        """
        if body is None and status == 429:
            body = {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}
        if headers is None and status == 429:
            headers = {"Via": "1.1 google", "X-RateLimit-Scope": "user"}
        body = {"message": f"{status}: injected failure", "code": 0} if body is None else body
        self._failures.append(_Failure(method.upper(), _API_PREFIX.sub("", path_glob), status, body, headers, count))

    def fail_after_next(self, method: str, path_glob: str, status: int = 502, count: int = 1) -> None:
        """Carry out the next ``count`` matching requests (a message IS created), then answer ``status``:
        the case where a client's retry would post twice unless it sent a nonce with enforce_nonce."""
        body = {"message": f"{status}: Bad Gateway", "code": 0}
        self._failures.append(
            _Failure(method.upper(), _API_PREFIX.sub("", path_glob), status, body, None, count, after=True)
        )

    def forbid_channel(self, channel_id: int) -> None:
        """Sending to ``channel_id`` now fails with 403 / 50013 Missing Permissions (GET still works)."""
        self.forbidden_channels.add(int(channel_id))

    def delete_channel(self, channel_id: int) -> None:
        """``channel_id`` is now unknown: 404 / 10003 (no CHANNEL_DELETE is dispatched)."""
        self.deleted_channels.add(int(channel_id))

    async def dispatch(self, event: str, data: Json) -> float | None:
        """Send a DISPATCH event; return when it was written (None if queued for a RESUME replay)."""
        s = self._session
        if s is None:
            raise RuntimeError("no gateway session yet")
        s.seq += 1
        payload = {"op": 0, "t": event, "s": s.seq, "d": data}
        s.sent.append(payload)
        return await s.conn.send(payload) if s.conn is not None else None

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT; the client comes back with RESUME (see :meth:`wait_resumed`)."""
        if self._session is None or self._session.conn is None:
            raise RuntimeError("no live gateway connection")
        self._live.clear()
        await self._session.conn.send({"op": 7, "d": None})

    # ------------------------------------------------------------------ interaction injection

    async def inject(self, raw: Json, *, name: str | None = None, message: Json | None = None) -> InteractionHandle:
        """Dispatch a raw INTERACTION_CREATE payload (``id``/``token`` filled in if missing)."""
        raw = {"id": str(pl.snowflake()), "token": _new_token(), **raw}
        handle = InteractionHandle(raw, name or raw.get("data", {}).get("name", "?"), message)
        self.interactions.append(handle)
        self._by_id[handle.id], self._by_token[handle.token] = handle, handle
        await self.wait_live()
        handle.sent_at = await self.dispatch("INTERACTION_CREATE", raw)
        return handle

    async def inject_command(self, name: str, options: Json | None = None, *,
                             subcommand: str | list[str] | None = None, **ctx: Any) -> InteractionHandle:  # fmt: skip
        """Inject a slash command (type 2); ``name`` may hold the whole path ('admin reload').

        Option types come from the synced schema. ``ctx``: ``roles`` (ids or names), ``user`` (payload
        or id), ``locale``, ``guild_locale``, ``guild``/``dm``, ``channel_id``, ``permissions``.
        """
        return await self._inject_app_command(2, name, options or {}, subcommand, None, ctx)

    async def inject_autocomplete(self, name: str, options: Json, *, focused: str | None = None,
                                  subcommand: str | list[str] | None = None,
                                  **ctx: Any) -> InteractionHandle:  # fmt: skip
        """Inject an autocomplete request (type 4); ``focused`` defaults to the last option given."""
        return await self._inject_app_command(4, name, options, subcommand, focused or list(options)[-1], ctx)

    async def inject_component(self, message: Json | InteractionHandle | int, custom_id: str,
                               values: list[str] | None = None, *, component_type: int | None = None,
                               **ctx: Any) -> InteractionHandle:  # fmt: skip
        """Click a button / choose select ``values`` (type 3) on a message, e.g. ``handle.original``."""
        msg = self._resolve_message(message)
        comp = _find_component(msg.get("components") or [], custom_id)
        data: Json = {
            "custom_id": custom_id,
            "component_type": component_type or (comp["type"] if comp else 3 if values is not None else 2),
        }
        if values is not None:
            data["values"] = list(values)
        ctx.setdefault("channel_id", int(msg["channel_id"]))
        return await self.inject(self._interaction_payload(3, data, message=msg, **ctx), name=custom_id, message=msg)

    async def inject_modal_submit(self, custom_id: str, values: dict[str, str], *,
                                  message: Json | InteractionHandle | int | None = None,
                                  **ctx: Any) -> InteractionHandle:  # fmt: skip
        """Submit a modal (type 5); each text input value comes in its own action row."""
        rows = [{"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in values.items()]
        msg = self._resolve_message(message) if message is not None else None
        payload = self._interaction_payload(5, {"custom_id": custom_id, "components": rows}, message=msg, **ctx)
        await self.round_trip()
        return await self.inject(payload, name=custom_id, message=msg)

    async def round_trip(self, timeout: float = HANG_GUARD) -> None:
        """Ask the client for a heartbeat (op 1) and wait for it: the client's event loop has run since.

        discord.py registers a modal only after it has read the answer to its callback, while a test can
        submit the form a moment after that answer was written (a person takes seconds). Submitting after
        a round trip makes sure the bot's loop has had its turn, so the form is known when it comes back."""
        await self.wait_live(timeout)
        s = self._session
        if s is None or s.conn is None:
            raise RuntimeError("no live gateway connection")
        beats = self.heartbeat_count
        for _ in range(2):  # two answers: at least one is to these requests, not a beat the client sent anyway
            await s.conn.send({"op": 1, "d": None})
        await _until(self._changed, lambda: self.heartbeat_count >= beats + 2, timeout, "heartbeats after op 1")

    def find_command(self, name: str) -> Json:
        """The synced chat-input command ``name`` (guild-scoped preferred over global)."""
        for key in (self.guild_id, None):
            for cmd in self.commands.get(key, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd
        raise KeyError(f"command {name!r} not synced (synced: {[c['name'] for c in self.synced_commands]})")

    async def _inject_app_command(self, itype: int, name: str, values: Json, sub: str | list[str] | None,
                                  focused: str | None, ctx: Json) -> InteractionHandle:  # fmt: skip
        path = name.split() + (sub.split() if isinstance(sub, str) else list(sub or []))
        cmd = self.find_command(path[0])
        schema, chain = cmd.get("options") or [], []
        for part in path[1:]:
            opt = next((o for o in schema if o["name"] == part and o["type"] in (1, 2)), None)
            if opt is None:
                raise ValueError(f"{part!r} is not a subcommand (group) of {path[0]!r}")
            chain.append(opt)
            schema = opt.get("options") or []
        options = leaf = pl.chat_input_options(schema, values, focused)
        for opt in reversed(chain):
            options = [{"name": opt["name"], "type": opt["type"], "options": options}]
        data: Json = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": options}
        if cmd.get("guild_id"):  # only guild-scoped commands carry data.guild_id
            data["guild_id"] = cmd["guild_id"]
        if resolved := self._resolved(leaf):
            data["resolved"] = resolved
        return await self.inject(self._interaction_payload(itype, data, **ctx), name=" ".join(path))

    def _resolved(self, options: list[Json]) -> Json:
        out: Json = {}
        roles = {r["id"]: r for r in self.roles}
        for opt in options:
            t, v = opt["type"], str(opt.get("value"))
            if t in (6, 9) and v.isdigit() and int(v) in self.users:
                out.setdefault("users", {})[v] = self.users[int(v)]
                out.setdefault("members", {})[v] = {k: x for k, x in pl.member({}).items() if k != "user"}
            if t in (8, 9) and v in roles:
                out.setdefault("roles", {})[v] = roles[v]
            if t == 7 and v.isdigit() and int(v) in self.channels:
                perms = str(pl.DEFAULT_PERMISSIONS)
                out.setdefault("channels", {})[v] = {**self.channels[int(v)], "permissions": perms}
        return out

    def _role_id(self, role: int | str) -> int:
        if isinstance(role, int) or role.isdigit():
            return int(role)
        for r in self.roles:
            if r["name"] == role:
                return int(r["id"])
        raise ValueError(f"unknown role {role!r}")

    def _user_payload(self, user: Json | int | None) -> Json:
        if user is None:
            return self.default_user
        if isinstance(user, int):
            user = self.users.get(user) or pl.user(user, f"user{user}")
        self.users[int(user["id"])] = user
        return user

    def dm_channel(self, user: Json | int | None = None) -> Json:
        """The DM channel with ``user`` (default: the default test user), created on first use."""
        u = self._user_payload(user)
        if (ch := self._dm_by_user.get(str(u["id"]))) is not None:
            return ch
        ch = pl.dm_channel(pl.snowflake(), u)
        self.channels[int(ch["id"])] = ch
        self._dm_by_user[str(u["id"])] = ch
        return ch

    def _interaction_payload(self, itype: int, data: Json, *, roles: Sequence[int | str] = (),
                             user: Json | int | None = None, locale: str = 'en-US', guild_locale: str = 'en-US',
                             guild: bool = True, dm: bool = False, channel_id: int | None = None,
                             permissions: int | None = None, message: Json | None = None) -> Json:  # fmt: skip
        u = self._user_payload(user)
        common: Json = {'interaction_id': pl.snowflake(), 'interaction_type': itype, 'token': _new_token(),
                        'application_id': self.application_id, 'data': data, 'user_payload': u,
                        'locale': locale, 'message_payload': message}  # fmt: skip
        if not guild or dm:
            return pl.interaction(**common, channel=self.dm_channel(u))
        role_ids = [self._role_id(r) for r in roles]
        if permissions is None:  # @everyone plus the member's roles
            permissions = 0
            for r in self.roles:
                if int(r["id"]) in (*role_ids, self.guild_id):
                    permissions |= int(r["permissions"])
        channel = self.channels.get(channel_id or self.default_channel_id)
        if channel is None or channel["type"] == 1:
            channel = self.channels[self.default_channel_id]
        member = pl.member(u, role_ids, permissions=permissions)
        return pl.interaction(**common, channel=channel, guild_id=self.guild_id, member_payload=member,
                              guild_locale=guild_locale)  # fmt: skip

    def _resolve_message(self, message: Json | InteractionHandle | int) -> Json:
        if isinstance(message, InteractionHandle):
            if message.original is None:
                raise ValueError(f"{message!r} has no response message yet")
            message = message.original
        mid = int(message["id"]) if isinstance(message, dict) else int(message)
        if mid not in self.messages:
            raise KeyError(f"unknown message {mid}")
        return self.messages[mid]

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0)
        await ws.prepare(request)
        mode = request.query.get("compress") if self.compress else None
        if mode not in ("zlib-stream", "zstd-stream") or (mode == "zstd-stream" and _zstd is None):
            mode = None  # TEXT frames, which the client always accepts
        conn = _Conn(ws, request.path, dict(request.query), mode)
        self.gateway_connections.append(conn)
        await conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_gateway_message(conn, json.loads(msg.data))
        finally:
            if self._session is not None and self._session.conn is conn:
                self._session.conn = None
                self._live.clear()
        return ws

    async def _on_gateway_message(self, conn: _Conn, msg: Json) -> None:
        self.gateway_received.append(msg)
        op, d = msg.get("op"), msg.get("d") or {}
        if op == 1:
            self.heartbeat_count += 1
            await conn.send({"op": 11})
            self._changed.set()
        elif op == 2 and d.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
        elif op == 2:
            self.identify_count += 1
            self.identify_payloads.append(d)
            self._session = _Session(id=secrets.token_hex(16), conn=conn)
            await self.dispatch("READY", self._ready_payload(d))
            await self.dispatch("GUILD_CREATE", self._guild_payload())
            self._ready.set()
            self._live.set()
        elif op == 6:
            s = self._session
            if s is None or d.get("session_id") != s.id or d.get("token") != self.token:
                await conn.send({"op": 9, "d": False})
                return
            s.conn = conn
            for payload in [p for p in s.sent if p["s"] > (d.get("seq") or 0)]:  # replay what was missed
                await conn.send(payload)
            self.resume_count += 1
            await self.dispatch("RESUMED", {})
            self._live.set()
            self._changed.set()
        elif op == 8:
            chunk = {'guild_id': str(self.guild_id), 'members': [pl.member(u) for u in self.users.values()],
                     'chunk_index': 0, 'chunk_count': 1, 'not_found': [], 'nonce': d.get('nonce')}  # fmt: skip
            await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    def _ready_payload(self, identify: Json) -> Json:
        return {'v': 10, 'user': self.bot_user, 'guilds': [{'id': str(self.guild_id), 'unavailable': True}],
                'session_id': self._session.id if self._session else '', 'session_type': 'normal',
                'resume_gateway_url': f'ws://{self.host}:{self.port}/gateway/resume',
                'application': {'id': str(self.application_id), 'flags': 0}, 'private_channels': [],
                'shard': identify.get('shard', [0, 1]), 'relationships': [], 'presences': []}  # fmt: skip

    def _guild_payload(self) -> Json:
        channels = [c for c in self.channels.values() if c["type"] != 1 and int(c["id"]) not in self.deleted_channels]
        return pl.guild(self.guild_id, self.guild_name, owner_id=self.owner['id'], roles=self.roles,
                        channels=channels, members=[pl.member(self.bot_user)])  # fmt: skip

    # ------------------------------------------------------------------ REST plumbing

    async def _rest(self, request: web.Request) -> web.Response:
        parts: list[Part] = []
        body: Any = None
        if request.content_type.startswith("multipart/"):
            async for p in await request.multipart():
                data = bytes(await p.read(decode=False))  # type: ignore[union-attr]
                parts.append(Part(p.name or "", p.filename, p.headers.get("Content-Type"), data))  # type: ignore[union-attr]
                if p.name == "payload_json":
                    body = json.loads(data)
        elif raw := await request.read():
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        rec = RecordedRequest(request.method, _API_PREFIX.sub('', request.path), dict(request.query),
                              dict(request.headers), body, parts, time.perf_counter())  # fmt: skip
        self.request_count += 1
        if self.record:
            self.requests.append(rec)
        after_reply: list[Callable[[], None]] = []
        token = _AFTER_REPLY.set(after_reply)
        try:
            resp = await self._route(bool(_API_PREFIX.match(request.path)), rec)
        finally:
            _AFTER_REPLY.reset(token)
        rec.status = resp.status
        if after_reply:  # a test acting on this answer acts after the bot could have read it, as on Discord
            await resp.prepare(request)
            await resp.write_eof()
            for notify in after_reply:
                notify()
        return resp

    async def _route(self, is_api: bool, rec: RecordedRequest) -> web.Response:
        for fail in self._failures:
            if fail.method in ("*", rec.method) and fnmatch.fnmatchcase(rec.path, fail.glob):
                fail.count -= 1
                if fail.count <= 0:
                    self._failures.remove(fail)
                if fail.after:
                    await self._route(is_api, rec)  # the work happens; only the answer is lost
                return _json(fail.status, fail.body, fail.headers)
        for index, (methods, pattern, handler) in enumerate(self._routes if is_api else []):
            if (m := pattern.fullmatch(rec.path)) and rec.method in methods.split("|"):
                public = rec.path.startswith(("/interactions/", "/webhooks/"))  # no bot token on these
                if not public and rec.headers.get("Authorization") != f"Bot {self.token}":
                    return _error(401, 0, "401: Unauthorized")
                if not public and (limited := self._global_limit()) is not None:
                    return limited
                if public or self.route_limit is None:
                    return await handler(rec, m)
                headers = self._route_headers(index, rec.method, rec.path)
                if headers.get("X-RateLimit-Scope"):
                    return _json(429, {"message": "You are being rate limited.", "global": False,
                                       "retry_after": float(headers["X-RateLimit-Reset-After"])}, headers)  # fmt: skip
                resp = await handler(rec, m)
                resp.headers.update(headers)
                return resp
        return _error(404, 0, "404: Not Found")

    def _route_headers(self, index: int, method: str, path: str) -> dict[str, str]:
        """Count one request in its route's bucket; its X-RateLimit-* headers (with a scope: over the limit)."""
        assert self.route_limit is not None
        limit, seconds = self.route_limit
        major = m[0] if (m := _MAJOR.match(path)) else ""
        now = time.monotonic()
        window = self._route_windows.get((index, major))
        if window is None or now >= window[1]:
            if len(self._route_windows) > 4096:  # drop finished windows: memory stays flat over 100k channels
                self._route_windows = {k: w for k, w in self._route_windows.items() if now < w[1]}
            window = self._route_windows[(index, major)] = [0, now + seconds]
        window[0] += 1
        reset_after = max(0.001, round(window[1] - now, 3))
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(max(0, limit - int(window[0]))),
                   "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}", "X-RateLimit-Reset-After": str(reset_after),
                   "X-RateLimit-Bucket": f"{method}-{index}"}  # fmt: skip
        if window[0] > limit:
            self.route_429s += 1
            headers.update({"X-RateLimit-Scope": "user", "Via": "1.1 google",
                            "Retry-After": str(max(1, round(reset_after)))})  # fmt: skip
        return headers

    def _global_limit(self) -> web.Response | None:
        """A token bucket of ``global_rate`` per second; an empty bucket answers 429 like Discord."""
        if not self.global_rate:
            return None
        now = time.monotonic()
        self._global_tokens = min(self.global_rate, self._global_tokens + (now - self._global_stamp) * self.global_rate)
        self._global_stamp = now
        if self._global_tokens >= 1:
            self._global_tokens -= 1
            return None
        self.global_429s += 1
        retry_after = max(0.001, round((1 - self._global_tokens) / self.global_rate, 3))
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": True}
        headers = {"Via": "1.1 google", "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global",
                   "Retry-After": str(max(1, round(retry_after)))}  # fmt: skip
        return _json(429, body, headers)

    # ------------------------------------------------------------------ messages

    def _attachments(self, body: Json, files: list[Part], channel_id: int, old: list[Json]) -> list[Json]:
        by_name = {p.name: p for p in files if p.filename is not None}
        keep, out = {a["id"]: a for a in old}, []
        for att in body.get("attachments") or []:
            if (part := by_name.pop(f"files[{att.get('id')}]", None)) is not None:
                name = att.get("filename") or part.filename or "file"
                out.append(pl.attachment(pl.snowflake(), channel_id, name, part.data, part.content_type))
            elif str(att.get("id")) in keep:
                out.append(keep[str(att["id"])])
        for part in by_name.values():
            out.append(pl.attachment(pl.snowflake(), channel_id, part.filename or "file", part.data, part.content_type))
        return out

    def _new_message(self, channel_id: int, body: Json, files: list[Part], **extra: Any) -> Json:
        guild_id = self.channels.get(channel_id, {}).get("guild_id")
        attachments = self._attachments(body, files, channel_id, [])
        msg = pl.message(pl.snowflake(), channel_id, self.bot_user, body, guild_id=guild_id,
                         attachments=attachments, **extra)  # fmt: skip
        if self.record:  # a benchmark (record=False) never reads a message back
            self.messages[int(msg["id"])] = msg
            self.message_files[int(msg["id"])] = [p for p in files if p.filename is not None]
        return msg

    def _edit_message(self, msg: Json, body: Json, files: list[Part]) -> Json:
        if "content" in body:
            msg["content"] = body["content"] or ""
        if "components" in body:
            msg["components"] = body["components"] or []
        if "embeds" in body:
            msg["embeds"] = pl.embeds(body["embeds"])
        if "flags" in body:
            msg["flags"] = int(body["flags"] or 0) | (msg["flags"] & 64)
        if "attachments" in body or files:
            msg["attachments"] = self._attachments(body, files, int(msg["channel_id"]), msg["attachments"])
            self.message_files.setdefault(int(msg["id"]), []).extend(p for p in files if p.filename is not None)
        msg["flags"] &= ~128  # any edit ends the "thinking..." state
        msg["edited_timestamp"] = pl.now_iso()
        return msg

    # ------------------------------------------------------------------ REST handlers

    async def _get_me(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json(200, self.bot_user)

    async def _get_user(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        user = self.users.get(int(m[1]))
        return _json(200, user) if user else _error(404, 10013, "Unknown User")

    async def _get_app(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json(200, pl.application(self.application_id, self.bot_user, self.owner))

    async def _get_gateway(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json(200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _commands(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        gid = int(m[2]) if m[2] else None
        current = self.commands.get(gid, [])
        if rec.method == "GET":
            return _json(200, current)
        ids = {(c["type"], c["name"]): c["id"] for c in current}
        out = []
        for cmd in (rec.json if rec.method == "PUT" else [rec.json]) or []:
            item = {'type': 1, 'description': '', 'options': [], 'default_member_permissions': None, 'nsfw': False,
                    **cmd, 'application_id': str(self.application_id), 'version': str(pl.snowflake())}  # fmt: skip
            item["id"] = ids.get((item["type"], item["name"])) or str(pl.snowflake())
            out.append({**item, "guild_id": str(gid)} if gid else item)
        if rec.method == "POST":  # upsert one command
            out = [c for c in current if c["id"] != out[0]["id"]] + out
        self.commands[gid] = out
        self.sync_count += 1
        self._changed.set()
        return _json(200, out if rec.method == "PUT" else out[-1])

    async def _callback(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        h = self._by_id.get(int(m[1]))
        if h is None or h.token != m[2]:
            return _error(404, 10062, "Unknown interaction")
        if h.callback is not None:
            return self._reject(h, 400, 40060, "Interaction has already been acknowledged.")
        if rec.at - (h.sent_at or rec.at) > self.interaction_timeout:
            return self._reject(h, 404, 10062, "Unknown interaction")
        body = rec.json or {}
        cb_type, data = int(body.get("type", 0)), body.get("data") or {}
        h.responded_at, h.callback = rec.at, Callback(cb_type, data, rec.files, rec.at)
        info: Json = {"id": str(h.id), "type": h.type}
        out: Json = {"interaction": info}
        if cb_type in (4, 5):  # reply, or "thinking..." defer: both create the response message
            flags = int(data.get("flags") or 0) | (128 if cb_type == 5 else 0)
            msg = self._new_message(int(h.payload['channel']['id']), {**data, 'flags': flags}, rec.files,
                                    msg_type=20 if h.type == 2 else 0, webhook_id=str(self.application_id),
                                    application_id=str(self.application_id))  # fmt: skip
            h.original, h._loading = msg, cb_type == 5
            info.update(response_message_id=msg['id'], response_message_loading=h._loading,
                        response_message_ephemeral=bool(flags & 64))  # fmt: skip
            out["resource"] = {"type": cb_type, "message": msg}
        elif cb_type in (6, 7) and h.message is not None:  # component: defer update / update message
            msg = self.messages.get(int(h.message["id"]), h.message)
            h.original = self._edit_message(msg, data, rec.files) if cb_type == 7 else msg
            info["response_message_id"] = msg["id"]
            out["resource"] = {"type": cb_type, "message": msg} if cb_type == 7 else {"type": cb_type}
        elif cb_type in (9, 10, 12):
            out["resource"] = {"type": cb_type}
        _after_reply(h._notify)
        return _json(200, out)

    def _reject(self, h: InteractionHandle, status: int, code: int, message: str) -> web.Response:
        h.errors.append((status, code))
        h._notify()
        return _error(status, code, message)

    def _webhook_handle(self, m: re.Match[str]) -> InteractionHandle | web.Response:
        h = self._by_token.get(m[2])
        if h is None or int(m[1]) != self.application_id:
            return _error(404, 10015, "Unknown Webhook")
        return self._reject(h, 404, 10015, "Unknown Webhook") if h.callback is None else h

    async def _followup(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        h = self._webhook_handle(m)
        if isinstance(h, web.Response):
            return h
        if h._loading and h.original is not None:  # the first followup replaces "thinking..."
            h._loading = False
            msg = self._edit_message(h.original, rec.json or {}, rec.files)
        else:
            msg = self._new_message(int(h.payload['channel']['id']), rec.json or {}, rec.files,
                                    msg_type=19 if h.original else 0, webhook_id=str(self.application_id),
                                    application_id=str(self.application_id))  # fmt: skip
        h.followups.append(msg)
        h._notify()
        return _json(200, msg) if rec.query.get("wait", "").lower() in ("1", "true") else web.Response(status=204)

    async def _webhook_message(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        h = self._webhook_handle(m)
        if isinstance(h, web.Response):
            return h
        candidates = [h.original] if m[3] == "@original" else [h.original, *h.followups]
        msg = next((x for x in candidates if x is not None and (m[3] == "@original" or x["id"] == m[3])), None)
        if msg is None or int(msg["id"]) not in self.messages:
            return self._reject(h, 404, 10008, "Unknown Message")
        if rec.method == "DELETE":
            del self.messages[int(msg["id"])]
            h.deleted.append(int(msg["id"]))
            h._notify()
            return web.Response(status=204)
        if rec.method == "PATCH":
            h._loading = h._loading and msg is not h.original
            h.edits.append(dict(self._edit_message(msg, rec.json or {}, rec.files)))
            h._notify()
        return _json(200, msg)

    def _channel_error(self, channel_id: int, write: bool) -> web.Response | None:
        if channel_id in self.deleted_channels or channel_id not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        if write and channel_id in self.forbidden_channels:
            return _error(403, 50013, "Missing Permissions")
        return None

    async def _get_channel(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        err = self._channel_error(int(m[1]), False)
        return err if err is not None else _json(200, self.channels[int(m[1])])

    async def _typing(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        err = self._channel_error(int(m[1]), True)
        return err if err is not None else web.Response(status=204)

    async def _channel_messages(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        cid = int(m[1])
        if (err := self._channel_error(cid, rec.method == "POST")) is not None:
            return err
        if rec.method == "GET":
            return _json(200, list(reversed(self.channel_messages.get(cid, [])))[: int(rec.query.get("limit", 50))])
        body = rec.json or {}
        nonce = body.get("nonce")
        if nonce is not None and (not isinstance(nonce, str | int) or len(str(nonce)) > 25):
            return _error(400, 50035, "Invalid Form Body: nonce must be an integer or a string of <= 25 characters")
        if nonce is not None and body.get("enforce_nonce"):
            # Discord: with enforce_nonce, a message with the same nonce from the same author in the last few
            # minutes is returned instead of creating another.
            for old in self.channel_messages.get(cid, []):
                if old.get("nonce") == str(nonce) and time.time() - old.get("_created", 0) < NONCE_WINDOW:
                    return _json(200, {k: v for k, v in old.items() if not k.startswith("_")})
        msg = self._new_message(cid, body, rec.parts)
        if nonce is not None:
            msg["nonce"], msg["_created"] = str(nonce), time.time()
        kept = msg if self.record else {k: msg[k] for k in ("id", "nonce", "_created") if k in msg}
        self.channel_messages.setdefault(cid, []).append(kept)
        self._changed.set()
        return _json(200, msg)

    async def _channel_message(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        cid, mid = int(m[1]), int(m[2])
        if (err := self._channel_error(cid, rec.method != "GET")) is not None:
            return err
        msg = self.messages.get(mid)
        if msg is None or int(msg["channel_id"]) != cid:
            return _error(404, 10008, "Unknown Message")
        if rec.method == "DELETE":
            del self.messages[mid]
            return web.Response(status=204)
        return _json(200, self._edit_message(msg, rec.json or {}, rec.files) if rec.method == "PATCH" else msg)

    async def _create_dm(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json(200, self.dm_channel(int((rec.json or {}).get("recipient_id", 0))))

    async def _get_guild(self, rec: RecordedRequest, m: re.Match[str]) -> web.Response:
        if int(m[1]) != self.guild_id:
            return _error(404, 10004, "Unknown Guild")
        guild = self._guild_payload()
        return _json(200, guild[m[2]] if m[2] else guild)
