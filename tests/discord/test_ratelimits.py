"""Pruning discord.py's rate-limit buckets keeps the map small and drops only buckets that hold nothing."""

from __future__ import annotations

from types import SimpleNamespace

from discord.http import Ratelimit

from bot.discord.ratelimits import SWEEP_ABOVE, prune_idle_buckets


async def test_idle_buckets_go_busy_and_exhausted_ones_stay() -> None:
    buckets = {f"POST /channels/{{channel_id}}/messages:{i}": Ratelimit(None) for i in range(SWEEP_ABOVE)}
    http = SimpleNamespace(_buckets=buckets)
    assert prune_idle_buckets(http) == 0, "below the threshold nothing is swept"
    busy, waiting, exhausted = Ratelimit(None), Ratelimit(None), Ratelimit(None)
    busy.outgoing = 1
    waiting._pending_requests.append(object())
    exhausted.remaining, exhausted.expires = 0, exhausted._loop.time() + 60
    buckets.update(busy=busy, waiting=waiting, exhausted=exhausted)
    assert prune_idle_buckets(http) == SWEEP_ABOVE
    assert set(buckets) == {"busy", "waiting", "exhausted"}
