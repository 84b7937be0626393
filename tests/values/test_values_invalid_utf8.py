"""Cells and records holding invalid UTF-8 give the errors other undecodable input gives.

msgspec raises ``UnicodeDecodeError`` (not ``msgspec.DecodeError``) when it
decodes a string holding invalid UTF-8 into ``str`` or ``Any``. A cell like that
is a cell that cannot be read (``FieldValueError`` naming the record and field,
on the fast path too); invalid UTF-8 outside the cells makes the records
``msgspec.DecodeError`` like any other input that is not JSON.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest
from _values_support import seed_schema

from bitable_async.errors import FieldValueError
from bitable_async.models.record import RawRecord
from bitable_async.resources.record_io import decode_one
from bitable_async.values import Field, RecordCodec, RecordModel

CODEC = RecordCodec.from_fields(seed_schema())

# Cells msgspec reads strings in: a bare string, a text segment, an encoded
# surrogate (not UTF-8 either), a list of strings, an object key.
TEXT_CELLS = [  # text-shaped: only the invalid UTF-8 is wrong with them
    b'"ab\x80"',
    b'[{"type":"text","text":"\xc3"}]',
    b'"\xed\xa0\x80"',
]
BAD_CELLS = [*TEXT_CELLS, b'["\xff"]', b'{"\xfe":1}']


def _records(bad_cell: bytes) -> bytes:
    """Two records, the second with ``bad_cell`` as its text cell (JSON array)."""
    head = '[{"record_id":"r0","fields":{"多行文本":"fine","数字":1}},'
    head += '{"record_id":"r1","fields":{"数字":2,"多行文本":'
    return head.encode() + bad_cell + b"}}]"


def _page(bad_cell: bytes) -> bytes:
    return b'{"items":' + _records(bad_cell) + b',"has_more":false}'


@pytest.mark.parametrize("cell", BAD_CELLS)
@pytest.mark.parametrize("name", CODEC.field_names)
def test_a_cell_with_invalid_utf8_is_a_field_value_error(name: str, cell: bytes) -> None:
    codec = CODEC.codec(name)
    error: FieldValueError | None = None
    try:
        codec.decode(cell)
    except FieldValueError as exc:  # anything else fails the test
        error = exc
    # (a type that reads none of these strings may accept the cell)
    assert error is None or error.field_name == name


@pytest.mark.parametrize("cell", TEXT_CELLS)
def test_a_text_cell_with_invalid_utf8_says_so(cell: bytes) -> None:
    with pytest.raises(FieldValueError) as info:
        CODEC.codec("多行文本").decode(cell)
    assert info.value.field_name == "多行文本"
    assert "invalid UTF-8" in str(info.value)
    assert info.value.__cause__ is None


@pytest.mark.parametrize("cell", TEXT_CELLS)
def test_a_page_on_the_fast_path_names_the_record_and_field(cell: bytes) -> None:
    assert CODEC.fast_path
    with pytest.raises(FieldValueError) as info:
        CODEC.decode_page(_page(cell))
    err = info.value
    assert (err.record_index, err.record_id, err.field_name) == (1, "r1", "多行文本")
    assert "invalid UTF-8" in str(err)

    with pytest.raises(FieldValueError) as info:
        CODEC.decode_record_list(_records(cell))
    assert (info.value.record_index, info.value.record_id) == (1, "r1")
    assert info.value.field_name == "多行文本"


@pytest.mark.parametrize(
    "body",
    [
        b'{"items":[{"record_id":"r\x80","fields":{}}]}',  # a record id
        # a field name, next to a cell that does not fit (the fast path fails)
        b'{"items":[{"record_id":"r","fields":{"\x80":1,"\xe6\x95\xb0\xe5\xad\x97":[]}}]}',
        b'{"items":[],"page_token":"\xff"}',
    ],
)
def test_invalid_utf8_outside_the_cells_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(msgspec.DecodeError, match="invalid UTF-8") as info:
        CODEC.decode_page(body)
    assert not isinstance(info.value, msgspec.ValidationError)
    with pytest.raises(msgspec.DecodeError, match="invalid UTF-8"):
        CODEC.model_codec(Notes).decode_page(body)


class Notes(RecordModel):
    text: Annotated[str | None, Field("多行文本")] = None
    amount: Annotated[float | None, Field("数字")] = None


@pytest.mark.parametrize("cell", TEXT_CELLS)
def test_a_model_page_names_the_record_and_field(cell: bytes) -> None:
    mc = CODEC.model_codec(Notes)
    with pytest.raises(FieldValueError) as info:
        mc.decode_page(_page(cell))
    err = info.value
    assert (err.record_index, err.record_id, err.field_name) == (1, "r1", "多行文本")
    assert "invalid UTF-8" in str(err)
    # and record by record (cells left raw: the model decodes each)
    raw = msgspec.json.decode(_records(cell), type=list[RawRecord])
    with pytest.raises(FieldValueError) as info:
        mc.decode_records(raw)
    assert (info.value.record_index, info.value.field_name) == (1, "多行文本")
    # a good page still decodes
    (ok,) = mc.decode_page('{"items":[{"record_id":"r","fields":{"数字":2}}]}'.encode()).items
    assert ok.amount == 2


def test_a_write_answer_cell_with_invalid_utf8_is_taken_as_written() -> None:
    """The write is committed: an unreadable answer cell must not turn it into an error."""
    mc = CODEC.model_codec(Notes)
    row = Notes(text="sent", amount=3)
    cells = {"多行文本": msgspec.Raw(b'"bad\x80"'), "数字": msgspec.Raw(b"3")}
    out = mc.decode_written(row, ["多行文本", "数字"], cells, "rec1")
    assert (out.text, out.amount) == ("sent", 3)

    # a mapping row: the record is kept with the cells as plain JSON, the bad one empty
    raw = RawRecord(record_id="rec1", fields=cells)
    written: Any = decode_one(CODEC, {"多行文本": "sent", "数字": 3}, raw, 0, {})
    assert written.record_id == "rec1"
    assert written.fields == {"多行文本": None, "数字": 3}
