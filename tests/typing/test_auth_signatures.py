"""Public auth and token-cache signatures pinned with ``assert_type``.

Checked by ``mypy --strict tests/typing/test_auth_signatures.py`` and run by
pytest: the providers run against an in-test token fetcher, the caches and the
lease against the real Redis of the test session (never a fake), so each pin is
also a smoke test of the method it pins.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import pytest
import redis.asyncio as aioredis

from bitable_async.auth import (
    AppTicketMissingError,
    AppTokenAuth,
    MarketplaceAuth,
    TenantTokenAuth,
    TokenFetcher,
    TokenProvider,
)
from bitable_async.errors import AuthError
from cache_backends import (
    LOCAL_LEASE,
    CachedToken,
    CompareDelete,
    RefreshLease,
    TokenCache,
    cache_key,
)
from cache_backends.memory import MemoryTokenCache
from cache_backends.redis import LeaseGrant, LeaseUnavailableError, RedisLease, RedisTokenCache

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

SECRET = "typing-pin-secret"


async def _fetch(path: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
    """Answers every token endpoint with a token named after the path's last segment."""
    field = "app_access_token" if "app_access_token" in path else "tenant_access_token"
    return {"code": 0, "msg": "ok", field: f"tok-{path.rsplit('/', 1)[-1]}", "expire": 7200}


async def _no_sleep(_: float) -> None:
    return None


@pytest.mark.asyncio
async def test_self_built_provider_signatures() -> None:
    fetcher: TokenFetcher = _fetch  # a plain coroutine function satisfies the protocol
    tenant = assert_type(
        TenantTokenAuth("cli_pin", SECRET, cache=MemoryTokenCache()), TenantTokenAuth
    )
    app = assert_type(AppTokenAuth("cli_pin", SECRET, refresh_margin=60.0), AppTokenAuth)
    for provider in (tenant, app):
        as_protocol: TokenProvider = provider
        assert isinstance(as_protocol, TokenProvider)
        assert_type(provider.bind(fetcher), None)
        assert_type(provider.app_id, str)
        assert_type(provider.cache, TokenCache)
        assert_type(provider.refresh_margin, float)
    token = assert_type(await tenant.get_token(), str)
    assert token == "tok-internal"
    assert_type(await tenant.get_token(tenant_key=None), str)
    assert_type(await tenant.invalidate(token), None)
    assert_type(await app.get_token(), str)
    assert_type(await app.invalidate("stale", tenant_key=None), None)


@pytest.mark.asyncio
async def test_marketplace_provider_signatures() -> None:
    auth = assert_type(
        MarketplaceAuth("cli_pin", SECRET, app_ticket_ttl=600.0, resend_interval=0.0),
        MarketplaceAuth,
    )
    assert_type(auth.bind(_fetch), None)
    with pytest.raises(AppTicketMissingError) as info:
        await auth.get_token(tenant_key="tenant-a")
    assert_type(info.value, AppTicketMissingError)
    as_auth_error: AuthError = info.value
    assert as_auth_error.code is None
    assert_type(await auth.set_app_ticket("ticket-1"), None)
    assert_type(await auth.get_app_token(), str)
    token = assert_type(await auth.get_token(tenant_key="tenant-a"), str)
    assert token == "tok-tenant_access_token"
    assert_type(await auth.invalidate(token, tenant_key="tenant-a"), None)


@pytest.mark.asyncio
async def test_token_value_and_memory_cache_signatures() -> None:
    key = assert_type(cache_key("cli_pin", "tenant"), str)
    assert_type(cache_key("cli_pin", "tenant", "tk"), str)
    entry = assert_type(CachedToken(token="t", expires_at=100.0), CachedToken)
    raw = assert_type(entry.encode(), bytes)
    assert_type(CachedToken.decode(raw), CachedToken)
    assert_type(entry.remaining(40.0), float)
    assert_type(entry.token, str)
    assert_type(entry.expires_at, float)
    assert_type(LOCAL_LEASE, str)

    memory = assert_type(MemoryTokenCache(max_entries=10), MemoryTokenCache)
    as_cache: TokenCache = memory
    as_compare_delete: CompareDelete = memory
    assert isinstance(as_cache, TokenCache)
    assert isinstance(as_compare_delete, CompareDelete)
    assert_type(await memory.set(key, raw, 60.0), None)
    assert_type(await memory.get(key), bytes | None)
    assert_type(await memory.delete_if_equal(key, raw), bool)
    assert_type(await memory.delete(key), None)


@pytest.mark.asyncio
async def test_redis_cache_and_lease_signatures(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    cache = assert_type(
        RedisTokenCache(redis_client, redis_prefix, sleep=_no_sleep), RedisTokenCache
    )
    as_cache: TokenCache = cache
    as_lease: RefreshLease = cache
    as_compare_delete: CompareDelete = cache
    assert isinstance(as_cache, TokenCache)
    assert isinstance(as_lease, RefreshLease)
    assert isinstance(as_compare_delete, CompareDelete)
    key = cache_key("cli_pin", "tenant")
    assert_type(cache.redis_key(key), str)
    assert_type(cache.available, bool)
    assert_type(await cache.set(key, b"v", 60.0), None)
    assert_type(await cache.get(key), bytes | None)
    assert_type(await cache.delete_if_equal(key, b"v"), bool)
    assert_type(await cache.delete(key), None)
    lease_token = assert_type(await cache.acquire_lease(key, 5.0), str | None)
    assert lease_token is not None
    assert_type(await cache.wait_lease(key, 0.1), bool)
    assert_type(await cache.release_lease(key, lease_token), None)

    lease = assert_type(
        RedisLease(redis_client, "bascnPIN:tblPIN", ttl_seconds=5.0, prefix=redis_prefix),
        RedisLease,
    )
    assert_type(lease.key, str)
    assert_type(lease.fence_key, str)
    grant = assert_type(await lease.try_acquire(), LeaseGrant | None)
    assert grant is not None
    assert_type(grant.token, str)
    assert_type(grant.fence, int)
    assert_type(await lease.renew(grant), bool)
    assert_type(await lease.renew(grant, 10.0), bool)
    assert_type(await lease.release(grant), bool)
    assert_type(await lease.acquire(wait_seconds=0.0), LeaseGrant | None)
    other = RedisLease(redis_client, "bascnPIN:tblOTHER", ttl_seconds=5.0, prefix=redis_prefix)
    async with other.hold() as held:
        assert_type(held, LeaseGrant)
        with pytest.raises(LeaseUnavailableError) as info:
            async with other.hold():
                pass
        assert_type(info.value, LeaseUnavailableError)
