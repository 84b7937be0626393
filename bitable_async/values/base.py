"""The codec protocol and the shared base class of all field codecs.

A codec is bound to one field of one table (it knows the field's name, type and
property). Decoding happens in two stages so that a whole page can be decoded by
msgspec in one call: msgspec reads the cell into the codec's ``wire_type``, then
``finish`` (when not ``None``) turns the wire value into the Python value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import timezone, tzinfo
from typing import Any, ClassVar, Protocol, runtime_checkable

import msgspec

from bitable_async.errors import JSON_DECODE_ERRORS, FieldValueError, decode_failure
from bitable_async.models.fields import FieldSchema

__all__ = [
    "BaseCodec",
    "CellValueError",
    "CodecOptions",
    "FieldCodec",
    "Finisher",
    "decode_raw_records",
    "same",
    "short_repr",
]

Finisher = Callable[[Any], Any]


class CellValueError(FieldValueError):
    """A :class:`FieldValueError` that can be re-raised with record context added.

    Attributes:
        detail: the bare message (without the record / field prefix).
    """

    def __init__(
        self,
        msg: str,
        *,
        record_index: int | None = None,
        record_id: str | None = None,
        field_name: str | None = None,
        field_type: str | int | None = None,
        expected: str | None = None,
        given: str | None = None,
    ) -> None:
        self.detail = msg
        super().__init__(
            msg,
            record_index=record_index,
            record_id=record_id,
            field_name=field_name,
            field_type=field_type,
            expected=expected,
            given=given,
        )

    def in_record(self, record_index: int | None, record_id: str | None = None) -> CellValueError:
        """A copy of this error naming the record.

        Args:
            record_index: position of the record in its batch or page.
            record_id: the record's id, if known.

        Returns:
            The new error (this one is unchanged).
        """
        return CellValueError(
            self.detail,
            record_index=record_index if record_index is not None else self.record_index,
            record_id=record_id if record_id is not None else self.record_id,
            field_name=self.field_name,
            field_type=self.field_type,
            expected=self.expected,
            given=self.given,
        )


@dataclass(frozen=True)
class CodecOptions:
    """Settings shared by the codecs of one table.

    Attributes:
        tz: the time zone of decoded datetimes, and of ``date`` values on write.
        allow_new_options: let select cells be written with option names that are
            not (yet) in the field's option list. fields.md does not document
            that the API creates options on write, so this is off by default.
        resolve: builds a codec for another field (used by formula / lookup
            fields whose referenced field is declared in ``references``).
        display_formula_ref: the request's ``display_formula_ref`` option:
            ``True`` when formula / lookup cells come in the referenced field's
            format, ``False`` or ``None`` (unknown) otherwise.
        references: formula / lookup field name -> the schema (or type code) of
            the field it references; applied only when ``display_formula_ref``
            is ``True`` (see :mod:`bitable_async.values.codecs_derived`).
    """

    tz: tzinfo = timezone.utc
    allow_new_options: bool = False
    resolve: Callable[[FieldSchema], BaseCodec] | None = None
    display_formula_ref: bool | None = None
    references: Mapping[str, FieldSchema | int] = dc_field(default_factory=dict)


@runtime_checkable
class FieldCodec(Protocol):
    """What every field codec provides.

    Attributes:
        field: the schema of the field this codec is bound to.
        kind: a short name of the value kind (``"number"``, ``"person"`` ...).
        read_only: True when the record API cannot write the field.
        list_shaped: True when the value is naturally a list (used by lookups).
        wire_type: the msgspec type a non-null cell is read into.
        finish: wire value -> Python value, or ``None`` when they are the same.
        expected: what a valid value to write looks like (for error messages).
    """

    field: FieldSchema
    wire_type: Any
    finish: Finisher | None

    @property
    def kind(self) -> str:
        """A short name of the value kind."""
        ...

    @property
    def read_only(self) -> bool:
        """True when the record API cannot write the field."""
        ...

    @property
    def list_shaped(self) -> bool:
        """True when the value is naturally a list."""
        ...

    @property
    def expected(self) -> str:
        """What a valid value to write looks like."""
        ...

    def decode(self, raw: bytes | str | msgspec.Raw) -> Any:
        """Decode the JSON of one cell.

        Args:
            raw: the cell's JSON text.

        Returns:
            The typed value; ``None`` for ``null``.

        Raises:
            FieldValueError: the cell does not have the field type's read shape.
        """
        ...

    def decode_builtin(self, obj: Any) -> Any:
        """Decode a cell already parsed to builtins (e.g. by ``json.loads``).

        Args:
            obj: the parsed cell.

        Returns:
            The typed value; ``None`` for ``None``.

        Raises:
            FieldValueError: the cell does not have the field type's read shape.
        """
        ...

    def encode(self, value: Any) -> Any:
        """Encode a Python value to the exact write shape of the field.

        Args:
            value: the value to write; ``None`` clears the cell.

        Returns:
            A JSON-ready builtin (``None`` for a clear).

        Raises:
            FieldValueError: the field is read-only or the value does not fit.
        """
        ...

    def adapter(self, annotation: Any) -> Finisher | None:
        """A converter from this codec's value to a record model annotation.

        Args:
            annotation: the model attribute's type, without ``None``.

        Returns:
            The converter, or ``None`` when the annotation does not fit the field.
        """
        ...


def short_repr(value: Any, limit: int = 80) -> str:
    """A bounded repr for error messages.

    Args:
        value: any value.
        limit: the maximum length of the repr part.

    Returns:
        ``"<repr> (<type name>)"``, the repr cut to ``limit`` characters.
    """
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{text} ({type(value).__name__})"


FAST_PATH_REFUSED = (msgspec.ValidationError, UnicodeError)
"""What makes a page leave the one-call fast path for the cell-by-cell path.

