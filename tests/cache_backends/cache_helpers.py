"""Helpers for the cache backend tests: a fake clock and a fake sleep."""

from __future__ import annotations

import anyio
import anyio.lowlevel


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeSleep:
    """An async sleep that returns at once and records what it was asked."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.calls: list[float] = []
        self.clock = clock

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds)
        await anyio.lowlevel.checkpoint()  # yield, so whoever we wait for can run
