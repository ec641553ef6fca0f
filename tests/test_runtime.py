"""Memory is handed back after a burst: the trimmer runs once interactions stop coming."""

from __future__ import annotations

import asyncio

import pytest

from bot import runtime


async def test_trimmer_trims_once_a_burst_is_over(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()
    trimmed = asyncio.Event()
    calls: list[int] = []

    def fake_trim() -> bool:
        calls.append(1)
        loop.call_soon_threadsafe(trimmed.set)
        return True

    monkeypatch.setattr(runtime, "_malloc_trim", lambda: (lambda pad: 1))
    monkeypatch.setattr(runtime, "trim_memory", fake_trim)
    trimmer = runtime.Trimmer(after=3, quiet=0.01)
    for _ in range(2):
        trimmer.note()
    await asyncio.sleep(0.05)
    assert calls == [], "fewer interactions than a burst: nothing to trim"
    trimmer.note()
    await asyncio.wait_for(trimmed.wait(), 10)
    assert calls == [1]


def test_trim_memory_is_safe_to_call_here() -> None:
    assert runtime.trim_memory() in (True, False)
