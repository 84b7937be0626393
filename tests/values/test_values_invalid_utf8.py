"""Invalid UTF-8 in cells, records, field entries and events: the usual errors.

msgspec raises ``UnicodeDecodeError`` (not ``msgspec.DecodeError``) when it
decodes a string holding invalid UTF-8 into ``str`` or ``Any``. A cell like that
is a cell that cannot be read (``FieldValueError`` naming the record and field,
on the fast path too); invalid UTF-8 outside the cells makes the records
``msgspec.DecodeError`` like any other input that is not JSON. A field entry or
a field-changed value holding it is read as far as it can be, like any odd
entry; elsewhere in an event body it is "not a valid event body".
"""

from __future__ import annotations

import copy
import json
from typing import Annotated, Any

import msgspec
import pytest
from _values_support import example, seed_schema

from bitable_async.errors import FieldValueError
from bitable_async.events import FieldChangedEvent, decode_event
from bitable_async.models.fields import (
    FieldSchema,
    NumberField,
    NumberProperty,
    TextField,
    UnknownField,
    decode_field,
    decode_field_page,
    decode_fields,
)
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


# --------------------------------------------------------------------------- field lists

BAD = b"bad\x80"
"""Replaces the placeholder string ``@BAD@`` in encoded JSON (a string, not UTF-8)."""


def _with_bad(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode().replace(b"@BAD@", BAD)


FIELD_ENTRIES: list[Any] = [
    {"field_id": "fldText", "field_name": "Text", "type": 1},
    {"field_id": "fldName", "field_name": "@BAD@", "type": 2},
    {"field_id": "fldDesc", "field_name": "Desc", "type": 1, "description": "@BAD@"},
    {"field_id": "fldProp", "field_name": "Prop", "type": 2, "property": {"formatter": "@BAD@"}},
    {"field_id": "fldNum", "field_name": "Num", "type": 2, "property": {"formatter": "0.0"}},
]


def _check_field_list(schemas: list[FieldSchema]) -> None:
    text, name, desc, prop, num = schemas
    assert isinstance(text, TextField)
    assert (text.field_name, text.entry_error) == ("Text", None)
    assert isinstance(num, NumberField)
    assert num.property == NumberProperty(formatter="0.0")
    # a field name that is not UTF-8: kept as an entry that cannot be typed
    assert isinstance(name, UnknownField)
    assert (name.field_id, name.field_name) == ("fldName", "")
    assert name.entry_error is not None
    assert "field_name: invalid UTF-8" in name.entry_error
    assert name.raw_entry is None  # not readable JSON
    # a description that is not UTF-8: the field keeps its class, without the description
    assert isinstance(desc, TextField)
    assert (desc.field_id, desc.field_name, desc.description) == ("fldDesc", "Desc", None)
    assert desc.entry_error is not None
    assert "description: invalid UTF-8" in desc.entry_error
    # a property that is not UTF-8: the field keeps its class, the property is unread
    assert isinstance(prop, NumberField)
    assert (prop.field_name, prop.property, prop.raw_property) == ("Prop", None, None)
    assert prop.property_error is not None
    assert "invalid UTF-8" in prop.property_error


def test_a_field_list_page_with_invalid_utf8_keeps_every_entry() -> None:
    page = _with_bad({"items": FIELD_ENTRIES, "has_more": True, "page_token": "pt1"})
    schemas, meta = decode_field_page(page)
    _check_field_list(schemas)
    assert (meta.has_more, meta.page_token) == (True, "pt1")
    _check_field_list(decode_fields(_with_bad(FIELD_ENTRIES)))
    # one field (a create / update answer)
    assert decode_field(_with_bad(FIELD_ENTRIES[1])) == schemas[1]


def test_invalid_utf8_outside_the_field_entries_is_a_decode_error() -> None:
    page = _with_bad({"items": FIELD_ENTRIES[:1], "has_more": True, "page_token": "@BAD@"})
    with pytest.raises(msgspec.DecodeError, match="invalid UTF-8"):
        decode_field_page(page)


# --------------------------------------------------------------------------- events

FIELD_EVENT = example("event.drive.file.bitable_field_changed_v1.json")
RECORD_EVENT = example("event.drive.file.bitable_record_changed_v1.json")


def test_a_field_changed_value_with_invalid_utf8_is_read_leniently() -> None:
    body = copy.deepcopy(FIELD_EVENT)
    body["event"]["action_list"][0]["before_value"]["name"] = "@BAD@"
    decoded = decode_event(_with_bad(body))
    assert isinstance(decoded, FieldChangedEvent)
    (action,) = decoded.event.action_list
    expected = decode_event(json.dumps(FIELD_EVENT))
    assert isinstance(expected, FieldChangedEvent)
    assert action.after_value == expected.event.action_list[0].after_value
    odd = action.before_value
    assert odd is not None
    assert (odd.id, odd.name, odd.type) == ("fldmj5qNii", "", 20)
    schema = odd.schema()
    assert schema.entry_error is not None
    assert "name: invalid UTF-8" in schema.entry_error


@pytest.mark.parametrize("event", [FIELD_EVENT, RECORD_EVENT])
def test_an_event_body_with_invalid_utf8_elsewhere_is_not_a_valid_event_body(
    event: dict[str, Any],
) -> None:
    body = copy.deepcopy(event)
    body["header"]["event_id"] = "@BAD@"
    with pytest.raises(ValueError, match="not a valid event body: invalid UTF-8") as info:
        decode_event(_with_bad(body))
    assert not isinstance(info.value, UnicodeError)
    # a parsed body holding what JSON's \ud800 escape gives (not UTF-8 either)
    parsed = copy.deepcopy(event)
    parsed["header"]["event_id"] = "\ud800"
    with pytest.raises(ValueError, match="not a valid event body: invalid UTF-8") as info:
        decode_event(parsed)
    assert not isinstance(info.value, UnicodeError)


def test_record_changed_values_with_invalid_utf8() -> None:
    codec = RecordCodec.from_fields(
        [
            TextField(field_name="Title", field_id="fldT"),
            NumberField(field_name="N", field_id="fldN"),
        ]
    )
    values = [
        {"field_id": "fldT", "field_value": b'"bad\x80"'},
        {"field_id": "fldX", "field_value": b'"bad\x80"'},
    ]
    with pytest.raises(FieldValueError, match="invalid UTF-8") as info:
        codec.decode_event_values(values)
    assert info.value.field_name == "Title"
    # a value of a field the schema does not know is kept as received
    assert codec.decode_event_values(values[1:]) == {"fldX": b'"bad\x80"'}
    lone = [{"field_id": "fldX", "field_value": '"\ud800"'}]  # a str JSON's escapes can give
    assert codec.decode_event_values(lone) == {"fldX": '"\ud800"'}
    with pytest.raises(FieldValueError, match="invalid UTF-8"):
        codec.decode_event_values([{"field_id": "fldT", "field_value": '"\ud800"'}])
