"""The codec protocol and the shared base class of all field codecs.

A codec is bound to one field of one table (it knows the field's name, type and
property). Decoding happens in two stages so that a whole page can be decoded by
msgspec in one call: msgspec reads the cell into the codec's ``wire_type``, then
``finish`` (when not ``None``) turns the wire value into the Python value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone, tzinfo
from typing import Any, ClassVar, Protocol, runtime_checkable

import msgspec

from bitable_async.errors import FieldValueError
from bitable_async.models.fields import FieldSchema

__all__ = [
    "BaseCodec",
    "CellValueError",
    "CodecOptions",
    "FieldCodec",
    "Finisher",
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
            values that announce their referenced type).
    """

    tz: tzinfo = timezone.utc
    allow_new_options: bool = False
    resolve: Callable[[FieldSchema], BaseCodec] | None = None


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
        """Decode the JSON of one cell (``null`` -> ``None``)."""
        ...

    def decode_builtin(self, obj: Any) -> Any:
        """Decode a cell already parsed to builtins (``None`` -> ``None``)."""
        ...

    def encode(self, value: Any) -> Any:
        """Encode a Python value to the exact write shape (``None`` clears the cell)."""
        ...

    def adapter(self, annotation: Any) -> Finisher | None:
        """A converter from this codec's value to ``annotation``, or ``None`` if incompatible."""
        ...


def short_repr(value: Any, limit: int = 80) -> str:
    """A bounded repr for error messages."""
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{text} ({type(value).__name__})"


def same(value: Any) -> Any:
    """The identity converter (a value that needs no conversion)."""
    return value


class BaseCodec:
    """Shared machinery: cached decoders, error construction, default adapters.

    Subclasses set ``kind``, ``wire_type`` and ``expected``, and override
    ``encode_value`` (for writable types), ``_finish`` and ``value_annotations``.
    """

    kind: ClassVar[str] = "raw"
    read_only: ClassVar[bool] = False
    list_shaped: ClassVar[bool] = False
    expected: str = "a JSON value"
    read_expected: str = "a JSON value"

    def __init__(self, field: FieldSchema, options: CodecOptions | None = None) -> None:
        self.field = field
        self.options = options if options is not None else CodecOptions()
        self.wire_type: Any = self.make_wire_type()
        self.finish: Finisher | None = self.make_finish()
        self._decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(self.wire_type | None)

    # -- hooks --------------------------------------------------------------

    def make_wire_type(self) -> Any:
        """The msgspec type of a non-null cell."""
        return Any

    def make_finish(self) -> Finisher | None:
        """The wire -> value conversion, or ``None`` when the wire value is final."""
        return None

    def value_annotations(self) -> dict[Any, Finisher]:
        """Annotations a record model may use for this field, with their converters."""
        return {}

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (writable codecs override this)."""
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
            FieldValueError: the cell does not have this type's read shape.
        """
        try:
            wire = self._decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            given = raw if isinstance(raw, str) else bytes(raw).decode("utf-8", "replace")
            raise self.error(
                f"cannot read cell: {exc}", given[:200], expected=self.read_expected
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
