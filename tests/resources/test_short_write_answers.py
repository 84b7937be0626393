"""Batch writes whose answer lists a different number of records than rows were sent.

Bitable answers ``batch_create`` / ``batch_update`` with one record per row, in
row order. When an answer lists fewer records (or none, or more), nothing says
which answer record belongs to which row, so the SDK must not pair them by
position (a record would get another row's cells, model class and record id):
every row of that chunk comes back as a write without an answer -- its sent
cells typed, an update's record id, a create's ``None`` -- and one WARNING
names the endpoint and the counts. Explicit batches and coalesced single
writes behave alike. Answers that list one record per row are still paired.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Annotated, Any

import pytest

from bitable_async.client import BitableClient
from bitable_async.models.record import Record
from bitable_async.values.model import Field, RecordModel

from .conftest import Sent, ok

APP = "bascnShortAns01"
TABLE = "tblShortAns0001"
RIDS = ["recU0", "recU1", "recU2"]
SCHEMA = ok(
    {
        "items": [
            {"field_id": "fldName", "field_name": "Name", "type": 1},
            {"field_id": "fldN", "field_name": "N", "type": 2},
        ],
        "has_more": False,
        "total": 2,
    }
)


class Row(RecordModel):
    name: Annotated[str, Field("Name")]
    n: Annotated[int | None, Field("N")] = None


class Other(RecordModel):  # a second model class: a row must keep its own class
    name: Annotated[str, Field("Name")]


def _rows(kind: str) -> list[Any]:
    if kind == "mapping":
        return [{"Name": "a", "N": 1}, {"Name": "b", "N": 2}, {"Name": "c", "N": 3}]
    if kind == "model":
        return [Row(name="a", n=1), Row(name="b", n=2), Row(name="c", n=3)]
    return [{"Name": "a", "N": 1}, Other(name="b"), Row(name="c", n=3)]


def _expected(row: Any) -> dict[str, Any]:
    if isinstance(row, Row):
        return {"Name": row.name, "N": row.n}
    if isinstance(row, Other):
        return {"Name": row.name}
    return dict(row)


def _cells(res: Any) -> dict[str, Any]:
    if isinstance(res, Record):
        return dict(res.fields)
    if isinstance(res, Row):
        return {"Name": res.name, "N": res.n}
    assert isinstance(res, Other)
    return {"Name": res.name}


def _answer_record(i: int) -> dict[str, Any]:
    # Cells and ids no row sent: a result showing them was paired with the answer.
    return {"record_id": f"recA{i}", "fields": {"Name": f"answer{i}", "N": 100 + i}}


def _server(serve: Any, count: Callable[[int], int]) -> Any:
    """A fake server answering each batch write with ``count(rows sent)`` records."""

    def respond(sent: Sent) -> Any:
        if sent.method == "GET" and sent.path.endswith(f"/tables/{TABLE}/fields"):
            return SCHEMA
        n = count(len(sent.json()["records"]))
        return ok({"records": [_answer_record(i) for i in range(n)]})

    return serve(respond)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING]


def _check_unpaired(results: list[Any], rows: list[Any], ids: list[str | None]) -> None:
    assert len(results) == len(rows)
    for res, row, rid in zip(results, rows, ids, strict=True):
        expected_type = Record if not isinstance(row, RecordModel) else type(row)
        assert type(res) is expected_type
        assert res.record_id == rid
        assert _cells(res) == _expected(row)


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["mapping", "model", "mixed"])
@pytest.mark.parametrize("answered", [0, 1, 4])
@pytest.mark.parametrize("op", ["batch_create", "batch_update"])
async def test_a_batch_answered_with_another_count_returns_each_row_as_sent(
    client: BitableClient,
    serve: Any,
    caplog: pytest.LogCaptureFixture,
    op: str,
    answered: int,
    kind: str,
) -> None:
    server = _server(serve, lambda _: answered)
    rows = _rows(kind)
    records = client.table(APP, TABLE).records
    caplog.set_level(logging.WARNING)
    if op == "batch_create":
        results: list[Any] = await records.batch_create(rows)
        ids: list[str | None] = [None, None, None]
    else:
        results = await records.batch_update(list(zip(RIDS, rows, strict=True)))
        ids = list(RIDS)

    _check_unpaired(results, rows, ids)
    writes = [s for s in server.sent if s.method == "POST"]
    assert len(writes) == 1
    assert writes[0].path.endswith(f"/records/{op}")
    (warning,) = _warnings(caplog)
    message = warning.getMessage()
    assert f"records.{op}" in message
    assert f"{answered} records for 3 rows" in message
    assert "t-static" not in message  # the token stays out of the log


@pytest.mark.asyncio
@pytest.mark.parametrize("answered", [0, 2])
async def test_only_the_chunk_answered_short_is_left_unpaired(
    client: BitableClient, serve: Any, caplog: pytest.LogCaptureFixture, answered: int
) -> None:
    # Two chunks of 2 and 1 rows: the first answered right, the second not.
    calls: list[int] = []

    def count(n: int) -> int:
        calls.append(n)
        return n if len(calls) == 1 else answered

    _server(serve, count)
    rows = _rows("mixed")
    caplog.set_level(logging.WARNING)
    results: list[Any] = await client.table(APP, TABLE).records.batch_create(rows, chunk_size=2)

    assert calls == [2, 1]
    assert [r.record_id for r in results] == ["recA0", "recA1", None]
    assert _cells(results[0]) == {"Name": "answer0", "N": 100}
    assert type(results[1]) is Other
    assert results[1].name == "answer1"
    assert type(results[2]) is Row
    assert _cells(results[2]) == {"Name": "c", "N": 3}
    (warning,) = _warnings(caplog)
    assert f"{answered} records for 1 rows" in warning.getMessage()


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["mapping", "model", "mixed"])
@pytest.mark.parametrize("op", ["batch_create", "batch_update"])
async def test_an_answer_with_one_record_per_row_is_still_paired(
    client: BitableClient,
    serve: Any,
    caplog: pytest.LogCaptureFixture,
    op: str,
    kind: str,
) -> None:
    _server(serve, lambda n: n)
    rows = _rows(kind)
    records = client.table(APP, TABLE).records
    caplog.set_level(logging.WARNING)
    if op == "batch_create":
        results: list[Any] = await records.batch_create(rows)
    else:
        results = await records.batch_update(list(zip(RIDS, rows, strict=True)))

    assert [r.record_id for r in results] == ["recA0", "recA1", "recA2"]
    for i, (res, row) in enumerate(zip(results, rows, strict=True)):
        assert type(res) is (Record if not isinstance(row, RecordModel) else type(row))
        answer = {"Name": f"answer{i}", "N": 100 + i}
        assert _cells(res) == {k: answer[k] for k in _expected(row)}
    assert _warnings(caplog) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["mapping", "model", "mixed"])
@pytest.mark.parametrize("extra", [-1, 1], ids=["short", "long"])
@pytest.mark.parametrize("op", ["create", "update"])
async def test_coalesced_writes_answered_with_another_count_return_their_sent_cells(
    client: BitableClient,
    serve: Any,
    caplog: pytest.LogCaptureFixture,
    op: str,
    extra: int,
    kind: str,
) -> None:
    # However the lane gathers the three writes, every batch is answered with
    # one record too few or too many: committed, but not pairable.
    server = _server(serve, lambda n: max(n + extra, 0))
    rows = _rows(kind)
    records = client.table(APP, TABLE).records
    caplog.set_level(logging.WARNING)
    if op == "create":
        results: list[Any] = await asyncio.gather(*(records.create(r) for r in rows))
        ids: list[str | None] = [None, None, None]
    else:
        results = await asyncio.gather(
            *(records.update(rid, r) for rid, r in zip(RIDS, rows, strict=True))
        )
        ids = list(RIDS)

    _check_unpaired(results, rows, ids)
    writes = [s for s in server.sent if s.method == "POST"]
    assert writes
    assert all(s.path.endswith(f"/records/batch_{op}") for s in writes)
    assert sum(len(s.json()["records"]) for s in writes) == 3
    warnings = _warnings(caplog)
    assert len(warnings) == len(writes)
    for warning, sent in zip(warnings, writes, strict=True):
        n = len(sent.json()["records"])
        message = warning.getMessage()
        assert f"records/batch_{op}" in message
        assert f"{max(n + extra, 0)} records for a batch of {n}" in message
        assert "t-static" not in message


@pytest.mark.asyncio
async def test_bulk_upsert_never_guesses_the_id_of_a_create_answered_short(
    client: BitableClient, serve: Any
) -> None:
    """A key created without an id in the answer: later rows with it fail, never 'None'."""
    from bitable_async.bulk import bulk_upsert
    from bitable_async.writing.types import WriterError

    server = _server(serve, lambda n: 0)  # every batch_create is answered with no record

    async def no_existing() -> Any:
        return
        yield

    summary = await bulk_upsert(
        client.table(APP, TABLE).writer,
        [{"Name": "a", "N": 1}, {"Name": "b", "N": 2}, {"Name": "a", "N": 3}],
        key="Name",
        existing=no_existing(),
        chunk_size=1,
    )
    writes = [s for s in server.sent if s.method == "POST"]
    assert [s.path.rsplit("/", 1)[-1] for s in writes] == ["batch_create", "batch_create"]
    assert all("None" not in s.body.decode() for s in writes if s.body)
    assert (summary.created, summary.updated, summary.failed) == (2, 0, 1)
    (failure,) = summary.failures
    assert failure.index == 2
    assert isinstance(failure.error, WriterError)
    assert "did not give its id" in str(failure.error)
