"""Neither the app secret nor any token shows up in logs, reprs or exception strings."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest
import redis.asyncio as aioredis
from auth_fakes import SECRET, FakeClock, FakeTokenEndpoint
from fake_platform import serve_platform

from bitable_async.auth import AppTicketMissingError, MarketplaceAuth, TenantTokenAuth
from bitable_async.client import BitableClient
from bitable_async.errors import BitableError
from cache_backends import CachedToken, cache_key
from cache_backends.memory import MemoryTokenCache
from cache_backends.redis import RedisLease, RedisTokenCache


def _assert_clean(texts: list[str], secrets: list[str]) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaked into {text[:200]!r}"


@pytest.mark.asyncio
async def test_full_cycle_with_replay_leaks_nothing(
    redis_client: aioredis.Redis, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cache = RedisTokenCache(redis_client, redis_prefix)
    auth = TenantTokenAuth("cli_leak", SECRET, cache=cache)
    texts: list[str] = []
    async with (
        serve_platform() as platform,
        BitableClient(auth=auth, base_url=platform.base_url) as client,
    ):
        path = "/open-apis/bitable/v1/apps/bascnLEAK"
        first = (await client.request("GET", path))["seen"]
        platform.revoked.add(first)  # the server now answers 99991663 for it
        second = (await client.request("GET", path))["seen"]
        assert second != first  # dropped, refetched, replayed
        assert platform.token_fetches == 2
        texts += [repr(auth), str(auth), repr(cache), repr(client)]
        raw = await cache.get(cache_key("cli_leak", "tenant"))
        assert raw is not None
        texts += [repr(CachedToken.decode(raw))]
        # A failing token fetch: the error names code and path, not the secret.
        platform.token_error = 10003
        await auth.invalidate(second)
        platform.revoked.add(second)
        with pytest.raises(BitableError) as info:
            await client.request("GET", path)
        texts += [str(info.value), repr(info.value)]
    texts += [caplog.text] + [r.getMessage() for r in caplog.records]
    _assert_clean(texts, [SECRET, *platform.issued])


@pytest.mark.asyncio
async def test_malformed_token_reply_error_does_not_quote_the_body() -> None:
    async def fetcher(path: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"code": 0, "tenant_access_token": "t-should-not-leak", "expire": "soon"}

    auth = TenantTokenAuth("cli_leak", SECRET)
    auth.bind(fetcher)
    with pytest.raises(BitableError) as info:
        await auth.get_token()
    _assert_clean([str(info.value), repr(info.value)], [SECRET, "t-should-not-leak"])


@pytest.mark.asyncio
async def test_marketplace_reprs_logs_and_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    endpoint = FakeTokenEndpoint()
    auth = MarketplaceAuth("cli_isv", SECRET, cache=MemoryTokenCache(), clock=FakeClock())
    auth.bind(endpoint)
    with pytest.raises(AppTicketMissingError) as info:
        await auth.get_token(tenant_key="tk")
    texts = [str(info.value), repr(info.value)]
    await auth.set_app_ticket("ticket-secret-1")
    await auth.get_token(tenant_key="tk")
    texts += [repr(auth), repr(auth.cache), caplog.text]
    _assert_clean(texts, [SECRET, "ticket-secret-1", *endpoint.issued])


def test_static_reprs(redis_client: aioredis.Redis) -> None:
    texts = [
        repr(TenantTokenAuth("cli_x", SECRET)),
        repr(MarketplaceAuth("cli_x", SECRET)),
        repr(RedisTokenCache(redis_client)),
        repr(RedisLease(redis_client, "tbl", ttl_seconds=1)),
        repr(CachedToken("t-static", 1.0)),
        repr(BitableClient("cli_x", SECRET)),
    ]
    _assert_clean(texts, [SECRET, "t-static"])
    assert "cli_x" in texts[0]
