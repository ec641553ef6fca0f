"""Store operations for calls to action: organizer-made prompts, schedules with exactly-once runs,
and subscriptions. Mixed into :class:`bot.store.Store`."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping

from bot.kb.schema import ActionPrompt
from bot.store import tables, times
from bot.store.aio import AsyncConnection
from bot.store.base import StoreConflict, aware, utcnow

log = logging.getLogger(__name__)
LATE_AFTER = dt.timedelta(seconds=90)  # a run posted later than this after its time is marked late
LEASE = dt.timedelta(minutes=2)  # a worker renews it while it retries; a dead worker's runs are re-claimed


@dataclass(frozen=True)
class Schedule:
    id: int
    guild_id: int
    channel_id: int
    prompt: str
    jurisdiction: str | None
    timezone: str
    local_time: str
    repeat: str
    next_run_at: dt.datetime | None
    status: str
    status_note: str | None
    created_by: int


@dataclass(frozen=True)
class Claim:
    """A run this worker owns: post it (unless ``skipped``), then report the outcome."""

    schedule: Schedule
    run_at: dt.datetime
    late: bool
    skipped: bool


@dataclass(frozen=True)
class Subscription:
    id: int
    jurisdiction: str
    target_kind: str
    target_id: int
    guild_id: int | None
    created_by: int


def _schedule(row: RowMapping) -> Schedule:
    return Schedule(**{k: aware(row[k]) if k == "next_run_at" else row[k] for k in Schedule.__dataclass_fields__})


class ActionStore:
    """Prompts, schedules and subscriptions (needs ``_begin`` and ``dialect`` from Store)."""

    if TYPE_CHECKING:  # provided by Store

        @property
        def dialect(self) -> str: ...

    _begin: Callable[[], AbstractAsyncContextManager[AsyncConnection]]

    # ----------------------------------------------------------------- organizer-made prompts

    async def save_prompt(self, guild_id: int, prompt: ActionPrompt, by: int) -> None:
        body = await asyncio.to_thread(_prompt_json, prompt)
        async with self._begin() as conn:
            exists = await conn.execute(
                sa.select(tables.action_prompts.c.id).where(
                    tables.action_prompts.c.guild_id == guild_id, tables.action_prompts.c.name == prompt.id
                )
            )
            if exists.first():
                raise StoreConflict(f"a prompt named “{prompt.id}” already exists here")
            await conn.execute(
                sa.insert(tables.action_prompts).values(
                    guild_id=guild_id, name=prompt.id, body=body, created_by=by, created_at=utcnow()
                )
            )

    async def prompts(self, guild_id: int) -> list[ActionPrompt]:
        async with self._begin() as conn:
            rows = await conn.execute(
                sa.select(tables.action_prompts.c.body)
                .where(tables.action_prompts.c.guild_id == guild_id)
                .order_by(tables.action_prompts.c.name)
            )
            bodies = [body for (body,) in rows]
        return await asyncio.to_thread(_prompts_from_json, bodies)

    async def delete_prompt(self, guild_id: int, name: str) -> bool:
        """Delete a server's own prompt and its call outcomes (a new prompt of the same name starts at zero)."""
        async with self._begin() as conn:
            result = await conn.execute(
                sa.delete(tables.action_prompts).where(
                    tables.action_prompts.c.guild_id == guild_id, tables.action_prompts.c.name == name
                )
            )
            if result.rowcount == 1:
                outcomes = tables.call_outcomes
                await conn.execute(
                    sa.delete(outcomes).where(outcomes.c.guild_id == guild_id, outcomes.c.prompt == name)
                )
            return bool(result.rowcount == 1)

    # ----------------------------------------------------------------- schedules

    async def add_schedule(
        self,
        *,
        guild_id: int,
        channel_id: int,
        prompt: str,
        jurisdiction: str | None,
        timezone: str,
        local_time: dt.datetime,
        repeat: str,
        first_run: dt.datetime,
        created_by: int,
    ) -> int:
        async with self._begin() as conn:
            result = await conn.execute(
                sa.insert(tables.schedules).values(
                    guild_id=guild_id,
                    channel_id=channel_id,
                    prompt=prompt,
                    jurisdiction=jurisdiction,
                    timezone=timezone,
                    local_time=local_time.isoformat(),
                    repeat=repeat,
                    next_run_at=first_run,
                    status="active",
                    created_by=created_by,
                    created_at=utcnow(),
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def schedules(
        self, guild_id: int | None = None, statuses: tuple[str, ...] = ("active", "paused")
    ) -> list[Schedule]:
        query = (
            sa.select(tables.schedules).where(tables.schedules.c.status.in_(statuses)).order_by(tables.schedules.c.id)
        )
        if guild_id is not None:
            query = query.where(tables.schedules.c.guild_id == guild_id)
        async with self._begin() as conn:
            return [_schedule(row) for row in (await conn.execute(query)).mappings()]

    async def set_schedule_status(
        self, schedule_id: int, status: str, note: str | None = None, guild_id: int | None = None
    ) -> bool:
        query = sa.update(tables.schedules).where(tables.schedules.c.id == schedule_id)
        if guild_id is not None:
            query = query.where(tables.schedules.c.guild_id == guild_id)
        async with self._begin() as conn:
            result = await conn.execute(query.values(status=status, status_note=note))
            return result.rowcount == 1

    def _insert_ignoring_duplicates(self, table: sa.Table) -> Any:
        """INSERT … ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike."""
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        return dialect.insert(table).on_conflict_do_nothing()

    async def claim_due(self, now: dt.datetime, *, worker: str, grace: dt.timedelta, limit: int = 100) -> list[Claim]:
        """Atomically take up to ``limit`` due schedules and advance them.

        Exactly once across processes: rows are locked with FOR UPDATE SKIP LOCKED (PostgreSQL), and
        each (schedule, run time) can be inserted into schedule_runs only once. After downtime only the
        latest missed run is kept: posted late when within ``grace``, otherwise skipped; never N times.
        """
        s = tables.schedules
        query = (
            sa.select(s)
            .where(s.c.status == "active", s.c.next_run_at <= now)
            .order_by(s.c.next_run_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claims: list[Claim] = []
        async with self._begin() as conn:
            rows = [_schedule(row) for row in (await conn.execute(query)).mappings()]
            if not rows:
                return []
            runs, advances = [], []
            for sched in rows:
                assert sched.next_run_at is not None  # the query selects due schedules only
                tz = times.zone(sched.timezone)
                first = dt.datetime.fromisoformat(sched.local_time)
                run_at = times.latest_at_or_before(first, tz, sched.repeat, now) or sched.next_run_at
                skipped = now - run_at > grace
                late = not skipped and now - run_at > LATE_AFTER
                if run_at > sched.next_run_at:
                    log.info(
                        "schedule #%d: earlier run(s) from %s missed during downtime, not posted",
                        sched.id,
                        sched.next_run_at,
                    )
                if skipped:
                    log.warning("schedule #%d: run of %s is past the grace period; skipped", sched.id, run_at)
                runs.append(
                    {
                        "schedule_id": sched.id,
                        "run_at": run_at,
                        "outcome": "skipped" if skipped else "claimed",
                        "worker": worker,
                        "lease_until": now + LEASE,
                    }
                )
                following = times.next_after(first, tz, sched.repeat, max(now, run_at))
                advances.append({"b_id": sched.id, "b_next": following, "b_status": "active" if following else "done"})
                claims.append(Claim(sched, run_at, late, skipped))
            inserted = await conn.execute(
                self._insert_ignoring_duplicates(tables.schedule_runs).returning(
                    tables.schedule_runs.c.schedule_id, tables.schedule_runs.c.run_at
                ),
                runs,
            )
            ours = {row.schedule_id for row in inserted}  # a run someone else recorded is not ours to post
            claims = [c for c in claims if c.schedule.id in ours]
            await conn.execute(
                sa.update(s)
                .where(s.c.id == sa.bindparam("b_id"))
                .values(next_run_at=sa.bindparam("b_next"), status=sa.bindparam("b_status")),
                advances,
            )
        return claims

    async def reclaim_expired(self, now: dt.datetime, *, worker: str, grace: dt.timedelta,
                              limit: int = 100) -> list[Claim]:  # fmt: skip
        """Take over runs claimed by a worker whose lease expired (it died mid-batch), within their grace.

        The UPDATE's condition is re-checked per row under the database's row locks, so two live workers never
        take over the same run; the run's message nonce keeps a post the dead worker made from repeating.
        """
        r, s = tables.schedule_runs, tables.schedules
        async with self._begin() as conn:
            expired = (
                sa.select(r.c.schedule_id, r.c.run_at)
                .where(r.c.outcome == "claimed", r.c.lease_until < now, r.c.run_at > now - grace)
                .limit(limit)
            )
            found = [(row.schedule_id, aware(row.run_at)) for row in await conn.execute(expired)]
            taken = []
            for schedule_id, run_at in found:
                result = await conn.execute(
                    sa.update(r)
                    .where(
                        r.c.schedule_id == schedule_id,
                        r.c.run_at == run_at,
                        r.c.outcome == "claimed",
                        r.c.lease_until < now,
                    )
                    .values(worker=worker, lease_until=now + LEASE)
                )
                if result.rowcount:
                    taken.append((schedule_id, run_at))
            if not taken:
                return []
            rows = await conn.execute(sa.select(s).where(s.c.id.in_([sid for sid, _ in taken])))
            schedules = {sched.id: sched for sched in (_schedule(row) for row in rows.mappings())}
        for schedule_id, run_at in taken:
            log.warning("schedule #%d: run of %s was claimed by a worker that stopped; taken over", schedule_id, run_at)
        return [Claim(schedules[sid], run_at, now - run_at > LATE_AFTER, False) for sid, run_at in taken]

    async def renew_lease(self, claim: Claim, now: dt.datetime) -> None:
        """Keep a run claimed while its worker is still retrying it."""
        r = tables.schedule_runs
        async with self._begin() as conn:
            await conn.execute(
                sa.update(r)
                .where(r.c.schedule_id == claim.schedule.id, r.c.run_at == claim.run_at, r.c.outcome == "claimed")
                .values(lease_until=now + LEASE)
            )

    async def finish_runs(self, results: list[tuple[Claim, str, int | None]]) -> None:
        """Record each run's outcome (posted | late | failed | paused) and message id, in one round trip."""
        if not results:
            return
        r = tables.schedule_runs
        async with self._begin() as conn:
            await conn.execute(
                sa.update(r)
                .where(r.c.schedule_id == sa.bindparam("b_id"), r.c.run_at == sa.bindparam("b_run"))
                .values(outcome=sa.bindparam("b_outcome"), message_id=sa.bindparam("b_msg"), posted_at=utcnow()),
                [{"b_id": c.schedule.id, "b_run": c.run_at, "b_outcome": o, "b_msg": m} for c, o, m in results],
            )

    async def runs(self, schedule_id: int) -> list[tuple[dt.datetime, str, int | None]]:
        r = tables.schedule_runs
        async with self._begin() as conn:
            rows = await conn.execute(
                sa.select(r.c.run_at, r.c.outcome, r.c.message_id)
                .where(r.c.schedule_id == schedule_id)
                .order_by(r.c.run_at)
            )
            return [(aware(a), str(b), c) for a, b, c in rows]

    # ----------------------------------------------------------------- subscriptions

    async def subscribe(
        self, *, jurisdiction: str, target_kind: str, target_id: int, guild_id: int | None, by: int
    ) -> bool:
        """Follow a jurisdiction; False when already following."""
        async with self._begin() as conn:
            result = await conn.execute(
                self._insert_ignoring_duplicates(tables.subscriptions).values(
                    jurisdiction=jurisdiction,
                    target_kind=target_kind,
                    target_id=target_id,
                    guild_id=guild_id,
                    created_by=by,
                    created_at=utcnow(),
                )
            )
            return result.rowcount == 1

    async def unsubscribe(self, *, jurisdiction: str, target_kind: str, target_id: int) -> bool:
        """Stop following; a member's stored DM channel goes with their last subscription."""
        t = tables.subscriptions
        async with self._begin() as conn:
            result = await conn.execute(
                sa.delete(t).where(
                    t.c.jurisdiction == jurisdiction, t.c.target_kind == target_kind, t.c.target_id == target_id
                )
            )
            if target_kind == "user":
                left = sa.select(t.c.id).where(t.c.target_kind == "user", t.c.target_id == target_id)
                await conn.execute(
                    sa.delete(tables.dm_channels).where(
                        tables.dm_channels.c.user_id == target_id, ~sa.exists(left)
                    )
                )
            return result.rowcount == 1

    async def subscriptions(
        self, *, jurisdictions: list[str] | None = None, target_kind: str | None = None, target_id: int | None = None
    ) -> list[Subscription]:
        t = tables.subscriptions
        query = sa.select(t).order_by(t.c.jurisdiction, t.c.id)
        if jurisdictions is not None:
            query = query.where(t.c.jurisdiction.in_(jurisdictions))
        if target_kind is not None:
            query = query.where(t.c.target_kind == target_kind)
        if target_id is not None:
            query = query.where(t.c.target_id == target_id)
        async with self._begin() as conn:
            return [
                Subscription(**{k: row[k] for k in Subscription.__dataclass_fields__})
                for row in (await conn.execute(query)).mappings()
            ]


def _prompt_json(prompt: ActionPrompt) -> str:
    from bot.kb.validate import dump_json  # pydantic: imported in a thread, on the first organizer prompt

    return dump_json(prompt)


def _prompts_from_json(bodies: list[str]) -> list[ActionPrompt]:
    """Prompts read back from the database, validated again (blocking; pydantic is imported on first use)."""
    from bot.kb.validate import validate_json

    return [validate_json(ActionPrompt, body) for body in bodies]
