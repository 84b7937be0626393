"""The writer against the emulator over real HTTP: serialization and coalescing."""

from __future__ import annotations

import asyncio
import collections

import pytest
from writer_e2e import APP_TOKEN, harness, seed, table_id

from bitable_async.bulk import bulk_insert
from bitable_async.emulator.config import FaultConfig
from bitable_async.errors import InvalidFieldValueError, NotFoundError


@pytest.mark.asyncio
async def test_16_coroutines_x_1000_creates_land_once_without_conflicts() -> None:
    # Tiny service time so that writes really occupy the table for a while.
    async with harness(seed(1, write_service_time=0.0005)) as h:
        w = h.registry.writer(APP_TOKEN, table_id(0))

        async def producer(p: int) -> None:
            for i in range(1000):
                rec = await w.create({"Key": f"p{p}-{i}", "N": i})
                assert rec["record_id"].startswith("rec")

        await asyncio.gather(*(producer(p) for p in range(16)))
        stats = h.emu.stats()
        keys = h.keys(table_id(0))
        calls = stats["endpoints"]["app_table_record.batch_create"]["requests"]
        print(
            f"\n16 x 1000 creates -> {calls} batch_create HTTP calls, "
            f"conflicts={stats['total']['conflicts']}"
        )
        assert len(keys) == 16_000
        assert len(set(keys)) == 16_000
        assert stats["total"]["conflicts"] == 0
        assert stats["records_stored"][table_id(0)] == 16_000
        assert calls <= 16_000 // 8  # far fewer calls than creates


@pytest.mark.asyncio
async def test_one_bad_value_among_1000_coalesced_creates() -> None:
    async with harness(seed(1)) as h:
        w = h.registry.writer(APP_TOKEN, table_id(0))
        rows: list[dict[str, object]] = [{"Key": f"k{i}", "N": i} for i in range(1000)]
        rows[421] = {"Key": "k421", "N": "not a number"}
        results = await asyncio.gather(*(w.create(r) for r in rows), return_exceptions=True)
        failed = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
        assert failed == [421]
        err = results[421]
        assert isinstance(err, InvalidFieldValueError)
        print(f"\nbad value -> {type(err).__name__} code={err.code}: {err.msg}")
        keys = h.keys(table_id(0))
        assert len(keys) == 999
        assert "k421" not in keys
        assert h.emu.stats()["total"]["conflicts"] == 0


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
