"""The fan-out pacer keeps any number of concurrent senders under its rate (checked on a virtual clock)."""

from __future__ import annotations

import asyncio

import pytest

from bot.actions import fanout


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_pacer_holds_its_rate_under_concurrency() -> None:
    clock = VirtualClock()
    pacer = fanout.Pacer(rate=50, burst=10, clock=clock.monotonic, sleep=clock.sleep)
    stamps: list[float] = []

    async def one() -> None:
        await pacer.wait()
        stamps.append(clock.now)

    await asyncio.gather(*(one() for _ in range(510)))
    assert len(stamps) == 510
    assert clock.now == pytest.approx(500 / 50, rel=0.01), "after the burst, 50 per virtual second"
    for start in range(0, 500, 50):  # no virtual second ever holds more than rate + burst
        window = [s for s in stamps if start / 50 <= s < start / 50 + 1]
        assert len(window) <= 60


async def test_an_unpaced_pacer_never_waits() -> None:
    clock = VirtualClock()
    pacer = fanout.Pacer(rate=0, clock=clock.monotonic, sleep=clock.sleep)
    await asyncio.gather(*(pacer.wait() for _ in range(100)))
    assert clock.now == 0
