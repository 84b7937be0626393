"""MarketplaceAuth: app_ticket in the shared cache, resend, app token, per-tenant tokens."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest
from auth_fakes import (
    ISV_APP_PATH,
    ISV_TENANT_PATH,
    RESEND_PATH,
    SECRET,
    FakeClock,
    FakeTokenEndpoint,
)

from bitable_async.auth import AppTicketMissingError, MarketplaceAuth, TokenProvider
from bitable_async.errors import AuthError, BitableError, ConfigurationError, RateLimitError
from cache_backends import TokenCache

CacheFactory = Callable[[], TokenCache]


def _auth(
    endpoint: FakeTokenEndpoint,
    cache: TokenCache | None = None,
    clock: FakeClock | None = None,
) -> MarketplaceAuth:
    auth = MarketplaceAuth("cli_isv", SECRET, cache=cache, clock=clock or FakeClock())
    auth.bind(endpoint)
    return auth


def test_implements_the_provider_protocol() -> None:
    assert isinstance(MarketplaceAuth("cli_isv", SECRET), TokenProvider)


@pytest.mark.asyncio
async def test_ticket_stored_by_one_instance_is_used_by_another(
    cache_factory: CacheFactory,
) -> None:
    endpoint = FakeTokenEndpoint()
    event_handler_side = _auth(endpoint, cache_factory())
    request_side = _auth(endpoint, cache_factory())  # another process, same backend
    await event_handler_side.set_app_ticket("ticket-1")
    assert await request_side.get_token(tenant_key="tenant-a") == "t-tenant-a-1"
    assert endpoint.calls == [
        (ISV_APP_PATH, {"app_id": "cli_isv", "app_secret": SECRET, "app_ticket": "ticket-1"}),
        (ISV_TENANT_PATH, {"app_access_token": "a-isv-1", "tenant_key": "tenant-a"}),
    ]


@pytest.mark.asyncio
async def test_missing_ticket_requests_a_resend_and_says_what_to_do(
    cache_factory: CacheFactory,
) -> None:
    endpoint = FakeTokenEndpoint()
    clock = FakeClock()
    auth = _auth(endpoint, cache_factory(), clock)
    with pytest.raises(AppTicketMissingError) as info:
        await auth.get_token(tenant_key="tenant-a")
    message = str(info.value)
    assert "set_app_ticket" in message
    assert "event" in message
    assert endpoint.calls == [(RESEND_PATH, {"app_id": "cli_isv", "app_secret": SECRET})]
    # Resends are throttled: a second miss right away does not ask again ...
    with pytest.raises(AppTicketMissingError):
        await auth.get_token(tenant_key="tenant-a")
    assert endpoint.count(RESEND_PATH) == 1
    # ... but does once the interval has passed.
    clock.advance(61)
    with pytest.raises(AppTicketMissingError):
        await auth.get_token(tenant_key="tenant-a")
    assert endpoint.count(RESEND_PATH) == 2
    # The ticket arrives by event: now it works.
    await auth.set_app_ticket("ticket-2")
    assert await auth.get_token(tenant_key="tenant-a") == "t-tenant-a-1"
    assert endpoint.count(ISV_APP_PATH) == 1


@pytest.mark.asyncio
async def test_failed_resend_is_reported_and_chained() -> None:
    endpoint = FakeTokenEndpoint()
    endpoint.codes[RESEND_PATH] = [99991400]
    auth = _auth(endpoint)
    with pytest.raises(AppTicketMissingError, match="resend it failed") as info:
        await auth.get_app_token()
    assert isinstance(info.value.__cause__, RateLimitError)


@pytest.mark.asyncio
async def test_concurrent_misses_without_ticket_resend_once() -> None:
    endpoint = FakeTokenEndpoint()
    auth = _auth(endpoint)
    failures = 0

    async def one(i: int) -> None:
        nonlocal failures
        try:
            await auth.get_token(tenant_key=f"tenant-{i % 3}")
        except AppTicketMissingError:
            failures += 1

    async with anyio.create_task_group() as tg:
        for i in range(60):
            tg.start_soon(one, i)
    assert failures == 60
    assert endpoint.count(RESEND_PATH) == 1


@pytest.mark.asyncio
async def test_per_tenant_tokens_share_one_app_token(cache_factory: CacheFactory) -> None:
    endpoint = FakeTokenEndpoint()
    auth = _auth(endpoint, cache_factory())
    await auth.set_app_ticket("ticket-1")
    results: dict[str, set[str]] = {"a": set(), "b": set(), "c": set()}

    async def one(tenant: str) -> None:
        results[tenant].add(await auth.get_token(tenant_key=tenant))

    async with anyio.create_task_group() as tg:
        for _ in range(100):
            for tenant in results:
                tg.start_soon(one, tenant)
    assert endpoint.count(ISV_APP_PATH) == 1
    assert endpoint.count(ISV_TENANT_PATH) == 3
    assert all(len(tokens) == 1 for tokens in results.values())
    assert len(set.union(*results.values())) == 3
    assert {body["tenant_key"] for path, body in endpoint.calls if path == ISV_TENANT_PATH} == {
        "a",
        "b",
        "c",
    }


@pytest.mark.asyncio
@pytest.mark.parametrize("tenant_key", [None, ""])
async def test_tenant_key_is_required(tenant_key: str | None) -> None:
    endpoint = FakeTokenEndpoint()
    auth = _auth(endpoint)
    with pytest.raises(ConfigurationError, match="tenant_key"):
        await auth.get_token(tenant_key=tenant_key)
    assert endpoint.calls == []


@pytest.mark.asyncio
async def test_refresh_and_invalidate_per_tenant() -> None:
    endpoint = FakeTokenEndpoint()
    clock = FakeClock()
    auth = _auth(endpoint, clock=clock)
    await auth.set_app_ticket("ticket-1")
    a1 = await auth.get_token(tenant_key="a")
    b1 = await auth.get_token(tenant_key="b")
    await auth.invalidate(a1, tenant_key="a")
    a2 = await auth.get_token(tenant_key="a")
    assert a2 != a1
    assert await auth.get_token(tenant_key="b") == b1  # other tenant untouched
    await auth.invalidate(a1, tenant_key="a")  # stale rejection: the newer one stays
    assert await auth.get_token(tenant_key="a") == a2
    clock.advance(7200 - 100)  # everything due: app token and tenant tokens refresh
    await auth.set_app_ticket("ticket-2")
    a3 = await auth.get_token(tenant_key="a")
    assert a3 not in (a1, a2)
    assert endpoint.count(ISV_APP_PATH) == 2
    assert endpoint.calls[-2][1]["app_ticket"] == "ticket-2"


@pytest.mark.asyncio
async def test_expired_ticket_counts_as_missing() -> None:
    endpoint = FakeTokenEndpoint()
    clock = FakeClock()
    auth = MarketplaceAuth("cli_isv", SECRET, clock=clock, app_ticket_ttl=3600)
    auth.bind(endpoint)
    await auth.set_app_ticket("ticket-1")
    clock.advance(3601)
    with pytest.raises(AppTicketMissingError):
        await auth.get_app_token()


@pytest.mark.asyncio
async def test_stale_app_token_is_dropped_and_the_tenant_fetch_retried_once() -> None:
    endpoint = FakeTokenEndpoint()
    auth = _auth(endpoint)
    await auth.set_app_ticket("ticket-1")
    assert await auth.get_app_token() == "a-isv-1"
    endpoint.codes[ISV_TENANT_PATH] = [99991664]
    assert await auth.get_token(tenant_key="a") == "t-a-2"
    assert endpoint.count(ISV_APP_PATH) == 2
    tenant_calls = [body for path, body in endpoint.calls if path == ISV_TENANT_PATH]
    assert [c["app_access_token"] for c in tenant_calls] == ["a-isv-1", "a-isv-2"]


@pytest.mark.asyncio
async def test_persistent_auth_errors_propagate() -> None:
    endpoint = FakeTokenEndpoint()
    auth = _auth(endpoint)
    await auth.set_app_ticket("ticket-1")
    endpoint.codes[ISV_TENANT_PATH] = [99991664, 99991664]
    with pytest.raises(AuthError) as info:
        await auth.get_token(tenant_key="a")
    assert info.value.code == 99991664
    assert endpoint.count(ISV_TENANT_PATH) == 2


@pytest.mark.asyncio
async def test_invalidating_the_app_token() -> None:
    endpoint = FakeTokenEndpoint()
    auth = _auth(endpoint)
    await auth.set_app_ticket("ticket-1")
    app1 = await auth.get_app_token()
    await auth.invalidate(app1)
    assert await auth.get_app_token() == "a-isv-2"


@pytest.mark.asyncio
async def test_empty_ticket_is_rejected() -> None:
    auth = _auth(FakeTokenEndpoint())
    with pytest.raises(ConfigurationError):
        await auth.set_app_ticket("")


def test_ticket_error_is_a_bitable_error() -> None:
    assert issubclass(AppTicketMissingError, BitableError)


def test_ticket_error_lives_in_the_error_tree_and_is_re_exported() -> None:
    import bitable_async
    import bitable_async.auth.marketplace
    import bitable_async.errors

    assert issubclass(AppTicketMissingError, AuthError)
    assert AppTicketMissingError is bitable_async.errors.AppTicketMissingError
    assert AppTicketMissingError is bitable_async.auth.marketplace.AppTicketMissingError
    assert AppTicketMissingError is bitable_async.AppTicketMissingError
