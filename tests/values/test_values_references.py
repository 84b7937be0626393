"""Which field a formula / lookup shows: formula expressions, declared references, models."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

import msgspec
import pytest

from bitable_async.errors import FieldValueError
from bitable_async.models.fields import (
    DateField,
    FieldSchema,
    FormulaField,
    FormulaProperty,
    LookupField,
    SingleSelectField,
    TextField,
)
from bitable_async.models.record import RawRecord
from bitable_async.values import RecordCodec, RefValue
from bitable_async.values.codecs_derived import formula_reference, table_references
from bitable_async.values.model import Field, RecordModel

TABLE = "tblRefs00000001"


def _formula(name: str, expression: str, field_id: str) -> FormulaField:
    return FormulaField(
        field_name=name,
        field_id=field_id,
        property=FormulaProperty(formula_expression=expression),
    )


def _raw(cells: dict[str, Any]) -> RawRecord:
    return msgspec.json.decode(
        msgspec.json.encode({"record_id": "rec1", "fields": cells}), type=RawRecord
    )


def _ref(field_id: str, table: str = TABLE) -> str:
    return f"bitable::$table[{table}].$field[{field_id}]"


DUE = DateField(field_name="Due", field_id="fldDue0001")
NAME = TextField(field_name="Name", field_id="fldName001")
LOOKUP = LookupField(field_name="Stage (lookup)", field_id="fldLook001")


def test_formula_reference_reads_one_bare_reference_only() -> None:
    assert formula_reference(_formula("f", _ref("fldDue0001"), "fldF000001")) == (
        TABLE,
        "fldDue0001",
    )
    assert formula_reference(_formula("f", f"  {_ref('fldX')}\n", "fldF000001")) == (
        TABLE,
        "fldX",
    )
    for expression in (f"{_ref('fldDue0001')}*6+333", f'IF({_ref("fldA")}.CONTAIN("x"),1,2)', ""):
        assert formula_reference(_formula("f", expression, "fldF000001")) is None
    assert formula_reference(DUE) is None
    assert formula_reference(FormulaField(field_name="no property")) is None


def test_table_references_infer_follow_and_prefer_declarations() -> None:
    fields: list[FieldSchema] = [
        NAME,
        DUE,
        LOOKUP,
        _formula("Due copy", _ref("fldDue0001"), "fldF000001"),
        _formula("Copy of copy", _ref("fldF000001"), "fldF000002"),
        _formula("Via lookup", _ref("fldLook001"), "fldF000003"),
        _formula("Other table", _ref("fldDue0001", "tblOther000001"), "fldF000004"),
        _formula("Unknown field", _ref("fldGone0001"), "fldF000005"),
        _formula("Loop a", _ref("fldF000007"), "fldF000006"),
        _formula("Loop b", _ref("fldF000006"), "fldF000007"),
        _formula("Name copy", _ref("fldName001"), "fldF000008"),
    ]
    stage = SingleSelectField(field_name="Stage")
    refs = table_references(fields, {"Stage (lookup)": stage, "Name copy": 2}, table_id=TABLE)
    assert refs == {
        "Stage (lookup)": stage,
        "Name copy": 2,  # declared: wins over the expression
        "Due copy": DUE,
        "Copy of copy": DUE,  # followed through "Due copy"
        "Via lookup": stage,  # followed through the declared lookup
    }
    # The lookup alone, undeclared, ends nowhere: the formula pointing at it is dropped.
    assert "Via lookup" not in table_references(fields, table_id=TABLE)
    # Without the table id nothing is inferred.
    assert table_references(fields, {"Stage (lookup)": 3}) == {"Stage (lookup)": 3}


def test_codec_built_with_table_references_decodes_only_for_the_option() -> None:
    fields: list[FieldSchema] = [DUE, _formula("Due copy", _ref("fldDue0001"), "fldF000001")]
    codec = RecordCodec.from_fields(fields, references=table_references(fields, table_id=TABLE))
    raw = _raw({"Due copy": 1714521600000})
    assert codec.decode_record(raw).fields["Due copy"] == 1714521600000
    on = codec.for_request(display_formula_ref=True).decode_record(raw)
    assert on.fields["Due copy"] == RefValue(
        type=5, value=datetime(2024, 5, 1, tzinfo=timezone.utc)
    )


class Typed(RecordModel):
    stage: Annotated[RefValue | None, Field("Stage (lookup)")] = None


class Loose(RecordModel):
    stage: Annotated[Any, Field("Stage (lookup)")] = None


def test_models_may_annotate_referenced_cells_as_refvalue() -> None:
    codec = RecordCodec.from_fields([LOOKUP], references={"Stage (lookup)": 3})
    on = codec.for_request(display_formula_ref=True)
    typed = on.model_codec(Typed).decode_record(_raw({"Stage (lookup)": ["Build"]}))
    assert typed.stage == RefValue(type=3, value=["Build"])
    # A cell not in the referenced shape is kept raw by the codec; the model refuses it.
    with pytest.raises(FieldValueError, match="referenced field's read shape"):
        on.model_codec(Typed).decode_record(_raw({"Stage (lookup)": {"odd": True}}))
    # Without display_formula_ref=True the cell is raw: RefValue does not fit, Any does.
    with pytest.raises(FieldValueError, match="does not fit"):
        codec.model_codec(Typed)
    loose = codec.model_codec(Loose).decode_record(_raw({"Stage (lookup)": ["Build"]}))
    assert loose.stage == ["Build"]
