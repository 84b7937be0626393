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
        # Other endpoints have their own window; reads have the 20 QPS cap.
        assert (await c.call("GET", f"{c.records}/batch_get")).code != 1254290
        clock.advance(1.0)
        assert (await c.call("POST", c.records, json={"fields": {"Name": "y"}})).code == 0
        stats = emu.stats()
        assert stats["total"]["rate_limited"] == 1
        assert stats["records_stored"][emu.table_id] == 11


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
