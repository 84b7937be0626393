"""Codecs of derived and unknown types: lookup (19), formula (20), unknown types.

All are read-only. Their read shape is not documented beyond "in the format of
the referenced field" when ``display_formula_ref=true`` (fields.md §3). The
schema decides how far a cell is typed:

* a cell ``{"type": <code>, "value": [...]}`` announces the referenced type
  (the shape the live API uses; *inferred*, not in the seeds): ``value`` is
  decoded with that type's codec into a :class:`RefValue`;
* otherwise a formula's ``formatter`` tells: a date format turns a timestamp
  into a ``datetime``, a number format turns a numeric string into a number;
* anything else stays the raw JSON value. A derived cell never fails to decode.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bitable_async.errors import FieldValueError
from bitable_async.models.fields import FormulaProperty, RawField, UnknownField
from bitable_async.values.base import BaseCodec, Finisher
from bitable_async.values.codecs_time import ms_to_datetime
from bitable_async.values.types import RefValue

__all__ = ["FormulaCodec", "LookupCodec", "RawCodec"]

_NUMBER_FORMATS = frozenset(
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


class RawCodec(BaseCodec):
    """Unknown field types: cells stay raw JSON values; writing is refused."""

    kind: ClassVar[str] = "unknown"
    read_only: ClassVar[bool] = True


class _DerivedCodec(BaseCodec):
    read_only: ClassVar[bool] = True

    def _ref_codec(self, type_code: int) -> BaseCodec | None:
        cache: dict[int, BaseCodec | None] = self.__dict__.setdefault("_refs", {})
        if type_code not in cache:
            cache[type_code] = self._make_ref_codec(type_code)
        return cache[type_code]

    def _make_ref_codec(self, type_code: int) -> BaseCodec | None:
        resolve = self.options.resolve
        if resolve is None or type_code in (19, 20):
            return None
        schema = RawField(field_name=self.field.field_name, type=type_code).to_schema()
        if isinstance(schema, UnknownField):
            return None
        codec = resolve(schema)
        return codec if isinstance(codec, BaseCodec) and not isinstance(codec, RawCodec) else None

    def _from_ref(self, v: dict[str, Any]) -> Any:
        code = v.get("type")
        if not isinstance(code, int) or isinstance(code, bool):
            return v
        inner = v.get("value")
        codec = self._ref_codec(code)
        if codec is None:
            return v
        try:
            if codec.list_shaped or not isinstance(inner, list):
                decoded = codec.decode_builtin(inner)
            else:
                decoded = [codec.decode_builtin(x) for x in inner]
        except FieldValueError:
            return v
        return RefValue(type=code, value=decoded)

    def _by_format(self, v: Any) -> Any:
        return v

    def make_finish(self) -> Finisher | None:
        def finish(v: Any) -> Any:
            if isinstance(v, dict) and "type" in v and "value" in v:
                return self._from_ref(v)
            return self._by_format(v)

        return finish


class LookupCodec(_DerivedCodec):
    """Type 19 (read-only): typed when the cell announces its referenced type."""

    kind: ClassVar[str] = "lookup"


class FormulaCodec(_DerivedCodec):
    """Type 20 (read-only): typed by the announced type or by ``property.formatter``."""

    kind: ClassVar[str] = "formula"

    def _format_mode(self) -> str:
        prop = self.field.property
        fmt = prop.formatter if isinstance(prop, FormulaProperty) else None
        if not fmt:
            return "raw"
        if "yy" in fmt or fmt == "MM-dd":
            return "date"
        return "number" if fmt in _NUMBER_FORMATS else "raw"

    def _by_format(self, v: Any) -> Any:
        mode = self.__dict__.get("_mode")
        if mode is None:
            mode = self.__dict__["_mode"] = self._format_mode()
        if mode == "date":
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                try:
                    return ms_to_datetime(v, self.options.tz)
                except (OverflowError, ValueError, OSError):
                    return v
            return v
        if mode == "number" and type(v) is str:
            try:
                return int(v)
            except ValueError:
                pass
            try:
                return float(v)
            except ValueError:
                return v
        return v
