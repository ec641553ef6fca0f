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
from typing import TYPE_CHECKING, Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bot.store import tables
from bot.store.aio import AsyncConnection
from bot.store.base import utcnow

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

    _begin: Callable[[], AbstractAsyncContextManager[AsyncConnection]]
    member_salt: bytes | None = None  # configured salt; else read (or created) from the meta table

    def _upsert(self, table: sa.Table) -> Any:
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        return dialect.insert(table)

    async def _salt(self) -> bytes:
        if self.member_salt:
            return self.member_salt
        async with self._begin() as conn:
            await conn.execute(
                self._upsert(tables.meta)
                .values(key=SALT_KEY, value=secrets.token_hex(32))
                .on_conflict_do_nothing(index_elements=["key"])
            )
            value = (
                await conn.execute(sa.select(tables.meta.c.value).where(tables.meta.c.key == SALT_KEY))
            ).scalar_one()
        self.member_salt = bytes.fromhex(value)
        return self.member_salt

    # ----------------------------------------------------------------- saved district

    async def save_district(self, user_id: int, state: str, chamber: str, district: str) -> None:
        """Save (or replace) a member's district."""
        row = {"user_id": user_id, "state": state, "chamber": chamber, "district": district}  # nothing else
        statement = self._upsert(tables.member_districts).values(**row)
        async with self._begin() as conn:
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["user_id"], set_={k: v for k, v in row.items() if k != "user_id"}
                )
            )

    async def member_district(self, user_id: int) -> MemberDistrict | None:
        t = tables.member_districts
        async with self._begin() as conn:
            row = (
                await conn.execute(sa.select(t.c.state, t.c.chamber, t.c.district).where(t.c.user_id == user_id))
            ).first()
        return MemberDistrict(row.state, row.chamber, row.district) if row else None

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
        t = tables.call_outcomes
        key = {
            "guild_id": guild_id,
            "prompt": prompt,
            "legislator_id": legislator_id,
            "member_hash": member_hash(await self._salt(), guild_id, prompt, user_id),
        }
        when = day or utcnow().date()
        async with self._begin() as conn:
            before = (
                await conn.execute(sa.select(t.c.outcome).where(*(t.c[k] == v for k, v in key.items())))
            ).scalar()
            await conn.execute(
                self._upsert(t)
                .values(**key, outcome=outcome, day=when)
                .on_conflict_do_update(index_elements=list(key), set_={"outcome": outcome, "day": when})
            )
        return str(before) if before is not None else None

    async def outcome_tally(self, guild_id: int, prompt: str) -> dict[dt.date, dict[str, int]]:
        """Counts per UTC day and outcome (days in order; each day lists every outcome, zeros included)."""
        t = tables.call_outcomes
        query = (
            sa.select(t.c.day, t.c.outcome, sa.func.count())
            .where(t.c.guild_id == guild_id, t.c.prompt == prompt)
            .group_by(t.c.day, t.c.outcome)
            .order_by(t.c.day)
        )
        tally: dict[dt.date, dict[str, int]] = {}
        async with self._begin() as conn:
            for day, outcome, count in await conn.execute(query):
                tally.setdefault(day, dict.fromkeys(OUTCOMES, 0))[outcome] = int(count)
        return tally

    async def _member_hashes(self, conn: AsyncConnection, user_id: int) -> list[str]:
        """This member's hash in every (server, prompt) that has outcomes (recomputed: nothing links them)."""
        salt = await self._salt()
        t = tables.call_outcomes
        pairs = await conn.execute(sa.select(t.c.guild_id, t.c.prompt).distinct())
        return [member_hash(salt, guild_id, prompt, user_id) for guild_id, prompt in pairs]

    async def member_report_count(self, user_id: int) -> int:
        """How many problem reports carry this member's id (for /me show; /me forget clears the id)."""
        r = tables.reports
        async with self._begin() as conn:
            found = await conn.execute(sa.select(sa.func.count()).select_from(r).where(r.c.user_id == user_id))
            return int(found.scalar_one())

    async def member_outcome_count(self, user_id: int) -> int:
        """How many outcome rows stand for this member (for /me show)."""
        t = tables.call_outcomes
        await self._salt()
        async with self._begin() as conn:
            hashes = await self._member_hashes(conn, user_id)
            total = 0
            for i in range(0, len(hashes), BATCH):
                total += (
                    await conn.execute(
                        sa.select(sa.func.count()).select_from(t).where(t.c.member_hash.in_(hashes[i : i + BATCH]))
                    )
                ).scalar_one()
        return int(total)

    # ----------------------------------------------------------------- forgetting

    async def forget_member(self, user_id: int) -> dict[str, int]:
        """Delete everything stored about a member, in one transaction; returns how many of each kind.

        Kinds: ``district`` (the saved seat), ``outcomes`` (call outcomes under the member's hashes),
        ``subscriptions`` (notices by DM), ``notices`` (the record of DM notices sent to them), ``reports``
        (problem reports they filed: the note stays in the moderators' queue, the member id is removed from it).
        """
        await self._salt()
        t = tables.call_outcomes
        async with self._begin() as conn:
            district = await conn.execute(
                sa.delete(tables.member_districts).where(tables.member_districts.c.user_id == user_id)
            )
            hashes = await self._member_hashes(conn, user_id)
            outcomes = 0
            for i in range(0, len(hashes), BATCH):
                result = await conn.execute(sa.delete(t).where(t.c.member_hash.in_(hashes[i : i + BATCH])))
                outcomes += result.rowcount
            subs = await conn.execute(
                sa.delete(tables.subscriptions).where(
                    tables.subscriptions.c.target_kind == "user", tables.subscriptions.c.target_id == user_id
                )
            )
            sent = await conn.execute(
                sa.delete(tables.notices).where(
                    tables.notices.c.target_kind == "user", tables.notices.c.target_id == user_id
                )
            )
            await conn.execute(sa.delete(tables.dm_channels).where(tables.dm_channels.c.user_id == user_id))
            reports = await conn.execute(
                sa.update(tables.reports).where(tables.reports.c.user_id == user_id).values(user_id=0)
            )
        return {
            "district": district.rowcount,
            "outcomes": outcomes,
            "subscriptions": subs.rowcount,
            "notices": sent.rowcount,
            "reports": reports.rowcount,
        }
