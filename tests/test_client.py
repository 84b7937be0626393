"""BitableClient: construction, handles, the escape hatch, and the real token provider."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from typing import Any

import aiohttp
import msgspec
import pytest
from aioresponses_compat import CallbackResult, aioresponses
from transport_support import BASE, FakeProvider, FakeTime, all_calls, calls, decode_body, envelope
from yarl import URL

from bitable_async.auth import TenantTokenAuth
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig, RetryConfig, Timeouts
from bitable_async.errors import ConfigurationError, NotFoundError
from bitable_async.handles import AppHandle, TableHandle

APP_ID = "cli_test_app"
APP_SECRET = "very-secret-app-secret-0123"
TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
TOKEN_URL = BASE + TOKEN_PATH
APP_URL = BASE + "/open-apis/bitable/v1/apps/bascnAPP"


def make_client(**kwargs: Any) -> tuple[BitableClient, FakeTime]:
    fake = FakeTime()
    kwargs.setdefault("base_url", BASE)
    kwargs.setdefault("config", ClientConfig(rate_limit=RateLimitConfig(enabled=False)))
    client = BitableClient(sleep=fake.sleep, clock=fake.clock, rng=random.Random(3), **kwargs)
    return client, fake


class TokenEndpoint:
    """A fake tenant_access_token/internal endpoint that counts fetches."""

    def __init__(self) -> None:
        self.fetches = 0
        self.bodies: list[Any] = []

    async def handle(self, url: URL, **kwargs: Any) -> CallbackResult:
        self.fetches += 1
        self.bodies.append(decode_body(kwargs))
        # Yield a few times so that every waiting coroutine really piles up.
        for _ in range(5):
            await asyncio.sleep(0)
        return CallbackResult(
            payload={
                "code": 0,
                "msg": "ok",
                "tenant_access_token": f"t-real-{self.fetches}",
                "expire": 7200,
            }
        )


# -- construction ----------------------------------------------------------------


def test_app_credentials_build_and_bind_the_tenant_provider() -> None:
    client = BitableClient(APP_ID, APP_SECRET)
    assert isinstance(client.auth, TenantTokenAuth)
    assert client.config.base_url == "https://open.feishu.cn"


@pytest.mark.parametrize(
    ("base_url", "resolved"),
    [
        ("feishu", "https://open.feishu.cn"),
        ("Lark", "https://open.larksuite.com"),
        ("http://127.0.0.1:8686/", "http://127.0.0.1:8686"),
    ],
)
def test_base_url_names_and_urls(base_url: str, resolved: str) -> None:
    assert BitableClient(base_url=base_url).config.base_url == resolved


def test_base_url_argument_overrides_the_config_and_config_is_frozen() -> None:
    config = ClientConfig(base_url="lark", timeouts=Timeouts(total=5))
    client = BitableClient(config=config, base_url="feishu")
    assert client.config.base_url == "https://open.feishu.cn"
    assert client.config.timeouts.total == 5
    assert BitableClient(config=config).config.base_url == "https://open.larksuite.com"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.base_url = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_url": "ftp://example.com"},
        {"base_url": "open.feishu.cn"},
        {"app_id": APP_ID},
        {"app_secret": APP_SECRET},
        {"app_id": APP_ID, "app_secret": APP_SECRET, "auth": FakeProvider()},
        {"auth": FakeProvider(), "token_cache": object()},
        {"token_cache": object()},
    ],
)
def test_inconsistent_construction_is_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        BitableClient(**kwargs)


def test_a_custom_provider_is_bound_once_to_the_transport_fetcher() -> None:
    provider = FakeProvider()
    client = BitableClient(auth=provider)
    assert client.auth is provider
    assert provider.fetcher is not None
    assert provider.fetcher == client.transport.fetch_token


def test_repr_shows_neither_secret_nor_tokens() -> None:
    client = BitableClient(APP_ID, APP_SECRET)
    text = repr(client) + repr(client.config) + repr(client.transport) + repr(client.auth)
    assert APP_ID in repr(client)
    assert APP_SECRET not in text


# -- handles ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_handles_do_no_io_and_build_paths() -> None:
    client, _ = make_client(auth=FakeProvider())
    with aioresponses() as m:
        app = client.app("bascnAPP")
        table = client.table("bascnAPP", "tblT")
        assert all_calls(m) == 0
    assert isinstance(app, AppHandle)
    assert isinstance(table, TableHandle)
    assert app.client is client
    assert (table.app_token, table.table_id) == ("bascnAPP", "tblT")
    assert app.table("tblT") == table
    assert table.app == app
    assert hash(app.table("tblT")) == hash(table)
    assert app.path("tables") == "/open-apis/bitable/v1/apps/bascnAPP/tables"
    assert table.path("records", "rec 1") == (
        "/open-apis/bitable/v1/apps/bascnAPP/tables/tblT/records/rec%201"
    )
    assert repr(table) == "TableHandle(app_token='bascnAPP', table_id='tblT')"
    await client.aclose()


@pytest.mark.parametrize(("app_token", "table_id"), [("", "tbl"), ("app", ""), ("a/b", "t")])
def test_handles_reject_bad_identifiers(app_token: str, table_id: str) -> None:
    client = BitableClient()
    with pytest.raises(ConfigurationError):
        client.table(app_token, table_id)


# -- escape hatch ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_escape_hatch_full_cycle_with_the_real_tenant_provider() -> None:
    endpoint = TokenEndpoint()
    client, _ = make_client(app_id=APP_ID, app_secret=APP_SECRET)
    async with client:
        with aioresponses() as m:
            m.post(TOKEN_URL, callback=endpoint.handle, repeat=True)
            m.post(
                APP_URL + "/tables?ignore_consistency_check=true",
                payload=envelope(data={"table_id": "tblNEW"}),
            )
            data = await client.request(
                "POST",
                "/open-apis/bitable/v1/apps/bascnAPP/tables",
                query={"ignore_consistency_check": True},
                body={"table": {"name": "T"}},
            )
            requests = calls(m)
    assert data == {"table_id": "tblNEW"}
    assert endpoint.fetches == 1
    assert endpoint.bodies == [{"app_id": APP_ID, "app_secret": APP_SECRET}]
    token_call = next(c for c in requests if c[1].path == TOKEN_PATH)
    api_call = next(c for c in requests if c[1].path != TOKEN_PATH)
    assert "Authorization" not in token_call[2]["headers"]
    assert api_call[0] == "POST"
    assert api_call[1].query["ignore_consistency_check"] == "true"
    assert api_call[2]["headers"]["Authorization"] == "Bearer t-real-1"
    assert api_call[2]["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert api_call[2]["data"] == msgspec.json.encode({"table": {"name": "T"}})
    assert client.stats.token_fetches == 1
    assert client.stats.http_calls == 2


@pytest.mark.asyncio
async def test_escape_hatch_typed_and_errors() -> None:
    class Table(msgspec.Struct):
        table_id: str

    client, _ = make_client(auth=FakeProvider())
    async with client:
        with aioresponses() as m:
            m.get(APP_URL + "/tables/tblT", payload=envelope(data={"table_id": "tblT"}))
            m.get(APP_URL + "/tables/nope", payload=envelope(1254041, "TableIdNotFound"))
            table = await client.request(
                "GET", "/open-apis/bitable/v1/apps/bascnAPP/tables/tblT", response_type=Table
            )
            with pytest.raises(NotFoundError) as info:
                await client.request("GET", "/open-apis/bitable/v1/apps/bascnAPP/tables/nope")
    assert table == Table(table_id="tblT")
    assert info.value.code == 1254041


@pytest.mark.asyncio
async def test_user_access_token_only_client() -> None:
    client, _ = make_client()
    async with client:
        with aioresponses() as m:
            m.get(APP_URL, payload=envelope(data={"app": {}}))
            data = await client.request(
                "GET", "/open-apis/bitable/v1/apps/bascnAPP", user_access_token="u-abc"
            )
            [(_, _, kwargs)] = calls(m)
    assert data == {"app": {}}
    assert kwargs["headers"]["Authorization"] == "Bearer u-abc"


# -- sessions --------------------------------------------------------------------


@pytest.mark.asyncio
async def test_context_manager_closes_its_own_session_but_not_a_borrowed_one() -> None:
    client, _ = make_client(auth=FakeProvider())
    async with client:
        with aioresponses() as m:
            m.get(APP_URL, payload=envelope())
            await client.request("GET", "/open-apis/bitable/v1/apps/bascnAPP")
        owned = client.transport._session
    assert owned is not None
    assert owned.closed
    assert client.transport.closed

    async with aiohttp.ClientSession() as session:
        client, _ = make_client(auth=FakeProvider(), session=session)
        async with client:
            with aioresponses() as m:
                m.get(APP_URL, payload=envelope())
                await client.request("GET", "/open-apis/bitable/v1/apps/bascnAPP")
        assert not session.closed


# -- the real provider under load ------------------------------------------------


@pytest.mark.asyncio
async def test_a_thousand_coroutines_at_cold_start_make_exactly_one_token_fetch() -> None:
    endpoint = TokenEndpoint()
    client, _ = make_client(app_id=APP_ID, app_secret=APP_SECRET)
    async with client:
        with aioresponses() as m:
            m.post(TOKEN_URL, callback=endpoint.handle, repeat=True)
            m.get(APP_URL, payload=envelope(data={"ok": True}), repeat=True)
            results = await asyncio.gather(
                *(client.request("GET", "/open-apis/bitable/v1/apps/bascnAPP") for _ in range(1000))
            )
            auths = {
                kwargs["headers"]["Authorization"]
                for _, url, kwargs in calls(m)
                if url.path != TOKEN_PATH
            }
    assert results == [{"ok": True}] * 1000
    assert endpoint.fetches == 1
    assert auths == {"Bearer t-real-1"}
    assert client.stats.token_fetches == 1


@pytest.mark.asyncio
async def test_token_revoked_mid_run_means_one_refetch_and_one_replay_per_request() -> None:
    endpoint = TokenEndpoint()
    revoked: set[str] = set()
    api_calls: list[str] = []

    async def api(url: URL, **kwargs: Any) -> CallbackResult:
        token = kwargs["headers"]["Authorization"].removeprefix("Bearer ")
        api_calls.append(token)
        for _ in range(5):  # keep every request in flight together
            await asyncio.sleep(0)
        if token in revoked:
            return CallbackResult(payload=envelope(99991663, "tenant access token invalid"))
        return CallbackResult(payload=envelope(data={"token_ok": True}))

    client, fake = make_client(app_id=APP_ID, app_secret=APP_SECRET)
    path = "/open-apis/bitable/v1/apps/bascnAPP"
    async with client:
        with aioresponses() as m:
            m.post(TOKEN_URL, callback=endpoint.handle, repeat=True)
            m.get(APP_URL, callback=api, repeat=True)
            for _ in range(10):
                await client.request("GET", path)
            revoked.add("t-real-1")
            results = await asyncio.gather(*(client.request("GET", path) for _ in range(50)))
    assert results == [{"token_ok": True}] * 50
    assert endpoint.fetches == 2
    assert api_calls.count("t-real-1") == 10 + 50
    assert api_calls.count("t-real-2") == 50
    assert client.stats.token_replays == 50
    assert client.stats.retries == 0
    assert fake.sleeps == []


@pytest.mark.asyncio
async def test_retry_config_flows_from_the_client() -> None:
    client, fake = make_client(
        auth=FakeProvider(),
        config=ClientConfig(
            retry=RetryConfig(max_attempts=2), rate_limit=RateLimitConfig(enabled=False)
        ),
    )
    async with client:
        with aioresponses() as m:
            m.get(APP_URL, payload=envelope(1254290, "TooManyRequest"), repeat=True)
            with pytest.raises(Exception, match="TooManyRequest"):
                await client.request("GET", "/open-apis/bitable/v1/apps/bascnAPP")
            assert all_calls(m) == 2
    assert len(fake.sleeps) == 1
