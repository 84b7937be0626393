"""Seeded fault injection: reproducible, each kind observable, drop-after-commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from emu_support import Client

from bitable_async.emulator import Emulator, EmulatorConfig, FaultConfig


async def _outcomes(config: EmulatorConfig, n: int) -> tuple[list[Any], list[Any]]:
    seen: list[Any] = []
    async with Emulator(config) as emu, aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        for i in range(n):
            try:
                r = await c.call("POST", c.records, json={"fields": {"Name": str(i)}})
                seen.append((r.status, r.body["code"] if isinstance(r.body, dict) else "text"))
            except aiohttp.ClientError as exc:
                seen.append(type(exc).__name__)
        return seen, emu.stats()["faults"]


def _faults(seed: int) -> FaultConfig:
    return FaultConfig(seed=seed, p_5xx=0.15, p_not_ready=0.15, p_html_502=0.1,
                       p_drop_after_commit=0.1)


@pytest.mark.asyncio
async def test_same_seed_same_faults(make_config: Callable[..., EmulatorConfig]) -> None:
    a = await _outcomes(make_config(faults=_faults(7)), 40)
    b = await _outcomes(make_config(faults=_faults(7)), 40)
    c = await _outcomes(make_config(faults=_faults(8)), 40)
    assert a == b
    assert a != c
    kinds = {f[2] for f in a[1]}
    assert {"not_ready", "html_502", "drop"} <= kinds
    assert kinds & {"5xx_json", "5xx_plain"}


@pytest.mark.asyncio
async def test_each_fault_kind(client: Client, emu: Emulator) -> None:
    emu.set_faults(p_5xx=1.0, p_5xx_json=1.0)
    r = await client.call("GET", client.records)
    assert (r.status, r.body["code"]) == (500, 1255001)
    emu.set_faults(p_5xx=1.0, p_5xx_json=0.0)
    r = await client.call("GET", client.records)
    assert r.status == 503
    assert isinstance(r.body, str)
    emu.set_faults(p_html_502=1.0)
    r = await client.call("GET", client.records)
    assert r.status == 502
    assert r.headers["Content-Type"].startswith("text/html")
    assert "502 Bad Gateway" in r.body
    emu.set_faults(p_not_ready=1.0)
    assert (await client.call("GET", client.records)).code == 1254607
    emu.set_faults(p_not_ready=1.0, writes_only=True)
    assert (await client.call("GET", client.records)).code == 0
    assert emu.stats()["records_stored"][emu.table_id] == 0
    assert (await client.call("POST", client.records, json={"fields": {"Name": "x"}})).code \
        == 1254607
    assert emu.stats()["records_stored"][emu.table_id] == 0
    emu.set_faults()
    assert (await client.call("GET", client.records)).code == 0
    assert emu.stats()["total"]["faults_injected"] == 5


@pytest.mark.asyncio
async def test_drop_after_commit(client: Client, emu: Emulator) -> None:
    emu.set_faults(p_drop_after_commit=1.0, writes_only=True)
    with pytest.raises(aiohttp.ClientError):
        await client.call("POST", f"{client.records}/batch_create",
                          json={"records": [{"fields": {"Name": "kept"}}]})
    emu.set_faults()
    listed = await client.call("GET", client.records)
    assert [i["fields"]["Name"] for i in listed.data["items"]] == ["kept"]
    assert emu.stats()["faults"][-1][1:] == ["app_table_record.batch_create", "drop"]


@pytest.mark.asyncio
async def test_latency_uses_injected_sleep(make_config: Callable[..., EmulatorConfig]) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    config = make_config(sleep=fake_sleep, faults=FaultConfig(latency=0.25, writes_only=True))
    async with Emulator(config) as emu, aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        await c.call("GET", c.records)
        await c.call("POST", c.records, json={"fields": {"Name": "x"}})
    assert slept == [0.25]
