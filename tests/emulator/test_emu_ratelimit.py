"""Per-app, per-endpoint QPS caps with the x-ogw-ratelimit-reset header."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import pytest
from emu_support import Client

from bitable_async.emulator import Emulator, EmulatorConfig, ManualClock


@pytest.mark.asyncio
async def test_write_cap_trips_and_resets(make_config: Callable[..., EmulatorConfig],
                                          clock: ManualClock) -> None:
    async with Emulator(make_config(rate_limits_enabled=True)) as emu, \
            aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        for i in range(10):
            assert (await c.call("POST", c.records, json={"fields": {"Name": str(i)}})).code == 0
        limited = await c.call("POST", c.records, json={"fields": {"Name": "x"}})
        assert limited.code == 1254290
        assert limited.status == 429
        assert limited.headers["x-ogw-ratelimit-reset"] == "1"
        # Other endpoints have their own window.
        assert (await c.call("GET", f"{c.app}/tables")).code == 0
        clock.advance(1.0)
        assert (await c.call("POST", c.records, json={"fields": {"Name": "y"}})).code == 0
        stats = emu.stats()
        assert stats["total"]["rate_limited"] == 1
        assert stats["records_stored"][emu.table_id] == 11


def _view_get(c: Client) -> str:
    table = c.emu.state.apps[c.emu.app_token].tables[c.emu.table_id]
    return f"{c.app}/tables/{c.emu.table_id}/views/{next(iter(table.views))}"


@pytest.mark.asyncio
@pytest.mark.parametrize("endpoint", ["app.get", "app_table.list", "app_table_view.get"])
async def test_read_cap_is_20_per_second(make_config: Callable[..., EmulatorConfig],
                                         clock: ManualClock, endpoint: str) -> None:
    # app.get and app_table.list document 20 QPS; app_table_view.get documents none and
    # falls back to default_read_qps (20).
    async with Emulator(make_config(rate_limits_enabled=True)) as emu, \
            aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        path = {"app.get": c.app, "app_table.list": f"{c.app}/tables",
                "app_table_view.get": _view_get(c)}[endpoint]
        for _ in range(20):
            assert (await c.call("GET", path)).code == 0
        limited = await c.call("GET", path)
        assert limited.code == 1254290
        assert limited.headers["x-ogw-ratelimit-reset"] == "1"
        # A write endpoint of the same app is not affected by the read window.
        assert (await c.call("POST", c.records, json={"fields": {"Name": "w"}})).code == 0
        clock.advance(0.5)
        assert (await c.call("GET", path)).code == 1254290
        clock.advance(0.5)
        for _ in range(20):
            assert (await c.call("GET", path)).code == 0
        assert (await c.call("GET", path)).code == 1254290
        assert emu.stats()["total"]["rate_limited"] == 3


@pytest.mark.asyncio
async def test_default_read_cap_applies_only_where_no_qps_is_documented(
        make_config: Callable[..., EmulatorConfig]) -> None:
    async with Emulator(make_config(rate_limits_enabled=True, default_read_qps=3)) as emu, \
            aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        view = _view_get(c)
        assert [(await c.call("GET", view)).code for _ in range(4)] == [0, 0, 0, 1254290]
        assert all([(await c.call("GET", c.app)).code == 0 for _ in range(20)])


@pytest.mark.asyncio
async def test_list_records_has_qps_and_qpm(make_config: Callable[..., EmulatorConfig],
                                            clock: ManualClock) -> None:
    config = make_config(rate_limits_enabled=True)
    async with Emulator(config) as emu, aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        for _ in range(10):
            assert (await c.call("GET", c.records)).code == 0
        assert (await c.call("GET", c.records)).code == 1254290
        emu.configure(qps_overrides={"app_table_record.list": 2000})
        for _ in range(990):
            assert (await c.call("GET", c.records)).code == 0
        over = await c.call("GET", c.records)
        assert over.code == 1254290
        assert int(over.headers["x-ogw-ratelimit-reset"]) == 60
        clock.advance(60)
        assert (await c.call("GET", c.records)).code == 0


@pytest.mark.asyncio
async def test_caps_can_be_changed_or_disabled(make_config: Callable[..., EmulatorConfig]
                                               ) -> None:
    config = make_config(rate_limits_enabled=True, qps_overrides={"app.get": 2})
    async with Emulator(config) as emu, aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        codes = [(await c.call("GET", c.app)).code for _ in range(3)]
        assert codes == [0, 0, 1254290]
        emu.configure(rate_limits_enabled=False)
        assert all([(await c.call("GET", c.app)).code == 0 for _ in range(30)])
