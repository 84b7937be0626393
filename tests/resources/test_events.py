"""Typed decoding of the Bitable event payloads (the spec's examples)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bitable_async.events import (
    FieldChangedEvent,
    OtherEvent,
    RecordChangedEvent,
    decode_event,
)
from bitable_async.models.fields import FormulaField, NumberField, TextField
from bitable_async.values.record_codec import RecordCodec
from bitable_async.values.types import TextSegment

from ._spec import SPEC_DIR


def _example(name: str) -> bytes:
    return (SPEC_DIR / "examples" / f"event.drive.file.{name}.json").read_bytes()


CODEC = RecordCodec.from_fields(
    [
        TextField(field_name="Title", field_id="fldqaabcef"),
        NumberField(field_name="Amount", field_id="fld9Eabcef"),
    ]
)


def test_record_changed_decodes_values_with_the_field_codecs() -> None:
    event = decode_event(_example("bitable_record_changed_v1"))
    assert isinstance(event, RecordChangedEvent)
    assert event.header.event_id == "85ec04b2f6cff27a1bf249b26fbabcef"
    assert event.header.tenant_key == "736588c9260abcef"
    assert event.event.table_id == "tblOaqBWfGeabcef"
    assert event.event.operator_id is not None
    assert event.event.operator_id.open_id == "ou_9bc587355789fc049904ae7c736abcef"

    actions = event.event.decode(CODEC)
    assert [a.action for a in actions] == ["record_edited", "record_added", "record_deleted"]
    edited = actions[0]
    assert edited.record_id == "rec9sabcef"
    assert edited.before is not None
    assert edited.after is not None
    assert edited.before["fld9Eabcef"] == 123
    assert edited.after["fld9Eabcef"] == 666
    # Text arrives as a JSON string of segments; the text codec reads it.
    after_text = edited.after["fldqaabcef"]
    assert after_text == [TextSegment(type="text", text="变更后的值")]
    assert edited.after_by_name is not None
    assert set(edited.after_by_name) == {"Title", "Amount"}
    assert actions[1].before is None
    assert actions[2].after is None
    assert actions[2].before_by_name is not None


def test_record_changed_without_a_schema_gives_plain_json() -> None:
    event = decode_event(json.loads(_example("bitable_record_changed_v1")))
    assert isinstance(event, RecordChangedEvent)
    edited = event.event.action_list[0].decode()
    assert edited.after == {
        "fld9Eabcef": 666,
        "fldqaabcef": [{"type": "text", "text": "变更后的值"}],
    }


def test_unknown_field_ids_are_kept_raw() -> None:
    body: dict[str, Any] = json.loads(_example("bitable_record_changed_v1"))
    body["event"]["action_list"][0]["after_value"].append(
        {"field_id": "fldUnknown1", "field_value": '{"x": 1}'}
    )
    event = decode_event(body)
    assert isinstance(event, RecordChangedEvent)
    after = event.event.decode(CODEC)[0].after_by_name
    assert after is not None
    assert after["fldUnknown1"] == {"x": 1}


def test_field_changed_gives_typed_schemas() -> None:
    event = decode_event(_example("bitable_field_changed_v1"))
    assert isinstance(event, FieldChangedEvent)
    assert event.event.revision is not None
    action = event.event.action_list[0]
    assert action.action == "field_edited"
    assert action.after_value is not None
    schema = action.after_value.schema()
    assert schema.field_id == action.field_id
    assert isinstance(schema, FormulaField)
    assert schema.property is not None
    assert schema.property.formatter == "1,000"
    assert schema.field_name == "field name"


def test_other_events_and_bad_bodies() -> None:
    other = decode_event(
        {"schema": "2.0", "header": {"event_type": "im.message.receive_v1"}, "event": {"a": 1}}
    )
    assert isinstance(other, OtherEvent)
    assert other.event == {"a": 1}
    with pytest.raises(ValueError, match="not a valid event body"):
        decode_event(b"{not json")
    with pytest.raises(ValueError, match="not a valid event body"):
        decode_event({"header": {"event_type": "drive.file.bitable_record_changed_v1"}})


def test_the_verification_token_never_shows_in_a_repr() -> None:
    from bitable_async.events import EventHeader

    header = EventHeader(event_id="ev1", token="vt-SECRET-123", tenant_key="tk")
    assert "vt-SECRET-123" not in repr(header)
    assert "vt-SECRET-123" not in str(header)
    assert header.token == "vt-SECRET-123"
