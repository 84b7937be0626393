"""Answers holding invalid UTF-8 in a string, through the client (a fake server).

Field entries and record cells are left as raw JSON by the envelope decode, so
invalid UTF-8 inside them reaches the field and record decoders: a field entry
is kept as far as it can be read (like any odd entry), a record cell is a
``FieldValueError`` naming the record and the field (as for any cell that cannot
be read), on the fast path and for record models alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import pytest

from bitable_async.client import BitableClient
from bitable_async.errors import FieldValueError
from bitable_async.models.fields import NumberField, TextField, UnknownField
from bitable_async.values import Field, RecordModel

from .conftest import FakeServer, Sent, ok

FIELDS: list[Any] = [
    {"field_id": "fldT", "field_name": "Title", "type": 1, "is_primary": True},
    {"field_id": "fldN", "field_name": "Amount", "type": 2},
    {"field_id": "fldBad", "field_name": "@BAD@", "type": 1},
]


def _with_bad(obj: Any) -> bytes:
    """Encode ``obj``, the string ``@BAD@`` becoming ``bad`` and a byte that is not UTF-8."""
    return json.dumps(ok(obj), ensure_ascii=False).encode().replace(b"@BAD@", b"bad\x80")


def _answer(records: list[Any]) -> Callable[[Sent], bytes]:
    def answer(sent: Sent) -> bytes:
        if sent.path.endswith("/fields"):
            return _with_bad({"items": FIELDS, "has_more": False, "total": len(FIELDS)})
        assert sent.path.endswith(("/records", "/records/search")), sent.path
        return _with_bad({"items": records, "has_more": False, "total": len(records)})

    return answer


@pytest.mark.asyncio
async def test_a_field_list_answer_with_invalid_utf8_keeps_every_entry(
    client: BitableClient, serve: Callable[..., FakeServer]
) -> None:
    serve(_answer([]))
    title, amount, bad = [f async for f in client.table("bascnApp", "tblT").fields.list()]
    assert isinstance(title, TextField)
    assert isinstance(amount, NumberField)
    assert isinstance(bad, UnknownField)
    assert (bad.field_id, bad.field_name) == ("fldBad", "")
    assert bad.entry_error is not None
    assert "invalid UTF-8" in bad.entry_error


class Row(RecordModel):
    title: Annotated[str | None, Field("Title")] = None
    amount: Annotated[float | None, Field("Amount")] = None


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["list", "search", "list-model", "search-model"])
async def test_a_record_cell_with_invalid_utf8_names_the_record_and_field(
    client: BitableClient, serve: Callable[..., FakeServer], how: str
) -> None:
    records = [
        {"record_id": "rec0", "fields": {"Title": "fine", "Amount": 1}},
        {
            "record_id": "rec1",
            "fields": {"Amount": 2, "Title": [{"type": "text", "text": "@BAD@"}]},
        },
    ]
    serve(_answer(records))
    records_api = client.table("bascnApp", "tblT").records
    method, _, model = how.partition("-")
    pages = getattr(records_api, method)(model=Row) if model else getattr(records_api, method)()
    with pytest.raises(FieldValueError) as info:
        [r async for r in pages]
    err = info.value
    assert (err.record_index, err.record_id, err.field_name) == (1, "rec1", "Title")
    assert "invalid UTF-8" in str(err)
