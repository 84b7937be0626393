"""Codecs of derived and unknown types: lookup (19), formula (20), unknown types.

All are read-only. fields.md §3 documents no read shape for them beyond this:
by default a formula / lookup cell carries "the field's default type and
result"; with the request option ``display_formula_ref=true`` it comes "in the
format of the referenced field". So the type of a derived cell is taken from
the schema and from the request, never guessed from the cell's shape:

1. **Referenced field** -- only when the request is known to have asked for
   ``display_formula_ref=true`` (``RecordCodec.for_request``) *and* the
   referenced field is known: declared (``RecordCodec(references={name:
   schema})``; the field list does not document where a lookup points -- its
   ``property`` is null), or, for a formula whose expression is exactly one
   reference to a field of the same table, found by :func:`table_references`.
   The cell is
   decoded by the referenced type's codec into a :class:`RefValue`: list-shaped
   types (text, person, link ...) decode the cell as a whole, scalar types
   decode each element of a list cell. A ``{"type": <code>, "value": ...}``
   wrapper is unwrapped only when its ``type`` equals the declared code
   (*inferred* tolerance of the live API's shape; the wrapper never picks a type).
2. **Formula formatter** -- also only with ``display_formula_ref=true``, for a
   formula whose reference is not known: its ``property.formatter`` (fields.md
   §4) names the result's type. A number format (``"0.00"``, ``"1,000"``,
   ``"%"`` ...) turns numbers and strict numeric strings into numbers; a date
   format (``"yyyy/MM/dd"`` ...) turns millisecond timestamps into aware
   datetimes.
3. Otherwise -- in particular whenever the request did not ask for
   ``display_formula_ref=true`` -- the cell stays the raw JSON value (no
   per-cell work at all): the default shape ("the field's default type and
   result") is not documented, so nothing is assumed about it.

A cell that does not fit the rule chosen for its field is kept raw: a derived
cell never fails to decode, so it never breaks a listing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from bitable_async.errors import FieldValueError
from bitable_async.models.fields import FieldSchema, FormulaProperty, RawField, UnknownField
from bitable_async.values.base import BaseCodec, CellValueError, Finisher, short_repr
from bitable_async.values.codecs_scalar import read_number_str
from bitable_async.values.codecs_time import ms_to_datetime
from bitable_async.values.types import RefValue

__all__ = [
    "DATE_FORMATS",
    "NUMBER_FORMATS",
    "FormulaCodec",
    "LookupCodec",
    "RawCodec",
    "formula_reference",
    "references_of",
    "table_references",
]

NUMBER_FORMATS = frozenset(
    {
        "0",
        "0.0",
        "0.00",
        "0.000",
        "0.0000",
        "1,000",
        "1,000.00",
        "%",
        "0.00%",
        "¥",
        "¥0.00",
        "$",
        "$0.00",
    }
)
"""Formula / number ``formatter`` values of a number result (fields.md §4)."""

DATE_FORMATS = frozenset(
    {
        "yyyy/MM/dd HH:mm",
        "yyyy/MM/dd",
        "yyyy-MM-dd",
        "yyyy-MM-dd HH:mm",
        "MM-dd",
        "MM/dd/yyyy",
        "dd/MM/yyyy",
    }
)
"""``formatter`` values of a date result (fields.md §4: the formula and date lists)."""

_DERIVED = (19, 20)


class RawCodec(BaseCodec):
    """Unknown field types: cells stay raw JSON values; writing is refused."""

    kind: ClassVar[str] = "unknown"
    read_only: ClassVar[bool] = True


def _number_or_raw(v: Any) -> Any:
    return read_number_str(v) if type(v) is str else v


class _DerivedCodec(BaseCodec):
    read_only: ClassVar[bool] = True

    def reference(self) -> BaseCodec | None:
        """The codec of the referenced field, when rule 1 of the module applies.

        Returns:
            The codec, or ``None`` when the request did not ask for
            ``display_formula_ref=true``, no reference was declared for this
            field, or the declared type is itself derived or unknown.
        """
        opts = self.options
        if opts.display_formula_ref is not True or not opts.references:
            return None
        ref = opts.references.get(self.field.field_name)
        if ref is None or opts.resolve is None:
            return None
        schema = (
            ref
            if isinstance(ref, FieldSchema)
            else RawField(field_name=self.field.field_name, type=ref).to_schema()
        )
        if schema.type in _DERIVED or isinstance(schema, UnknownField):
            return None
        codec = opts.resolve(schema)
        return None if isinstance(codec, RawCodec) else codec

    def _formatted(self) -> Finisher | None:
        return None

    def value_annotations(self) -> dict[Any, Finisher]:
        """The record model annotations this field fits.

        Returns:
            ``{RefValue: ...}`` when rule 1 of the module applies (a cell that
            is not in the referenced field's shape then fails the model's
            decode), else nothing (annotate the attribute ``Any``).
        """
        if self.reference() is None:
            return {}

        def ref_only(v: Any) -> Any:
            if type(v) is RefValue:
                return v
            raise CellValueError(
                "the cell is not in the referenced field's read shape",
                field_name=self.field.field_name,
                field_type=self.type_label,
                expected="a value of the referenced field's type (RefValue)",
                given=short_repr(v),
            )

        return {RefValue: ref_only}

    def make_finish(self) -> Finisher | None:
        """The converter chosen by the schema and the request (module rules 1-3).

        Returns:
            The converter, or ``None`` for raw cells.
        """
        ref = self.reference()
        if ref is None:
            return self._formatted()
        code = ref.field.type
        whole = ref.list_shaped
        decode = ref.decode_builtin

        def finish(v: Any) -> Any:
            inner = v
            if type(v) is dict and v.get("type") == code and "value" in v:
                inner = v["value"]
            try:
                if whole or type(inner) is not list:
                    decoded = decode(inner)
                else:
                    decoded = [decode(x) for x in inner]
            except FieldValueError:
                return v
            return RefValue(type=code, value=decoded)

        return finish


class LookupCodec(_DerivedCodec):
    """Type 19 (read-only): raw, or typed by a declared referenced field.

    See the module docstring for the full rule.
    """

    kind: ClassVar[str] = "lookup"


class FormulaCodec(_DerivedCodec):
    """Type 20 (read-only): with ``display_formula_ref=true``, typed by its reference or formatter.

    See the module docstring for the full rule.
    """

    kind: ClassVar[str] = "formula"

    def format_mode(self) -> str:
        """How ``property.formatter`` types the result (applied with ``display_formula_ref=true``).

        Returns:
            ``"number"``, ``"date"`` or ``"raw"`` (no or an unknown formatter).
        """
        prop = self.field.property
        fmt = prop.formatter if isinstance(prop, FormulaProperty) else None
        if not fmt:
            return "raw"
        if fmt in DATE_FORMATS:
            return "date"
        return "number" if fmt in NUMBER_FORMATS else "raw"

    def finish_column(self, values: Sequence[Any]) -> list[Any]:
        """Finish a page's cells of this field (numeric strings inline for number formats).

        Args:
            values: wire values (``None`` = empty).

        Returns:
            The finished values.
        """
        if self.finish is _number_or_raw:
            return [read_number_str(v) if type(v) is str else v for v in values]
        return super().finish_column(values)

    def _formatted(self) -> Finisher | None:
        if self.options.display_formula_ref is not True:
            return None
        mode = self.format_mode()
        if mode == "number":
            return _number_or_raw
        if mode == "date":
            tz = self.options.tz

            def to_date(v: Any) -> Any:
                t = type(v)
                if t is int or t is float:
                    try:
                        return ms_to_datetime(v, tz)
                    except (OverflowError, ValueError, OSError):
                        return v
                return v

            return to_date
        return None


def references_of(refs: Mapping[str, FieldSchema | int] | None) -> dict[str, FieldSchema | int]:
    """Copy a ``references`` mapping, checking its values.

    Args:
        refs: derived field name -> the referenced field's schema or type code.

    Returns:
        A plain dict (empty for ``None``).

    Raises:
        TypeError: a value is neither a FieldSchema nor an int type code.
    """
    out: dict[str, FieldSchema | int] = {}
    for name, ref in (refs or {}).items():
        if isinstance(ref, bool) or not isinstance(ref, (FieldSchema, int)):
            raise TypeError(
                f"references[{name!r}] must be a FieldSchema or an int type code, "
                f"not {type(ref).__name__}"
            )
        out[name] = ref
    return out


_REFERENCE = re.compile(r"\s*bitable::\$table\[(\w+)\]\.\$field\[(\w+)\]\s*")


def formula_reference(field: FieldSchema) -> tuple[str, str] | None:
    """The field a formula shows unchanged, read from its expression.

    fields.md §4: a formula expression names fields as
    ``bitable::$table[<table id>].$field[<field id>]``. Only an expression that
    is exactly one such reference has a single referenced field (any other
    expression computes something else).

    Args:
        field: a field schema.

    Returns:
        ``(table_id, field_id)``, or ``None`` when ``field`` is not a formula
        or its expression is not one bare reference.
    """
    prop = field.property if field.type == 20 else None
    expression = prop.formula_expression if isinstance(prop, FormulaProperty) else None
    match = _REFERENCE.fullmatch(expression or "")
    return None if match is None else (match.group(1), match.group(2))


def table_references(
    fields: Sequence[FieldSchema],
    declared: Mapping[str, FieldSchema | int] | None = None,
    *,
    table_id: str | None = None,
) -> dict[str, FieldSchema | int]:
    """The ``references`` of a table: the declared ones plus what the schema tells.

    A formula whose expression is one reference to a field of this table
    (:func:`formula_reference`) references that field; a declared entry wins.
    A reference to another formula / lookup of this table is followed to the
    field that one references (when known); references still ending on a
    formula or lookup are dropped. Lookups are never inferred: their property
    is null in the field list.

    Args:
        fields: the table's fields.
        declared: formula / lookup field name -> referenced schema or type code.
        table_id: the table's id; a formula referencing another table is not
            inferred (nor is any when ``None``).

    Returns:
        derived field name -> referenced schema or type code.

    Raises:
        TypeError: a declared value is neither a FieldSchema nor an int.
    """
    refs = references_of(declared)
    by_id = {f.field_id: f for f in fields if f.field_id}
    own = {id(f) for f in fields}
    for f in fields:
        points = formula_reference(f) if table_id is not None else None
        if points is not None and f.field_name not in refs and points[0] == table_id:
            target = by_id.get(points[1])
            if target is not None:
                refs[f.field_name] = target
    out: dict[str, FieldSchema | int] = {}
    for name, ref in refs.items():
        seen = {name}
        # Follow this table's own derived fields (by identity, not by name).
        while (
            isinstance(ref, FieldSchema)
            and ref.type in _DERIVED
            and id(ref) in own
            and ref.field_name in refs
            and ref.field_name not in seen
        ):
            seen.add(ref.field_name)
            ref = refs[ref.field_name]
        if isinstance(ref, FieldSchema) and ref.type in _DERIVED:
            continue
        out[name] = ref
    return out
