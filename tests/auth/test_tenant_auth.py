"""TenantTokenAuth / AppTokenAuth: single-flight, refresh ahead, invalidate, errors."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest
import redis.asyncio as aioredis
from auth_fakes import (
    APP_PATH,
    SECRET,
    TENANT_PATH,
    FakeClock,
    FakeTokenEndpoint,
    instant_sleep,
)

from bitable_async.auth import AppTokenAuth, TenantTokenAuth, TokenProvider
from bitable_async.errors import (
    BadRequestError,
    BitableError,
    ConfigurationError,
    PermissionDeniedError,
    ServerError,
)
from cache_backends import TokenCache
from cache_backends.memory import MemoryTokenCache
from cache_backends.redis import RedisTokenCache

CacheFactory = Callable[[], TokenCache]


def _auth(
    endpoint: FakeTokenEndpoint,
    *,
    cache: TokenCache | None = None,
    clock: FakeClock | None = None,
    margin: float = 300.0,
) -> TenantTokenAuth:
    auth = TenantTokenAuth(
        "cli_test", SECRET, cache=cache, refresh_margin=margin, clock=clock or FakeClock()
    )
    auth.bind(endpoint)
    return auth


async def _gather(n: int, auth: TokenProvider) -> list[str]:
    out: list[str] = []

    async def one() -> None:
        out.append(await auth.get_token())

    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(one)
    return out


def test_implements_the_provider_protocol() -> None:
    assert isinstance(TenantTokenAuth("cli_x", SECRET), TokenProvider)
    assert isinstance(AppTokenAuth("cli_x", SECRET), TokenProvider)


@pytest.mark.asyncio
async def test_request_shape_and_token() -> None:
    endpoint = FakeTokenEndpoint()
    auth = _auth(endpoint)
    assert await auth.get_token() == "t-internal-1"
    assert endpoint.calls == [(TENANT_PATH, {"app_id": "cli_test", "app_secret": SECRET})]


@pytest.mark.asyncio
async def test_thousand_coroutines_at_cold_start_fetch_once(cache_factory: CacheFactory) -> None:
    endpoint = FakeTokenEndpoint()
    auth = _auth(endpoint, cache=cache_factory())
    tokens = await _gather(1000, auth)
    assert endpoint.count(TENANT_PATH) == 1
    assert set(tokens) == {"t-internal-1"}
    assert len(tokens) == 1000


@pytest.mark.asyncio
async def test_several_providers_on_one_redis_fetch_once(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    """Like N processes: each provider has its own locks and its own RedisTokenCache (L1)."""
    endpoint = FakeTokenEndpoint()
    clock = FakeClock()
    providers = [
        _auth(
            endpoint,
            cache=RedisTokenCache(redis_client, redis_prefix, sleep=instant_sleep),
            clock=clock,
        )
        for _ in range(4)
    ]
    tokens: list[str] = []

    async def one(p: TenantTokenAuth) -> None:
        tokens.append(await p.get_token())

    async with anyio.create_task_group() as tg:
        for _ in range(100):
            for p in providers:
                tg.start_soon(one, p)
    assert endpoint.count(TENANT_PATH) == 1
    assert set(tokens) == {"t-internal-1"}

    # Refresh time: again one fetch for the whole fleet.
    clock.advance(7200 - 200)
    async with anyio.create_task_group() as tg:
        for _ in range(50):
            for p in providers:
                tg.start_soon(one, p)
    assert endpoint.count(TENANT_PATH) == 2
    assert [await p.get_token() for p in providers] == ["t-internal-2"] * 4
    assert endpoint.count(TENANT_PATH) == 2


@pytest.mark.asyncio
async def test_refresh_ahead_of_expiry_with_the_margin() -> None:
    endpoint = FakeTokenEndpoint(expire=7200)
    clock = FakeClock()
    auth = _auth(endpoint, clock=clock, margin=300)
    assert await auth.get_token() == "t-internal-1"
    clock.advance(7200 - 301)  # 301 s left: still fresh
    assert await auth.get_token() == "t-internal-1"
    assert endpoint.count(TENANT_PATH) == 1
    clock.advance(2)  # 299 s left: inside the margin -> refresh
    assert await auth.get_token() == "t-internal-2"
    assert endpoint.count(TENANT_PATH) == 2
    assert await auth.get_token() == "t-internal-2"
    assert endpoint.count(TENANT_PATH) == 2


@pytest.mark.asyncio
async def test_expired_token_is_never_served() -> None:
    endpoint = FakeTokenEndpoint(expire=7200)
    clock = FakeClock()
    auth = _auth(endpoint, clock=clock, margin=0)
    await auth.get_token()
    clock.advance(7200)
    assert await auth.get_token() == "t-internal-2"


@pytest.mark.asyncio
async def test_callers_keep_the_old_token_while_a_refresh_is_in_flight() -> None:
    gate = anyio.Event()
    endpoint = FakeTokenEndpoint()
    clock = FakeClock()
    auth = _auth(endpoint, clock=clock)
    assert await auth.get_token() == "t-internal-1"
    clock.advance(7200 - 100)  # due for refresh, still valid for 100 s
    endpoint.gate = gate
    results: list[str] = []

    async def refresher() -> None:
        results.append(await auth.get_token())

    async with anyio.create_task_group() as tg:
        tg.start_soon(refresher)
        await anyio.wait_all_tasks_blocked()
        # The refresh is blocked in the endpoint; others are not blocked by it.
        assert [await auth.get_token() for _ in range(5)] == ["t-internal-1"] * 5
        gate.set()
    assert results == ["t-internal-2"]
    assert endpoint.count(TENANT_PATH) == 2


@pytest.mark.asyncio
async def test_invalidate_drops_the_cached_token(cache_factory: CacheFactory) -> None:
    endpoint = FakeTokenEndpoint()
    auth = _auth(endpoint, cache=cache_factory())
    first = await auth.get_token()
    await auth.invalidate(first)
    assert await auth.get_token() == "t-internal-2"
    assert endpoint.count(TENANT_PATH) == 2


@pytest.mark.asyncio
async def test_invalidate_keeps_a_newer_token(cache_factory: CacheFactory) -> None:
    endpoint = FakeTokenEndpoint()
    auth = _auth(endpoint, cache=cache_factory())
    first = await auth.get_token()
    await auth.invalidate(first)
    second = await auth.get_token()
    # A late rejection of the first token (another request saw 99991663 too).
    await auth.invalidate(first)
    await auth.invalidate("never-issued")
    assert await auth.get_token() == second
    assert endpoint.count(TENANT_PATH) == 2


@pytest.mark.asyncio
async def test_invalidate_across_processes_keeps_the_newer_token(
    cache_factory: CacheFactory,
) -> None:
    endpoint = FakeTokenEndpoint()
    a = _auth(endpoint, cache=cache_factory())
    b = _auth(endpoint, cache=cache_factory())
    first = await a.get_token()
    assert await b.get_token() == first
    await a.invalidate(first)
    second = await a.get_token()
    await b.invalidate(first)  # b saw the rejection later: a's new token survives
    assert await b.get_token() == second
    assert endpoint.count(TENANT_PATH) == 2


@pytest.mark.asyncio
async def test_short_lived_tokens_do_not_cause_a_fetch_per_call() -> None:
    endpoint = FakeTokenEndpoint(expire=120)  # shorter than the 300 s margin
    clock = FakeClock()
    auth = _auth(endpoint, clock=clock)
    assert {await auth.get_token() for _ in range(20)} == {"t-internal-1"}
    assert endpoint.count(TENANT_PATH) == 1
    clock.advance(61)  # past half its life: refresh
    assert await auth.get_token() == "t-internal-2"


@pytest.mark.asyncio
async def test_fetch_errors_propagate_and_are_shared_by_waiters() -> None:
    endpoint = FakeTokenEndpoint()
    endpoint.codes[TENANT_PATH] = [99991672]
    auth = _auth(endpoint)
    errors: list[BaseException] = []

    async def one() -> None:
        try:
            await auth.get_token()
        except PermissionDeniedError as exc:
            errors.append(exc)

    async with anyio.create_task_group() as tg:
        for _ in range(100):
            tg.start_soon(one)
    assert len(errors) == 100
    assert endpoint.count(TENANT_PATH) == 1
    # Not poisoned: the next call fetches again.
    assert await auth.get_token() == "t-internal-2"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "reply",
    [
        {"code": 0, "msg": "ok", "expire": 7200},
        {"code": 0, "msg": "ok", "tenant_access_token": "", "expire": 7200},
        {"code": 0, "msg": "ok", "tenant_access_token": "t-x"},
        {"code": 0, "msg": "ok", "tenant_access_token": "t-x", "expire": 0},
        {"code": 0, "msg": "ok", "tenant_access_token": "t-x", "expire": True},
        {"code": 0, "msg": "ok", "tenant_access_token": "t-x", "expire": "7200"},
    ],
)
async def test_malformed_token_replies_raise_server_error(reply: dict[str, object]) -> None:
    async def fetcher(path: str, body: object) -> dict[str, object]:
        return reply

    auth = TenantTokenAuth("cli_test", SECRET)
    auth.bind(fetcher)
    with pytest.raises(ServerError) as info:
        await auth.get_token()
    assert info.value.path == TENANT_PATH
    assert "t-x" not in str(info.value)


@pytest.mark.asyncio
async def test_unbound_provider_says_so() -> None:
    with pytest.raises(ConfigurationError, match="not bound"):
        await TenantTokenAuth("cli_test", SECRET).get_token()


@pytest.mark.asyncio
async def test_tenant_key_is_rejected_for_self_built_apps() -> None:
    auth = _auth(FakeTokenEndpoint())
    with pytest.raises(ConfigurationError, match="MarketplaceAuth"):
        await auth.get_token(tenant_key="tk1")


@pytest.mark.parametrize("margin", [-1.0, 1800.5, 3600.0, float("nan")])
def test_margin_beyond_the_renewal_window_is_rejected(margin: float) -> None:
    with pytest.raises(ConfigurationError, match="30 minutes"):
        TenantTokenAuth("cli_test", SECRET, refresh_margin=margin)


@pytest.mark.parametrize(
    ("app_id", "secret"), [("", SECRET), ("cli:x", SECRET), ("cli_x", ""), ("cli_x", None)]
)
def test_bad_credentials_are_rejected_before_any_request(app_id: str, secret: str) -> None:
    with pytest.raises(ConfigurationError):
        TenantTokenAuth(app_id, secret)


def test_default_cache_is_per_provider() -> None:
    a, b = TenantTokenAuth("cli_x", SECRET), TenantTokenAuth("cli_x", SECRET)
    assert isinstance(a.cache, MemoryTokenCache)
    assert a.cache is not b.cache


@pytest.mark.asyncio
async def test_app_token_auth() -> None:
    endpoint = FakeTokenEndpoint()
    auth = AppTokenAuth("cli_test", SECRET, clock=FakeClock())
    auth.bind(endpoint)
    tokens = await _gather(50, auth)
    assert set(tokens) == {"a-internal-1"}
    assert endpoint.calls == [(APP_PATH, {"app_id": "cli_test", "app_secret": SECRET})]
    await auth.invalidate("a-internal-1")
    assert await auth.get_token() == "a-internal-2"
    with pytest.raises(ConfigurationError):
        await auth.get_token(tenant_key="tk")


@pytest.mark.asyncio
async def test_fetcher_error_type_is_preserved() -> None:
    endpoint = FakeTokenEndpoint()
    endpoint.codes[TENANT_PATH] = [1254000]
    auth = _auth(endpoint)
    with pytest.raises(BadRequestError) as info:
        await auth.get_token()
    assert info.value.code == 1254000


@pytest.mark.asyncio
async def test_failed_refresh_ahead_keeps_the_valid_token_and_retries_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint = FakeTokenEndpoint()
    clock = FakeClock()
    auth = _auth(endpoint, clock=clock)
    assert await auth.get_token() == "t-internal-1"
    clock.advance(7200 - 200)  # due for refresh, valid for 200 s more
    endpoint.codes[TENANT_PATH] = [1254002, 1254002]
    tokens = await _gather(50, auth)
    assert set(tokens) == {"t-internal-1"}
    assert endpoint.count(TENANT_PATH) == 2  # one failed refresh for the whole burst
    assert "refreshing token" in caplog.text
    clock.advance(5)  # within the retry pause: no new attempt
    assert await auth.get_token() == "t-internal-1"
    assert endpoint.count(TENANT_PATH) == 2
    clock.advance(6)  # pause over: tries again (fails again, still served)
    assert await auth.get_token() == "t-internal-1"
    assert endpoint.count(TENANT_PATH) == 3
    clock.advance(11)
    assert await auth.get_token() == "t-internal-4"


@pytest.mark.asyncio
async def test_failed_refresh_of_an_expired_token_raises() -> None:
    endpoint = FakeTokenEndpoint()
    clock = FakeClock()
    auth = _auth(endpoint, clock=clock)
    await auth.get_token()
    clock.advance(7200 - 5)  # less than the minimum validity left
    endpoint.codes[TENANT_PATH] = [1254002]
    with pytest.raises(BitableError):
        await auth.get_token()
