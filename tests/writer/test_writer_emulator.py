"""The writer against the emulator over real HTTP: serialization and coalescing.

The issue-6 scenarios go through the user API (``client.table(...).records``).
"""

from __future__ import annotations

import asyncio
import collections

import pytest
from writer_e2e import (
    APP_TOKEN,
    FAST_RETRY,
    client_for,
    harness,
    record_write_calls,
    seed,
    table_id,
    table_keys,
)

from bitable_async.bulk import bulk_insert
from bitable_async.emulator.config import FaultConfig
from bitable_async.emulator.server import Emulator
from bitable_async.errors import FieldValueError, InvalidFieldValueError, NotFoundError
from bitable_async.models.record import Record
from bitable_async.writer import WriterConfig


@pytest.mark.asyncio
async def test_16_coroutines_x_1000_records_create_land_once_without_conflicts() -> None:
    # The user API of a real client over HTTP; a tiny service time so that
    # writes really occupy the table for a while.
    async with (
        Emulator(seed(1, write_service_time=0.0005)) as emu,
        client_for(emu.base_url, emu.app_id, emu.app_secret) as client,
    ):
        records = client.table(APP_TOKEN, table_id(0)).records

        async def producer(p: int) -> None:
            for i in range(1000):
                rec = await records.create({"Key": f"p{p}-{i}", "N": i})
                assert isinstance(rec, Record)
                assert rec.record_id is not None
                assert rec.record_id.startswith("rec")
                assert rec.fields["Key"] == f"p{p}-{i}"  # its OWN record, typed
                assert rec.fields["N"] == i

        await asyncio.gather(*(producer(p) for p in range(16)))
        stats = emu.stats()
        keys = table_keys(emu, table_id(0))
        calls = record_write_calls(emu)
        http_writes = sum(calls.values())
        print(
            f"\n16 x 1000 records.create -> {http_writes} HTTP write calls {calls}, "
            f"conflicts={stats['total']['conflicts']}"
        )
        assert len(keys) == 16_000
        assert len(set(keys)) == 16_000  # every row present once, by the unique key column
        assert stats["total"]["conflicts"] == 0
        assert stats["records_stored"][table_id(0)] == 16_000
        assert calls["create"] == 0  # never the single-record endpoint
        # Each producer awaits its previous create, so a batch holds at most 16.
        assert http_writes <= 16_000 // 8


@pytest.mark.asyncio
async def test_1000_concurrent_records_create_take_a_handful_of_batch_calls() -> None:
    async with (
        Emulator(seed(1, write_service_time=0.0005)) as emu,
        client_for(emu.base_url, emu.app_id, emu.app_secret) as client,
    ):
        records = client.table(APP_TOKEN, table_id(0)).records
        recs = await asyncio.gather(
            *(records.create({"Key": f"k{i}", "N": i}) for i in range(1000))
        )
        calls = record_write_calls(emu)
        print(f"\n1000 concurrent records.create -> {calls['batch_create']} batch_create calls")
        assert [r.fields["Key"] for r in recs] == [f"k{i}" for i in range(1000)]
        assert len({r.record_id for r in recs}) == 1000
        assert sorted(table_keys(emu, table_id(0))) == sorted(f"k{i}" for i in range(1000))
        assert calls["create"] == 0
        assert calls["batch_create"] < 50  # a count, not a timing: 1000 / 500 = 2 at best
        assert emu.stats()["total"]["conflicts"] == 0


@pytest.mark.asyncio
async def test_one_server_rejected_value_among_1000_coalesced_records_create() -> None:
    # The codec accepts any record id in a link cell; the emulator refuses ids
    # that do not exist (1254067): the writer isolates that record by bisection.
    async with (
        Emulator(seed(1, link=True)) as emu,
        client_for(emu.base_url, emu.app_id, emu.app_secret) as client,
    ):
        records = client.table(APP_TOKEN, table_id(0)).records
        rows: list[dict[str, object]] = [{"Key": f"k{i}", "N": i} for i in range(1000)]
        rows[421] = {"Key": "k421", "Parent": ["recDoesNotExist"]}
        results = await asyncio.gather(*(records.create(r) for r in rows), return_exceptions=True)
        failed = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
        assert failed == [421]
        err = results[421]
        assert isinstance(err, InvalidFieldValueError)
        assert err.code == 1254067
        print(f"\nserver-rejected value -> {type(err).__name__} code={err.code}: {err.msg}")
        assert all(
            isinstance(r, Record) and r.fields["Key"] == f"k{i}"
            for i, r in enumerate(results)
            if i != 421
        )
        keys = table_keys(emu, table_id(0))
        assert len(keys) == 999
        assert "k421" not in keys
        assert emu.stats()["total"]["conflicts"] == 0


@pytest.mark.asyncio
async def test_one_locally_invalid_value_among_1000_coalesced_records_create() -> None:
    async with (
        Emulator(seed(1)) as emu,
        client_for(emu.base_url, emu.app_id, emu.app_secret) as client,
    ):
        records = client.table(APP_TOKEN, table_id(0)).records
        rows: list[dict[str, object]] = [{"Key": f"k{i}", "N": i} for i in range(1000)]
        rows[421] = {"Key": "k421", "N": "not a number"}
        results = await asyncio.gather(*(records.create(r) for r in rows), return_exceptions=True)
        failed = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
        assert failed == [421]
        err = results[421]
        # Caught by the codec before it was queued: the server never saw it.
        assert isinstance(err, FieldValueError)
        assert not isinstance(err, InvalidFieldValueError)
        assert err.field_name == "N"
        print(f"\nlocally invalid value -> {type(err).__name__}: {err}")
        keys = table_keys(emu, table_id(0))
        assert len(keys) == 999
        assert "k421" not in keys
        assert emu.stats()["endpoints"]["app_table_record.batch_create"]["errors"] == 0
        assert emu.stats()["total"]["conflicts"] == 0


