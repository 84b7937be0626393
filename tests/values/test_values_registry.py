"""Registry, codec protocol, formula / lookup typing, and import order."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import msgspec
import pytest
from _values_support import derived_schema, seed_schema

from bitable_async.errors import FieldValueError
from bitable_async.models.fields import (
    FieldSchema,
    FieldType,
    NumberField,
    RawField,
    TextField,
    UnknownField,
)
from bitable_async.models.record import RawRecord
from bitable_async.values import (
    CODECS,
    READ_ONLY_TYPES,
    FieldCodec,
    LinkValue,
    Person,
    RecordCodec,
    RefValue,
    TextSegment,
    codec_for,
)
from bitable_async.values.codecs_derived import RawCodec
from bitable_async.values.codecs_scalar import BarcodeCodec, ProgressCodec, RatingCodec


def test_every_type_code_has_a_codec() -> None:
    assert set(CODECS) == {int(t) for t in FieldType}
    assert frozenset({19, 20, 21, 23, 1001, 1002, 1003, 1004, 1005}) == READ_ONLY_TYPES
    for code in CODECS:
        schema = RawField(field_name="f", type=code).to_schema()
        codec: FieldCodec = codec_for(schema)
        assert isinstance(codec, FieldCodec)
        assert codec.field is schema


def test_ui_type_variants_and_unknown() -> None:
    assert isinstance(codec_for(TextField(field_name="b", ui_type="Barcode")), BarcodeCodec)
    assert isinstance(codec_for(NumberField(field_name="p", ui_type="Progress")), ProgressCodec)
    assert isinstance(codec_for(NumberField(field_name="r", ui_type="Rating")), RatingCodec)
    unknown = UnknownField(field_name="u", type=4242, property={"a": 1})
    codec = codec_for(unknown)
    assert isinstance(codec, RawCodec)
    assert codec.read_only
    assert codec.decode(b'{"anything": [1, "x"]}') == {"anything": [1, "x"]}


def test_codec_decodes_from_schema_not_from_shape() -> None:
    """The same cell JSON gives different values for different field types."""
    cell = b'["recA", "recB"]'
    assert RecordCodec.from_fields([TextField(field_name="x")]).codec("x").decode(b'"s"') == "s"
    codec = RecordCodec.from_fields(seed_schema())
    assert codec.codec("单向关联").decode(cell) == LinkValue(record_ids=("recA", "recB"))
    assert codec.codec("多选").decode('["选项1"]') == ["选项1"]
    with pytest.raises(FieldValueError, match="cannot read cell"):
        codec.codec("人员").decode(cell)


_DERIVED_BODY = (
    '[{"record_id":"r","fields":{'
    '"公式数字":"12.5","公式日期":1690992000000,"公式":{"k":1},'
    '"查找引用":[{"type":"text","text":"a"}]}},'
    '{"record_id":"s","fields":{'
    '"公式":{"type":2,"value":[1,"2.5"]},"公式数字":"1,000",'
    '"查找引用":{"type":1,"value":[{"type":"text","text":"b"}]}}},'
    '{"record_id":"t","fields":{'
    '"公式":{"type":5,"value":["bad"]},"查找引用":{"type":11,"value":[{"id":"ou_1"}]},'
    '"公式数字":"n/a","公式日期":"2023-08-02"}}]'
).encode()


def test_formula_raw_without_display_formula_ref() -> None:
    """The issue: formula / lookup cells are raw unless display_formula_ref says otherwise."""
    for option in (None, False):
        codec = RecordCodec.from_fields(derived_schema()).for_request(display_formula_ref=option)
        r, s, t = codec.decode_record_list(_DERIVED_BODY)
        assert r.fields["公式数字"] == "12.5"
        assert r.fields["公式日期"] == 1690992000000
        assert s.fields["公式数字"] == "1,000"
        assert t.fields["公式日期"] == "2023-08-02"
        assert all(codec.codec(n).finish is None for n in ("公式数字", "公式日期", "公式"))


def test_formula_typed_by_formatter_and_never_by_cell_shape() -> None:
    base = RecordCodec.from_fields(derived_schema())
    codec = base.for_request(display_formula_ref=True)
    assert codec is not base
    assert codec is base.for_request(display_formula_ref=True)  # built once
    assert base.for_request(display_formula_ref=False) is base
    r, s, t = codec.decode_record_list(_DERIVED_BODY)
    # with display_formula_ref=true the schema's formatter types the formula: number / date
    assert r.fields["公式数字"] == 12.5
    assert r.fields["公式日期"] == datetime(2023, 8, 2, 16, 0, tzinfo=timezone.utc)
    # strings that are not strict numbers, and non-timestamps, stay raw
    assert s.fields["公式数字"] == "1,000"
    assert t.fields["公式数字"] == "n/a"
    assert t.fields["公式日期"] == "2023-08-02"
    # no formatter, no declared reference: raw -- a {type, value} cell picks no type
    assert r.fields["公式"] == {"k": 1}
    assert s.fields["公式"] == {"type": 2, "value": [1, "2.5"]}
    assert r.fields["查找引用"] == [{"type": "text", "text": "a"}]
    assert s.fields["查找引用"] == {"type": 1, "value": [{"type": "text", "text": "b"}]}
    # the cell-by-cell path agrees, and raw fields cost no per-cell work
    assert codec.decode_records(msgspec.json.decode(_DERIVED_BODY, type=list[RawRecord])) == [
        r,
        s,
        t,
    ]
    assert codec.codec("公式").finish is None
    assert codec.codec("查找引用").finish is None


def test_display_formula_ref_uses_the_declared_reference() -> None:
    refs: dict[str, FieldSchema | int] = {"查找引用": TextField(field_name="name"), "公式": 2}
    codec = RecordCodec.from_fields(derived_schema(), references=refs)
    # the request's option is unknown: references are not applied
    assert codec.decode_record_list(_DERIVED_BODY)[0].fields["查找引用"] == [
        {"type": "text", "text": "a"}
    ]
    ref = codec.for_request(display_formula_ref=True)
    assert ref is codec.for_request(display_formula_ref=True)  # cached
    assert ref.display_formula_ref is True
    assert codec.for_request(display_formula_ref=None) is codec
    r, s, t = ref.decode_record_list(_DERIVED_BODY)
    # in the referenced field's format: a text lookup decodes as text segments
    assert r.fields["查找引用"] == RefValue(type=1, value=[TextSegment(type="text", text="a")])
    # a {type, value} wrapper is unwrapped only when it names the declared type
    assert s.fields["查找引用"] == RefValue(type=1, value=[TextSegment(type="text", text="b")])
    assert t.fields["查找引用"] == {"type": 11, "value": [{"id": "ou_1"}]}
    # a scalar reference decodes each element of a list cell
    assert s.fields["公式"] == RefValue(type=2, value=[1, 2.5])
    # a cell that does not fit the reference stays raw (never a failure)
    assert t.fields["公式"] == {"type": 5, "value": ["bad"]}
    assert r.fields["公式"] == {"k": 1}
    # fields without a reference keep the formatter rule
    assert r.fields["公式数字"] == 12.5
    # display_formula_ref=False: references are not applied either
    off = codec.for_request(display_formula_ref=False)
    assert off.decode_record_list(_DERIVED_BODY)[1].fields["公式"] == {
        "type": 2,
        "value": [1, "2.5"],
    }


def test_person_lookup_reference_and_bad_references() -> None:
    codec = RecordCodec.from_fields(
        derived_schema(), references={"查找引用": 11}, display_formula_ref=True
    )
    (rec,) = codec.decode_record_list(
        '[{"record_id":"r","fields":{"查找引用":[{"id":"ou_1","name":"N"}]}}]'.encode()
    )
    assert rec.fields["查找引用"] == RefValue(type=11, value=[Person(id="ou_1", name="N")])
    # a reference to a derived or unknown type is ignored: raw
    for code in (19, 20, 4242):
        c = RecordCodec.from_fields(
            derived_schema(), references={"查找引用": code}, display_formula_ref=True
        )
        assert c.codec("查找引用").finish is None
    # without a declared reference or a formatter-typed formula, a codec is its own
    # for every request
    untyped = [f for f in derived_schema() if f.field_name not in ("公式数字", "公式日期")]
    plain = RecordCodec.from_fields(untyped)
    assert plain.for_request(display_formula_ref=True) is plain
    with pytest.raises(TypeError, match="references"):
        RecordCodec.from_fields(derived_schema(), references={"查找引用": "text"})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    "module",
    ["bitable_async.models.record", "bitable_async.values.record_codec", "bitable_async.values"],
)
def test_no_import_cycle_whatever_is_imported_first(module: str) -> None:
    code = f"import {module}; from bitable_async.values import RecordCodec, RecordModel"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
