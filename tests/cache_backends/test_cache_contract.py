"""One contract, both backends: memory and a real Redis server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
import redis.asyncio as aioredis
from cache_helpers import FakeClock

from cache_backends import (
    CachedToken,
    CompareDelete,
    RefreshLease,
    TokenCache,
    cache_key,
)
from cache_backends.memory import MemoryTokenCache
from cache_backends.redis import RedisTokenCache


@dataclass
class Backend:
    name: str
    cache: TokenCache
    clock: FakeClock
    redis: aioredis.Redis | None = None
    prefix: str = ""

    async def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass for the cache (and for Redis' TTLs, without sleeping)."""
        self.clock.advance(seconds)
        if self.redis is None:
            return
        # Redis keeps real time; age its keys instead: what PX would do after `seconds`.
        ms = round(seconds * 1000)
        async for key in self.redis.scan_iter(match=f"{self.prefix}:*"):
            pttl = await self.redis.pttl(key)
            if pttl < 0:
                continue
            if pttl <= ms:
                await self.redis.delete(key)
            else:
                await self.redis.pexpire(key, pttl - ms)


@pytest_asyncio.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    clock = FakeClock()
    if request.param == "memory":
        yield Backend("memory", MemoryTokenCache(clock=clock), clock)
        return
    # Sync fixtures only here (an async fixture cannot be requested dynamically).
    url: str = request.getfixturevalue("redis_url")
    prefix: str = request.getfixturevalue("redis_prefix")
    client = aioredis.Redis.from_url(url)
    try:
        cache = RedisTokenCache(client, prefix, clock=clock, l1_ttl=5.0)
        yield Backend("redis", cache, clock, client, prefix)
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


KEY = cache_key("cli_contract", "tenant")


@pytest.mark.asyncio
async def test_implements_the_protocols(backend: Backend) -> None:
    assert isinstance(backend.cache, TokenCache)
    assert isinstance(backend.cache, CompareDelete)
    assert isinstance(backend.cache, RefreshLease) == (backend.name == "redis")


@pytest.mark.asyncio
async def test_missing_key_reads_none(backend: Backend) -> None:
    assert await backend.cache.get(KEY) is None


@pytest.mark.asyncio
async def test_set_get_overwrite(backend: Backend) -> None:
    await backend.cache.set(KEY, b"one", 60)
    assert await backend.cache.get(KEY) == b"one"
    await backend.cache.set(KEY, b"two", 60)
    assert await backend.cache.get(KEY) == b"two"


@pytest.mark.asyncio
async def test_arbitrary_bytes_round_trip(backend: Backend) -> None:
    value = bytes(range(256))
    await backend.cache.set(KEY, value, 60)
    assert await backend.cache.get(KEY) == value


@pytest.mark.asyncio
async def test_cached_token_round_trip(backend: Backend) -> None:
    token = CachedToken(token="t-abc", expires_at=1_700_000_000.5)
    await backend.cache.set(KEY, token.encode(), 60)
    raw = await backend.cache.get(KEY)
    assert raw is not None
    assert CachedToken.decode(raw) == token


@pytest.mark.asyncio
async def test_delete(backend: Backend) -> None:
    await backend.cache.set(KEY, b"v", 60)
    await backend.cache.delete(KEY)
    assert await backend.cache.get(KEY) is None
    await backend.cache.delete(KEY)  # deleting a missing key is fine
    assert await backend.cache.get(KEY) is None


@pytest.mark.asyncio
async def test_entry_expires_after_ttl(backend: Backend) -> None:
    await backend.cache.set(KEY, b"v", 10)
    await backend.advance(9.5)
    assert await backend.cache.get(KEY) == b"v"
    await backend.advance(1.0)
    assert await backend.cache.get(KEY) is None


@pytest.mark.asyncio
async def test_fractional_ttl(backend: Backend) -> None:
    await backend.cache.set(KEY, b"v", 0.25)
    assert await backend.cache.get(KEY) == b"v"
    await backend.advance(0.3)
    assert await backend.cache.get(KEY) is None


@pytest.mark.asyncio
async def test_overwrite_resets_ttl(backend: Backend) -> None:
    await backend.cache.set(KEY, b"old", 10)
    await backend.advance(8)
    await backend.cache.set(KEY, b"new", 10)
    await backend.advance(8)
    assert await backend.cache.get(KEY) == b"new"


@pytest.mark.asyncio
@pytest.mark.parametrize("ttl", [0, -5])
async def test_non_positive_ttl_stores_nothing(backend: Backend, ttl: float) -> None:
    await backend.cache.set(KEY, b"old", 60)
    await backend.cache.set(KEY, b"v", ttl)
    assert await backend.cache.get(KEY) is None


@pytest.mark.asyncio
async def test_keys_are_independent_per_app_kind_and_tenant(backend: Backend) -> None:
    keys = [
        cache_key("cli_a", "tenant"),
        cache_key("cli_b", "tenant"),
        cache_key("cli_a", "tenant", "tk1"),
        cache_key("cli_a", "tenant", "tk2"),
        cache_key("cli_a", "app_ticket"),
    ]
    for i, key in enumerate(keys):
        await backend.cache.set(key, f"v{i}".encode(), 60)
    assert [await backend.cache.get(k) for k in keys] == [f"v{i}".encode() for i in range(5)]
    await backend.cache.delete(keys[2])
    assert await backend.cache.get(keys[2]) is None
    assert await backend.cache.get(keys[3]) == b"v3"
    assert await backend.cache.get(keys[0]) == b"v0"


@pytest.mark.asyncio
async def test_delete_if_equal_only_deletes_the_expected_value(backend: Backend) -> None:
    cache = backend.cache
    assert isinstance(cache, CompareDelete)
    await cache.set(KEY, b"new", 60)
    assert await cache.delete_if_equal(KEY, b"old") is False
    assert await backend.cache.get(KEY) == b"new"
    assert await cache.delete_if_equal(KEY, b"new") is True
    assert await backend.cache.get(KEY) is None
    assert await cache.delete_if_equal(KEY, b"new") is False


def test_cache_key_layout_and_validation() -> None:
    assert cache_key("cli_a", "tenant") == "cli_a:tenant"
    assert cache_key("cli_a", "tenant", "tk") == "cli_a:tenant:tk"
    for bad in ["", "a:b", "a{b", "a}b"]:
        with pytest.raises(ValueError, match="app_id"):
            cache_key(bad, "tenant")
    with pytest.raises(ValueError, match="kind"):
        cache_key("cli_a", "")


def test_cached_token_repr_hides_the_token() -> None:
    token = CachedToken(token="t-secret-value", expires_at=12.0)
    for text in (repr(token), str(token), f"{token}", f"{[token]}"):
        assert "t-secret-value" not in text
        assert "redacted" in text
    assert token.remaining(10.0) == 2.0
