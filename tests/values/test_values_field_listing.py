"""No field entry breaks a field listing: odd entries degrade, valid ones decode as before.

Every path that decodes field entries is covered here on plain bytes: field
list pages (``decode_field_page``, ``decode_fields``), one field
(``decode_field``: field create / update responses), the table's schema cache
(``TableSchema.set_fields``) and field-changed events. The resource paths over
real HTTP are in ``tests/resources/test_e2e_field_listing.py``.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import msgspec
import pytest
from _values_support import example, json_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bitable_async.models.fields as fields_module
from bitable_async.events import FieldChangedEvent, decode_event
from bitable_async.models.fields import (
    CheckboxField,
    FieldSchema,
    NumberField,
    NumberProperty,
    TextField,
    UnknownField,
    decode_field,
    decode_field_page,
    decode_fields,
    read_field_entry,
)
from bitable_async.resources.schema import TableSchema
from bitable_async.values import RecordCodec

VALID: list[dict[str, Any]] = example("app_table_field.list.response.json")["data"]["items"]


def _page(items: list[Any]) -> bytes:
    return json.dumps({"items": items, "has_more": False, "total": len(items)}).encode()


def _reference(items: list[Any]) -> list[FieldSchema]:
    """The schemas of entries decoded one page each (valid ones take the fast path)."""
    return [decode_field_page(_page([item]))[0][0] for item in items]


# --------------------------------------------------------------------------- fast path


def test_valid_pages_never_take_the_tolerant_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any) -> Any:
        raise AssertionError("a valid page was read entry by entry")

    monkeypatch.setattr(fields_module, "_read_entries", refuse)
    monkeypatch.setattr(fields_module, "read_field_entry", refuse)
    schemas, page = decode_field_page(_page(VALID))
    assert len(schemas) == len(VALID) == page.total
    assert all(s.raw_entry is None and s.entry_error is None for s in schemas)
    assert decode_fields(json.dumps(VALID).encode()) == schemas


def test_a_rich_text_array_description_is_a_valid_description() -> None:
    # text_field_as_array=true returns descriptions as rich-text arrays (endpoints.md 3.7)
    rich = [{"type": "text", "text": "the price"}]
    item = {"field_id": "fldN", "field_name": "N", "type": 2, "description": rich}
    (field,), _ = decode_field_page(_page([item]))
    assert isinstance(field, NumberField)
    assert field.description == rich
    assert field.entry_error is None
    assert field.to_body()["description"] == rich


# --------------------------------------------------------------------------- the cases


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "field_id": "fldOdd",
        "field_name": "Odd",
        "type": 2,
        "property": {"formatter": "0.00"},
    }
    for key, value in changes.items():
        if value is _MISSING:
            entry.pop(key)
        else:
            entry[key] = value
    return entry


_MISSING = object()

# entry -> (class, field_name, field_id, type, the attribute named in entry_error)
ODD: list[tuple[str, Any, type[FieldSchema], str, str | None, int, str]] = [
    ("ui_type int", _entry(ui_type=5), NumberField, "Odd", "fldOdd", 2, "ui_type"),
    ("ui_type object", _entry(ui_type={"a": 1}), NumberField, "Odd", "fldOdd", 2, "ui_type"),
    ("description number", _entry(description=5), NumberField, "Odd", "fldOdd", 2, "description"),
    ("description bool", _entry(description=True), NumberField, "Odd", "fldOdd", 2, "description"),
    ("is_primary string", _entry(is_primary="true"), NumberField, "Odd", "fldOdd", 2, "is_primary"),
    ("field_id int", _entry(field_id=7), NumberField, "Odd", None, 2, "field_id"),
    ("type string", _entry(type="2"), UnknownField, "Odd", "fldOdd", 0, "type"),
    ("type null", _entry(type=None), UnknownField, "Odd", "fldOdd", 0, "type"),
    ("type missing", _entry(type=_MISSING), UnknownField, "Odd", "fldOdd", 0, "type"),
    ("type float", _entry(type=2.5), UnknownField, "Odd", "fldOdd", 0, "type"),
    ("type bool", _entry(type=True), UnknownField, "Odd", "fldOdd", 0, "type"),
    ("type array", _entry(type=[2]), UnknownField, "Odd", "fldOdd", 0, "type"),
    ("name missing", _entry(field_name=_MISSING), UnknownField, "", "fldOdd", 2, "field_name"),
    ("name empty", _entry(field_name=""), UnknownField, "", "fldOdd", 2, "field_name"),
    ("name number", _entry(field_name=12), UnknownField, "", "fldOdd", 2, "field_name"),
    ("name null", _entry(field_name=None), UnknownField, "", "fldOdd", 2, "field_name"),
    ("entry number", 42, UnknownField, "", None, 0, "not an object"),
    ("entry string", "fldOdd", UnknownField, "", None, 0, "not an object"),
    ("entry null", None, UnknownField, "", None, 0, "not an object"),
    ("entry array", [_entry()], UnknownField, "", None, 0, "not an object"),
    ("entry bool", True, UnknownField, "", None, 0, "not an object"),
]


@pytest.mark.parametrize(
    ("entry", "cls", "name", "field_id", "code", "named"),
    [case[1:] for case in ODD],
    ids=[case[0] for case in ODD],
)
def test_an_odd_entry_degrades_and_the_rest_of_the_page_is_unchanged(
    entry: Any,
    cls: type[FieldSchema],
    name: str,
    field_id: str | None,
    code: int,
    named: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    items = [VALID[0], entry, *VALID[1:]]
    with caplog.at_level(logging.WARNING, logger="bitable_async.fields"):
        schemas, page = decode_field_page(_page(items))
    assert len(schemas) == len(items)
    assert page.items is not None
    assert len(page.items) == len(items)
    assert page.schemas() == schemas
    # valid entries decode exactly as on a page of their own (the fast path)
    valid = _reference(VALID)
    assert [schemas[0], *schemas[2:]] == valid
    odd = schemas[1]
    assert type(odd) is cls
    assert (odd.field_name, odd.field_id, odd.type) == (name, field_id, code)
    assert odd.raw_entry == entry
    assert odd.entry_error is not None
    assert named in odd.entry_error
    # the reason names the attribute, never the value
    assert "fldOdd" not in odd.entry_error
    assert "entry 1 " in caplog.text
    assert named in caplog.text
    # the same entry alone, as a create / update response or in an array
    assert decode_field(json.dumps(entry).encode()) == odd
    assert decode_fields(json.dumps(items).encode()) == schemas


def test_odd_attributes_are_dropped_and_the_rest_kept() -> None:
    entry = _entry(ui_type=5, is_primary="yes", description=3.5)
    entry["type"] = 7
    entry["property"] = None
    field = decode_field(json.dumps(entry).encode())
    assert isinstance(field, CheckboxField)
    assert (field.field_name, field.field_id) == ("Odd", "fldOdd")
    assert (field.ui_type, field.is_primary, field.description) == (None, None, None)
    assert field.entry_error is not None
    for attribute in ("ui_type", "is_primary", "description"):
        assert attribute in field.entry_error
    # what was dropped is not sent back
    assert field.to_body() == {"field_name": "Odd", "type": 7}


def test_the_property_of_an_odd_entry_is_still_typed() -> None:
    field = decode_field(json.dumps(_entry(ui_type=1)).encode())
    assert isinstance(field, NumberField)
    assert field.property == NumberProperty(formatter="0.00")
    assert field.property_error is None
    # and for an entry that cannot be typed, kept as plain JSON
    unknown = decode_field(json.dumps(_entry(type="2")).encode())
    assert isinstance(unknown, UnknownField)
    assert unknown.property == {"formatter": "0.00"}


@pytest.mark.parametrize(
    "extra",
    [
        b'{"deep": [[[[[[[[[[{"a": [1, 2, {"b": null}]}]]]]]]]]]]}',
        b"[1e999, -1e999, 123456789012345678901234567890123]",
        b'"\\u0000\\ud83d\\ude00"',
        b'{"field_name": 5, "type": "x"}',
    ],
    ids=["deep", "out of range numbers", "odd string", "shadowing keys"],
)
def test_an_unknown_top_level_key_with_odd_content_is_ignored(extra: bytes) -> None:
    entry = json.dumps(_entry()).encode()
    odd = entry[:-1] + b', "zz_new_key": ' + extra + b"}"
    data = b'{"items": [' + odd + b"], " + b'"has_more": false}'
    (field,), _ = decode_field_page(data)
    assert field == decode_field(json.dumps(_entry()).encode())
    assert field.entry_error is None


def test_an_out_of_range_number_in_a_known_attribute_degrades() -> None:
    data = b'{"items": [{"field_id": "fldX", "field_name": "X", "type": 1e999}]}'
    (field,), _ = decode_field_page(data)
    assert isinstance(field, UnknownField)
    assert (field.field_name, field.field_id, field.type) == ("X", "fldX", 0)
    assert field.raw_entry == {"field_id": "fldX", "field_name": "X", "type": float("inf")}


def test_page_level_errors_still_raise() -> None:
    for data in (
        b'{"items": {"field_name": "a"}}',
        b'{"items": [], "has_more": "no"}',
        b"[1, 2]",
        b'{"items": [1, 2',
    ):
        with pytest.raises(msgspec.DecodeError):
            decode_field_page(data)
    with pytest.raises(msgspec.DecodeError):
        decode_fields(b'{"not": "an array"}')
    assert decode_fields(b"null") == []
    assert decode_field_page(b'{"items": null}')[0] == []


def test_read_field_entry_keeps_what_it_read() -> None:
    envelope = read_field_entry(json.dumps(_entry(ui_type=5)).encode())
    assert (envelope.field_name, envelope.type, envelope.field_id) == ("Odd", 2, "fldOdd")
    assert bytes(envelope.property) == b'{"formatter": "0.00"}'  # as received
    # a valid entry gives the plain envelope
    plain = read_field_entry(json.dumps(_entry()).encode())
    assert type(plain) is fields_module.RawField


def test_a_raw_field_built_without_a_name_is_unknown() -> None:
    field = fields_module.RawField(field_name="", type=2, field_id="fldN").to_schema()
    assert isinstance(field, UnknownField)
    assert field.entry_error == "field_name is missing or empty"
    assert field.raw_entry == {"field_name": "", "type": 2, "field_id": "fldN", "property": None}


# --------------------------------------------------------------------------- schema cache


class _NoFields:
    table_id = "tblX"


def test_the_schema_cache_leaves_nameless_entries_out(caplog: pytest.LogCaptureFixture) -> None:
    items = [*VALID, _entry(field_name=_MISSING, field_id="fldNameless"), 42, _entry(type="2")]
    schemas, _ = decode_field_page(_page(items))
    cache = TableSchema(_NoFields())  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="bitable_async.records"):
        codec = cache.set_fields(schemas)
    assert [f.field_name for f in codec.fields] == [f["field_name"] for f in VALID] + ["Odd"]
    assert "2 field(s) listed without a usable field_name" in caplog.text
    assert "'fldNameless'" in caplog.text
    # the named odd entry is an unknown field: its cells are read raw
    assert codec.codec("Odd").decode(b'{"any": ["thing"]}') == {"any": ["thing"]}


# --------------------------------------------------------------------------- hypothesis

ENTRY_KEYS = [
    "field_id",
    "field_name",
    "type",
    "property",
    "ui_type",
    "is_primary",
    "description",
    "zz_unknown",
]
near_entries = st.dictionaries(st.sampled_from(ENTRY_KEYS), json_values, max_size=7)
mutated = st.builds(
    lambda base, key, value: {**base, key: value},
    st.sampled_from(VALID),
    st.sampled_from(ENTRY_KEYS),
    json_values,
)
odd_entries = json_values | near_entries | mutated


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from(VALID), odd_entries),
        min_size=1,
        max_size=8,
    )
)
def test_arbitrary_entries_never_fail_a_listing(draws: list[tuple[bool, Any, Any]]) -> None:
    items = [copy.deepcopy(valid if pick_valid else odd) for pick_valid, valid, odd in draws]
    schemas, page = decode_field_page(_page(items))
    assert len(schemas) == len(items)
    assert page.schemas() == schemas
    assert decode_fields(json.dumps(items).encode()) == schemas
    for item, schema in zip(items, schemas, strict=True):
        # each entry decodes in a listing as it does alone
        assert decode_field(json.dumps(item).encode()) == schema
        if item in VALID:
            assert schema == _reference([item])[0]
            assert schema.entry_error is None
        if schema.entry_error is None:
            assert schema.raw_entry is None
            continue
        assert schema.raw_entry == item
        if isinstance(item, dict):
            # ids and names are never lost when readable
            if isinstance(item.get("field_id"), str):
                assert schema.field_id == item["field_id"]
            if isinstance(item.get("field_name"), str):
                assert schema.field_name == item["field_name"]
            if isinstance(item.get("type"), int) and not isinstance(item.get("type"), bool):
                assert schema.type == item["type"]
        if not schema.field_name or schema.type not in fields_module._CLASSES:
            assert isinstance(schema, UnknownField)
    # the table's codec can be built from any listing
    named = [s for s in schemas if s.field_name]
    RecordCodec.from_fields(named)
    TableSchema(_NoFields()).set_fields(schemas)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- events

EVENT = example("event.drive.file.bitable_field_changed_v1.json")


def _event_with(before: Any, after: Any) -> dict[str, Any]:
    event = copy.deepcopy(EVENT)
    action = event["event"]["action_list"][0]
    action["before_value"], action["after_value"] = before, after
    return event


def test_a_field_changed_event_with_odd_values_still_decodes() -> None:
    good = EVENT["event"]["action_list"][0]["after_value"]
    before = {**good, "type": "20", "property": ["not", "an", "object"]}
    body = copy.deepcopy(EVENT)
    body["event"]["action_list"][0]["before_value"] = before
    body["event"]["action_list"].append(17)
    body["event"]["action_list"].append({"action": "field_added", "after_value": 5})
    decoded = decode_event(json.dumps(body))
    assert isinstance(decoded, FieldChangedEvent)
    assert decoded.event.revision == 10
    first, not_an_object, added = decoded.event.action_list
    # the valid value is as in a valid delivery
    expected = decode_event(json.dumps(EVENT))
    assert isinstance(expected, FieldChangedEvent)
    assert first.after_value == expected.event.action_list[0].after_value
    assert first.action == "field_edited"
    odd = first.before_value
    assert odd is not None
    assert (odd.id, odd.name, odd.type, odd.property) == ("fldmj5qNii", "field name", 0, None)
    schema = odd.schema()
    assert isinstance(schema, UnknownField)
    assert (schema.field_id, schema.field_name) == ("fldmj5qNii", "field name")
    assert schema.raw_entry == before
    assert schema.entry_error is not None
    assert "type" in schema.entry_error
    assert "property" in schema.entry_error
    assert (not_an_object.action, not_an_object.before_value) == ("", None)
    assert added.action == "field_added"
    assert added.after_value is not None
    assert added.after_value.schema().raw_entry == 5


def test_an_odd_event_value_with_a_known_type_keeps_its_class() -> None:
    good = EVENT["event"]["action_list"][0]["after_value"]
    odd = {**good, "type": 2, "description": ["rich"], "property": {"formatter": "0.0"}}
    decoded = decode_event(json.dumps(_event_with(good, odd)))
    assert isinstance(decoded, FieldChangedEvent)
    value = decoded.event.action_list[0].after_value
    assert value is not None
    assert value.description is None
    schema = value.schema()
    assert isinstance(schema, NumberField)
    assert schema.property == NumberProperty(formatter="0.0")
    assert schema.entry_error is not None
    assert "description" in schema.entry_error


def test_a_field_changed_event_is_still_refused_outside_its_field_values() -> None:
    body = copy.deepcopy(EVENT)
    body["event"]["revision"] = "ten"
    with pytest.raises(ValueError, match="not a valid event body"):
        decode_event(json.dumps(body))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values | near_entries, json_values | near_entries)
def test_arbitrary_event_field_values_never_fail(before: Any, after: Any) -> None:
    decoded = decode_event(json.dumps(_event_with(before, after)))
    assert isinstance(decoded, FieldChangedEvent)
    (action,) = decoded.event.action_list
    for value in (action.before_value, action.after_value):
        if value is not None:
            assert isinstance(value.schema(), FieldSchema)


def test_text_field_entries_are_unchanged() -> None:
    (text,), _ = decode_field_page(_page([VALID[0]]))
    assert isinstance(text, TextField)
    assert text == TextField(field_name=VALID[0]["field_name"], field_id=VALID[0]["field_id"])