@pytest.mark.asyncio
async def test_records_update_and_delete_coalesce_through_the_user_api() -> None:
    async with (
        Emulator(seed(1)) as emu,
        client_for(emu.base_url, emu.app_id, emu.app_secret) as client,
    ):
        records = client.table(APP_TOKEN, table_id(0)).records
        created = await records.batch_create({"Key": f"k{i}", "N": i} for i in range(300))
        ids = [r.record_id or "" for r in created]
        ups = await asyncio.gather(
            *(records.update(rid, {"N": 1000 + i}) for i, rid in enumerate(ids)),
            records.update("recDoesNotExist", {"N": 1}),
            return_exceptions=True,
        )
        assert isinstance(ups[-1], NotFoundError)
        assert [u.fields["N"] for u in ups[:-1] if isinstance(u, Record)] == [
            1000 + i for i in range(300)
        ]
        dels = await asyncio.gather(*(records.delete(rid) for rid in ids[:100]))
        assert [(d.record_id, d.deleted) for d in dels] == [(rid, True) for rid in ids[:100]]
        calls = record_write_calls(emu)
        print(f"\n300 updates + 100 deletes through records.* -> {calls}")
        assert calls["update"] == calls["delete"] == 0
        assert calls["batch_delete"] == 1
        assert calls["batch_update"] < 20  # bisection of the batch with the missing id
        assert len(table_keys(emu, table_id(0))) == 200
        # coalesce=False: the single-record endpoints, explicitly.
        one = await records.update(ids[150], {"N": 7}, coalesce=False)
        gone = await records.delete(ids[150], coalesce=False)
        assert one.fields["N"] == 7
        assert gone.deleted
        calls = record_write_calls(emu)
        assert (calls["update"], calls["delete"]) == (1, 1)
        assert emu.stats()["total"]["conflicts"] == 0


@pytest.mark.asyncio
async def test_writer_config_coalesce_false_uses_the_single_record_endpoints() -> None:
    async with Emulator(seed(1)) as emu:
        cfg = WriterConfig(retry=FAST_RETRY, coalesce=False)
        async with client_for(emu.base_url, emu.app_id, emu.app_secret, writer_config=cfg) as c:
            records = c.table(APP_TOKEN, table_id(0)).records
            await asyncio.gather(*(records.create({"Key": f"k{i}"}) for i in range(20)))
            overridden = await records.create({"Key": "forced"}, coalesce=True)
        calls = record_write_calls(emu)
        assert (calls["create"], calls["batch_create"]) == (20, 1)
        assert overridden.fields["Key"] == "forced"
        assert emu.stats()["total"]["conflicts"] == 0  # still one write at a time


@pytest.mark.asyncio
async def test_updates_and_deletes_coalesce_and_missing_ids_fail_alone() -> None:
    async with harness(seed(1)) as h:
        w = h.registry.writer(APP_TOKEN, table_id(0))
        recs = await asyncio.gather(*(w.create({"Key": f"k{i}", "N": i}) for i in range(200)))
        ids = [r["record_id"] for r in recs]
        ups = await asyncio.gather(
            *(w.update(rid, {"N": 1000 + i}) for i, rid in enumerate(ids)),
            w.update("recDoesNotExist", {"N": 1}),
            return_exceptions=True,
        )
        assert isinstance(ups[-1], NotFoundError)
        assert all(not isinstance(u, BaseException) for u in ups[:-1])
        dels = await asyncio.gather(*(w.delete(rid) for rid in ids[:100]))
        assert all(d["deleted"] for d in dels)
        assert len(h.keys(table_id(0))) == 100
        eps = h.emu.stats()["endpoints"]
        calls = collections.Counter(
            {k: v["requests"] for k, v in eps.items() if k.startswith("app_table_record.batch")}
        )
        assert calls["app_table_record.batch_delete"] == 1
        assert h.emu.stats()["total"]["conflicts"] == 0


@pytest.mark.asyncio
async def test_50000_rows_exactly_once_under_chaos() -> None:
    # One table, with the emulator's per-table record limit raised from 20,000
    # (its ``max_records_per_table`` knob) so that all 50,000 rows share one key space.
    faults = FaultConfig(
        seed=20240601,
        p_5xx=0.05,
        p_not_ready=0.05,
        p_drop_after_commit=0.05,
        writes_only=True,
    )
    async with harness(seed(1, max_records_per_table=60_000, faults=faults)) as h:
        w = h.registry.writer(APP_TOKEN, table_id(0))
        rows = ({"Key": f"row-{i:05d}", "N": i} for i in range(50_000))
        summary = await bulk_insert(w, rows)
        stats = h.emu.stats()
        injected = collections.Counter(f[2] for f in stats["faults"])
        print(f"\nchaos: {summary}; injected={dict(injected)}")
        keys = h.keys(table_id(0))
        assert summary.written == 50_000
        assert summary.failed == 0
        assert len(keys) == 50_000
        assert len(set(keys)) == 50_000  # no duplicate by the unique key column
        assert injected["drop"] > 0
        assert injected["not_ready"] > 0
        assert summary.stats.unknown_outcomes >= injected["drop"]