That path names the record and field of a bad cell (one that does not fit, or
holds invalid UTF-8); if it finds none (a duplicate key: a Struct sees the
first value, a dict keeps the last), its records are the answer.
"""


def decode_raw_records(decoder: msgspec.json.Decoder[Any], data: bytes | str | msgspec.Raw) -> Any:
    """Decode with a decoder of records whose cells stay ``msgspec.Raw``.

    Invalid UTF-8 outside the cells (a field name, a record id) is refused as
    input that is not JSON: ``msgspec.DecodeError``, like other such input,
    not the ``UnicodeError`` msgspec lets through.

    Args:
        decoder: a decoder of ``RawRecordPage``, ``list[RawRecord]`` or the like.
        data: the JSON.

    Returns:
        What the decoder gives.

    Raises:
        msgspec.ValidationError: the JSON does not have the decoder's shape.
        msgspec.DecodeError: ``data`` is not JSON (invalid UTF-8 included).
    """
    try:
        return decoder.decode(data)
    except UnicodeError as exc:
        raise msgspec.DecodeError(f"records are not JSON: {decode_failure(exc)}") from None


def same(value: Any) -> Any:
    """The identity converter (a value that needs no conversion).

    Args:
        value: any value.

    Returns:
        ``value`` itself.
    """
    return value


class BaseCodec:
    """Shared machinery: cached decoders, error construction, default adapters.

    Subclasses set ``kind``, ``expected`` and ``read_expected``, and override
    the hooks: ``make_wire_type``, ``make_finish`` (when the wire value is not
    final), ``finish_column`` (a faster column-wise finish, optional),
    ``value_annotations`` and, for writable types, ``encode_value``. The hooks
    are public so that a codec for a new field type can be written outside the
    package; ``encode`` / ``decode`` are what callers use.
    """

    kind: ClassVar[str] = "raw"
    read_only: ClassVar[bool] = False
    list_shaped: ClassVar[bool] = False
    expected: str = "a JSON value"
    read_expected: str = "a JSON value"

    def __init__(self, field: FieldSchema, options: CodecOptions | None = None) -> None:
        """Bind the codec to a field and build its wire type, finisher and decoder.

        Args:
            field: the field's schema.
            options: settings shared by the table's codecs (defaults: UTC, strict options).
        """
        self.field = field
        self.options = options if options is not None else CodecOptions()
        self.wire_type: Any = self.make_wire_type()
        self.finish: Finisher | None = self.make_finish()
        self._decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(self.wire_type | None)

    # -- hooks --------------------------------------------------------------

    def make_wire_type(self) -> Any:
        """The msgspec type a non-null cell is read into (called once, at construction).

        Returns:
            A type msgspec can decode (``Any`` keeps the cell as builtins).
        """
        return Any

    def make_finish(self) -> Finisher | None:
        """The wire -> value conversion (called once, at construction).

        Returns:
            A function of one non-``None`` wire value, or ``None`` when the wire
            value is already the final value (then no per-cell work is done).
            It raises :class:`CellValueError` for values out of range.
        """
        return None

    def finish_column(self, values: Sequence[Any]) -> list[Any]:
        """Finish one field's wire values across a page (``finish`` must not be ``None``).

        Codecs override this when a comprehension specialised to their values
        is cheaper than one call of ``finish`` per cell.

        Args:
            values: the wire values of this field, one per record (``None`` = empty).

        Returns:
            The finished values, in the same order.

        Raises:
            CellValueError: a value is out of range (the caller re-runs record by
                record to name the record).
        """
        finish = self.finish
        assert finish is not None
        return [None if v is None else finish(v) for v in values]

    def value_annotations(self) -> dict[Any, Finisher]:
        """The record model annotations this field fits, with their converters.

        Returns:
            Annotation (without ``None``) -> converter from the decoded value
            (:func:`same` when the value already has that type).
        """
        return {}

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (writable codecs override this).

        Args:
            value: the value to write (never ``None``: :meth:`encode` handles clears).

        Returns:
            The write shape of the value.

        Raises:
            FieldValueError: always here (read-only field); in overrides, the
                value does not fit.
        """
        raise self.error("the field is read-only", value, expected="no value (read-only field)")

    # -- public -------------------------------------------------------------

    @property
    def type_label(self) -> str:
        """``"<kind>(<type code>)"``, as shown in error messages."""
        return f"{self.kind}({self.field.type})"

    def error(self, msg: str, given: Any, *, expected: str | None = None) -> CellValueError:
        """Build a :class:`FieldValueError` for this field.

        Args:
            msg: what is wrong.
            given: the rejected value.
            expected: what was expected (defaults to the codec's write description).

        Returns:
            The error (not raised).
        """
        return CellValueError(
            msg,
            field_name=self.field.field_name,
            field_type=self.type_label,
            expected=self.expected if expected is None else expected,
            given=short_repr(given),
        )

    def decode(self, raw: bytes | str | msgspec.Raw) -> Any:
        """Decode the JSON of one cell.

        Args:
            raw: the cell's JSON.

        Returns:
            The typed value, ``None`` for ``null``.

        Raises:
            FieldValueError: the cell does not have this type's read shape, or
                is not JSON (invalid UTF-8 in a string included).
        """
        try:
            wire = self._decoder.decode(raw)
        except JSON_DECODE_ERRORS as exc:
            given = raw if isinstance(raw, str) else bytes(raw).decode("utf-8", "replace")
            raise self.error(
                f"cannot read cell: {decode_failure(exc)}", given[:200], expected=self.read_expected
            ) from None
        if wire is None or self.finish is None:
            return wire
        return self.finish(wire)

    def decode_builtin(self, obj: Any) -> Any:
        """Decode a cell already parsed into builtins (e.g. from ``json.loads``).

        Args:
            obj: the parsed cell.

        Returns:
            The typed value, ``None`` for ``None``.

        Raises:
            FieldValueError: the cell does not have this type's read shape.
        """
        if obj is None:
            return None
        try:
            wire = msgspec.convert(obj, self.wire_type)
        except (msgspec.ValidationError, TypeError) as exc:
            raise self.error(f"cannot read cell: {exc}", obj, expected=self.read_expected) from None
        if self.finish is None:
            return wire
        return self.finish(wire)

    def encode(self, value: Any) -> Any:
        """Encode a Python value to the write shape of this field.

        Args:
            value: the value; ``None`` clears the cell.

        Returns:
            A JSON-ready builtin (``None`` for a clear).

        Raises:
            FieldValueError: the field is read-only or the value does not fit.
        """
        if self.read_only:
            raise self.error("the field is read-only", value, expected="no value (read-only field)")
        if value is None:
            return None
        return self.encode_value(value)

    def adapter(self, annotation: Any) -> Finisher | None:
        """A converter from this codec's value to a model attribute's annotation.

        Args:
            annotation: the attribute's type without ``None``.

        Returns:
            The converter (identity when the value already has that type), or
            ``None`` when the annotation does not fit this field.
        """
        if annotation is Any or annotation is object:
            return same
        return self.value_annotations().get(annotation)
