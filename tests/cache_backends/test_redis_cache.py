"""RedisTokenCache specifics against a real Redis: layout, L1, leases, outages."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

import anyio
import pytest
import redis.asyncio as aioredis
from cache_helpers import FakeClock, FakeSleep
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from cache_backends import LOCAL_LEASE, cache_key
from cache_backends.redis import RedisTokenCache

KEY = cache_key("cli_app1", "tenant", "tk1")


@pytest.mark.asyncio
async def test_key_layout_is_namespaced_and_hash_tagged(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    cache = RedisTokenCache(redis_client, redis_prefix)
    await cache.set(KEY, b"v", 120)
    rkey = f"{redis_prefix}:{{cli_app1}}:tenant:tk1"
    assert cache.redis_key(KEY) == rkey
    assert await redis_client.get(rkey) == b"v"
    pttl = await redis_client.pttl(rkey)
    assert 0 < pttl <= 120_000
    # Every key of one app hashes to one Redis Cluster slot (hash tag {cli_app1}).
    keys = [cache.redis_key(cache_key("cli_app1", k)) for k in ("tenant", "app_ticket", "isv_app")]
    assert all("{cli_app1}" in k for k in keys)


@pytest.mark.asyncio
async def test_prefix_namespaces_caches(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    a = RedisTokenCache(redis_client, f"{redis_prefix}:a")
    a2 = RedisTokenCache(redis_client, f"{redis_prefix}:a")
    b = RedisTokenCache(redis_client, f"{redis_prefix}:b")
    await a.set(KEY, b"from-a", 60)
    assert await a2.get(KEY) == b"from-a"  # same prefix: shared (another process)
    assert await b.get(KEY) is None  # other prefix: invisible


def test_prefix_validation(redis_client: aioredis.Redis) -> None:
    for bad in ["", "a{b", "a}b"]:
        with pytest.raises(ValueError, match="prefix"):
            RedisTokenCache(redis_client, bad)


@pytest.mark.asyncio
async def test_l1_serves_the_hot_path_without_redis(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    clock = FakeClock()
    cache = RedisTokenCache(redis_client, redis_prefix, l1_ttl=30, clock=clock)
    await cache.set(KEY, b"v", 600)
    # Remove it behind the cache's back: the L1 copy still answers (no round trip) ...
    await redis_client.delete(cache.redis_key(KEY))
    assert await cache.get(KEY) == b"v"
    clock.advance(29)
    assert await cache.get(KEY) == b"v"
    # ... until l1_ttl passes, then Redis is asked again and is authoritative.
    clock.advance(2)
    assert await cache.get(KEY) is None


@pytest.mark.asyncio
async def test_l1_learns_values_written_by_other_processes(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    clock = FakeClock()
    writer = RedisTokenCache(redis_client, redis_prefix)
    reader = RedisTokenCache(redis_client, redis_prefix, l1_ttl=30, clock=clock)
    await writer.set(KEY, b"v1", 600)
    assert await reader.get(KEY) == b"v1"
    await writer.set(KEY, b"v2", 600)
    assert await reader.get(KEY) == b"v1"  # L1 within l1_ttl
    clock.advance(31)
    assert await reader.get(KEY) == b"v2"


@pytest.mark.asyncio
async def test_works_with_decode_responses_clients(redis_url: str, redis_prefix: str) -> None:
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        cache = RedisTokenCache(client, redis_prefix, l1_ttl=0)
        await cache.set(KEY, b'{"token":"t","expires_at":1.0}', 60)
        assert await cache.get(KEY) == b'{"token":"t","expires_at":1.0}'
        assert await cache.delete_if_equal(KEY, b'{"token":"t","expires_at":1.0}')
    finally:
        await client.delete(cache.redis_key(KEY))
        await client.aclose()


@pytest.mark.asyncio
async def test_refresh_lease_is_exclusive_and_released_by_owner_only(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    one = RedisTokenCache(redis_client, redis_prefix)
    two = RedisTokenCache(redis_client, redis_prefix)
    lease = await one.acquire_lease(KEY, 30)
    assert lease
    assert await two.acquire_lease(KEY, 30) is None
    await two.release_lease(KEY, "not-the-owner")
    assert await two.acquire_lease(KEY, 30) is None
    await one.release_lease(KEY, lease)
    lease2 = await two.acquire_lease(KEY, 30)
    assert lease2
    assert lease2 != lease
    # the lease does not disturb the token key itself
    assert await one.get(KEY) is None


@pytest.mark.asyncio
async def test_lease_has_a_ttl(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    cache = RedisTokenCache(redis_client, redis_prefix)
    assert await cache.acquire_lease(KEY, 7.5)
    pttl = await redis_client.pttl(f"{redis_prefix}:{{cli_app1}}:lease:tenant:tk1")
    assert 0 < pttl <= 7500


@pytest.mark.asyncio
async def test_wait_lease_polls_until_released(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    holder = RedisTokenCache(redis_client, redis_prefix)
    lease = await holder.acquire_lease(KEY, 30)
    assert lease
    polls = 0

    async def sleep(_: float) -> None:
        nonlocal polls
        polls += 1
        if polls == 3:
            await holder.release_lease(KEY, lease)

    waiter = RedisTokenCache(redis_client, redis_prefix, sleep=sleep, lease_poll_interval=0.1)
    assert await waiter.wait_lease(KEY, 10) is True
    assert polls == 3


@pytest.mark.asyncio
async def test_wait_lease_is_bounded(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    holder = RedisTokenCache(redis_client, redis_prefix)
    assert await holder.acquire_lease(KEY, 30)
    sleep = FakeSleep()
    waiter = RedisTokenCache(redis_client, redis_prefix, sleep=sleep, lease_poll_interval=0.5)
    assert await waiter.wait_lease(KEY, 2.0) is False
    assert sleep.calls == [0.5] * 4


@pytest.mark.asyncio
async def test_wait_lease_drops_the_l1_copy(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    clock = FakeClock()
    cache = RedisTokenCache(redis_client, redis_prefix, clock=clock, l1_ttl=300)
    other = RedisTokenCache(redis_client, redis_prefix)
    await cache.set(KEY, b"old", 600)
    await other.set(KEY, b"new", 600)
    assert await cache.get(KEY) == b"old"
    assert await cache.wait_lease(KEY, 1) is True
    assert await cache.get(KEY) == b"new"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _dead_client() -> aioredis.Redis:
    # No client-side retries: redis-py's default retry backoff would only slow the test.
    return aioredis.Redis(
        host="127.0.0.1", port=_free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )


@pytest.mark.asyncio
async def test_unreachable_redis_degrades_to_l1_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = _dead_client()
    clock = FakeClock()
    cache = RedisTokenCache(client, "bitable", clock=clock, retry_after=5)
    caplog.set_level(logging.WARNING, logger="cache_backends.redis")
    try:
        assert await cache.get(KEY) is None
        await cache.set(KEY, b"v", 60)
        assert await cache.get(KEY) == b"v"
        assert await cache.acquire_lease(KEY, 10) == LOCAL_LEASE
        await cache.release_lease(KEY, LOCAL_LEASE)
        assert await cache.wait_lease(KEY, 10) is True
        clock.advance(6)  # past retry_after: Redis is tried again, fails again
        await cache.delete(KEY)
        assert await cache.delete_if_equal(KEY, b"v") is False
        assert cache.available is False
    finally:
        await client.aclose()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "unavailable" in warnings[0].getMessage()


@pytest.mark.asyncio
async def test_recovers_when_redis_comes_back(
    redis_server_factory: Callable[[], Any], caplog: pytest.LogCaptureFixture
) -> None:
    server = redis_server_factory()
    client = aioredis.Redis.from_url(server.url, socket_connect_timeout=0.5, socket_timeout=1)
    clock = FakeClock()
    cache = RedisTokenCache(client, "bitable", clock=clock, retry_after=5, l1_ttl=1)
    caplog.set_level(logging.INFO, logger="cache_backends.redis")
    try:
        await cache.set(KEY, b"v1", 600)
        server.stop()
        clock.advance(2)  # L1 wants to re-check Redis: it is gone, the L1 copy is served
        assert await cache.get(KEY) == b"v1"
        await cache.set(KEY, b"v2", 600)  # within retry_after: L1 only, no Redis attempt
        assert await cache.get(KEY) == b"v2"
        await anyio.to_thread.run_sync(server.start)
        clock.advance(6)
        await cache.set(KEY, b"v3", 600)
        assert cache.available is True
        assert await client.get(cache.redis_key(KEY)) == b"v3"
    finally:
        await client.aclose()
    messages = [r.getMessage() for r in caplog.records]
    assert sum("unavailable" in m for m in messages) == 1
    assert sum("reachable again" in m for m in messages) == 1
