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
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bot.store import tables
from bot.store.aio import AsyncConnection
from bot.store.base import utcnow

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

        def _begin(self, migrating: bool = False) -> AbstractAsyncContextManager[AsyncConnection]: ...

    def _insert(self, table: sa.Table) -> Any:
        return (postgresql if self.dialect == "postgresql" else sqlite).insert(table)

    async def enqueue_notices(self, kb_version: str, texts: dict[tuple[str, str], str]) -> int:
        """One pending notice per subscriber of each changed jurisdiction (``texts``: (jurisdiction,
        language) -> text; the sender picks the language of the subscriber's server).

        Idempotent: every process that sees the change may call it; rows already there are kept as they are.
        Returns how many rows this call added.
        """
        if not texts:
            return 0
        s, n = tables.subscriptions, tables.notices
        cols = ["kb_version", "jurisdiction", "target_kind", "target_id", "guild_id", "status"]
        source = sa.select(
            sa.literal(kb_version, sa.String), s.c.jurisdiction, s.c.target_kind, s.c.target_id, s.c.guild_id,
            sa.literal("pending", sa.String),
        ).where(s.c.jurisdiction.in_(sorted({jid for jid, _ in texts})))  # fmt: skip
        async with self._begin() as conn:
            await conn.execute(
                self._insert(tables.notice_texts).on_conflict_do_nothing(),
                [{"kb_version": kb_version, "jurisdiction": j, "language": lang, "text": t}
                 for (j, lang), t in texts.items()],
            )
            result = await conn.execute(self._insert(n).from_select(cols, source).on_conflict_do_nothing())
            return max(int(result.rowcount or 0), 0)

    async def claim_notices(self, now: dt.datetime, *, worker: str, limit: int = 500,
                            lease: dt.timedelta = NOTICE_LEASE) -> list[Notice]:  # fmt: skip
        """Take up to ``limit`` pending notices (new ones, or claimed under a lease that expired) for ``worker``."""
        n, t, d = tables.notices, tables.notice_texts, tables.dm_channels
        free = sa.or_(n.c.lease_until.is_(None), n.c.lease_until < now)
        # A materialised CTE: PostgreSQL may otherwise re-run an ``IN (… LIMIT …)`` subquery and claim more.
        batch = (
            sa.select(n.c.id)
            .where(n.c.status == "pending", free)
            .order_by(n.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("batch")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        async with self._begin() as conn:
            claimed = await conn.execute(
                sa.update(n)
                .where(n.c.id == batch.c.id)
                .values(worker=worker, lease_until=now + lease)
                .returning(n.c.id)
            )
            ids = [row.id for row in claimed]
            if not ids:
                return []
            rows = list(
                await conn.execute(
                    sa.select(n, d.c.channel_id.label("dm_channel_id"))
                    .outerjoin(d, sa.and_(n.c.target_kind == "user", d.c.user_id == n.c.target_id))
                    .where(n.c.id.in_(ids))
                    .order_by(n.c.id)
                )
            )
            texts: dict[tuple[str, str], dict[str, str]] = {}
            found = await conn.execute(
                sa.select(t).where(
                    t.c.kb_version.in_({r.kb_version for r in rows}),
                    t.c.jurisdiction.in_({r.jurisdiction for r in rows}),
                )
            )
            for r in found:
                texts.setdefault((r.kb_version, r.jurisdiction), {})[r.language] = r.text
            fields = [k for k in Notice.__dataclass_fields__ if k != "texts"]
            return [
                Notice(**{k: r._mapping[k] for k in fields}, texts=texts.get((r.kb_version, r.jurisdiction), {}))
                for r in rows
            ]

    async def renew_notice_lease(self, ids: Iterable[int], *, worker: str, until: dt.datetime) -> int:
        """Extend this worker's lease on notices it is still sending; returns how many it still holds."""
        ids = list(ids)
        if not ids:
            return 0
        n = tables.notices
        async with self._begin() as conn:
            done = await conn.execute(
                sa.update(n)
                .where(n.c.id.in_(ids), n.c.worker == worker, n.c.status == "pending")
                .values(lease_until=until)
            )
        return int(done.rowcount or 0)

    async def finish_notices(
        self, results: Iterable[NoticeResult], *, worker: str | None = None, now: dt.datetime | None = None
    ) -> None:
        """Record a batch's outcomes and any DM channels created, in one transaction. With ``worker``, only rows
        this worker still holds are written (a row another process took over is its to finish)."""
        results = list(results)
        if not results:
            return
        n = tables.notices
        dms = {r.user_id: r.dm_channel_id for r in results if r.user_id is not None and r.dm_channel_id is not None}
        mine = n.c.worker == worker if worker is not None else sa.true()
        done = [r for r in results if r.outcome != "retry"]
        later = [r for r in results if r.outcome == "retry"]
        async with self._begin() as conn:
            if done:
                await conn.execute(
                    sa.update(n)
                    .where(n.c.id == sa.bindparam("b_id"), mine)
                    .values(status=sa.bindparam("b_outcome"), sent_at=utcnow(), lease_until=None),
                    [{"b_id": r.id, "b_outcome": r.outcome} for r in done],
                )
            if later:  # pending again, claimable once the wait is over
                await conn.execute(
                    sa.update(n)
                    .where(n.c.id.in_([r.id for r in later]), mine)
                    .values(lease_until=(now or utcnow()) + RETRY_AFTER)
                )
            if dms:
                insert = self._insert(tables.dm_channels)
                await conn.execute(
                    insert.on_conflict_do_update(
                        index_elements=["user_id"], set_={"channel_id": insert.excluded.channel_id}
                    ),
                    [{"user_id": u, "channel_id": c} for u, c in dms.items()],
                )
                # a member who unsubscribed from everything, or used /me forget, while this batch was in flight:
                # their DM channel id is not kept
                subs = tables.subscriptions
                followed = sa.select(subs.c.target_id).where(subs.c.target_kind == "user")
                await conn.execute(
                    sa.delete(tables.dm_channels).where(
                        tables.dm_channels.c.user_id.in_(list(dms)), tables.dm_channels.c.user_id.not_in(followed)
                    )
                )

    async def forget_dm_channel(self, user_id: int) -> None:
        """Drop a stored DM channel that Discord no longer knows."""
        async with self._begin() as conn:
            await conn.execute(sa.delete(tables.dm_channels).where(tables.dm_channels.c.user_id == user_id))

    async def notice_counts(self, kb_version: str | None = None) -> dict[str, int]:
        """How many notices are in each status (for checks and benchmarks)."""
        n = tables.notices
        query = sa.select(n.c.status, sa.func.count()).group_by(n.c.status)
        if kb_version is not None:
            query = query.where(n.c.kb_version == kb_version)
        async with self._begin() as conn:
            return {status: int(count) for status, count in await conn.execute(query)}
