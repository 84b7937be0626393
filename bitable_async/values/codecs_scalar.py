"""Codecs of the scalar field types: text, number, select, checkbox, phone, auto number.

Read shapes per fields.md §3: text is a string or a segment array; numbers may
arrive as numeric strings (list endpoint); selects are option names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
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
    "parse_numeric",
    "read_number_str",
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
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            ``str | list[TextSegment]``.
        """
        return str | list[TextSegment]

    def value_annotations(self) -> dict[Any, Finisher]:
        """Record model annotations of this field (see :meth:`BaseCodec.value_annotations`).

        Returns:
            ``str`` (the plain text) or ``list[TextSegment]``.
        """
        return {str: _flatten, list[TextSegment]: _as_segments}

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (see :meth:`BaseCodec.encode_value`).

        Args:
            value: a str, or a list of TextSegment / ``{"text": ...}`` mappings.

        Returns:
            The plain text.

        Raises:
            FieldValueError: not text or not segments.
        """
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


_NUMERIC = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def parse_numeric(text: str) -> int | float | None:
    """Parse a strict numeric string, as the list endpoint returns numbers.

    Accepted: an optional sign, ASCII digits, an optional fraction and an
    optional exponent (``"64"``, ``"-2.5"``, ``"1e3"``). Everything else --
    ``"1,000"``, ``"66%"``, ``"1_0"``, ``" 1"``, ``"nan"``, ``".5"`` -- is not a
    number.

    Args:
        text: the string.

    Returns:
        An ``int`` for an integer, a finite ``float`` otherwise, or ``None``
        when the string is not a (finite, representable) number.
    """
    if not text.isascii():
        return None
    try:
        if text.isdigit():  # ASCII digits only: the common case, no regex
            return int(text)
        m = _NUMERIC.fullmatch(text)
        if m is None:
            return None
        if m.group(1) is None and m.group(2) is None:
            return int(text)
    except ValueError:  # more digits than int() converts (sys.int_info)
        return None
    f = float(text)
    return f if math.isfinite(f) else None


def read_number_str(text: str) -> int | float | str:
    """The read value of a string in a number cell.

    Args:
        text: the cell's string.

    Returns:
        The number when ``text`` is a strict numeric string (:func:`parse_numeric`),
        else ``text`` itself: one odd cell (``"1,000"``, ``"66%"``) never breaks
        a listing.
    """
    n = parse_numeric(text)
    return text if n is None else n


def _read_number(v: Any) -> Any:
    return read_number_str(v) if type(v) is str else v


class NumberCodec(BaseCodec):
    """Type 2. Reads numbers and numeric strings; writes finite ``int``/``float``.

    Read: numbers stay numbers; a string matching ``[+-]?digits[.digits][e[+-]digits]``
    becomes an ``int`` (integral) or ``float``; any other string (``"1,000"``,
    ``"66%"``) is kept as the raw string rather than failing the page.

    Write (strict): ``bool`` is rejected (it is an ``int`` subclass), and so are
    NaN, infinities and strings. ``Decimal`` is written as ``int`` when
    integral, else ``float``.
    """

    kind: ClassVar[str] = "number"
    expected = "a finite int or float (not bool, not str)"
    read_expected = "a number or a numeric string"

    def make_wire_type(self) -> Any:
        """Numbers, and strings (the list endpoint's numeric strings).

        Returns:
            ``int | float | str``.
        """
        return int | float | str

    def make_finish(self) -> Finisher | None:
        """Numeric strings -> numbers; other strings stay raw.

        Returns:
            The converter.
        """
        return _read_number

    def finish_column(self, values: Sequence[Any]) -> list[Any]:
        """Finish a column of cells; only strings need work.

        Args:
            values: wire values of one field across records (``None`` = empty).

        Returns:
            The values with numeric strings converted.
        """
        return [read_number_str(v) if type(v) is str else v for v in values]

    def value_annotations(self) -> dict[Any, Finisher]:
        """``float``, ``int | float`` or ``int`` (an integral value).

        Returns:
            Annotation -> converter; a cell kept as a non-numeric string raises
            :class:`~bitable_async.errors.FieldValueError` for these annotations.
        """
        return {float: self._to_float, int | float: self._to_num, int: self._to_int}

    def _to_num(self, v: Any) -> int | float:
        if type(v) is str:
            raise self.error("not a numeric string", v, expected=self.read_expected)
        return v  # type: ignore[no-any-return]

    def _to_float(self, v: Any) -> float:
        try:
            return float(self._to_num(v))
        except OverflowError:
            raise self.error(
                "number too large for a float", v, expected="a number within float range"
            ) from None

    def _to_int(self, v: Any) -> int:
        n = self._to_num(v)
        if isinstance(n, float):
            if not n.is_integer():
                raise self.error("value is not integral", n, expected="an integral number")
            return int(n)
        return n

    def encode_value(self, value: Any) -> Any:
        """Encode a number (strict: no strings, no bool, finite only).

        Args:
            value: an ``int``, ``float`` or ``Decimal``.

        Returns:
            The number.

        Raises:
            FieldValueError: not a finite number.
        """
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


class _StringCell(BaseCodec):
    """A field whose cells read as strings (numbers on the wire are rendered as strings)."""

    def make_wire_type(self) -> Any:
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            ``str``.
        """
        return str

    def finish_column(self, values: Sequence[Any]) -> list[Any]:
        """Render a page's numbers of this field as strings (strings stay).

        Args:
            values: wire values (``None`` = empty).

        Returns:
            Strings (or ``None``).
        """
        return [v if v is None or type(v) is str else str(v) for v in values]

    def value_annotations(self) -> dict[Any, Finisher]:
        """Record model annotations of this field (see :meth:`BaseCodec.value_annotations`).

        Returns:
            ``str``.
        """
        return {str: same}


_OptionNames = tuple[frozenset[str], bool]


def _readable_option_names(raw: Any) -> _OptionNames:
    """Option names found in a select property that did not decode as :class:`SelectProperty`.

    Args:
        raw: the property as received (``FieldSchema.raw_property``).

    Returns:
        The names of the options that carry a non-empty string name, and
        whether every option did (``False`` also when there is no option list).
    """
    options = raw.get("options") if isinstance(raw, dict) else None
    if not isinstance(options, list):
        return frozenset(), False
    names = [o.get("name") for o in options if isinstance(o, dict)]
    readable = [n for n in names if isinstance(n, str) and n]
    return frozenset(readable), len(readable) == len(options)


class _SelectBase(BaseCodec):
    def _names(self) -> _OptionNames | None:
        """The option names a write is checked against, and whether they are all of them.

        ``None`` means no check: ``allow_new_options``, or a field without
        options. A property that could not be typed (``property_error``) is
        searched for option names; when some options cannot be read, names not
        found are refused because they cannot be checked.
        """
        if self.options.allow_new_options:
            return None
        field = self.field
        prop = field.property
        if isinstance(prop, SelectProperty):
            return (prop.option_names(), True) if prop.options else None
        if field.property_error is None:
            return None
        names, complete = _readable_option_names(field.raw_property)
        return None if complete and not names else (names, complete)

    def _check(self, name: Any, names: _OptionNames | None, whole: Any) -> str:
        if not isinstance(name, str):
            raise self.error("option name is not a str", whole)
        if not name:
            raise self.error("option name is empty", whole)
        if names is None or name in names[0]:
            return name
        known, complete = names
        shown = ", ".join(sorted(known)[:10])
        if complete:
            raise self.error(
                "unknown option", whole, expected=f"one of the field's options: {shown}"
            )
        readable = f"one of the options that could be read ({shown}); " if known else ""
        raise self.error(
            "option name cannot be checked: the field's options could not be read "
            "from its property",
            whole,
            expected=f"{readable}other names need allow_new_options=True",
        )


class SingleSelectCodec(_StringCell, _SelectBase):
    """Type 3. Reads and writes the option name.

    On write the name must be one of the field's options when the schema lists
    them (``CodecOptions.allow_new_options`` lifts this: the API then creates
    the missing option). When the field's property could not be read
    (``FieldSchema.property_error``), names found in ``raw_property`` are
    accepted and any other name is refused, since it cannot be checked, unless
    ``allow_new_options`` is set.
    """

    kind: ClassVar[str] = "single_select"
    expected = "an option name (str)"
    read_expected = "an option name string"

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (see :meth:`BaseCodec.encode_value`).

        Args:
            value: an option name.

        Returns:
            The option name.

        Raises:
            FieldValueError: not a non-empty str, or not one of the field's options.
        """
        return self._check(value, self._names(), value)


class MultiSelectCodec(_SelectBase):
    """Type 4. Reads and writes a list of option names.

    Each name is checked as for :class:`SingleSelectCodec`.
    """

    kind: ClassVar[str] = "multi_select"
    list_shaped: ClassVar[bool] = True
    expected = "a list of option names (list[str])"
    read_expected = "a list of option name strings"

    def make_wire_type(self) -> Any:
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            ``list[str]`` (option names).
        """
        return list[str]

    def value_annotations(self) -> dict[Any, Finisher]:
        """Record model annotations of this field (see :meth:`BaseCodec.value_annotations`).

        Returns:
            ``list[str]``.
        """
        return {list[str]: same}

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (see :meth:`BaseCodec.encode_value`).

        Args:
            value: a list (or tuple) of option names.

        Returns:
            The list of option names.

        Raises:
            FieldValueError: not a list, or a name that is not an option.
        """
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
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            ``bool``.
        """
        return bool

    def value_annotations(self) -> dict[Any, Finisher]:
        """Record model annotations of this field (see :meth:`BaseCodec.value_annotations`).

        Returns:
            ``bool``.
        """
        return {bool: same}

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (see :meth:`BaseCodec.encode_value`).

        Args:
            value: a bool.

        Returns:
            The bool.

        Raises:
            FieldValueError: not a bool.
        """
        if isinstance(value, bool):
            return value
        raise self.error("not a bool", value)


_PHONE = re.compile(r"\+?[0-9]*")


class PhoneCodec(_StringCell):
    """Type 13. A string matching ``(\\+)?\\d*`` (errors.md 1254072) on write."""

    kind: ClassVar[str] = "phone"
    expected = "a str matching (\\+)?\\d*, e.g. '+8613100006666'"
    read_expected = "a string"

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (see :meth:`BaseCodec.encode_value`).

        Args:
            value: a phone number string.

        Returns:
            The string.

        Raises:
            FieldValueError: not a str matching ``(\\+)?\\d*``.
        """
        if not isinstance(value, str):
            raise self.error("not a str", value)
        if _PHONE.fullmatch(value) is None:
            raise self.error("not a phone number", value)
        return value


class AutoNumberCodec(_StringCell):
    """Type 1005 (read-only). Always a string (built from the numbering rule)."""

    kind: ClassVar[str] = "auto_number"
    read_only: ClassVar[bool] = True
    read_expected = "a string"

    def make_wire_type(self) -> Any:
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            ``str | int``.
        """
        return str | int

    def make_finish(self) -> Finisher | None:
        """The wire -> value conversion (see :meth:`BaseCodec.make_finish`).

        Returns:
            ``str``: numbers are rendered as strings.
        """
        return str
