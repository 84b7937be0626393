"""No app secret and no token in DEBUG logs, reprs or exception text, over real HTTP.

A tiny aiohttp.web server plays the token endpoint and a few Bitable endpoints
on 127.0.0.1; the client runs a full cycle (token fetch, calls, a revoked token
replay, API errors, an HTML 502, a user-token error, a failed token fetch)
while every log record of every logger is captured at DEBUG.
"""

from __future__ import annotations

import logging
import random
import traceback
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from transport_support import FakeTime

from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RetryConfig
from bitable_async.errors import (
    AuthError,
    BadRequestError,
    BitableError,
    NotFoundError,
    ServerError,
)

APP_ID = "cli_leakcheck"
APP_SECRET = "APPSECRET-leakcheck-5f2e9c"
WRONG_SECRET = "WRONGSECRET-leakcheck-81ab"
TOKENS = ("t-LEAKCHECK-first-7d1", "t-LEAKCHECK-second-9e4")
USER_TOKEN = "u-LEAKCHECK-user-3c0"
SECRETS = (APP_SECRET, WRONG_SECRET, *TOKENS, USER_TOKEN)
APP = "/open-apis/bitable/v1/apps/bascnLEAK"


class FakeFeishu:
    """The server's state: tokens issued and the set of revoked ones."""

    def __init__(self) -> None:
        self.issued = 0
        self.revoked: set[str] = set()

    async def token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("app_secret") != APP_SECRET:
            return web.json_response({"code": 10014, "msg": "app secret invalid"})
        token = TOKENS[min(self.issued, len(TOKENS) - 1)]
        self.issued += 1
        return web.json_response(
            {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200}
        )

    def _token_of(self, request: web.Request) -> str:
        return request.headers.get("Authorization", "").removeprefix("Bearer ")

    async def app(self, request: web.Request) -> web.Response:
        token = self._token_of(request)
        headers = {"X-Tt-Logid": "LOGID-leak-1"}
        if token == USER_TOKEN:
            return web.json_response(
                {"code": 99991668, "msg": "user access token invalid"}, headers=headers
            )
        if token in self.revoked or token not in TOKENS:
            return web.json_response(
                {"code": 99991663, "msg": "tenant access token invalid"}, headers=headers
            )
        return web.json_response(
            {"code": 0, "msg": "success", "data": {"app": {"app_token": "bascnLEAK"}}},
            headers=headers,
        )

    async def missing(self, request: web.Request) -> web.Response:
        return web.json_response({"code": 1254041, "msg": "TableIdNotFound"}, status=404)

    async def gateway(self, request: web.Request) -> web.Response:
        return web.Response(
            status=502, body=b"<html><body>502 Bad Gateway</body></html>", content_type="text/html"
        )


@pytest_asyncio.fixture
async def server() -> AsyncIterator[tuple[str, FakeFeishu]]:
    state = FakeFeishu()
    app = web.Application()
    app.router.add_post("/open-apis/auth/v3/tenant_access_token/internal", state.token)
    app.router.add_get(APP, state.app)
    app.router.add_get(APP + "/tables/tblMISSING", state.missing)
    app.router.add_get(APP + "/tables/tblGATEWAY", state.gateway)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", state
    finally:
        await runner.cleanup()


def exception_texts(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc))]


@pytest.mark.asyncio
async def test_full_cycle_leaks_no_secret(
    server: tuple[str, FakeFeishu], caplog: pytest.LogCaptureFixture
) -> None:
    base_url, state = server
    caplog.set_level(logging.DEBUG)  # every logger, the SDK's and aiohttp's
    texts: list[str] = []
    fake = FakeTime()
    config = ClientConfig(retry=RetryConfig(max_attempts=2))

    client = BitableClient(
        APP_ID,
        APP_SECRET,
        base_url=base_url,
        config=config,
        sleep=fake.sleep,
        clock=fake.clock,
        rng=random.Random(0),
    )
    async with client:
        first = await client.transport.request("GET", APP)
        state.revoked.add(TOKENS[0])
        replayed = await client.transport.request("GET", APP)
        table = client.table("bascnLEAK", "tblMISSING")
        texts += [repr(first), repr(replayed), repr(table), repr(table.app)]

        with pytest.raises(NotFoundError) as not_found:
            await client.request("GET", table.path())
        with pytest.raises(ServerError) as gateway:
            await client.request("GET", APP + "/tables/tblGATEWAY")
        with pytest.raises(AuthError) as user:
            await client.request("GET", APP, user_access_token=USER_TOKEN)
        for caught in (not_found, gateway, user):
            texts += exception_texts(caught.value)
        texts += [repr(client), repr(client.config), repr(client.auth), repr(client.transport)]
        texts.append(repr(client.stats))

    wrong = BitableClient(
        APP_ID, WRONG_SECRET, base_url=base_url, sleep=fake.sleep, clock=fake.clock
    )
    async with wrong:
        with pytest.raises(BitableError) as failed_fetch:
            await wrong.request("GET", APP)
        texts += exception_texts(failed_fetch.value)
        texts += [repr(wrong), repr(wrong.auth)]

    # The cycle really happened: two tokens issued, one replay, typed errors.
    assert state.issued == 2
    assert client.stats.token_replays == 1
    assert first.log_id == "LOGID-leak-1"
    assert isinstance(failed_fetch.value, BadRequestError)
    assert failed_fetch.value.code == 10014

    records: list[str] = []
    for record in caplog.records:
        records.append(record.getMessage())
        records.append(repr(record.args))
        if record.exc_info and record.exc_info[1] is not None:
            records.extend(exception_texts(record.exc_info[1]))
    logged = "\n".join(records) + caplog.text
    # The capture works: the transport's DEBUG lines are there.
    assert f"GET {APP} -> 200 code=0 log_id=LOGID-leak-1" in logged
    assert "POST /open-apis/auth/v3/tenant_access_token/internal -> 200" in logged

    everything = logged + "\n".join(texts)
    for secret in SECRETS:
        assert secret not in everything, f"leaked {secret[:6]}..."
    # Not even a prefix long enough to be useful.
    for secret in SECRETS:
        assert secret[:12] not in everything


@pytest.mark.asyncio
async def test_a_wrong_secret_in_a_token_error_is_never_echoed(
    server: tuple[str, FakeFeishu], caplog: pytest.LogCaptureFixture
) -> None:
    base_url, _ = server
    caplog.set_level(logging.DEBUG)
    fake = FakeTime()
    client = BitableClient(
        APP_ID, WRONG_SECRET, base_url=base_url, sleep=fake.sleep, clock=fake.clock
    )
    errors: list[Any] = []
    async with client:
        for _ in range(2):
            try:
                await client.request("GET", APP)
            except BitableError as exc:
                errors.append(exc)
    assert len(errors) == 2
    blob = caplog.text + "".join(t for e in errors for t in exception_texts(e))
    assert WRONG_SECRET not in blob
