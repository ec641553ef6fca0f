"""Store operations for subscriber notices: enqueued once per change, claimed in batches under a lease,
finished in one round trip per batch. Mixed into :class:`bot.store.Store`.

Exactly once: each (version, jurisdiction, subscriber) is one row (the idempotency key); a batch of pending
rows is claimed with one UPDATE (its rows locked with FOR UPDATE SKIP LOCKED on PostgreSQL, SQLite's writer
lock serialises claims), so two processes never hold the same notice; a process that dies mid-batch leaves
its rows pending under a lease that expires, and another process claims them again (the message nonce
keeps a notice it had already posted from posting twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.store.base import utcnow
from bot.store.sql import Connection

NOTICE_LEASE = dt.timedelta(minutes=2)  # renewed while a batch is sent; a dead sender's batch is re-claimed
RETRY_AFTER = dt.timedelta(seconds=30)  # a notice that met Discord's 5xx or a network error waits this long


@dataclass(frozen=True)
class Notice:
    """One claimed notice: where it goes, its text by language, and the subscriber's stored DM channel."""

    id: int
    kb_version: str
    jurisdiction: str
    target_kind: str
    target_id: int
    guild_id: int | None
    texts: dict[str, str]  # language -> text
    dm_channel_id: int | None = None

    def text(self, language: str) -> str:
        """The text in ``language``, else English, else any."""
        return self.texts.get(language) or self.texts.get("en") or next(iter(self.texts.values()), "")


@dataclass(frozen=True)
class NoticeResult:
    """What became of a notice: ``sent``, ``failed`` (never retried) or ``retry`` (Discord's 5xx or the network:
    pending again after RETRY_AFTER); ``dm_channel_id`` when a DM channel was created."""

    id: int
    outcome: str
    user_id: int | None = None
    dm_channel_id: int | None = None


