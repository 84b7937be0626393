"""A records array of the wrong shape in a success answer is a ResponseDecodeError.

Cells that do not fit their field stay FieldValueErrors naming record and field;
what is wrong outside the cells (a record that is not an object, a record id that
is not a string) means the answer does not have the documented shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import pytest

from bitable_async.client import BitableClient
from bitable_async.errors import FieldValueError, ResponseDecodeError
from bitable_async.values import Field, RecordModel

from .conftest import FakeServer, Sent, ok

FIELDS = [{"field_id": "fldN", "field_name": "Amount", "type": 2}]


class Row(RecordModel):
    amount: Annotated[float | None, Field("Amount")] = None


def _answer(records: Any) -> Callable[[Sent], bytes]:
    def answer(sent: Sent) -> bytes:
        if sent.path.endswith("/fields"):
            return json.dumps(ok({"items": FIELDS, "has_more": False})).encode()
        if sent.path.endswith("/batch_get"):
            return json.dumps(ok({"records": records})).encode()
        return json.dumps(ok({"items": records, "has_more": False})).encode()

    return answer


BAD_RECORDS = [
    [1, 2],
    [{"record_id": 5, "fields": {}}],
    [{"record_id": "r", "fields": []}],
    {"not": "an array"},
]


@pytest.mark.asyncio
@pytest.mark.parametrize("records", BAD_RECORDS, ids=["ints", "int-id", "fields-list", "object"])
@pytest.mark.parametrize("model", [None, Row], ids=["records", "model"])
@pytest.mark.parametrize("call", ["list", "search", "batch_get"])
async def test_records_outside_the_documented_shape(
    client: BitableClient,
    serve: Callable[..., FakeServer],
    records: Any,
    model: type[Row] | None,
    call: str,
) -> None:
    server = serve(_answer(records))
    table = client.table("bascnApp", "tblT")

    async def read() -> object:
        if call == "list":
            return [r async for r in table.records.list(model=model)]
        if call == "search":
            return [r async for r in table.records.search(model=model)]
        return await table.records.batch_get(["r"], model=model)

    with pytest.raises(ResponseDecodeError) as caught:
        await read()
    err = caught.value
    assert err.code == 0
    assert err.path is not None
    assert err.path.endswith(("/records", "/records/search", "/records/batch_get"))
    assert "documented shape" in str(err)
    assert server.sent[-1].path == err.path


@pytest.mark.asyncio
@pytest.mark.parametrize("model", [None, Row], ids=["records", "model"])
async def test_a_bad_cell_is_still_a_field_value_error(
    client: BitableClient, serve: Callable[..., FakeServer], model: type[Row] | None
) -> None:
    serve(
        _answer(
            [
                {"record_id": "r1", "fields": {"Amount": 1}},
                {"record_id": "r2", "fields": {"Amount": {}}},
            ]
        )
    )
    with pytest.raises(FieldValueError) as caught:
        [r async for r in client.table("bascnApp", "tblT").records.list(model=model)]
    assert (caught.value.record_index, caught.value.record_id, caught.value.field_name) == (
        1,
        "r2",
        "Amount",
    )
