"""Codecs of the scalar field types: text, number, select, checkbox, phone, auto number.

Read shapes per fields.md §3: text is a string or a segment array; numbers may
arrive as numeric strings (list endpoint); selects are option names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from bitable_async.models.fields import SelectProperty
from bitable_async.values.base import BaseCodec, Finisher, same
from bitable_async.values.types import TextSegment, segments_to_text

__all__ = [
    "AutoNumberCodec",
    "BarcodeCodec",
    "CheckboxCodec",
    "CurrencyCodec",
    "EmailCodec",
    "MultiSelectCodec",
    "NumberCodec",
    "PhoneCodec",
    "ProgressCodec",
    "RatingCodec",
    "SingleSelectCodec",
    "TextCodec",
]


def _flatten(value: Any) -> str:
    return value if isinstance(value, str) else segments_to_text(value)


def _as_segments(value: Any) -> list[TextSegment]:
    if isinstance(value, str):
        return [TextSegment(type="text", text=value)]
    return list(value)


class TextCodec(BaseCodec):
    """Type 1. Reads a plain string or a segment list (kept as ``list[TextSegment]``).

    Writes a string. Segment arrays on write are not documented (fields.md §3),
    so a segment list is written as its concatenated display text.
    """

    kind: ClassVar[str] = "text"
    list_shaped: ClassVar[bool] = True
    expected = "a str (or a list of TextSegment, written as its plain text)"
    read_expected = "a string or a list of text segments"

    def make_wire_type(self) -> Any:
        return str | list[TextSegment]

    def value_annotations(self) -> dict[Any, Finisher]:
        return {str: _flatten, list[TextSegment]: _as_segments}

    def encode_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return value
        if isinstance(value, (list, tuple)):
            parts: list[str] = []
            for seg in value:
                if isinstance(seg, TextSegment):
                    parts.append(seg.text)
                elif isinstance(seg, Mapping) and isinstance(seg.get("text"), str):
                    parts.append(seg["text"])
                else:
                    raise self.error("not a text segment", seg)
            return "".join(parts)
        raise self.error("not text", value)


class BarcodeCodec(TextCodec):
    """Type 1 with ``ui_type`` ``"Barcode"`` (read as segments in 000; inferred)."""

    kind: ClassVar[str] = "barcode"


class EmailCodec(TextCodec):
    """Type 1 with ``ui_type`` ``"Email"`` (inferred; not in the seeds)."""

    kind: ClassVar[str] = "email"


class NumberCodec(BaseCodec):
    """Type 2. Reads numbers and numeric strings; writes finite ``int``/``float``.

    ``bool`` is rejected (it is an ``int`` subclass), and so are NaN, infinities
    and strings. ``Decimal`` is written as ``int`` when integral, else ``float``.
    """

    kind: ClassVar[str] = "number"
    expected = "a finite int or float (not bool, not str)"
    read_expected = "a number or a numeric string"

    def make_wire_type(self) -> Any:
        return int | float | str

    def make_finish(self) -> Finisher | None:
        error = self.error

        def finish(v: Any) -> Any:
            if type(v) is not str:
                return v
            try:
                return int(v)
            except ValueError:
                pass
            try:
                f = float(v)
            except ValueError:
                raise error("not a numeric string", v, expected=self.read_expected) from None
            if not math.isfinite(f):
                raise error("not a finite number", v, expected=self.read_expected)
            return f

        return finish

    def value_annotations(self) -> dict[Any, Finisher]:
        return {float: float, int | float: same, int: self._to_int}

    def _to_int(self, v: Any) -> int:
        if isinstance(v, float):
            if not v.is_integer():
                raise self.error("value is not integral", v, expected="an integral number")
            return int(v)
        return int(v)

    def encode_value(self, value: Any) -> Any:
        if isinstance(value, bool):
            raise self.error("bool is not a number", value)
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.error("not a finite number", value)
            return value
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise self.error("not a finite number", value)
            return int(value) if value == value.to_integral_value() else float(value)
        raise self.error("not a number", value)


class ProgressCodec(NumberCodec):
    """Type 2 with ``ui_type`` ``"Progress"`` (0.66 = 66 %; inferred)."""

    kind: ClassVar[str] = "progress"


class CurrencyCodec(NumberCodec):
    """Type 2 with ``ui_type`` ``"Currency"`` (inferred)."""

    kind: ClassVar[str] = "currency"


class RatingCodec(NumberCodec):
    """Type 2 with ``ui_type`` ``"Rating"`` (inferred)."""

    kind: ClassVar[str] = "rating"


class _SelectBase(BaseCodec):
    def _names(self) -> frozenset[str] | None:
        prop = self.field.property
        if self.options.allow_new_options or not isinstance(prop, SelectProperty):
            return None
        if not prop.options:
            return None
        return prop.option_names()

    def _check(self, name: Any, names: frozenset[str] | None, whole: Any) -> str:
        if not isinstance(name, str):
            raise self.error("option name is not a str", whole)
        if not name:
            raise self.error("option name is empty", whole)
        if names is not None and name not in names:
            shown = ", ".join(sorted(names)[:10])
            raise self.error(
                "unknown option", whole, expected=f"one of the field's options: {shown}"
            )
        return name


class SingleSelectCodec(_SelectBase):
    """Type 3. Reads and writes the option name.

    On write the name must be one of the field's options when the schema lists
    them (``CodecOptions.allow_new_options`` lifts this).
    """

    kind: ClassVar[str] = "single_select"
    expected = "an option name (str)"
    read_expected = "an option name string"

    def make_wire_type(self) -> Any:
        return str

    def value_annotations(self) -> dict[Any, Finisher]:
        return {str: same}

    def encode_value(self, value: Any) -> Any:
        return self._check(value, self._names(), value)


class MultiSelectCodec(_SelectBase):
    """Type 4. Reads and writes a list of option names."""

    kind: ClassVar[str] = "multi_select"
    list_shaped: ClassVar[bool] = True
    expected = "a list of option names (list[str])"
    read_expected = "a list of option name strings"

    def make_wire_type(self) -> Any:
        return list[str]

    def value_annotations(self) -> dict[Any, Finisher]:
        return {list[str]: same}

    def encode_value(self, value: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise self.error("not a list of option names", value)
        names = self._names()
        return [self._check(v, names, value) for v in value]


class CheckboxCodec(BaseCodec):
    """Type 7. ``bool`` only (``0``/``1`` and strings are rejected)."""

    kind: ClassVar[str] = "checkbox"
    expected = "a bool"
    read_expected = "true or false"

    def make_wire_type(self) -> Any:
        return bool

    def value_annotations(self) -> dict[Any, Finisher]:
        return {bool: same}

    def encode_value(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        raise self.error("not a bool", value)


_PHONE = re.compile(r"\+?\d*")


class PhoneCodec(BaseCodec):
    """Type 13. A string matching ``(\\+)?\\d*`` (errors.md 1254072) on write."""

    kind: ClassVar[str] = "phone"
    expected = "a str matching (\\+)?\\d*, e.g. '+8613100006666'"
    read_expected = "a string"

    def make_wire_type(self) -> Any:
        return str

    def value_annotations(self) -> dict[Any, Finisher]:
        return {str: same}

    def encode_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise self.error("not a str", value)
        if _PHONE.fullmatch(value) is None:
            raise self.error("not a phone number", value)
        return value


class AutoNumberCodec(BaseCodec):
    """Type 1005 (read-only). Always a string (built from the numbering rule)."""

    kind: ClassVar[str] = "auto_number"
    read_only: ClassVar[bool] = True
    read_expected = "a string"

    def make_wire_type(self) -> Any:
        return str | int

    def make_finish(self) -> Finisher | None:
        return str

    def value_annotations(self) -> dict[Any, Finisher]:
        return {str: same}
