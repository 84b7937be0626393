"""The writer plugged into the client: handles' writes are serialized; bulk over handles."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from writer_e2e import APP_TOKEN, FAST_RETRY, seed, table_id

from bitable_async.bulk import bulk_insert, bulk_upsert
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig, RetryConfig
from bitable_async.emulator.server import Emulator
from bitable_async.models.fields import TextField
from bitable_async.resources import CallContext, TableResources
from bitable_async.writer import WriterConfig


def client(emu: Emulator, **kw: Any) -> BitableClient:
    cfg = ClientConfig(
        retry=RetryConfig(base=0.001, cap=0.005, busy_min_delay=0.001, max_attempts=50),
        rate_limit=RateLimitConfig(enabled=False),
    )
    kw.setdefault("writer_config", WriterConfig(retry=FAST_RETRY))
    return BitableClient(emu.app_id, emu.app_secret, base_url=emu.base_url, config=cfg, **kw)


@pytest.mark.asyncio
async def test_handle_writes_go_through_the_writer_and_never_conflict() -> None:
    async with Emulator(seed(1, write_service_time=0.002)) as emu, client(emu) as c:
        records = c.table(APP_TOKEN, table_id(0)).records
        await asyncio.gather(*(records.create({"Key": f"k{i}", "N": i}) for i in range(30)))
        assert emu.stats()["total"]["conflicts"] == 0
        assert len(emu.state.table(APP_TOKEN, table_id(0)).records) == 30

        # Control: the same writes with the seam bypassed do collide on the table.
        bare = TableResources(CallContext(c.transport), APP_TOKEN, table_id(0)).records
        await asyncio.gather(*(bare.create({"Key": f"x{i}", "N": i}) for i in range(30)))
        conflicts = emu.stats()["total"]["conflicts"]
        print(f"\nwithout the writer: {conflicts} conflicts for 30 concurrent creates")
        assert conflicts > 0


@pytest.mark.asyncio
async def test_field_change_waits_for_its_turn() -> None:
    async with Emulator(seed(1, write_service_time=0.002)) as emu, client(emu) as c:
        h = c.table(APP_TOKEN, table_id(0))
        await asyncio.gather(
            *(h.records.create({"Key": f"k{i}"}) for i in range(10)),
            h.fields.create(TextField(field_name="Extra")),
            *(h.records.create({"Key": f"m{i}"}) for i in range(10)),
        )
        assert emu.stats()["total"]["conflicts"] == 0


@pytest.mark.asyncio
async def test_per_app_granularity_serializes_tables_of_one_app() -> None:
    cfg = WriterConfig(granularity="app", retry=FAST_RETRY)
    async with Emulator(seed(2)) as emu, client(emu, writer_config=cfg) as c:
        w0, w1 = c.table(APP_TOKEN, table_id(0)).writer, c.table(APP_TOKEN, table_id(1)).writer
        assert w0.lane_key == w1.lane_key == APP_TOKEN
        await asyncio.gather(
            bulk_insert(w0, ({"Key": f"a{i}"} for i in range(600))),
            bulk_insert(w1, ({"Key": f"b{i}"} for i in range(600))),
        )
        assert w0.stats.requests == 4  # one lane carried both tables' batches


@pytest.mark.asyncio
async def test_coalesced_creates_and_bulk_upsert_through_a_handle() -> None:
    async with Emulator(seed(1)) as emu, client(emu) as c:
        h = c.table(APP_TOKEN, table_id(0))
        recs = await asyncio.gather(*(h.writer.create({"Key": f"k{i}", "N": i}) for i in range(50)))
        assert len({r["record_id"] for r in recs}) == 50
        assert emu.stats()["endpoints"]["app_table_record.batch_create"]["requests"] == 1

        # Typed rows through the handle's codec; keys found by records/search.
        incoming = [{"Key": f"k{i}", "N": 1000 + i, "Note": "upserted"} for i in range(25, 75)]
        summary = await bulk_upsert(h, incoming, key="Key")
        assert (summary.existing_keys, summary.updated, summary.created) == (50, 25, 25)
        numeric = await bulk_upsert(h, [{"Key": "k3", "N": 3, "Note": "by number"}], key="N")
        assert numeric.updated == 1  # N is read back as a string and still matches
        rows = [r async for r in h.records.search()]
        notes = {r.fields.get("Key"): r.fields.get("Note") for r in rows}
        assert len(rows) == 75
        assert notes["k30"] == "upserted"
        assert notes["k3"] == "by number"


@pytest.mark.asyncio
async def test_exclusive_reads_keep_reads_out_of_a_table_being_written() -> None:
    seen: dict[bool, int] = {}
    for exclusive in (False, True):
        config = seed(1, write_service_time=0.003, read_conflicts=True)
        cfg = WriterConfig(retry=FAST_RETRY, exclusive_reads=exclusive)
        async with Emulator(config) as emu, client(emu, writer_config=cfg) as c:
            h = c.table(APP_TOKEN, table_id(0))
            load = asyncio.ensure_future(
                bulk_insert(h.writer, ({"Key": f"k{i}"} for i in range(3000)), chunk_size=100)
            )
            reads = 0
            while not load.done() or reads == 0:
                async for _ in h.records.search(page_size=20):
                    break
                reads += 1
            summary = await load
            assert summary.written == 3000
            seen[exclusive] = emu.stats()["endpoints"]["app_table_record.search"]["not_ready"]
            print(f"\nexclusive_reads={exclusive}: {reads} reads, {seen[exclusive]} x 1254607")
    assert seen[True] == 0
    assert seen[False] > 0


@pytest.mark.asyncio
async def test_a_create_issued_inside_a_write_of_the_same_lane_does_not_wait_for_itself() -> None:
    async with Emulator(seed(1)) as emu, client(emu) as c:
        h = c.table(APP_TOKEN, table_id(0))

        async def outer() -> str:
            # Runs in the lane's turn; a coalesced create from here would deadlock.
            rec = await h.records.create({"Key": "nested"})
            return rec.record_id or ""

        rid = await asyncio.wait_for(h.writer.run(outer), timeout=30)
        assert rid.startswith("rec")
        assert emu.stats()["endpoints"]["app_table_record.create"]["requests"] == 1
