"""The cross-process lease as the writer uses it: serialization, fencing, bounded wait."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import redis.asyncio as aioredis
from writer_fakes import FakeTable

from bitable_async.emulator.config import ManualClock
from bitable_async.writer import (
    LeaseLostError,
    LeaseTimeoutError,
    MemoryLeaseBackend,
    WriterConfig,
    WriteRetryPolicy,
    WriterRegistry,
)
from bitable_async.writing.lease import LeaseGrant
from bitable_async.writing.redis_lease import RedisLeaseBackend


def registry(backend: Any, clock: Any = time.monotonic, **kw: Any) -> WriterRegistry:
    kw.setdefault("lease_ttl", 2.0)
    kw.setdefault("lease_wait", 5.0)
    kw.setdefault("idle_grace", 0.001)
    if clock is not time.monotonic:
        kw.setdefault("linger", 0.0)  # a manual clock never ends a linger window
    cfg = WriterConfig(clock=clock, retry=WriteRetryPolicy(base=0.001), **kw)
    return WriterRegistry(cfg, lease_backend=backend)


@pytest.mark.asyncio
async def test_two_registries_on_one_table_never_overlap() -> None:
    backend = MemoryLeaseBackend(time.monotonic)
    table = FakeTable(yields=3)  # one table, two "processes"
    r1, r2 = registry(backend), registry(backend)
    w1, w2 = r1.writer("app", "tbl1", table), r2.writer("app", "tbl1", table)

    async def load(w: Any, tag: str) -> None:
        for i in range(20):
            await asyncio.gather(*(w.create({"t": tag, "i": i, "j": j}) for j in range(5)))

    await asyncio.gather(load(w1, "a"), load(w2, "b"))
    assert table.overlaps == 0
    assert len(table.rows) == 200
    await r1.aclose()
    await r2.aclose()


@pytest.mark.asyncio
async def test_per_table_leases_are_independent() -> None:
    backend = MemoryLeaseBackend(time.monotonic)
    shared: dict[str, int] = {}
    t1, t2 = FakeTable("tbl1", shared=shared, yields=5), FakeTable("tbl2", shared=shared, yields=5)
    r1, r2 = registry(backend), registry(backend)
    w1, w2 = r1.writer("app", "tbl1", t1), r2.writer("app", "tbl2", t2)
    await asyncio.gather(
        *(w1.create({"i": i}) for i in range(50)), *(w2.create({"i": i}) for i in range(50))
    )
    assert shared["max"] == 2
    await r1.aclose()
    await r2.aclose()


@pytest.mark.asyncio
async def test_paused_holder_cannot_write_after_takeover() -> None:
    clock = ManualClock(0.0)
    backend = MemoryLeaseBackend(clock)
    table = FakeTable()
    # A keeps its lease while idle (long grace), as a busy loader would.
    ra = registry(backend, clock, lease_ttl=1.0, idle_grace=30.0, lease_verify_remote=False)
    rb = registry(backend, clock, lease_ttl=1.0)
    wa, wb = ra.writer("app", "tbl1", table), rb.writer("app", "tbl1", table)
    await wa.create({"who": "a", "n": 1})
    grant_a = ra._lanes[wa.lane_key].lease.grant  # type: ignore[union-attr]
    assert grant_a is not None

    clock.advance(5.0)  # A is "paused" past its lease; nothing renewed it
    await wb.create({"who": "b", "n": 1})  # B takes the table (a new fence)
    grant_b = rb._lanes[wb.lane_key].lease.grant  # type: ignore[union-attr]
    assert grant_b is not None
    assert grant_b.fence > grant_a.fence
    sent = len(table.calls)

    with pytest.raises(LeaseLostError):
        await wa.create({"who": "a", "n": 2})  # A wakes up: refused before sending
    assert len(table.calls) == sent
    assert [r["who"] for r in table.rows.values()] == ["a", "b"]
    await rb.aclose()
    await ra.aclose()


@pytest.mark.asyncio
async def test_remote_check_catches_takeover_the_local_clock_missed() -> None:
    clock = ManualClock(0.0)
    backend = MemoryLeaseBackend(clock)
    table = FakeTable()
    ra = registry(backend, clock, lease_ttl=10.0, idle_grace=30.0)
    wa = ra.writer("app", "tbl1", table)
    await wa.create({"n": 1})
    # Someone else forcibly took the key (e.g. an operator, or clock skew).
    lease = ra._lanes[wa.lane_key].lease
    assert lease is not None
    backend._held[lease.key] = ("intruder", 1e9)
    backend._fences[lease.key] += 1
    with pytest.raises(LeaseLostError):
        await wa.create({"n": 2})
    assert len(table.calls) == 1
    await ra.aclose()


class FakeTime:
    """A manual clock and a sleep that advances it (no real time passes)."""

    def __init__(self) -> None:
        self.clock = ManualClock(0.0)
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds)
        await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_bounded_wait_gives_lease_timeout_and_sends_nothing() -> None:
    fake = FakeTime()
    backend = MemoryLeaseBackend(fake.clock)
    await backend.try_acquire("app:tbl1", 60.0)  # held by another process
    table = FakeTable()
    ra = registry(backend, fake.clock, lease_wait=5.0, sleep=fake.sleep)
    wa = ra.writer("app", "tbl1", table)
    results = await asyncio.gather(*(wa.create({"n": i}) for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, LeaseTimeoutError) for r in results)
    assert table.calls == []
    assert 5.0 <= fake.clock() < 60.0  # gave up after the bounded wait, long before expiry
    await ra.aclose()


@pytest.mark.asyncio
async def test_lease_is_released_when_idle() -> None:
    fake = FakeTime()
    backend = MemoryLeaseBackend(fake.clock)
    table = FakeTable()
    ra = registry(backend, fake.clock, idle_grace=30.0, sleep=fake.sleep)
    wa = ra.writer("app", "tbl1", table)
    await wa.create({"n": 1})
    lane = ra._lanes[wa.lane_key]
    assert backend._held  # held while the lane is warm
    worker = lane._worker
    assert worker is not None
    await worker  # the idle worker ends after idle_grace (fake time) and releases
    assert 30.0 in fake.slept
    assert backend._held == {}
    await ra.aclose()


@pytest.mark.asyncio
async def test_redis_backend_contract(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    backend = RedisLeaseBackend(redis_client, prefix=redis_prefix)
    g1 = await backend.try_acquire("app1:tbl1", 5.0)
    assert g1 is not None
    assert await backend.try_acquire("app1:tbl1", 5.0) is None
    assert await backend.try_acquire("app1:tbl2", 5.0) is not None  # tables independent
    assert await backend.is_held(g1)
    assert await backend.renew(g1, 5.0)
    await backend.release(g1)
    assert not await backend.is_held(g1)
    assert not await backend.renew(g1, 5.0)
    g2 = await backend.try_acquire("app1:tbl1", 5.0)
    assert g2 is not None
    assert g2.fence > g1.fence
    # A stale grant with the current token but an old fence is not "held".
    assert not await backend.is_held(LeaseGrant(g2.key, g2.token, g1.fence))
    await backend.release(g1)  # a stale release must not free the new holder
    assert await backend.is_held(g2)
    keys = [k async for k in redis_client.scan_iter(match=f"{redis_prefix}:*")]
    assert all(b"{app1:tbl" in k for k in keys)


@pytest.mark.asyncio
async def test_redis_lease_serializes_two_registries(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    table = FakeTable(yields=3)
    r1 = registry(RedisLeaseBackend(redis_client, prefix=redis_prefix))
    r2 = registry(RedisLeaseBackend(redis_client, prefix=redis_prefix))
    w1, w2 = r1.writer("app", "tbl1", table), r2.writer("app", "tbl1", table)
    await asyncio.gather(
        *(w1.create({"i": i}) for i in range(30)), *(w2.create({"i": i}) for i in range(30))
    )
    await asyncio.gather(
        *(w2.create({"i": i}) for i in range(30)), *(w1.create({"i": i}) for i in range(30))
    )
    assert table.overlaps == 0
    assert len(table.rows) == 120
    await r1.aclose()
    await r2.aclose()


@pytest.mark.asyncio
async def test_lease_lost_during_bisection_keeps_the_landed_half() -> None:
    clock = ManualClock(0.0)
    backend = MemoryLeaseBackend(clock)

    class Intruded(FakeTable):
        async def batch_create(self, records: Any, *, client_token: str) -> Any:
            out = await super().batch_create(records, client_token=client_token)
            clock.advance(100.0)  # the process stalls right after a commit
            await backend.try_acquire("app:tbl1", 60.0)  # and another one takes over
            return out

    table = Intruded()
    ra = registry(backend, clock, lease_ttl=1.0, lease_verify_remote=False)
    wa = ra.writer("app", "tbl1", table)
    rows: list[dict[str, Any]] = [{"n": 0}, {"n": 1}, {"n": 2}, {"n": "BAD"}]
    results = await asyncio.gather(*(wa.create(r) for r in rows), return_exceptions=True)
    assert [r["fields"]["n"] for r in results[:2] if isinstance(r, dict)] == [0, 1]
    assert all(isinstance(r, LeaseLostError) for r in results[2:])
    assert sorted(r["n"] for r in table.rows.values()) == [0, 1]
    await ra.aclose()
