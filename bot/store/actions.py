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

from bot.kb.schema import ActionPrompt
from bot.store import times
from bot.store.base import StoreConflict, aware, utcnow
from bot.store.sql import Connection, Row

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


def _schedule(row: Row) -> Schedule:
    fields: dict[str, Any] = {k: row[k] for k in Schedule.__dataclass_fields__}
    return Schedule(**{**fields, "next_run_at": aware(row["next_run_at"])})


class ActionStore:
    """Prompts, schedules and subscriptions (needs ``_begin`` and ``dialect`` from Store)."""

    if TYPE_CHECKING:  # provided by Store

        @property
        def dialect(self) -> str: ...

    _begin: Callable[[], AbstractAsyncContextManager[Connection]]

    # ----------------------------------------------------------------- organizer-made prompts

    async def save_prompt(self, guild_id: int, prompt: ActionPrompt, by: int) -> None:
        body = await asyncio.to_thread(_prompt_json, prompt)
        async with self._begin() as conn:
            exists = await conn.fetch_value(
                "SELECT id FROM action_prompts WHERE guild_id = :guild_id AND name = :name",
                {"guild_id": guild_id, "name": prompt.id},
            )
            if exists is not None:
                raise StoreConflict(f"a prompt named “{prompt.id}” already exists here")
            await conn.execute(
                "INSERT INTO action_prompts (guild_id, name, body, created_by, created_at)"
                " VALUES (:guild_id, :name, :body, :by, :now)",
                {"guild_id": guild_id, "name": prompt.id, "body": body, "by": by, "now": utcnow()},
            )

    async def prompts(self, guild_id: int) -> list[ActionPrompt]:
        async with self._begin() as conn:
            rows = await conn.fetch_all(
                "SELECT body FROM action_prompts WHERE guild_id = :guild_id ORDER BY name", {"guild_id": guild_id}
            )
        return await asyncio.to_thread(_prompts_from_json, [row["body"] for row in rows])

    async def delete_prompt(self, guild_id: int, name: str) -> bool:
        """Delete a server's own prompt and its call outcomes (a new prompt of the same name starts at zero)."""
        key = {"guild_id": guild_id, "name": name}
        async with self._begin() as conn:
            deleted = await conn.execute("DELETE FROM action_prompts WHERE guild_id = :guild_id AND name = :name", key)
            if deleted == 1:
                await conn.execute("DELETE FROM call_outcomes WHERE guild_id = :guild_id AND prompt = :name", key)
            return deleted == 1

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
            return int(
                await conn.fetch_value(
                    "INSERT INTO schedules (guild_id, channel_id, prompt, jurisdiction, timezone, local_time, repeat,"
                    " next_run_at, status, created_by, created_at) VALUES (:guild_id, :channel_id, :prompt,"
                    " :jurisdiction, :timezone, :local_time, :repeat, :first_run, 'active', :created_by, :now)"
                    " RETURNING id",
                    {
                        "guild_id": guild_id,
                        "channel_id": channel_id,
                        "prompt": prompt,
                        "jurisdiction": jurisdiction,
                        "timezone": timezone,
                        "local_time": local_time.isoformat(),
                        "repeat": repeat,
                        "first_run": first_run,
                        "created_by": created_by,
                        "now": utcnow(),
                    },
                )
            )

    async def schedules(
        self, guild_id: int | None = None, statuses: tuple[str, ...] = ("active", "paused")
    ) -> list[Schedule]:
        async with self._begin() as conn:
            where = conn.in_("status", "statuses") + (" AND guild_id = :guild_id" if guild_id is not None else "")
            rows = await conn.fetch_all(
                f"SELECT * FROM schedules WHERE {where} ORDER BY id", {"statuses": statuses, "guild_id": guild_id}
            )
        return [_schedule(row) for row in rows]

    async def set_schedule_status(
        self, schedule_id: int, status: str, note: str | None = None, guild_id: int | None = None
    ) -> bool:
        where = "id = :id" + (" AND guild_id = :guild_id" if guild_id is not None else "")
        async with self._begin() as conn:
            changed = await conn.execute(
                f"UPDATE schedules SET status = :status, status_note = :note WHERE {where}",
                {"id": schedule_id, "guild_id": guild_id, "status": status, "note": note},
            )
        return changed == 1

    async def claim_due(self, now: dt.datetime, *, worker: str, grace: dt.timedelta, limit: int = 100) -> list[Claim]:
        """Atomically take up to ``limit`` due schedules and advance them.

        Exactly once across processes: rows are locked with FOR UPDATE SKIP LOCKED (PostgreSQL), and
        each (schedule, run time) can be inserted into schedule_runs only once. After downtime only the
        latest missed run is kept: posted late when within ``grace``, otherwise skipped; never N times.
        """
        lock = " FOR UPDATE SKIP LOCKED" if self.dialect == "postgresql" else ""  # SQLite: one writer at a time
        claims: list[Claim] = []
        async with self._begin() as conn:
            due = await conn.fetch_all(
                "SELECT * FROM schedules WHERE status = 'active' AND next_run_at <= :now"
                f" ORDER BY next_run_at LIMIT :limit{lock}",
                {"now": now, "limit": limit},
            )
            rows = [_schedule(row) for row in due]
            if not rows:
                return []
            runs: dict[str, object] = {}
            values, advances = [], []
            for i, sched in enumerate(rows):
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
                runs.update({f"s{i}": sched.id, f"r{i}": run_at, f"o{i}": "skipped" if skipped else "claimed"})
                values.append(f"(:s{i}, :r{i}, :o{i}, :worker, :lease)")
                following = times.next_after(first, tz, sched.repeat, max(now, run_at))
                advances.append({"id": sched.id, "next": following, "status": "active" if following else "done"})
                claims.append(Claim(sched, run_at, late, skipped))
            inserted = await conn.fetch_all(
                "INSERT INTO schedule_runs (schedule_id, run_at, outcome, worker, lease_until)"
                f" VALUES {', '.join(values)} ON CONFLICT DO NOTHING RETURNING schedule_id",
                {**runs, "worker": worker, "lease": now + LEASE},
            )
            ours = {row["schedule_id"] for row in inserted}  # a run someone else recorded is not ours to post
            claims = [c for c in claims if c.schedule.id in ours]
            await conn.execute_many(
                "UPDATE schedules SET next_run_at = :next, status = :status WHERE id = :id", advances
            )
        return claims

    async def reclaim_expired(self, now: dt.datetime, *, worker: str, grace: dt.timedelta,
                              limit: int = 100) -> list[Claim]:  # fmt: skip
        """Take over runs claimed by a worker whose lease expired (it died mid-batch), within their grace.

        The UPDATE's condition is re-checked per row under the database's row locks, so two live workers never
        take over the same run; the run's message nonce keeps a post the dead worker made from repeating.
        """
        async with self._begin() as conn:
            expired = await conn.fetch_all(
                "SELECT schedule_id, run_at FROM schedule_runs"
                " WHERE outcome = 'claimed' AND lease_until < :now AND run_at > :oldest LIMIT :limit",
                {"now": now, "oldest": now - grace, "limit": limit},
            )
            taken = []
            for row in expired:
                schedule_id, run_at = row["schedule_id"], aware(row["run_at"])
                changed = await conn.execute(
                    "UPDATE schedule_runs SET worker = :worker, lease_until = :lease WHERE schedule_id = :id"
                    " AND run_at = :run_at AND outcome = 'claimed' AND lease_until < :now",
                    {"worker": worker, "lease": now + LEASE, "id": schedule_id, "run_at": run_at, "now": now},
                )
                if changed:
                    taken.append((schedule_id, run_at))
            if not taken:
                return []
            found = await conn.fetch_all(
                f"SELECT * FROM schedules WHERE {conn.in_('id', 'ids')}", {"ids": [sid for sid, _ in taken]}
            )
            schedules = {sched.id: sched for sched in map(_schedule, found)}
        for schedule_id, run_at in taken:
            log.warning("schedule #%d: run of %s was claimed by a worker that stopped; taken over", schedule_id, run_at)
        return [Claim(schedules[sid], run_at, now - run_at > LATE_AFTER, False) for sid, run_at in taken]

    async def renew_lease(self, claim: Claim, now: dt.datetime) -> None:
        """Keep a run claimed while its worker is still retrying it."""
        async with self._begin() as conn:
            await conn.execute(
                "UPDATE schedule_runs SET lease_until = :lease"
                " WHERE schedule_id = :id AND run_at = :run_at AND outcome = 'claimed'",
                {"lease": now + LEASE, "id": claim.schedule.id, "run_at": claim.run_at},
            )

    async def finish_runs(self, results: list[tuple[Claim, str, int | None]]) -> None:
        """Record each run's outcome (posted | late | failed | paused) and message id, in one round trip."""
        if not results:
            return
        posted = utcnow()
        async with self._begin() as conn:
            await conn.execute_many(
                "UPDATE schedule_runs SET outcome = :outcome, message_id = :msg, posted_at = :posted"
                " WHERE schedule_id = :id AND run_at = :run_at",
                [
                    {"id": c.schedule.id, "run_at": c.run_at, "outcome": o, "msg": m, "posted": posted}
                    for c, o, m in results
                ],
            )

    async def runs(self, schedule_id: int) -> list[tuple[dt.datetime, str, int | None]]:
        async with self._begin() as conn:
            rows = await conn.fetch_all(
                "SELECT run_at, outcome, message_id FROM schedule_runs WHERE schedule_id = :id ORDER BY run_at",
                {"id": schedule_id},
            )
        return [(aware(r["run_at"]), str(r["outcome"]), r["message_id"]) for r in rows]

    # ----------------------------------------------------------------- subscriptions

    async def subscribe(
        self, *, jurisdiction: str, target_kind: str, target_id: int, guild_id: int | None, by: int
    ) -> bool:
        """Follow a jurisdiction; False when already following."""
        async with self._begin() as conn:
            added = await conn.execute(
                "INSERT INTO subscriptions (jurisdiction, target_kind, target_id, guild_id, created_by, created_at)"
                " VALUES (:jurisdiction, :kind, :target, :guild_id, :by, :now) ON CONFLICT DO NOTHING",
                {
                    "jurisdiction": jurisdiction,
                    "kind": target_kind,
                    "target": target_id,
                    "guild_id": guild_id,
                    "by": by,
                    "now": utcnow(),
                },
            )
        return added == 1

    async def unsubscribe(self, *, jurisdiction: str, target_kind: str, target_id: int) -> bool:
        """Stop following; a member's stored DM channel goes with their last subscription."""
        params = {"jurisdiction": jurisdiction, "kind": target_kind, "target": target_id}
        async with self._begin() as conn:
            deleted = await conn.execute(
                "DELETE FROM subscriptions"
                " WHERE jurisdiction = :jurisdiction AND target_kind = :kind AND target_id = :target",
                params,
            )
            if target_kind == "user":
                await conn.execute(
                    "DELETE FROM dm_channels WHERE user_id = :target AND NOT EXISTS"
                    " (SELECT id FROM subscriptions WHERE target_kind = 'user' AND target_id = :target)",
                    {"target": target_id},
                )
        return deleted == 1

    async def subscriptions(
        self, *, jurisdictions: list[str] | None = None, target_kind: str | None = None, target_id: int | None = None
    ) -> list[Subscription]:
        async with self._begin() as conn:
            where = ["TRUE"]
            if jurisdictions is not None:
                where.append(conn.in_("jurisdiction", "jurisdictions"))
            if target_kind is not None:
                where.append("target_kind = :kind")
            if target_id is not None:
                where.append("target_id = :target")
            rows = await conn.fetch_all(
                f"SELECT * FROM subscriptions WHERE {' AND '.join(where)} ORDER BY jurisdiction, id",
                {"jurisdictions": jurisdictions, "kind": target_kind, "target": target_id},
            )
        return [Subscription(**{k: row[k] for k in Subscription.__dataclass_fields__}) for row in rows]


def _prompt_json(prompt: ActionPrompt) -> str:
    from bot.kb.validate import dump_json  # pydantic: imported in a thread, on the first organizer prompt

    return dump_json(prompt)


def _prompts_from_json(bodies: list[str]) -> list[ActionPrompt]:
    """Prompts read back from the database, validated again (blocking; pydantic is imported on first use)."""
    from bot.kb.validate import validate_json

    return [validate_json(ActionPrompt, body) for body in bodies]
