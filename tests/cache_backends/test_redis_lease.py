"""RedisLease: the generic fenced lease (for cross-process write locks) on a real Redis."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import pytest
import redis.asyncio as aioredis
from cache_helpers import FakeSleep

import cache_backends.redis_lease
from cache_backends.redis import LeaseGrant, LeaseUnavailableError, RedisLease


def _lease(
    client: aioredis.Redis,
    prefix: str,
    *,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    poll_interval: float = 0.05,
) -> RedisLease:
    return RedisLease(
        client,
        "bascnAPP:tblTABLE",
        prefix=prefix,
        ttl_seconds=30,
        sleep=sleep,
        poll_interval=poll_interval,
    )


def test_the_token_cache_module_re_exports_the_lease() -> None:
    # The lease lives in cache_backends.redis_lease; callers import it from cache_backends.redis.
    assert RedisLease is cache_backends.redis_lease.RedisLease
    assert LeaseGrant is cache_backends.redis_lease.LeaseGrant
    assert LeaseUnavailableError is cache_backends.redis_lease.LeaseUnavailableError


@pytest.mark.asyncio
async def test_mutual_exclusion(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    a, b = _lease(redis_client, redis_prefix), _lease(redis_client, redis_prefix)
    grant = await a.acquire()
    assert grant is not None
    assert await b.acquire() is None
    assert await a.acquire() is None  # not re-entrant either
    assert await a.release(grant) is True
    assert await b.acquire() is not None


@pytest.mark.asyncio
async def test_exactly_one_of_many_concurrent_acquirers_wins(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    leases = [_lease(redis_client, redis_prefix) for _ in range(50)]
    grants: list[LeaseGrant | None] = [None] * len(leases)

    async def take(i: int) -> None:
        grants[i] = await leases[i].try_acquire()

    async with anyio.create_task_group() as tg:
        for i in range(len(leases)):
            tg.start_soon(take, i)
    assert sum(g is not None for g in grants) == 1


@pytest.mark.asyncio
async def test_keys_share_one_cluster_slot(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    lease = _lease(redis_client, redis_prefix)
    assert lease.key == f"{redis_prefix}:{{bascnAPP:tblTABLE}}:lease"
    assert lease.fence_key == f"{redis_prefix}:{{bascnAPP:tblTABLE}}:fence"
    grant = await lease.acquire()
    assert grant is not None
    assert await redis_client.get(lease.key) == grant.token.encode()
    assert 0 < await redis_client.pttl(lease.key) <= 30_000


@pytest.mark.asyncio
async def test_release_only_by_owner(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    a, b = _lease(redis_client, redis_prefix), _lease(redis_client, redis_prefix)
    grant = await a.acquire()
    assert grant is not None
    forged = LeaseGrant(token="someone-else", fence=grant.fence)
    assert await b.release(forged) is False
    assert await b.acquire() is None  # still held by a
    assert await a.release(grant) is True
    assert await a.release(grant) is False  # already released


@pytest.mark.asyncio
async def test_expiry_frees_the_lease_and_stale_owner_cannot_touch_it(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    a = RedisLease(redis_client, "tbl", prefix=redis_prefix, ttl_seconds=0.02)
    b = RedisLease(redis_client, "tbl", prefix=redis_prefix, ttl_seconds=30)
    old = await a.acquire()
    assert old is not None
    new = None
    for _ in range(400):  # the 20 ms lease expires in Redis; bounded tiny polls
        new = await b.try_acquire()
        if new is not None:
            break
        await anyio.sleep(0.005)
    assert new is not None
    assert new.fence > old.fence
    # The stale holder can neither extend nor free the new holder's lease.
    assert await a.renew(old) is False
    assert await a.release(old) is False
    assert await redis_client.get(b.key) == new.token.encode()


@pytest.mark.asyncio
async def test_renew_extends_only_for_the_owner(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    lease = _lease(redis_client, redis_prefix)
    grant = await lease.acquire()
    assert grant is not None
    assert await lease.renew(grant, ttl_seconds=120) is True
    assert 30_000 < await redis_client.pttl(lease.key) <= 120_000
    assert await lease.renew(LeaseGrant("forged", grant.fence), ttl_seconds=500) is False
    assert await redis_client.pttl(lease.key) <= 120_000
    assert await lease.renew(grant) is True
    assert await redis_client.pttl(lease.key) <= 30_000


@pytest.mark.asyncio
async def test_fencing_counter_increases_across_instances(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    fences = []
    for i in range(6):
        lease = _lease(redis_client, redis_prefix)  # a new instance each time, like processes
        grant = await lease.acquire()
        assert grant is not None, i
        fences.append(grant.fence)
        assert await lease.release(grant)
    assert fences == sorted(set(fences))
    assert fences == list(range(fences[0], fences[0] + 6))


@pytest.mark.asyncio
async def test_failed_acquire_does_not_bump_the_fence(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    a, b = _lease(redis_client, redis_prefix), _lease(redis_client, redis_prefix)
    g1 = await a.acquire()
    assert g1 is not None
    for _ in range(5):
        assert await b.try_acquire() is None
    await a.release(g1)
    g2 = await b.acquire()
    assert g2 is not None
    assert g2.fence == g1.fence + 1


@pytest.mark.asyncio
async def test_bounded_wait_polls_then_gives_up(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    holder = _lease(redis_client, redis_prefix)
    assert await holder.acquire() is not None
    sleep = FakeSleep()
    waiter = _lease(redis_client, redis_prefix, sleep=sleep, poll_interval=0.25)
    assert await waiter.acquire(wait_seconds=1.0) is None
    assert sleep.calls == [0.25] * 4


@pytest.mark.asyncio
async def test_wait_succeeds_when_the_holder_releases(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    holder = _lease(redis_client, redis_prefix)
    held = await holder.acquire()
    assert held is not None
    polls = 0

    async def sleep(_: float) -> None:
        nonlocal polls
        polls += 1
        if polls == 2:
            await holder.release(held)

    waiter = _lease(redis_client, redis_prefix, sleep=sleep, poll_interval=0.25)
    grant = await waiter.acquire(wait_seconds=10)
    assert grant is not None
    assert grant.fence == held.fence + 1
    assert polls == 2


@pytest.mark.asyncio
async def test_hold_context_manager(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    a, b = _lease(redis_client, redis_prefix), _lease(redis_client, redis_prefix)
    async with a.hold() as grant:
        assert grant.fence >= 1
        with pytest.raises(LeaseUnavailableError):
            async with b.hold():
                pass  # pragma: no cover
    async with b.hold() as grant2:  # released on exit
        assert grant2.fence == grant.fence + 1
    with pytest.raises(RuntimeError, match="boom"):
        async with a.hold():
            raise RuntimeError("boom")
    assert await b.acquire() is not None  # released on error too


def test_validation(redis_client: aioredis.Redis) -> None:
    with pytest.raises(ValueError, match="name"):
        RedisLease(redis_client, "a{b}", ttl_seconds=1)
    with pytest.raises(ValueError, match="ttl"):
        RedisLease(redis_client, "tbl", ttl_seconds=0)
