"""Field schema models: decoding every field example, unknown types, request bodies."""

from __future__ import annotations

import pytest
from _values_support import example, example_bytes

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
    # a property that does not match its documented shape is kept raw too
    assert isinstance(malformed, UnknownField)
    assert malformed.property == {"formatter": 7}
    assert isinstance(text, TextField)
    codec = RecordCodec.from_fields([unknown, malformed, text])
    rec = codec.decode_record_list(b'[{"record_id":"r","fields":{"new":{"a":[1]},"n":5,"t":"x"}}]')
    assert rec[0].fields == {"new": {"a": [1]}, "n": 5, "t": "x"}


def test_create_body_from_typed_schema() -> None:
    person = PersonField(field_name="Owner", description="who")
    assert person.to_body() == {"field_name": "Owner", "type": 11, "description": "who"}
    field = NumberField(field_name="Price", property=NumberProperty(formatter="0.00"))
    assert field.to_body() == {"field_name": "Price", "type": 2, "property": {"formatter": "0.00"}}
