"""Field schema models: decoding every field example, unknown types, request bodies."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest
from _values_support import example, example_bytes, json_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitable_async.errors import FieldValueError
from bitable_async.models.fields import (
    AutoNumberField,
    DateField,
    DuplexLinkField,
    FieldType,
    FormulaField,
    LinkField,
    LocationField,
    NumberField,
    NumberProperty,
    PersonField,
    RawField,
    SingleSelectField,
    TextField,
    UnknownField,
    decode_field,
    decode_field_page,
    decode_fields,
)
from bitable_async.values import RecordCodec


def test_field_list_example() -> None:
    data = example("app_table_field.list.response.json")["data"]
    schemas, page = decode_field_page(example_bytes(data))
    assert page.total == 18
    assert page.has_more is False
    by_name = {s.field_name: s for s in schemas}
    assert isinstance(by_name["多行文本"], TextField)
    assert by_name["多行文本"].property is None
    num = by_name["数字"]
    assert isinstance(num, NumberField)
    assert num.property == NumberProperty(formatter="0.00")
    sel = by_name["单选"]
    assert isinstance(sel, SingleSelectField)
    assert sel.property is not None
    assert [(o.id, o.name, o.color) for o in sel.property.options] == [
        ("optpeuQVqp", "a++", 0),
        ("opt5g3xLFT", "b", 1),
        ("opt558YmTi", "z", 6),
    ]
    date = by_name["日期"]
    assert isinstance(date, DateField)
    assert date.property is not None
    assert (date.property.date_formatter, date.property.auto_fill) == ("yyyy/MM/dd HH:mm", False)
    link = by_name["单向关联"]
    assert isinstance(link, LinkField)
    assert link.property is not None
    assert (link.property.table_id, link.property.table_name) == ("tblw92ErelmCmgHc", "数据表2")
    duplex = by_name["双向关联"]
    assert isinstance(duplex, DuplexLinkField)
    assert duplex.property is not None
    assert duplex.property.back_field_id == "fldmQGUnWh"
    formula = by_name["公式"]
    assert isinstance(formula, FormulaField)
    assert formula.property is not None
    assert formula.property.formatter == "0.00%"
    assert formula.property.formula_expression is not None
    loc = by_name["地理位置"]
    assert isinstance(loc, LocationField)
    assert loc.property is not None
    assert loc.property.effective_input_type == "not_limit"
    auto = by_name["自动编号"]
    assert isinstance(auto, AutoNumberField)
    assert auto.property is not None
    assert auto.property.auto_serial is not None
    rule = auto.property.auto_serial
    assert rule.type == "custom"
    assert rule.options is not None
    assert [(o.type, o.value) for o in rule.options][:2] == [
        ("system_number", "1"),
        ("created_time", "MMdd"),
    ]
    assert by_name["创建人"].type == FieldType.CREATED_USER
    # the codec of the table builds from the listing
    codec = RecordCodec.from_fields(schemas)
    assert codec.codec("公式").read_only
    assert not codec.codec("数字").read_only


@pytest.mark.parametrize(
    "stem",
    [
        "auto_number_custom",
        "auto_number_increment",
        "created_time",
        "date",
        "duplex_link",
        "formula",
        "number",
        "single_link",
        "single_select.create",
        "single_select.update",
        "user",
    ],
)
def test_field_property_examples(stem: str) -> None:
    """Each request body decodes, and re-encodes to itself; each response decodes typed."""
    request = example(f"field_property.{stem}.request.json")
    schema = decode_field(example_bytes(request))
    assert not isinstance(schema, UnknownField)
    assert schema.to_body() == request
    response = example(f"field_property.{stem}.response.json")["data"]["field"]
    typed = decode_field(example_bytes(response))
    assert type(typed) is type(schema)
    assert typed.field_id == response["field_id"]


def test_event_property_shape_for_location() -> None:
    field = decode_field(b'{"field_name":"loc","type":22,"property":{"input_type":"only_mobile"}}')
    assert isinstance(field, LocationField)
    assert field.property is not None
    assert field.property.effective_input_type == "only_mobile"


def test_unknown_type_never_breaks_a_listing() -> None:
    data = (
        b'[{"field_id":"fld1","field_name":"new","type":9999,"property":{"x":[1,2]},'
        b'"ui_type":"Hologram"},'
        b'{"field_id":"fld2","field_name":"n","type":2,"property":{"formatter":7}},'
        b'{"field_id":"fld3","field_name":"t","type":1,"property":null}]'
    )
    unknown, malformed, text = decode_fields(data)
    assert isinstance(unknown, UnknownField)
    assert (unknown.type, unknown.property, unknown.ui_type) == (9999, {"x": [1, 2]}, "Hologram")
    assert (unknown.raw_property, unknown.property_error) == (None, None)
    # a known type whose property does not match its documented shape keeps its type
    assert type(malformed) is NumberField
    assert malformed.property is None
    assert malformed.raw_property == {"formatter": 7}
    assert malformed.property_error is not None
    assert "$.formatter" in malformed.property_error
    assert isinstance(text, TextField)
    assert (text.raw_property, text.property_error) == (None, None)
    codec = RecordCodec.from_fields([unknown, malformed, text])
    assert codec.codec("n").kind == "number"
    assert not codec.codec("n").read_only
    body = b'[{"record_id":"r","fields":{"new":{"a":[1]},"n":"5.5","t":"x"}}]'
    rec = codec.decode_record_list(body)
    assert rec[0].fields == {"new": {"a": [1]}, "n": 5.5, "t": "x"}
    assert codec.encode_fields({"n": 7}) == {"n": 7}


def test_create_body_from_typed_schema() -> None:
    person = PersonField(field_name="Owner", description="who")
    assert person.to_body() == {"field_name": "Owner", "type": 11, "description": "who"}
    field = NumberField(field_name="Price", property=NumberProperty(formatter="0.00"))
    assert field.to_body() == {"field_name": "Price", "type": 2, "property": {"formatter": "0.00"}}


# --------------------------------------------- a known type with a property it cannot type


def test_known_type_with_unexpected_property_keeps_its_codec() -> None:
    """Audit 3 item 7: cells stay typed and writable when the property has a quirk."""
    data = (
        b'[{"field_id":"f1","field_name":"N","type":2,"property":{"formatter":2}},'
        b'{"field_id":"f2","field_name":"D","type":5,"property":{"auto_fill":"false"}}]'
    )
    number, date = decode_fields(data)
    assert (type(number), type(date)) == (NumberField, DateField)
    assert (number.property, date.property) == (None, None)
    assert (number.raw_property, date.raw_property) == ({"formatter": 2}, {"auto_fill": "false"})
    assert date.property_error is not None
    assert "$.auto_fill" in date.property_error
    codec = RecordCodec.from_fields([number, date])
    assert (codec.codec("N").kind, codec.codec("D").kind) == ("number", "date")
    page = codec.decode_page(
        b'{"items":[{"record_id":"r","fields":{"N":"64","D":1690992000000}}],"has_more":false}'
    )
    when = datetime(2023, 8, 2, 16, 0, tzinfo=timezone.utc)
    assert page.items[0].fields == {"N": 64, "D": when}
    assert codec.encode_fields({"N": 5, "D": when}) == {"N": 5, "D": 1690992000000}
    with pytest.raises(FieldValueError) as info:
        codec.encode_fields({"N": "five"})
    assert info.value.field_name == "N"
    assert "read-only" not in str(info.value)


def test_untyped_property_is_sent_back_by_to_body() -> None:
    """Field update overwrites the property: the one received is kept unless replaced."""
    number = decode_field(b'{"field_name":"N","type":2,"property":{"formatter":2}}')
    assert number.to_body() == {"field_name": "N", "type": 2, "property": {"formatter": 2}}
    renamed = msgspec.structs.replace(number, field_name="M")
    assert renamed.to_body()["property"] == {"formatter": 2}
    typed = msgspec.structs.replace(number, property=NumberProperty(formatter="0.00"))
    assert typed.to_body()["property"] == {"formatter": "0.00"}
    assert "property" not in msgspec.structs.replace(number, raw_property=None).to_body()
    # a type without documented settings keeps a non-null property the same way
    text = decode_field(b'{"field_name":"T","type":1,"property":{"x":1}}')
    assert type(text) is TextField
    assert (text.property, text.raw_property, text.property_error) == (None, {"x": 1}, None)
    assert text.to_body() == {"field_name": "T", "type": 1, "property": {"x": 1}}


def test_envelopes_with_a_property_that_is_not_json_still_decode() -> None:
    """Envelopes built by hand may hold bytes that are not JSON: still no exception."""
    bad = msgspec.Raw(b'{"formatter": ')
    number, text, unknown = decode_fields(
        [
            RawField(field_name="N", type=2, property=bad),
            RawField(field_name="T", type=1, property=bad),
            RawField(field_name="U", type=4242, property=bad),
        ]
    )
    assert (type(number), type(text), type(unknown)) == (NumberField, TextField, UnknownField)
    for field in (number, text):
        assert (field.property, field.raw_property) == (None, None)
        assert field.property_error is not None
        assert field.property_error.startswith("property is not JSON")
    assert unknown.property is None
    codec = RecordCodec.from_fields([number, text, unknown])
    assert codec.codec("N").decode(b'"3"') == 3


def _select(type_code: int, prop: bytes, **options: bool) -> RecordCodec:
    data = b'[{"field_name":"S","type":%d,"property":%s}]' % (type_code, prop)
    (field,) = decode_fields(data)
    assert field.property is None
    assert field.property_error is not None
    return RecordCodec.from_fields([field], **options)


def test_select_with_unreadable_property_checks_the_names_it_can_read() -> None:
    # every option has a readable name: checked as usual
    codec = _select(3, b'{"options":[{"name":"a","color":"red"},{"name":"b","id":"o2"}]}')
    assert codec.decode_record_list(b'[{"record_id":"r","fields":{"S":"a"}}]')[0].fields == {
        "S": "a"
    }
    assert codec.encode_fields({"S": "b"}) == {"S": "b"}
    with pytest.raises(FieldValueError, match="unknown option") as info:
        codec.encode_fields({"S": "zz"})
    assert info.value.field_name == "S"
    assert info.value.expected == "one of the field's options: a, b"


def test_select_with_partly_unreadable_options_refuses_names_it_cannot_check() -> None:
    prop = b'{"options":[{"name":"a","color":"red"},{"id":"o2"},7]}'
    codec = _select(4, prop)
    assert codec.encode_fields({"S": ["a"]}) == {"S": ["a"]}
    with pytest.raises(FieldValueError, match="cannot be checked") as info:
        codec.encode_fields({"S": ["a", "b"]})
    assert info.value.field_name == "S"
    assert info.value.expected is not None
    assert "(a)" in info.value.expected
    assert "allow_new_options=True" in info.value.expected
    lenient = _select(4, prop, allow_new_options=True)
    assert lenient.encode_fields({"S": ["a", "b"]}) == {"S": ["a", "b"]}


@pytest.mark.parametrize("prop", [b'{"options":"a,b"}', b"[1]", b'"x"', b'{"options":[{}]}'])
def test_select_without_readable_options_refuses_every_name(prop: bytes) -> None:
    codec = _select(3, prop)
    with pytest.raises(FieldValueError, match="cannot be checked") as info:
        codec.encode_fields({"S": "a"})
    assert info.value.field_name == "S"
    assert info.value.expected == "other names need allow_new_options=True"
    assert codec.encode_fields({"S": None}) == {"S": None}
    assert _select(3, prop, allow_new_options=True).encode_fields({"S": "a"}) == {"S": "a"}


def test_single_value_checks_are_left_to_the_api_when_multiple_is_unreadable() -> None:
    data = (
        b'[{"field_name":"L","type":18,"property":{"table_id":"tbl1","multiple":"no"}},'
        b'{"field_name":"P","type":11,"property":{"multiple":0}}]'
    )
    link, person = decode_fields(data)
    assert (type(link), type(person)) == (LinkField, PersonField)
    codec = RecordCodec.from_fields([link, person])
    assert codec.encode_fields({"L": ["rec1", "rec2"], "P": ["ou_1", "ou_2"]}) == {
        "L": ["rec1", "rec2"],
        "P": [{"id": "ou_1"}, {"id": "ou_2"}],
    }


# one valid cell of each known type; types are compared with the same field without property
VALID_CELLS: dict[int, Any] = {
    1: "text",
    2: "64",
    3: "a",
    4: ["a", "b"],
    5: 1690992000000,
    7: True,
    11: [{"id": "ou_1", "name": "N"}],
    13: "+8613800000000",
    15: {"link": "https://example.com", "text": "ex"},
    17: [{"file_token": "tok", "name": "f.txt"}],
    18: ["rec1"],
    19: [{"type": "text", "text": "a"}],
    20: "12.5",
    21: {"link_record_ids": ["rec1"]},
    22: {"location": "116.3,39.9", "name": "here"},
    23: [{"id": "oc_1", "name": "chat"}],
    1001: 1690992000000,
    1002: 1690992000000,
    1003: [{"id": "ou_1"}],
    1004: {"id": "ou_1"},
    1005: "17",
}

# dictionaries keyed by the documented property keys, with values of any JSON type
PROPERTY_KEYS = [
    "formatter",
    "options",
    "name",
    "id",
    "color",
    "date_formatter",
    "auto_fill",
    "multiple",
    "table_id",
    "table_name",
    "back_field_name",
    "back_field_id",
    "formula_expression",
    "auto_serial",
    "type",
    "value",
    "location",
    "input_type",
]
near_properties = st.recursive(
    json_values,
    lambda inner: (
        st.dictionaries(st.sampled_from(PROPERTY_KEYS), inner, max_size=4)
        | st.lists(inner, max_size=3)
    ),
    max_leaves=12,
)


def test_valid_cells_cover_every_known_type() -> None:
    assert set(VALID_CELLS) == {int(t) for t in FieldType}


@pytest.mark.parametrize("code", sorted(VALID_CELLS))
def test_any_property_keeps_the_type_and_its_codec(code: int) -> None:
    bare = RawField(field_name="f", type=code).to_schema()
    bare_codec = RecordCodec.from_fields([bare], allow_new_options=True).codec("f")
    cell = json.dumps(VALID_CELLS[code]).encode()
    expected = bare_codec.decode(cell)
    assert expected is not None

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(json_values | near_properties)
    def check(prop: Any) -> None:
        item = {"field_id": "fld1", "field_name": "f", "type": code, "property": prop}
        data = json.dumps({"items": [item], "has_more": False}).encode()
        (field,), _ = decode_field_page(data)
        assert type(field) is type(bare)
        assert decode_field(json.dumps(item).encode()) == field
        if field.property_error is not None:
            assert field.property is None
            assert field.raw_property == prop
        codec = RecordCodec.from_fields([field], allow_new_options=True).codec("f")
        assert (codec.kind, codec.read_only) == (bare_codec.kind, bare_codec.read_only)
        value = codec.decode(cell)
        if code == 20 and field.property is not None:
            # a formula's formatter, when it could be read, may type the result
            assert value in (expected, 12.5)
        else:
            assert value == expected
        if not codec.read_only:
            assert codec.encode(value) == bare_codec.encode(expected)

    check()
