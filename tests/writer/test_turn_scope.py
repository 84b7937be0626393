"""A task started inside a write shares the write's turn and send guard only while
the write runs: afterwards it neither writes out of turn nor is fenced by a lane
it is no longer in."""

from __future__ import annotations

import asyncio

import pytest

from bitable_async.fencing import current_guard
from bitable_async.writing.lane import Target, WriteLane, current_lane_key
from bitable_async.writing.lease import LeaseHolder, MemoryLeaseBackend
from bitable_async.writing.types import WriterConfig


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _no_sleep(_: float) -> None:
    await asyncio.sleep(0)


def _lane() -> WriteLane:
    clock = Clock()
    lease = LeaseHolder(
        MemoryLeaseBackend(clock),
        "app:tbl",
        ttl=30,
        wait=1,
        verify_remote=False,
        clock=clock,
        sleep=_no_sleep,
    )
    return WriteLane("app:tbl", WriterConfig(clock=clock, sleep=_no_sleep), lease)


@pytest.mark.asyncio
async def test_a_task_spawned_in_a_write_leaves_its_turn_and_guard_when_the_write_ends() -> None:
    lane = _lane()
    write_done = asyncio.Event()
    seen: dict[str, object] = {}
    spawned: list[asyncio.Task[None]] = []

    async def background() -> None:
        seen["during"] = (lane.in_turn, current_lane_key(), current_guard() is not None)
        await write_done.wait()
        seen["after"] = (lane.in_turn, current_lane_key(), current_guard())

        async def later_write() -> bool:
            return lane.in_turn

        # A write made now queues and runs in a turn of its own.
        seen["later write in turn"] = await lane.run(Target("tbl", None), later_write)

    async def write() -> str:
        spawned.append(asyncio.create_task(background()))
        await asyncio.sleep(0)  # let the task start while the write still runs
        return "ok"

    assert await lane.run(Target("tbl", None), write) == "ok"
    write_done.set()
    await spawned[0]
    await lane.aclose()
    assert seen["during"] == (True, "app:tbl", True)
    assert seen["after"] == (False, None, None)
    assert seen["later write in turn"] is True
