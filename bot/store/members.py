"""Store operations about members: a saved district (opt-in), call outcomes counted under a keyed hash of
the member, and forgetting a member. Mixed into :class:`bot.store.Store`.

The hash is HMAC-SHA256 over (server, prompt, member id) with a secret salt: the salt set in the settings
(``QIBOT_MEMBER_SALT``), or else one generated once and kept in the ``meta`` table so every process and
restart agrees. A row therefore names no member, rows of one member cannot be joined across prompts, and a
second press on the same prompt and legislator finds (and changes) the member's row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from bot.store.base import day as stored_day
from bot.store.base import utcnow
from bot.store.sql import Connection

Outcome = Literal["called", "voicemail", "emailed", "skipped"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
SALT_KEY = "member_salt"
BATCH = 500


@dataclass(frozen=True)
class MemberDistrict:
    """The seat a member chose to save: state (postal id, e.g. "ct"), chamber and district."""

    state: str
    chamber: str
    district: str


def member_hash(salt: bytes, guild_id: int, prompt: str, user_id: int) -> str:
    """The keyed hash that stands for a member in one server's tally of one prompt."""
    return hmac.new(salt, f"{guild_id}:{prompt}:{user_id}".encode(), hashlib.sha256).hexdigest()


class MemberStore:
    """Saved districts and call outcomes (needs ``_begin`` and ``dialect`` from Store)."""

    if TYPE_CHECKING:  # provided by Store
        @property
        def dialect(self) -> str: ...

    _begin: Callable[[], AbstractAsyncContextManager[Connection]]
    member_salt: bytes | None = None  # configured salt; else read (or created) from the meta table

    async def _salt(self) -> bytes:
        if self.member_salt:
            return self.member_salt
        async with self._begin() as conn:
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES (:key, :value) ON CONFLICT (key) DO NOTHING",
                {"key": SALT_KEY, "value": secrets.token_hex(32)},
            )
            value = await conn.fetch_value("SELECT value FROM meta WHERE key = :key", {"key": SALT_KEY})
        self.member_salt = bytes.fromhex(value)
        return self.member_salt

    # ----------------------------------------------------------------- saved district

    async def save_district(self, user_id: int, state: str, chamber: str, district: str) -> None:
        """Save (or replace) a member's district."""
        row = {"user_id": user_id, "state": state, "chamber": chamber, "district": district}  # nothing else
        async with self._begin() as conn:
            await conn.execute(
                "INSERT INTO member_districts (user_id, state, chamber, district)"
                " VALUES (:user_id, :state, :chamber, :district) ON CONFLICT (user_id) DO UPDATE"
                " SET state = excluded.state, chamber = excluded.chamber, district = excluded.district",
                row,
            )

    async def member_district(self, user_id: int) -> MemberDistrict | None:
        async with self._begin() as conn:
            row = await conn.fetch_one(
                "SELECT state, chamber, district FROM member_districts WHERE user_id = :id", {"id": user_id}
            )
        return MemberDistrict(row["state"], row["chamber"], row["district"]) if row else None

    # ----------------------------------------------------------------- call outcomes

    async def record_outcome(
        self, *, guild_id: int, prompt: str, legislator_id: str, user_id: int, outcome: str,
        day: dt.date | None = None,
    ) -> str | None:  # fmt: skip
        """Record what a member did about one legislator for one prompt; a second press changes the outcome.

        Returns the outcome it replaced (None when it is the member's first for this prompt and legislator).
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        key = {
            "guild_id": guild_id,
            "prompt": prompt,
            "legislator_id": legislator_id,
            "member_hash": member_hash(await self._salt(), guild_id, prompt, user_id),
        }
        async with self._begin() as conn:
            before = await conn.fetch_value(
                "SELECT outcome FROM call_outcomes WHERE guild_id = :guild_id AND prompt = :prompt"
                " AND legislator_id = :legislator_id AND member_hash = :member_hash",
                key,
            )
            await conn.execute(
                "INSERT INTO call_outcomes (guild_id, prompt, legislator_id, member_hash, outcome, day)"
                " VALUES (:guild_id, :prompt, :legislator_id, :member_hash, :outcome, :day)"
                " ON CONFLICT (guild_id, prompt, legislator_id, member_hash) DO UPDATE"
                " SET outcome = excluded.outcome, day = excluded.day",
                {**key, "outcome": outcome, "day": day or utcnow().date()},
            )
        return str(before) if before is not None else None

    async def outcome_tally(self, guild_id: int, prompt: str) -> dict[dt.date, dict[str, int]]:
        """Counts per UTC day and outcome (days in order; each day lists every outcome, zeros included)."""
        tally: dict[dt.date, dict[str, int]] = {}
        async with self._begin() as conn:
            rows = await conn.fetch_all(
                "SELECT day, outcome, count(*) AS n FROM call_outcomes WHERE guild_id = :guild_id AND prompt = :prompt"
                " GROUP BY day, outcome ORDER BY day",
                {"guild_id": guild_id, "prompt": prompt},
            )
        for row in rows:
            tally.setdefault(stored_day(row["day"]), dict.fromkeys(OUTCOMES, 0))[row["outcome"]] = int(row["n"])
        return tally

    async def _member_hashes(self, conn: Connection, user_id: int) -> list[str]:
        """This member's hash in every (server, prompt) that has outcomes (recomputed: nothing links them)."""
        salt = await self._salt()
        pairs = await conn.fetch_all("SELECT DISTINCT guild_id, prompt FROM call_outcomes")
        return [member_hash(salt, row["guild_id"], row["prompt"], user_id) for row in pairs]

    async def member_report_count(self, user_id: int) -> int:
        """How many problem reports carry this member's id (for /me show; /me forget clears the id)."""
        async with self._begin() as conn:
            return int(await conn.fetch_value("SELECT count(*) FROM reports WHERE user_id = :id", {"id": user_id}))

    async def member_outcome_count(self, user_id: int) -> int:
        """How many outcome rows stand for this member (for /me show)."""
        await self._salt()
        async with self._begin() as conn:
            hashes = await self._member_hashes(conn, user_id)
            total = 0
            for i in range(0, len(hashes), BATCH):
                total += int(
                    await conn.fetch_value(
                        f"SELECT count(*) FROM call_outcomes WHERE {conn.in_('member_hash', 'hashes')}",
                        {"hashes": hashes[i : i + BATCH]},
                    )
                )
        return total

    # ----------------------------------------------------------------- forgetting

    async def forget_member(self, user_id: int) -> dict[str, int]:
        """Delete everything stored about a member, in one transaction; returns how many of each kind.

        Kinds: ``district`` (the saved seat), ``outcomes`` (call outcomes under the member's hashes),
        ``subscriptions`` (notices by DM), ``notices`` (the record of DM notices sent to them), ``reports``
        (problem reports they filed: the note stays in the moderators' queue, the member id is removed from it).
        """
        await self._salt()
        member = {"id": user_id}
        async with self._begin() as conn:
            district = await conn.execute("DELETE FROM member_districts WHERE user_id = :id", member)
            hashes = await self._member_hashes(conn, user_id)
            outcomes = 0
            for i in range(0, len(hashes), BATCH):
                outcomes += await conn.execute(
                    f"DELETE FROM call_outcomes WHERE {conn.in_('member_hash', 'hashes')}",
                    {"hashes": hashes[i : i + BATCH]},
                )
            subs = await conn.execute(
                "DELETE FROM subscriptions WHERE target_kind = 'user' AND target_id = :id", member
            )
            sent = await conn.execute("DELETE FROM notices WHERE target_kind = 'user' AND target_id = :id", member)
            await conn.execute("DELETE FROM dm_channels WHERE user_id = :id", member)
            reports = await conn.execute("UPDATE reports SET user_id = 0 WHERE user_id = :id", member)
        return {"district": district, "outcomes": outcomes, "subscriptions": subs, "notices": sent, "reports": reports}
