"""Write serialisation per table (1254291), read conflicts (1254607), service time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pytest
from emu_support import Client

from bitable_async.emulator import Emulator, EmulatorConfig


@pytest.mark.asyncio
async def test_overlapping_write_on_one_table_conflicts(client: Client, emu: Emulator) -> None:
    created = await client.call("POST", f"{client.app}/tables",
                                json={"table": {"name": "Second"}})
    other = f"{client.app}/tables/{created.data['table_id']}/records"
    hold = emu.hold_writes(emu.table_id)
    first = asyncio.create_task(client.call("POST", client.records,
                                            json={"fields": {"Name": "first"}}))
    await hold.entered.wait()
    second = await client.call("POST", client.records, json={"fields": {"Name": "second"}})
    assert second.code == 1254291
    # A field write on the same table is a write too.
    field = await client.call("POST", f"{client.app}/tables/{emu.table_id}/fields",
                              json={"field_name": "Extra", "type": 1})
    assert field.code == 1254291
    # Reads are allowed by default, and writes to another table proceed in parallel.
    assert (await client.call("GET", client.records)).code == 0
    assert (await client.call("POST", other, json={"fields": {"Text": "x"}})).code == 0
    hold.release()
    assert (await first).code == 0
    after = await client.call("POST", client.records, json={"fields": {"Name": "after"}})
    assert after.code == 0
    stats = emu.stats()
    assert stats["tables"][emu.table_id]["conflicts"] == 2
    assert stats["tables"][emu.table_id]["writes_committed"] == 2
    assert stats["records_stored"][emu.table_id] == 2
    assert stats["endpoints"]["app_table_record.create"]["conflicts"] == 1


@pytest.mark.asyncio
async def test_read_during_write_when_enabled(make_config: Callable[..., EmulatorConfig]) -> None:
    async with Emulator(make_config(read_conflicts=True)) as emu, aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        hold = emu.hold_writes(emu.table_id)
        write = asyncio.create_task(c.call("POST", c.records, json={"fields": {"Name": "w"}}))
        await hold.entered.wait()
        assert (await c.call("GET", c.records)).code == 1254607
        hold.release()
        assert (await write).code == 0
        assert (await c.call("GET", c.records)).code == 0
        assert emu.stats()["total"]["not_ready"] == 1


@pytest.mark.asyncio
async def test_service_time_uses_injected_sleep(
        make_config: Callable[..., EmulatorConfig]) -> None:
    slept: list[float] = []
    gate = asyncio.Event()
    sleeping = asyncio.Event()

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        sleeping.set()
        await gate.wait()

    config = make_config(write_service_time=0.5, write_service_time_per_record=0.01,
                         sleep=fake_sleep)
    async with Emulator(config) as emu, aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        rows = [{"fields": {"Name": str(i)}} for i in range(10)]
        task = asyncio.create_task(c.call("POST", f"{c.records}/batch_create",
                                          json={"records": rows}))
        await sleeping.wait()
        assert slept == [pytest.approx(0.6)]
        busy = await c.call("POST", f"{c.records}/batch_delete", json={"records": ["recX"]})
        assert busy.code == 1254291
        gate.set()
        assert (await task).code == 0
        assert emu.stats()["records_stored"][emu.table_id] == 10
