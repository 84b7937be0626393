"""bulk_insert / bulk_update / bulk_upsert against the in-memory table."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

import pytest
from writer_fakes import FakeTable, FakeTime, timeout

from bitable_async.bulk import (
    BulkAbortedError,
    BulkProgress,
    bulk_insert,
    bulk_update,
    bulk_upsert,
    normalize_key,
)
from bitable_async.errors import FieldValueError, PermissionDeniedError
from bitable_async.writer import TableWriter, WriterConfig, WriteRetryPolicy, WriterRegistry


class ScanTable(FakeTable):
    """FakeTable plus a scan() like the transport executor's (numbers read as strings)."""

    async def scan(
        self, field_names: Sequence[str], *, page_size: int = 500
    ) -> AsyncIterator[Mapping[str, Any]]:
        for rid, row in list(self.rows.items()):
            fields = {k: (str(v) if isinstance(v, int) else v) for k, v in row.items()}
            yield {"record_id": rid, "fields": {k: fields[k] for k in field_names if k in fields}}


def make(table: FakeTable | None = None, **kw: Any) -> tuple[WriterRegistry, TableWriter, Any]:
    ft = FakeTime()
    table = table or ScanTable()
    cfg = WriterConfig(
        clock=ft.clock, sleep=ft.sleep, retry=WriteRetryPolicy(max_attempts=6, base=0.01), **kw
    )
    reg = WriterRegistry(cfg)
    return reg, reg.writer("app1", table.table_id, table), table


class Encoder:
    """Rejects negative numbers locally, like a RecordCodec would."""

    def encode_fields(
        self, values: Mapping[str, Any], *, record_index: int | None = None
    ) -> dict[str, Any]:
        if isinstance(values.get("n"), int) and values["n"] < 0:
            raise FieldValueError(
                "negative", record_index=record_index, field_name="n", expected=">= 0"
            )
        return dict(values)


