"""Redis dies mid-run: requests through the real client keep working; one warning; recovery."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anyio
import pytest
import redis.asyncio as aioredis
from auth_fakes import FakeClock
from fake_platform import serve_platform
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from bitable_async.auth import TenantTokenAuth
from bitable_async.client import BitableClient
from cache_backends import CachedToken, cache_key
from cache_backends.redis import RedisTokenCache

APP_ID = "cli_outage"
SECRET = "outage-secret-value"


async def _burst(client: BitableClient, n: int) -> set[str]:
    seen: set[str] = set()

    async def one() -> None:
        data = await client.request("GET", "/open-apis/bitable/v1/apps/bascnOUTAGE")
        seen.add(data["seen"])

    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(one)
    return seen


@pytest.mark.asyncio
async def test_requests_survive_redis_going_away_and_coming_back(
    redis_server_factory: Callable[[], Any], caplog: pytest.LogCaptureFixture
) -> None:
    server = redis_server_factory()
    # The caller's client: no client-side retries, short timeouts (what we recommend).
    redis = aioredis.Redis.from_url(
        server.url, socket_connect_timeout=0.5, socket_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    cache_clock = FakeClock(0.0)
    clock = FakeClock()
    cache = RedisTokenCache(redis, "bitable", clock=cache_clock, l1_ttl=30, retry_after=5)
    auth = TenantTokenAuth(APP_ID, SECRET, cache=cache, clock=clock)
    caplog.set_level(logging.DEBUG)
    rkey = cache.redis_key(cache_key(APP_ID, "tenant"))
    try:
        async with (
            serve_platform() as platform,
            BitableClient(auth=auth, base_url=platform.base_url) as client,
        ):
            # 1. Healthy: one fetch for a burst, the token lands in Redis.
            assert await _burst(client, 50) == {"t-fleet-1"}
            assert platform.token_fetches == 1
            assert await redis.exists(rkey)

            # 2. Redis dies. Requests keep working from the in-process copy.
            server.stop()
            cache_clock.advance(31)  # the L1 copy is due for a Redis check
            assert await _burst(client, 50) == {"t-fleet-1"}
            assert platform.token_fetches == 1

            # 3. Refresh time with Redis still down: one direct fetch, no error.
            clock.advance(7200 - 100)
            # (while the refresh is in flight, others keep the old, still valid token)
            assert "t-fleet-2" in await _burst(client, 50)
            assert platform.token_fetches == 2
            assert await _burst(client, 50) == {"t-fleet-2"}
            cache_clock.advance(6)  # Redis is retried (and fails) after retry_after
            assert await _burst(client, 50) == {"t-fleet-2"}
            assert platform.token_fetches == 2

            # 4. Redis is back: the next refresh is stored there again.
            await anyio.to_thread.run_sync(server.start)
            cache_clock.advance(6)
            clock.advance(7200 - 100)
            assert "t-fleet-3" in await _burst(client, 50)
            assert platform.token_fetches == 3
            assert await _burst(client, 50) == {"t-fleet-3"}
            raw = await redis.get(rkey)
            assert isinstance(raw, bytes)
            assert CachedToken.decode(raw).token == "t-fleet-3"
            assert cache.available
    finally:
        await redis.aclose()
    warnings = [
        r for r in caplog.records if r.levelno >= logging.WARNING and "Redis" in r.getMessage()
    ]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert any("reachable again" in r.getMessage() for r in caplog.records)
