"""The writer core against an in-memory table: serialization, coalescing, idempotency."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest
from writer_fakes import FakeTable, FakeTime, timeout

from bitable_async.errors import (
    BitableError,
    ConfigurationError,
    DataNotReadyError,
    IdempotencyError,
    InvalidFieldValueError,
    LimitExceededError,
    NotFoundError,
    PermissionDeniedError,
    WriteConflictError,
)
from bitable_async.writer import (
    OpKind,
    OutcomeUnknownError,
    TableWriter,
    WriterClosedError,
    WriterConfig,
    WriteRetryPolicy,
    WriterRegistry,
)


def make(
    table: FakeTable | None = None, ft: FakeTime | None = None, **kw: Any
) -> tuple[WriterRegistry, TableWriter, FakeTable, FakeTime]:
    ft = ft or FakeTime()
    table = table or FakeTable()
    kw.setdefault("retry", WriteRetryPolicy(max_attempts=6, base=0.01))
    cfg = WriterConfig(clock=ft.clock, sleep=ft.sleep, **kw)
    reg = WriterRegistry(cfg)
    return reg, reg.writer("app1", table.table_id, table), table, ft


@pytest.mark.asyncio
async def test_concurrent_creates_are_coalesced_and_each_caller_gets_its_record() -> None:
    reg, w, table, _ = make()
    results = await asyncio.gather(*(w.create({"n": i}) for i in range(1000)))
    assert [r["fields"]["n"] for r in results] == list(range(1000))
    assert len({r["record_id"] for r in results}) == 1000
    assert len(table.rows) == 1000
    assert [c.size for c in table.calls] == [500, 500]
    assert table.overlaps == 0
    await reg.aclose()


@pytest.mark.asyncio
async def test_many_sequential_writers_never_overlap_and_batch() -> None:
    reg, w, table, _ = make()

    async def worker(k: int) -> list[str]:
        ids = []
        for i in range(50):
            rec = await w.create({"k": k, "i": i})
            ids.append(rec["record_id"])
        for rid in ids[:10]:
            await w.update(rid, {"u": True})
        for rid in ids[10:20]:
            await w.delete(rid)
        return ids

    all_ids = await asyncio.gather(*(worker(k) for k in range(16)))
    assert table.overlaps == 0
    assert len(table.rows) == 16 * 40
    assert sum(1 for r in table.rows.values() if r.get("u")) == 16 * 10
    assert len({rid for ids in all_ids for rid in ids}) == 16 * 50
    # 16 callers at a time: far fewer requests than the 16 * 70 single writes.
    assert len(table.calls) <= 70 + 5
    assert max(c.size for c in table.calls) == 16
    await reg.aclose()


@pytest.mark.asyncio
async def test_one_bad_value_among_1000_only_that_caller_fails() -> None:
    reg, w, table, _ = make()
    rows: list[dict[str, Any]] = [{"n": i} for i in range(1000)]
    rows[637] = {"n": "BAD"}
    results = await asyncio.gather(*(w.create(r) for r in rows), return_exceptions=True)
    errors = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert errors == [637]
    err = results[637]
    assert isinstance(err, InvalidFieldValueError)
    assert err.code == 1254061
    assert len(table.rows) == 999
    assert sorted(r["n"] for r in table.rows.values()) == [i for i in range(1000) if i != 637]
    assert len(table.calls) < 30  # bisection: ~2 * log2(500) extra requests
    assert w.stats.splits >= 9
    await reg.aclose()


@pytest.mark.asyncio
async def test_isolation_can_be_turned_off() -> None:
    reg, w, table, _ = make(isolate_bad_records=False)
    rows: list[dict[str, Any]] = [{"n": i} for i in range(10)]
    rows[3] = {"n": "BAD"}
    results = await asyncio.gather(*(w.create(r) for r in rows), return_exceptions=True)
    assert all(isinstance(r, InvalidFieldValueError) for r in results)
    assert len({id(r) for r in results}) == 10  # each caller its own copy
    assert table.rows == {}
    await reg.aclose()


@pytest.mark.asyncio
async def test_lost_response_after_commit_is_retried_with_same_token_no_duplicate() -> None:
    table = FakeTable(faults=[("after", timeout()), ("after", timeout())])
    reg, w, table, _ = make(table)
    results = await asyncio.gather(*(w.create({"n": i}) for i in range(5)))
    assert len(table.rows) == 5
    assert [r["fields"]["n"] for r in results] == list(range(5))
    tokens = [c.token for c in table.calls]
    assert len(tokens) == 3
    assert len(set(tokens)) == 1
    assert w.stats.unknown_outcomes == 2
    assert w.stats.retries == 2
    await reg.aclose()


@pytest.mark.asyncio
async def test_each_batch_gets_a_fresh_uuid4_token() -> None:
    reg, w, table, _ = make(max_batch=10)
    await asyncio.gather(*(w.create({"n": i}) for i in range(30)))
    tokens = [c.token for c in table.calls]
    assert len(tokens) == 3
    assert len(set(tokens)) == 3
    import uuid

    assert all(t is not None and uuid.UUID(t).version == 4 for t in tokens)
    await reg.aclose()


@pytest.mark.asyncio
async def test_token_conflict_before_any_commit_gets_new_token() -> None:
    conflict = IdempotencyError("Client token conflict", code=1255006)
    table = FakeTable(faults=[conflict])
    reg, w, table, _ = make(table)
    rec = await w.create({"n": 1})
    assert rec["fields"] == {"n": 1}
    assert len(table.calls) == 2
    assert table.calls[0].token != table.calls[1].token
    assert w.stats.token_renewals == 1
    await reg.aclose()


@pytest.mark.asyncio
async def test_token_conflict_after_unknown_outcome_stops_without_new_token() -> None:
    conflict = IdempotencyError("Client token conflict", code=1255006)
    table = FakeTable(faults=[("after", timeout()), conflict])
    reg, w, table, _ = make(table)
    with pytest.raises(OutcomeUnknownError) as info:
        await w.create({"n": 1})
    assert info.value.outcome_unknown
    assert info.value.code == 1255006
    assert len(table.calls) == 2
    assert len({c.token for c in table.calls}) == 1
    assert len(table.rows) == 1  # committed once, never twice
    await reg.aclose()


@pytest.mark.asyncio
async def test_rejections_are_retried_then_succeed() -> None:
    table = FakeTable(
        faults=[
            WriteConflictError("conflict", code=1254291),
            DataNotReadyError("not ready", code=1254607),
        ]
    )
    reg, w, table, ft = make(table)
    await w.create({"n": 1})
    assert w.stats.conflicts == 1
    assert w.stats.not_ready == 1
    assert w.stats.retries == 2
    assert len(ft.slept) >= 2
    await reg.aclose()


@pytest.mark.asyncio
async def test_retry_exhaustion_after_unknown_outcome_is_outcome_unknown() -> None:
    table = FakeTable(faults=[timeout()] * 10)
    reg, w, table, _ = make(table, retry=WriteRetryPolicy(max_attempts=3, base=0.01))
    with pytest.raises(OutcomeUnknownError):
        await w.create({"n": 1})
    assert len(table.calls) == 3
    await reg.aclose()


@pytest.mark.asyncio
async def test_retry_exhaustion_on_rejections_raises_the_server_error() -> None:
    table = FakeTable(faults=[WriteConflictError("conflict", code=1254291)] * 10)
    reg, w, table, _ = make(table, retry=WriteRetryPolicy(max_attempts=3, base=0.01))
    with pytest.raises(WriteConflictError):
        await w.create({"n": 1})
    await reg.aclose()


@pytest.mark.asyncio
async def test_fatal_errors_are_not_retried() -> None:
    table = FakeTable(faults=[PermissionDeniedError("denied", code=1254302)])
    reg, w, table, _ = make(table)
    results = await asyncio.gather(*(w.create({"n": i}) for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, PermissionDeniedError) for r in results)
    assert len(table.calls) == 1
    await reg.aclose()


@pytest.mark.asyncio
async def test_too_many_in_one_call_splits() -> None:
    table = FakeTable(faults=[LimitExceededError("too many", code=1254104)])
    reg, w, table, _ = make(table)
    await asyncio.gather(*(w.create({"n": i}) for i in range(100)))
    assert [c.size for c in table.calls] == [100, 50, 50]
    assert len(table.rows) == 100
    await reg.aclose()


@pytest.mark.asyncio
async def test_repeated_not_ready_shrinks_the_batch() -> None:
    nr = DataNotReadyError("not ready", code=1254607)
    table = FakeTable(faults=[nr, nr, nr])
    reg, w, table, _ = make(table)
    await asyncio.gather(*(w.create({"n": i}) for i in range(40)))
    assert [c.size for c in table.calls] == [40, 40, 40, 20, 20]
    await reg.aclose()


@pytest.mark.asyncio
async def test_update_of_missing_record_fails_only_that_caller() -> None:
    reg, w, table, _ = make()
    recs = await asyncio.gather(*(w.create({"n": i}) for i in range(20)))
    ids = [r["record_id"] for r in recs]
    ids[5] = "recMISSING"
    results = await asyncio.gather(
        *(w.update(rid, {"n": -1}) for rid in ids), return_exceptions=True
    )
    assert [i for i, r in enumerate(results) if isinstance(r, BaseException)] == [5]
    assert isinstance(results[5], NotFoundError)
    assert sum(1 for r in table.rows.values() if r["n"] == -1) == 19
    await reg.aclose()


@pytest.mark.asyncio
async def test_delete_retried_after_unknown_outcome_counts_as_deleted() -> None:
    reg, w, table, _ = make()
    recs = await asyncio.gather(*(w.create({"n": i}) for i in range(10)))
    table.faults = [("after", timeout())]
    results = await asyncio.gather(*(w.delete(r["record_id"]) for r in recs))
    assert all(r["deleted"] is True for r in results)
    assert table.rows == {}
    kinds = [c.kind for c in table.calls]
    assert kinds == ["create", "delete", "delete"]  # retry answered "not found", then settled
    await reg.aclose()


@pytest.mark.asyncio
async def test_delete_of_missing_record_without_unknown_outcome_is_not_found() -> None:
    reg, w, table, _ = make()
    recs = await asyncio.gather(*(w.create({"n": i}) for i in range(4)))
    ids = [r["record_id"] for r in recs] + ["recNOPE"]
    results = await asyncio.gather(*(w.delete(rid) for rid in ids), return_exceptions=True)
    assert isinstance(results[4], NotFoundError)
    assert all(not isinstance(r, BaseException) for r in results[:4])
    assert table.rows == {}
    await reg.aclose()


@pytest.mark.asyncio
async def test_same_record_twice_never_in_one_batch() -> None:
    reg, w, table, _ = make()
    rec = await w.create({"n": 0})
    rid = rec["record_id"]
    await asyncio.gather(*(w.update(rid, {"n": i}) for i in range(1, 4)))
    assert [c.size for c in table.calls if c.kind == "update"] == [1, 1, 1]
    await reg.aclose()


@pytest.mark.asyncio
async def test_mixed_kinds_are_grouped_by_kind() -> None:
    reg, w, table, _ = make()
    recs = await asyncio.gather(*(w.create({"n": i}) for i in range(6)))
    coros: list[Any] = []
    for i, r in enumerate(recs):
        coros.append(w.update(r["record_id"], {"n": 10 + i}) if i % 2 else w.delete(r["record_id"]))
        coros.append(w.create({"n": 100 + i}))
    await asyncio.gather(*coros)
    assert sorted(c.kind for c in table.calls[1:]) == ["create", "delete", "update"]
    assert len(table.calls) == 4
    assert len(table.rows) == 3 + 6
    await reg.aclose()


@pytest.mark.asyncio
async def test_linger_waits_for_companions_when_cold() -> None:
    reg, w, table, _ft = make(linger=0.005)

    async def late(i: int) -> None:
        await asyncio.sleep(0)
        await w.create({"n": i})

    await asyncio.gather(w.create({"n": 0}), *(late(i) for i in range(1, 5)))
    assert [c.size for c in table.calls] == [5]
    await reg.aclose()


@pytest.mark.asyncio
async def test_run_serializes_opaque_writes_with_batches() -> None:
    reg, w, table, _ = make()
    order: list[str] = []

    async def field_change() -> str:
        assert table.in_flight == 0
        order.append("field")
        await asyncio.sleep(0)
        return "ok"

    creates = [w.create({"n": i}) for i in range(3)]
    res = await asyncio.gather(*creates, w.run(field_change), *[w.create({"n": 9})])
    assert res[3] == "ok"
    assert table.overlaps == 0
    assert order == ["field"]
    await reg.aclose()


@pytest.mark.asyncio
async def test_cancelled_caller_is_dropped_before_sending() -> None:
    reg, w, table, _ = make(linger=1.0)
    t1 = asyncio.ensure_future(w.create({"n": 1}))
    t2 = asyncio.ensure_future(w.create({"n": 2}))
    await asyncio.sleep(0)
    t1.cancel()
    rec = await t2
    assert rec["fields"] == {"n": 2}
    assert [r["n"] for r in table.rows.values()] == [2]
    await reg.aclose()


@pytest.mark.asyncio
async def test_bad_arguments_raise_before_any_request() -> None:
    reg, w, table, _ = make()
    with pytest.raises(ConfigurationError, match="mapping"):
        await w.create(["x"])  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="record_id"):
        await w.update("", {"a": 1})
    with pytest.raises(ConfigurationError, match="record_id"):
        await w.write_batch(OpKind.DELETE, ["rec1", 5])
    with pytest.raises(ConfigurationError, match="at most 500"):
        w.submit_batch(OpKind.CREATE, [{"a": 1}] * 501)
    assert table.calls == []
    await reg.aclose()


@pytest.mark.asyncio
async def test_write_batch_chunks_and_keeps_order() -> None:
    reg, w, table, _ = make(max_batch=100)
    out = await w.write_batch(OpKind.CREATE, [{"n": i} for i in range(250)])
    assert [c.size for c in table.calls] == [100, 100, 50]
    assert [r["fields"]["n"] for r in out if not isinstance(r, BaseException)] == list(range(250))
    await reg.aclose()


@pytest.mark.asyncio
async def test_close_finishes_queued_writes_then_refuses() -> None:
    reg, w, _table, _ = make()
    futs = [asyncio.ensure_future(w.create({"n": i})) for i in range(10)]
    await asyncio.sleep(0)
    await reg.aclose()
    assert all(f.done() and not f.exception() for f in futs)
    with pytest.raises(WriterClosedError):
        await w.create({"n": 99})
    with pytest.raises(WriterClosedError):
        reg.writer("app1", "tblOther", FakeTable())


@pytest.mark.asyncio
async def test_per_table_lanes_run_in_parallel_per_app_lane_does_not() -> None:
    for granularity, expect_parallel in (("table", True), ("app", False)):
        ft = FakeTime()
        shared: dict[str, int] = {}
        t1 = FakeTable("tblA", shared=shared, yields=5)
        t2 = FakeTable("tblB", shared=shared, yields=5)
        cfg = WriterConfig(clock=ft.clock, sleep=ft.sleep, granularity=granularity)  # type: ignore[arg-type]
        reg = WriterRegistry(cfg)
        w1, w2 = reg.writer("app1", "tblA", t1), reg.writer("app1", "tblB", t2)
        assert (w1.lane_key == w2.lane_key) is (not expect_parallel)

        async def load(w: TableWriter) -> None:
            for i in range(5):
                await w.write_batch(OpKind.CREATE, [{"n": i}] * 3)

        await asyncio.gather(load(w1), load(w2))
        assert (shared["max"] == 2) is expect_parallel
        assert len(t1.rows) == len(t2.rows) == 15
        await reg.aclose()


@pytest.mark.asyncio
async def test_exclusive_reads_keep_reads_out_while_writing() -> None:
    table = FakeTable(yields=5)
    reg, w, table, _ = make(table, exclusive_reads=True)
    seen: list[int] = []

    async def reader() -> None:
        for _ in range(20):
            async with w.reading():
                seen.append(table.in_flight)
                await asyncio.sleep(0)

    async def writer() -> None:
        for i in range(10):
            await w.create({"n": i})

    await asyncio.gather(reader(), writer(), reader())
    assert seen
    assert all(n == 0 for n in seen)
    await reg.aclose()


@pytest.mark.asyncio
async def test_error_carries_no_extra_state_and_is_bitable_error() -> None:
    table = FakeTable(faults=[timeout()] * 10)
    reg, w, table, _ = make(table, retry=WriteRetryPolicy(max_attempts=2, base=0.0))
    with pytest.raises(BitableError) as info:
        await w.create({"n": 1})
    assert isinstance(info.value, OutcomeUnknownError)
    assert info.value.cause is not None
    await reg.aclose()


@pytest.mark.asyncio
async def test_registry_run_serializes_seam_writes_and_allows_nesting() -> None:
    reg, _w, table, _ = make()
    active = 0
    peak = 0

    async def write(n: int) -> int:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0)
        active -= 1
        return n

    async def nested() -> int:
        # A write issued from inside a write of the same lane must not deadlock.
        return await reg.run("app1", table.table_id, lambda: write(99))

    results = await asyncio.gather(
        *(reg.run("app1", table.table_id, functools.partial(write, i)) for i in range(10)),
        reg.run("app1", table.table_id, nested),
        reg.run("app1", None, lambda: write(7)),  # app-level write: the app's lane
    )
    assert results == [*range(10), 99, 7]
    assert peak <= 2  # the table lane and the app lane; never two on one lane
    await reg.aclose()