class NoticeStore:
    """Notices to subscribers (needs ``_begin`` and ``dialect`` from Store)."""

    if TYPE_CHECKING:  # provided by Store

        @property
        def dialect(self) -> str: ...

        def _begin(self, migrating: bool = False) -> AbstractAsyncContextManager[Connection]: ...

    async def enqueue_notices(self, kb_version: str, texts: dict[tuple[str, str], str]) -> int:
        """One pending notice per subscriber of each changed jurisdiction (``texts``: (jurisdiction,
        language) -> text; the sender picks the language of the subscriber's server).

        Idempotent: every process that sees the change may call it; rows already there are kept as they are.
        Returns how many rows this call added.
        """
        if not texts:
            return 0
        async with self._begin() as conn:
            await conn.execute_many(
                "INSERT INTO notice_texts (kb_version, jurisdiction, language, text)"
                " VALUES (:kb_version, :jurisdiction, :language, :text) ON CONFLICT DO NOTHING",
                [{"kb_version": kb_version, "jurisdiction": j, "language": lang, "text": t}
                 for (j, lang), t in texts.items()],
            )  # fmt: skip
            return await conn.execute(
                "INSERT INTO notices (kb_version, jurisdiction, target_kind, target_id, guild_id, status)"
                " SELECT CAST(:kb_version AS VARCHAR(32)), jurisdiction, target_kind, target_id, guild_id, 'pending'"
                f" FROM subscriptions WHERE {conn.in_('jurisdiction', 'jurisdictions')} ON CONFLICT DO NOTHING",
                {"kb_version": kb_version, "jurisdictions": sorted({jid for jid, _ in texts})},
            )

    async def claim_notices(self, now: dt.datetime, *, worker: str, limit: int = 500,
                            lease: dt.timedelta = NOTICE_LEASE) -> list[Notice]:  # fmt: skip
        """Take up to ``limit`` pending notices (new ones, or claimed under a lease that expired) for ``worker``."""
        free = "status = 'pending' AND (lease_until IS NULL OR lease_until < :now) ORDER BY id LIMIT :limit"
        if self.dialect == "postgresql":
            # A materialised CTE: PostgreSQL may otherwise re-run an ``IN (… LIMIT …)`` subquery and claim more.
            claim = (
                f"WITH batch AS MATERIALIZED (SELECT id FROM notices WHERE {free} FOR UPDATE SKIP LOCKED)"
                " UPDATE notices SET worker = :worker, lease_until = :lease FROM batch WHERE notices.id = batch.id"
                " RETURNING notices.id"
            )
        else:  # SQLite's writer lock serialises claims
            claim = (
                "UPDATE notices SET worker = :worker, lease_until = :lease"
                f" WHERE id IN (SELECT id FROM notices WHERE {free}) RETURNING id"
            )
        async with self._begin() as conn:
            claimed = await conn.fetch_all(claim, {"now": now, "limit": limit, "worker": worker, "lease": now + lease})
            ids = sorted(row["id"] for row in claimed)
            if not ids:
                return []
            rows = await conn.fetch_all(
                "SELECT n.id, n.kb_version, n.jurisdiction, n.target_kind, n.target_id, n.guild_id,"
                " d.channel_id AS dm_channel_id FROM notices n"
                " LEFT OUTER JOIN dm_channels d ON n.target_kind = 'user' AND d.user_id = n.target_id"
                f" WHERE {conn.in_('n.id', 'ids')} ORDER BY n.id",
                {"ids": ids},
            )
            found = await conn.fetch_all(
                "SELECT kb_version, jurisdiction, language, text FROM notice_texts"
                f" WHERE {conn.in_('kb_version', 'versions')} AND {conn.in_('jurisdiction', 'jurisdictions')}",
                {"versions": sorted({r["kb_version"] for r in rows}),
                 "jurisdictions": sorted({r["jurisdiction"] for r in rows})},
            )  # fmt: skip
        texts: dict[tuple[str, str], dict[str, str]] = {}
        for r in found:
            texts.setdefault((r["kb_version"], r["jurisdiction"]), {})[r["language"]] = r["text"]
        return [Notice(**r, texts=texts.get((r["kb_version"], r["jurisdiction"]), {})) for r in rows]

    async def renew_notice_lease(self, ids: Iterable[int], *, worker: str, until: dt.datetime) -> int:
        """Extend this worker's lease on notices it is still sending; returns how many it still holds."""
        ids = list(ids)
        if not ids:
            return 0
        async with self._begin() as conn:
            return await conn.execute(
                "UPDATE notices SET lease_until = :until"
                f" WHERE {conn.in_('id', 'ids')} AND worker = :worker AND status = 'pending'",
                {"until": until, "ids": ids, "worker": worker},
            )

    async def finish_notices(
        self, results: Iterable[NoticeResult], *, worker: str | None = None, now: dt.datetime | None = None
    ) -> None:
        """Record a batch's outcomes and any DM channels created, in one transaction. With ``worker``, only rows
        this worker still holds are written (a row another process took over is its to finish)."""
        results = list(results)
        if not results:
            return
        dms = {r.user_id: r.dm_channel_id for r in results if r.user_id is not None and r.dm_channel_id is not None}
        mine = " AND worker = :worker" if worker is not None else ""
        done = [r for r in results if r.outcome != "retry"]
        later = [r for r in results if r.outcome == "retry"]
        async with self._begin() as conn:
            if done:
                sent_at = utcnow()
                await conn.execute_many(
                    "UPDATE notices SET status = :outcome, sent_at = :sent_at, lease_until = NULL"
                    f" WHERE id = :id{mine}",
                    [{"id": r.id, "outcome": r.outcome, "sent_at": sent_at, "worker": worker} for r in done],
                )
            if later:  # pending again, claimable once the wait is over
                await conn.execute(
                    f"UPDATE notices SET lease_until = :until WHERE {conn.in_('id', 'ids')}{mine}",
                    {"until": (now or utcnow()) + RETRY_AFTER, "ids": [r.id for r in later], "worker": worker},
                )
            if dms:
                await conn.execute_many(
                    "INSERT INTO dm_channels (user_id, channel_id) VALUES (:user_id, :channel_id)"
                    " ON CONFLICT (user_id) DO UPDATE SET channel_id = excluded.channel_id",
                    [{"user_id": u, "channel_id": c} for u, c in dms.items()],
                )
                # a member who unsubscribed from everything, or used /me forget, while this batch was in flight:
                # their DM channel id is not kept
                await conn.execute(
                    f"DELETE FROM dm_channels WHERE {conn.in_('user_id', 'users')} AND user_id NOT IN"
                    " (SELECT target_id FROM subscriptions WHERE target_kind = 'user')",
                    {"users": list(dms)},
                )

    async def forget_dm_channel(self, user_id: int) -> None:
        """Drop a stored DM channel that Discord no longer knows."""
        async with self._begin() as conn:
            await conn.execute("DELETE FROM dm_channels WHERE user_id = :id", {"id": user_id})

    async def notice_counts(self, kb_version: str | None = None) -> dict[str, int]:
        """How many notices are in each status (for checks and benchmarks)."""
        where = "WHERE kb_version = :kb_version " if kb_version is not None else ""
        async with self._begin() as conn:
            rows = await conn.fetch_all(
                f"SELECT status, count(*) AS n FROM notices {where}GROUP BY status", {"kb_version": kb_version}
            )
        return {row["status"]: int(row["n"]) for row in rows}
