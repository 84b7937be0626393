"""Registry, codec protocol, formula / lookup typing, and import order."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import pytest
from _values_support import derived_schema, seed_schema

from bitable_async.errors import FieldValueError
from bitable_async.models.fields import FieldType, NumberField, RawField, TextField, UnknownField
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


def test_formula_and_lookup_values() -> None:
    codec = RecordCodec.from_fields(derived_schema())
    body = (
        '[{"record_id":"r","fields":{'
        '"公式数字":"12.5","公式日期":1690992000000,"公式":{"k":1},'
        '"查找引用":{"type":1,"value":[{"type":"text","text":"a"}]}}},'
        '{"record_id":"s","fields":{'
        '"公式":{"type":2,"value":[1,"2.5"]},'
        '"查找引用":{"type":11,"value":[{"id":"ou_1","name":"N"}]}}},'
        '{"record_id":"t","fields":{'
        '"公式":{"type":5,"value":["bad"]},"查找引用":{"type":999,"value":[1]},'
        '"公式数字":"n/a"}}]'
    ).encode()
    r, s, t = codec.decode_record_list(body)
    assert r.fields["公式数字"] == 12.5
    assert r.fields["公式日期"] == datetime(2023, 8, 2, 16, 0, tzinfo=timezone.utc)
    assert r.fields["公式"] == {"k": 1}  # nothing tells its type: raw
    assert r.fields["查找引用"] == RefValue(type=1, value=[TextSegment(type="text", text="a")])
    assert s.fields["公式"] == RefValue(type=2, value=[1, 2.5])
    assert s.fields["查找引用"] == RefValue(type=11, value=[Person(id="ou_1", name="N")])
    # values that do not fit the announced type, or unknown types, stay raw
    assert t.fields["公式"] == {"type": 5, "value": ["bad"]}
    assert t.fields["查找引用"] == {"type": 999, "value": [1]}
    assert t.fields["公式数字"] == "n/a"


@pytest.mark.parametrize(
    "module",
    ["bitable_async.models.record", "bitable_async.values.record_codec", "bitable_async.values"],
)
def test_no_import_cycle_whatever_is_imported_first(module: str) -> None:
    code = f"import {module}; from bitable_async.values import RecordCodec, RecordModel"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
