"""MarketplaceAuth through a real BitableClient and transport, answered by aioresponses.

The other marketplace tests check the token bodies at the TokenFetcher
boundary; this one checks what actually goes over HTTP: the exact JSON bodies
of ``app_access_token`` and ``tenant_access_token``, no Authorization header on
them, and each tenant's token sent as ``Bearer`` on a tenant-scoped call.
"""

from __future__ import annotations

from typing import Any

import pytest
from aioresponses_compat import CallbackResult, aioresponses
from auth_fakes import ISV_APP_PATH, ISV_TENANT_PATH, SECRET, FakeClock
from transport_support import BASE, FakeTime, calls, decode_body, envelope
from yarl import URL

from bitable_async.auth import MarketplaceAuth
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig

APP_ID = "cli_isv_http"
APP_PATH = "/open-apis/bitable/v1/apps/bascnAPP"
JSON = "application/json; charset=utf-8"


async def _tenant_token(url: URL, **kwargs: Any) -> CallbackResult:
    # One token per tenant, named after the tenant_key the request carried.
    tenant_key = decode_body(kwargs)["tenant_key"]
    return CallbackResult(
        payload={"code": 0, "msg": "ok", "tenant_access_token": f"t-{tenant_key}", "expire": 7200}
    )


@pytest.mark.asyncio
async def test_token_bodies_and_bearer_over_http() -> None:
    auth = MarketplaceAuth(APP_ID, SECRET, clock=FakeClock())
    fake = FakeTime()
    client = BitableClient(
        auth=auth,
        base_url=BASE,
        config=ClientConfig(rate_limit=RateLimitConfig(enabled=False)),
        sleep=fake.sleep,
        clock=fake.clock,
    )
    async with client:
        await auth.set_app_ticket("ticket-from-event")
        with aioresponses() as m:
            m.post(
                BASE + ISV_APP_PATH,
                payload={"code": 0, "msg": "ok", "app_access_token": "a-isv", "expire": 7200},
            )
            m.post(BASE + ISV_TENANT_PATH, callback=_tenant_token, repeat=True)
            m.get(BASE + APP_PATH, payload=envelope(data={"app": {"name": "B"}}), repeat=True)
            for tenant_key in ("tenant-a", "tenant-b", "tenant-a"):
                data = await client.request("GET", APP_PATH, tenant_key=tenant_key)
                assert data == {"app": {"name": "B"}}
            requests = calls(m)

    by_path: dict[str, list[tuple[str, Any, Any]]] = {}
    for method, url, kwargs in requests:
        by_path.setdefault(url.path, []).append((method, url, kwargs))

    # The app token is fetched once, with the stored ticket, as JSON and unauthenticated.
    [(method, _, app_call)] = by_path[ISV_APP_PATH]
    assert method == "POST"
    assert decode_body(app_call) == {
        "app_id": APP_ID,
        "app_secret": SECRET,
        "app_ticket": "ticket-from-event",
    }
    assert app_call["headers"]["Content-Type"] == JSON
    assert "Authorization" not in app_call["headers"]

    # One tenant token per tenant (the third call reuses tenant-a's cached token).
    tenant_calls = by_path[ISV_TENANT_PATH]
    assert [c[0] for c in tenant_calls] == ["POST", "POST"]
    assert [decode_body(c[2]) for c in tenant_calls] == [
        {"app_access_token": "a-isv", "tenant_key": "tenant-a"},
        {"app_access_token": "a-isv", "tenant_key": "tenant-b"},
    ]
    assert all(c[2]["headers"]["Content-Type"] == JSON for c in tenant_calls)
    assert all("Authorization" not in c[2]["headers"] for c in tenant_calls)

    # The tenant-scoped call carries that tenant's token, never the app token.
    api_calls = by_path[APP_PATH]
    assert [c[2]["headers"]["Authorization"] for c in api_calls] == [
        "Bearer t-tenant-a",
        "Bearer t-tenant-b",
        "Bearer t-tenant-a",
    ]
    assert client.stats.token_fetches == 3
