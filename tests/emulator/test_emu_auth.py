"""Token endpoints, renewal, expiry, revocation and the Authorization check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from emu_support import Client

from bitable_async.emulator import AppCredential, Emulator, EmulatorConfig, ManualClock

TENANT = "/open-apis/auth/v3/tenant_access_token/internal"


async def _tenant(client: Client, secret: str | None = None) -> Any:
    return await client.call("POST", TENANT, auth=False, json={
        "app_id": client.emu.app_id, "app_secret": secret or client.emu.app_secret})


@pytest.mark.asyncio
async def test_token_fields_are_top_level(client: Client) -> None:
    reply = await _tenant(client)
    assert reply.body["code"] == 0
    assert reply.body["tenant_access_token"].startswith("t-")
    assert reply.body["expire"] == 7200
    assert "data" not in reply.body
    assert reply.headers["X-Tt-Logid"]


@pytest.mark.asyncio
async def test_same_token_until_renew_window(client: Client, clock: ManualClock) -> None:
    first = (await _tenant(client)).body
    clock.advance(1000)
    again = (await _tenant(client)).body
    assert again["tenant_access_token"] == first["tenant_access_token"]
    assert again["expire"] == 7200 - 1000
    clock.advance(7200 - 1000 - 1700)  # 1700 s left: inside the 30 min window
    renewed = (await _tenant(client)).body
    assert renewed["tenant_access_token"] != first["tenant_access_token"]
    assert renewed["expire"] == 7200
    # The old token keeps working until it expires.
    client.token = first["tenant_access_token"]
    assert (await client.call("GET", client.app)).code == 0
    clock.advance(1700)
    assert (await client.call("GET", client.app)).code == 99991663
    client.token = renewed["tenant_access_token"]
    assert (await client.call("GET", client.app)).code == 0


@pytest.mark.asyncio
async def test_revoked_and_unknown_tokens(client: Client, emu: Emulator) -> None:
    assert (await client.call("GET", client.app)).code == 0
    assert emu.revoke_tokens() >= 1
    assert (await client.call("GET", client.app)).code == 99991663
    await client.login()
    assert (await client.call("GET", client.app)).code == 0
    bogus = await client.call("GET", client.app, headers={"Authorization": "Bearer t-nope"})
    assert bogus.code == 99991663


@pytest.mark.asyncio
@pytest.mark.parametrize("header", [None, "", "Bearer ", "Token abc", "t-abc"])
async def test_missing_or_malformed_header(client: Client, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    async with aiohttp.ClientSession() as s, s.get(
            client.emu.base_url + client.app, headers=headers) as resp:
        body = await resp.json()
    assert body["code"] == 99991661


@pytest.mark.asyncio
async def test_wrong_secret_and_unknown_app(client: Client) -> None:
    assert (await _tenant(client, "wrong")).body["code"] == 10014
    reply = await client.call("POST", TENANT, auth=False,
                              json={"app_id": "cli_unknown", "app_secret": "x"})
    assert reply.body["code"] == 10003
    assert "tenant_access_token" not in reply.body


@pytest.mark.asyncio
async def test_token_fetches_are_counted(client: Client, emu: Emulator) -> None:
    await _tenant(client)
    await _tenant(client)
    assert emu.stats()["token_fetches"]["tenant_access_token/internal"] == 3


@pytest.mark.asyncio
async def test_short_ttl_is_configurable(make_config: Callable[..., EmulatorConfig],
                                         clock: ManualClock) -> None:
    async with Emulator(make_config(token_ttl=60)) as emu, aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        assert (await c.call("GET", c.app)).code == 0
        clock.advance(61)
        assert (await c.call("GET", c.app)).code == 99991663


@pytest.mark.asyncio
async def test_marketplace_flow(make_config: Callable[..., EmulatorConfig]) -> None:
    isv = AppCredential("cli_isv", "isv-secret", marketplace=True, tenant_keys=("tk1",))
    async with Emulator(make_config(apps=[isv])) as emu, aiohttp.ClientSession() as s:
        c = Client(emu, s)
        base = "/open-apis/auth/v3"
        creds = {"app_id": "cli_isv", "app_secret": "isv-secret"}
        bad = await c.call("POST", base + "/app_access_token", auth=False,
                           json={**creds, "app_ticket": "nope"})
        assert bad.body["code"] == 10012
        assert (await c.call("POST", base + "/app_ticket/resend", auth=False,
                             json=creds)).body["code"] == 0
        ticket = emu.app_ticket("cli_isv")
        app_tok = await c.call("POST", base + "/app_access_token", auth=False,
                               json={**creds, "app_ticket": ticket})
        assert app_tok.body["app_access_token"].startswith("a-")
        wrong_tenant = await c.call("POST", base + "/tenant_access_token", auth=False, json={
            "app_access_token": app_tok.body["app_access_token"], "tenant_key": "other"})
        assert wrong_tenant.body["code"] == 10013
        tenant = await c.call("POST", base + "/tenant_access_token", auth=False, json={
            "app_access_token": app_tok.body["app_access_token"], "tenant_key": "tk1"})
        c.token = tenant.body["tenant_access_token"]
        assert (await c.call("GET", c.app)).code == 0
        # An app token is not accepted by Bitable endpoints.
        c.token = app_tok.body["app_access_token"]
        assert (await c.call("GET", c.app)).code == 99991663
        # The internal (self-built) endpoint refuses a marketplace app.
        assert (await c.call("POST", TENANT, auth=False, json=creds)).body["code"] == 10003