def rows(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {"k": f"key{i}", "n": i}


@pytest.mark.asyncio
async def test_bulk_insert_streams_in_chunks_with_progress() -> None:
    reg, w, table = make()
    seen: list[BulkProgress] = []
    summary = await bulk_insert(w, rows(1234), progress=seen.append)
    assert summary.written == summary.created == 1234
    assert summary.rows_read == 1234
    assert summary.failed == 0
    assert [c.size for c in table.calls] == [500, 500, 234]
    assert [p.written for p in seen] == [500, 1000, 1234]
    assert len(table.rows) == 1234
    await reg.aclose()


@pytest.mark.asyncio
async def test_bulk_insert_from_async_iterable_with_async_progress() -> None:
    reg, w, table = make()

    async def gen() -> AsyncIterator[dict[str, Any]]:
        for r in rows(700):
            yield r

    calls: list[int] = []

    async def prog(p: BulkProgress) -> None:
        calls.append(p.rows_read)

    summary = await bulk_insert(w, gen(), progress=prog, chunk_size=100)
    assert summary.written == 700
    assert len(calls) == 7
    assert len(table.rows) == 700
    await reg.aclose()


@pytest.mark.asyncio
async def test_bulk_insert_keeps_constant_memory_ahead_of_the_writer() -> None:
    reg, w, table = make()
    consumed = 0
    max_ahead = 0

    def source() -> Iterator[dict[str, Any]]:
        nonlocal consumed, max_ahead
        for r in rows(5000):
            consumed += 1
            max_ahead = max(max_ahead, consumed - len(table.rows))
            yield r

    summary = await bulk_insert(w, source(), chunk_size=100, depth=2)
    assert summary.written == 5000
    # Never more than depth + 1 chunks read ahead of what the server stored.
    assert max_ahead <= 3 * 100
    await reg.aclose()


@pytest.mark.asyncio
async def test_bulk_insert_exactly_once_under_lost_responses() -> None:
    table = ScanTable(faults=[("after", timeout()), None, ("after", timeout())] * 3)
    reg, w, table = make(table)
    summary = await bulk_insert(w, rows(3000))
    assert summary.written == 3000
    assert len(table.rows) == 3000
    assert sorted(r["k"] for r in table.rows.values()) == sorted(f"key{i}" for i in range(3000))
    assert summary.stats.unknown_outcomes >= 2
    assert summary.retries >= 2
    await reg.aclose()


@pytest.mark.asyncio
async def test_bulk_insert_local_and_server_bad_rows_fail_alone() -> None:
    reg, w, table = make()
    data = list(rows(1000))
    data[10]["n"] = -1  # rejected by the encoder, never sent
    data[700]["n"] = "BAD"  # rejected by the server, isolated by bisection
    summary = await bulk_insert(w, data, encoder=Encoder())
    assert summary.written == 998
    assert summary.failed == 2
    assert sorted(f.index for f in summary.failures) == [10, 700]
    assert any("negative" in f.reason for f in summary.failures)
    assert len(table.rows) == 998
    await reg.aclose()


@pytest.mark.asyncio
async def test_bulk_aborts_when_a_whole_chunk_fails_for_a_non_row_reason() -> None:
    table = ScanTable(faults=[None, PermissionDeniedError("denied", code=1254302)])
    reg, w, table = make(table)
    with pytest.raises(BulkAbortedError) as info:
        await bulk_insert(w, rows(5000), chunk_size=500)
    assert isinstance(info.value.cause, PermissionDeniedError)
    assert info.value.summary.written == 500
    assert info.value.summary.rows_read < 5000
    await reg.aclose()


@pytest.mark.asyncio
async def test_bulk_update_idempotent_retry_and_missing_id() -> None:
    reg, w, table = make()
    await bulk_insert(w, rows(600))
    ids = list(table.rows)
    table.faults = [("after", timeout())]
    pairs: list[tuple[str, dict[str, Any]]] = [(rid, {"n": -5}) for rid in ids]
    pairs.insert(3, ("recGone", {"n": 1}))
    summary = await bulk_update(w, pairs)
    assert summary.updated == 600
    assert summary.failed == 1
    assert summary.failures[0].record_id == "recGone"
    assert all(r["n"] == -5 for r in table.rows.values())
    await reg.aclose()


@pytest.mark.asyncio
async def test_bulk_update_same_record_twice_goes_in_separate_batches() -> None:
    reg, w, table = make()
    await bulk_insert(w, rows(3))
    rid = next(iter(table.rows))
    summary = await bulk_update(w, [(rid, {"n": 1}), (rid, {"n": 2})])
    assert summary.updated == 2
    assert table.rows[rid]["n"] == 2
    assert [c.size for c in table.calls if c.kind == "update"] == [1, 1]
    await reg.aclose()


@pytest.mark.asyncio
async def test_bulk_upsert_updates_existing_creates_rest_and_merges_duplicates() -> None:
    reg, w, table = make()
    await bulk_insert(w, ({"k": f"key{i}", "n": i} for i in range(0, 100, 2)))  # even keys
    incoming = [{"k": f"key{i}", "n": 1000 + i} for i in range(100)]
    incoming.append({"k": "key1", "n": 5555})  # odd key seen twice: merged into its create
    summary = await bulk_upsert(w, incoming, key="k")
    assert summary.existing_keys == 50
    assert summary.updated == 50
    assert summary.created == 50
    assert summary.merged == 1
    assert len(table.rows) == 100
    by_key = {r["k"]: r["n"] for r in table.rows.values()}
    assert by_key["key2"] == 1002
    assert by_key["key1"] == 5555
    await reg.aclose()


@pytest.mark.asyncio
async def test_bulk_upsert_composite_numeric_key_and_key_repeated_across_chunks() -> None:
    reg, w, table = make()
    await bulk_insert(w, [{"a": 1, "b": "x", "v": 0}])
    incoming = [{"a": 1, "b": "x", "v": 1}]
    incoming += [{"a": i, "b": "y", "v": i} for i in range(10)]
    incoming += [{"a": 3, "b": "y", "v": 333}]  # same key as a create of an earlier chunk
    summary = await bulk_upsert(w, incoming, key=["a", "b"], chunk_size=4)
    assert summary.updated == 2
    assert summary.created == 10
    assert len(table.rows) == 11
    vals = {(r["a"], r["b"]): r["v"] for r in table.rows.values()}
    assert vals[(1, "x")] == 1
    assert vals[(3, "y")] == 333
    await reg.aclose()


@pytest.mark.asyncio
async def test_bulk_upsert_row_without_key_fails_alone() -> None:
    reg, w, _table = make()
    summary = await bulk_upsert(w, [{"k": "a", "n": 1}, {"n": 2}], key="k")
    assert summary.created == 1
    assert summary.failed == 1
    assert "missing key" in summary.failures[0].reason
    await reg.aclose()


def test_normalize_key_matches_written_and_read_shapes() -> None:
    assert normalize_key(7) == normalize_key("7") == normalize_key(7.0)
    assert normalize_key(1.5) == normalize_key("1.5")
    assert normalize_key("abc") == normalize_key([{"type": "text", "text": "abc"}])
    assert normalize_key("a b") != normalize_key("ab")
    assert normalize_key(["x", "y"]) == normalize_key(("x", "y"))
    assert normalize_key({"text": "t", "link": "http://x"}) == normalize_key("t")
    assert normalize_key(None) is None


@pytest.mark.asyncio
async def test_bulk_with_many_tables_in_parallel() -> None:
    ft = FakeTime()
    shared: dict[str, int] = {}
    reg = WriterRegistry(WriterConfig(clock=ft.clock, sleep=ft.sleep))
    tables = [ScanTable(f"t{i}", shared=shared, yields=3) for i in range(4)]
    writers = [reg.writer("app1", t.table_id, t) for t in tables]
    summaries = await asyncio.gather(*(bulk_insert(w, rows(1000)) for w in writers))
    assert all(s.written == 1000 for s in summaries)
    assert shared["max"] > 1  # different tables overlap
    assert all(t.overlaps == 0 for t in tables)  # never within one table
    await reg.aclose()


@pytest.mark.asyncio
async def test_bulk_progress_bar_with_rich() -> None:
    pytest.importorskip("rich")
    reg, w, _table = make()
    summary = await bulk_insert(w, list(rows(1200)), progress_bar=True)
    assert summary.written == 1200
    assert "1200 written" in str(summary)
    await reg.aclose()
