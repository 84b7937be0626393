"""Record-changed event values decode with the same codecs, keyed by field id."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from _values_support import example, seed_schema

from bitable_async.errors import FieldValueError
from bitable_async.models.fields import NumberField, TextField
from bitable_async.values import RecordCodec, TextSegment, decode_event_field_values


def test_record_changed_example() -> None:
    event = example("event.drive.file.bitable_record_changed_v1.json")["event"]
    fields = [
        NumberField(field_name="数", field_id="fld9Eabcef"),
        TextField(field_name="文本", field_id="fldqaabcef"),
    ]
    edited = event["action_list"][0]
    before = decode_event_field_values(edited["before_value"], fields)
    after = decode_event_field_values(edited["after_value"], fields)
    assert before == {
        "fld9Eabcef": 123,
        "fldqaabcef": [TextSegment(type="text", text="变更前的值")],
    }
    assert after == {"fld9Eabcef": 666, "fldqaabcef": [TextSegment(type="text", text="变更后的值")]}


@dataclass
class _Value:
    field_id: str
    field_value: str


def test_objects_unknown_ids_and_bad_values() -> None:
    codec = RecordCodec.from_fields(seed_schema())
    out = codec.decode_event_values(
        [
            _Value("fld05", "1690992000000"),
            _Value("fld18", '["recA","recB"]'),
            _Value("fldNew", '{"x": 1}'),
            _Value("fldNew2", "not json"),
            _Value("fld02", ""),
        ]
    )
    assert out["fld05"].year == 2023
    assert out["fld18"].record_ids == ("recA", "recB")
    assert out["fldNew"] == {"x": 1}
    assert out["fldNew2"] == "not json"
    assert out["fld02"] is None
    # a non-numeric string in a number cell stays raw on read (never a failure) ...
    assert decode_event_field_values([{"field_id": "fld02", "field_value": '"abc"'}], codec) == {
        "fld02": "abc"
    }
    # ... while a value of the wrong JSON type names the field
    with pytest.raises(FieldValueError) as info:
        decode_event_field_values([{"field_id": "fld02", "field_value": '{"a": 1}'}], codec)
    assert info.value.field_name == "数字"
