"""Field schema models: the field object of the field API, with a typed ``property``.

A field is ``{field_id, field_name, type, property, ui_type?, is_primary?,
description?}`` (fields.md §1, §4). ``type`` is an int tag. Decoding goes in two
steps so that a listing never breaks: the envelope is read with ``property`` as
``msgspec.Raw``, then the property is decoded with the Struct of that type.

* An unknown type code gives an :class:`UnknownField` that keeps the property
  as plain JSON values (its cells are read raw and cannot be written).
* A known type code whose property does not match the documented shape keeps
  its type class -- cell values depend on the type, not on the property -- with
  ``property=None``, the property as received in ``raw_property`` and the reason
  in ``property_error``. Codec checks that need the property then work with
  what is known (see the codec of each type); no property shape makes a
  listing fail.
* The other attributes of an entry never make a listing fail either. A page
  is decoded in one pass by the typed envelope decoder; only when that fails
  is it read again entry by entry (:func:`decode_fields`), and an entry that
  does not fit is read attribute by attribute. Its odd attributes are
  dropped to their defaults (``field_id``, ``ui_type``, ``is_primary``,
  ``description`` -> ``None``), the rest is kept, and the schema carries the
  entry as received in ``raw_entry`` and the reason in ``entry_error``. The
  class follows the rules above when ``field_name`` and ``type`` are usable;
  an entry without a usable ``field_name`` (missing, not a string, empty) or
  ``type`` (missing, not an integer: ``"2"`` and ``null`` included), or one
  that is not a JSON object at all, becomes an :class:`UnknownField`
  (``field_name=""`` / ``type=0`` when unreadable). Such entries are kept, in
  place, so a listing has one schema per entry and loses no readable
  ``field_id``; the table's schema cache leaves nameless ones out (record
  cells are keyed by name). Each one is logged (``bitable_async.fields``,
  WARNING) with its position, ``field_id``, ``field_name`` and the reason,
  never the rest of its content.

Every schema class encodes back to a field create/update body with
:meth:`FieldSchema.to_body` (field update is a full overwrite of ``property``).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, TypeAlias

import msgspec

from bitable_async.errors import JSON_DECODE_ERRORS, decode_failure
from bitable_async.models._salvage import plain, read_object

__all__ = [
    "AttachmentField",
    "AutoNumberField",
    "AutoNumberProperty",
    "AutoSerial",
    "AutoSerialOption",
    "CheckboxField",
    "CreatedTimeField",
    "CreatedUserField",
    "DateField",
    "DateProperty",
    "DuplexLinkField",
    "DuplexLinkProperty",
    "FieldPage",
    "FieldSchema",
    "FieldType",
    "FormulaField",
    "FormulaProperty",
    "GroupChatField",
    "LinkField",
    "LinkProperty",
    "LocationField",
    "LocationInput",
    "LocationProperty",
    "LookupField",
    "ModifiedTimeField",
    "ModifiedUserField",
    "MultiSelectField",
    "NumberField",
    "NumberProperty",
    "PersonField",
    "PersonProperty",
    "PhoneField",
    "RawField",
    "SelectOption",
    "SelectProperty",
    "SingleSelectField",
    "TextField",
    "TimestampProperty",
    "UnknownField",
    "UrlField",
    "decode_field",
    "decode_field_page",
    "decode_fields",
    "read_field_entry",
]


logger = logging.getLogger("bitable_async.fields")


class FieldType(enum.IntEnum):
    """The documented field type codes (fields.md §2), plus 23 (group chat, inferred)."""

    TEXT = 1
    NUMBER = 2
    SINGLE_SELECT = 3
    MULTI_SELECT = 4
    DATE = 5
    CHECKBOX = 7
    PERSON = 11
    PHONE = 13
    URL = 15
    ATTACHMENT = 17
    SINGLE_LINK = 18
    LOOKUP = 19
    FORMULA = 20
    DUPLEX_LINK = 21
    LOCATION = 22
    GROUP_CHAT = 23
    CREATED_TIME = 1001
    MODIFIED_TIME = 1002
    CREATED_USER = 1003
    MODIFIED_USER = 1004
    AUTO_NUMBER = 1005


# --------------------------------------------------------------------------- properties


class _Prop(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    """Base of the property Structs: unset keys are left out of request bodies."""


class NumberProperty(_Prop, frozen=True):
    """Type 2: ``formatter`` such as ``"0.00"``, ``"1,000"``, ``"%"`` (default ``"0.0"``)."""

    formatter: str | None = None


class SelectOption(_Prop, frozen=True):
    """One option of a single/multi select field.

    ``id`` must be an existing option id when given; new options are sent without
    one. ``color`` is 0-54.
    """

    name: str
    id: str | None = None
    color: int | None = None


class SelectProperty(_Prop, frozen=True):
    """Types 3 and 4: the option list (an update replaces it entirely)."""

    options: list[SelectOption] = []

    def option_names(self) -> frozenset[str]:
        """The set of option names.

        Returns:
            The names of all options.
        """
        return frozenset(o.name for o in self.options)


class DateProperty(_Prop, frozen=True):
    """Type 5: ``date_formatter`` (default ``"yyyy/MM/dd"``) and ``auto_fill``."""

    date_formatter: str | None = None
    auto_fill: bool | None = None


class TimestampProperty(_Prop, frozen=True):
    """Types 1001/1002 (created / modified time): ``date_formatter``."""

    date_formatter: str | None = None


class PersonProperty(_Prop, frozen=True):
    """Type 11: ``multiple`` (default true) allows several people."""

    multiple: bool | None = None


class LinkProperty(_Prop, frozen=True):
    """Type 18: ``table_id`` (required on create), ``multiple``; ``table_name`` is response-only."""

    table_id: str | None = None
    multiple: bool | None = None
    table_name: str | None = None


class DuplexLinkProperty(_Prop, frozen=True):
    """Type 21: as :class:`LinkProperty` plus the counterpart field in the linked table."""

    table_id: str | None = None
    multiple: bool | None = None
    back_field_name: str | None = None
    back_field_id: str | None = None
    table_name: str | None = None


class FormulaProperty(_Prop, frozen=True):
    """Type 20: ``formatter`` (number or date format, default ``""``) and ``formula_expression``."""

    formatter: str | None = None
    formula_expression: str | None = None


class AutoSerialOption(_Prop, frozen=True):
    """One part of a custom auto number rule.

    ``type`` is ``system_number`` (value: digit count ``"1"``-``"9"``),
    ``fixed_text`` (value: up to 20 chars) or ``created_time`` (value: a date
    pattern such as ``"yyyyMMdd"``).
    """

    type: str
    value: str


class AutoSerial(_Prop, frozen=True):
    """The ``auto_serial`` rule: ``custom`` or ``auto_increment_number``."""

    type: str
    options: list[AutoSerialOption] | None = None
    reformat_existing_records: bool | None = None


class AutoNumberProperty(_Prop, frozen=True):
    """Type 1005: the numbering rule."""

    auto_serial: AutoSerial | None = None


class LocationInput(_Prop, frozen=True):
    """The nested ``{"input_type": ...}`` object of the list-fields example."""

    input_type: str | None = None


class LocationProperty(_Prop, frozen=True):
    """Type 22: the input restriction.

    The list-fields example nests it (``{"location": {"input_type": ...}}``), the
    field-changed event does not (``{"input_type": ...}``); both are accepted.
    """

    location: LocationInput | None = None
    input_type: str | None = None

    @property
    def effective_input_type(self) -> str | None:
        """The input restriction, whichever nesting carried it."""
        if self.input_type is not None:
            return self.input_type
        return self.location.input_type if self.location is not None else None


_PropClass: TypeAlias = "type[_Prop] | None"

# --------------------------------------------------------------------------- schemas


class FieldSchema(msgspec.Struct, kw_only=True, frozen=True):
    """Base of all field schema classes (a field of a table).

    Attributes:
        field_name: the field's name; record cells are keyed by it.
        type: the int type code (:class:`FieldType` for the documented ones).
        field_id: ``fld...``; ``None`` in a create body.
        property: the typed property (``None`` for types without settings, and
            when the received property could not be typed: see
            ``property_error``).
        ui_type: the UI variant (e.g. ``"Barcode"``, ``"Progress"``), when sent.
        is_primary: whether this is the primary (first) field.
        description: the field description: a string, or a rich-text array
            (``text_field_as_array=true``), or an object in some APIs.
        raw_property: the property as received, as plain JSON values, when
            ``property`` does not hold it: it did not match the documented
            shape of the type (``property_error`` says why), or the type has no
            documented settings. ``None`` otherwise, and always ``None`` for an
            :class:`UnknownField` (whose ``property`` is already raw).
            :meth:`to_body` sends it back when ``property`` is ``None``.
        property_error: why the received property could not be decoded for
            this type (``property`` is then ``None``); ``None`` when it was.
        raw_entry: the whole field object as received, as plain JSON values,
            when one of its other attributes could not be read (any JSON
            value: the entry may not even be an object); ``None`` when every
            attribute was read. The attributes that could not be read are at
            their defaults and :meth:`to_body` does not send them.
        entry_error: why: one message per attribute (``"type: Expected
            `int`, got `str`"``, ``"field_name is missing"``, ``"the entry is
            an array, not an object"``); ``None`` when nothing was wrong.
    """

    field_name: str
    type: int
    field_id: str | None = None
    property: Any = None
    ui_type: str | None = None
    is_primary: bool | None = None
    description: str | dict[str, Any] | list[Any] | None = None
    raw_property: Any = None
    property_error: str | None = None
    raw_entry: Any = None
    entry_error: str | None = None

    property_type: ClassVar[_PropClass] = None

    def to_body(self) -> dict[str, Any]:
        """Build the body of a field create/update request (``app_table_field.create``/``update``).

        Field update overwrites the whole property, so a field read with a
        property that could not be typed sends back ``raw_property`` (as
        received) while ``property`` is ``None``: replacing only other
        attributes keeps the field's settings. Set ``property`` to send a new
        one, or ``raw_property=None`` as well to send none.

        Returns:
            ``{field_name, type, property?, ui_type?, description?}`` with the
            property encoded to builtins (unset keys left out).
        """
        body: dict[str, Any] = {"field_name": self.field_name, "type": self.type}
        if self.property is not None:
            body["property"] = msgspec.to_builtins(self.property)
        elif self.raw_property is not None:
            body["property"] = self.raw_property
        if self.ui_type is not None:
            body["ui_type"] = self.ui_type
        if self.description is not None:
            body["description"] = self.description
        return body


class TextField(FieldSchema, kw_only=True, frozen=True):
    """Type 1: multi-line text (also barcode / email UI variants)."""

    type: int = 1
    property: None = None


class NumberField(FieldSchema, kw_only=True, frozen=True):
    """Type 2: number (also progress / currency / rating UI variants)."""

    type: int = 2
    property: NumberProperty | None = None
    property_type: ClassVar[_PropClass] = NumberProperty


class SingleSelectField(FieldSchema, kw_only=True, frozen=True):
    """Type 3: single select."""

    type: int = 3
    property: SelectProperty | None = None
    property_type: ClassVar[_PropClass] = SelectProperty


class MultiSelectField(FieldSchema, kw_only=True, frozen=True):
    """Type 4: multi select."""

    type: int = 4
    property: SelectProperty | None = None
    property_type: ClassVar[_PropClass] = SelectProperty


class DateField(FieldSchema, kw_only=True, frozen=True):
    """Type 5: date (a millisecond timestamp on the wire)."""

    type: int = 5
    property: DateProperty | None = None
    property_type: ClassVar[_PropClass] = DateProperty


class CheckboxField(FieldSchema, kw_only=True, frozen=True):
    """Type 7: checkbox."""

    type: int = 7
    property: None = None


class PersonField(FieldSchema, kw_only=True, frozen=True):
    """Type 11: person."""

    type: int = 11
    property: PersonProperty | None = None
    property_type: ClassVar[_PropClass] = PersonProperty


class PhoneField(FieldSchema, kw_only=True, frozen=True):
    """Type 13: phone number."""

    type: int = 13
    property: None = None


class UrlField(FieldSchema, kw_only=True, frozen=True):
    """Type 15: hyperlink."""

    type: int = 15
    property: None = None


class AttachmentField(FieldSchema, kw_only=True, frozen=True):
    """Type 17: attachment."""

    type: int = 17
    property: None = None


class LinkField(FieldSchema, kw_only=True, frozen=True):
    """Type 18: one-way link."""

    type: int = 18
    property: LinkProperty | None = None
    property_type: ClassVar[_PropClass] = LinkProperty


class LookupField(FieldSchema, kw_only=True, frozen=True):
    """Type 19: lookup (its property is not documented and kept as a dict)."""

    type: int = 19
    property: dict[str, Any] | None = None


class FormulaField(FieldSchema, kw_only=True, frozen=True):
    """Type 20: formula."""

    type: int = 20
    property: FormulaProperty | None = None
    property_type: ClassVar[_PropClass] = FormulaProperty


class DuplexLinkField(FieldSchema, kw_only=True, frozen=True):
    """Type 21: two-way link."""

    type: int = 21
    property: DuplexLinkProperty | None = None
    property_type: ClassVar[_PropClass] = DuplexLinkProperty


class LocationField(FieldSchema, kw_only=True, frozen=True):
    """Type 22: location."""

    type: int = 22
    property: LocationProperty | None = None
    property_type: ClassVar[_PropClass] = LocationProperty


class GroupChatField(FieldSchema, kw_only=True, frozen=True):
    """Type 23: group chat (type code inferred; not in the seeds)."""

    type: int = 23
    property: dict[str, Any] | None = None


class CreatedTimeField(FieldSchema, kw_only=True, frozen=True):
    """Type 1001: created time."""

    type: int = 1001
    property: TimestampProperty | None = None
    property_type: ClassVar[_PropClass] = TimestampProperty


class ModifiedTimeField(FieldSchema, kw_only=True, frozen=True):
    """Type 1002: last-modified time."""

    type: int = 1002
    property: TimestampProperty | None = None
    property_type: ClassVar[_PropClass] = TimestampProperty


class CreatedUserField(FieldSchema, kw_only=True, frozen=True):
    """Type 1003: created by."""

    type: int = 1003
    property: None = None


class ModifiedUserField(FieldSchema, kw_only=True, frozen=True):
    """Type 1004: modified by."""

    type: int = 1004
    property: None = None


class AutoNumberField(FieldSchema, kw_only=True, frozen=True):
    """Type 1005: auto number."""

    type: int = 1005
    property: AutoNumberProperty | None = None
    property_type: ClassVar[_PropClass] = AutoNumberProperty


class UnknownField(FieldSchema, kw_only=True, frozen=True):
    """A field whose type code is unknown (e.g. a type added by Feishu after this SDK).

    ``property`` holds the raw property decoded to builtins. Its cells decode to
    raw JSON values and it cannot be written through the codecs. (A known type
    code with an unexpected property keeps its own class: see ``property_error``.)

    Also an entry that cannot be typed at all: no usable ``field_name`` or
    ``type``, or not a JSON object; ``entry_error`` then says why and
    ``raw_entry`` holds the entry as received.
    """

    property: Any = None


_CLASSES: dict[int, type[FieldSchema]] = {
    cls(field_name="").type: cls
    for cls in (
        TextField,
        NumberField,
        SingleSelectField,
        MultiSelectField,
        DateField,
        CheckboxField,
        PersonField,
        PhoneField,
        UrlField,
        AttachmentField,
        LinkField,
        LookupField,
        FormulaField,
        DuplexLinkField,
        LocationField,
        GroupChatField,
        CreatedTimeField,
        ModifiedTimeField,
        CreatedUserField,
        ModifiedUserField,
        AutoNumberField,
    )
}


_NULL = msgspec.Raw(b"null")

_Name = Annotated[str, msgspec.Meta(min_length=1)]


class RawField(msgspec.Struct, kw_only=True):
    """The field envelope as read from the wire, ``property`` left undecoded.

    Decoded from the wire, ``field_name`` (not empty) and ``type`` are
    required: an entry without them does not fit and is read by the tolerant
    path instead (:func:`read_field_entry`), which says so in the schema's
    ``entry_error``. Built in code, an empty ``field_name`` gives an
    :class:`UnknownField` with that ``entry_error``.
    """

    field_name: _Name
    type: int
    field_id: str | None = None
    property: msgspec.Raw = msgspec.field(default_factory=lambda: _NULL)
    ui_type: str | None = None
    is_primary: bool | None = None
    description: str | dict[str, Any] | list[Any] | None = None

    def to_schema(self) -> FieldSchema:
        """Decode the property with the Struct of this type.

        Returns:
            The typed schema: :class:`UnknownField` for an unknown type code
            or an empty ``field_name``; for a known one, its class, with
            ``property=None`` and ``raw_property`` / ``property_error`` set
            when the property does not match the documented shape. Never raises.
        """
        common: dict[str, Any] = {
            "field_name": self.field_name,
            "field_id": self.field_id,
            "ui_type": self.ui_type,
            "is_primary": self.is_primary,
            "description": self.description,
        }
        if not self.field_name:
            common["raw_entry"] = self._plain()
            common["entry_error"] = "field_name is missing or empty"
            cls = None
        else:
            cls = _CLASSES.get(self.type)
        if cls is None:
            return UnknownField(type=self.type, property=_loose(self.property)[0], **common)
        prop, raw, error = _decode_property(cls, self.property)
        return cls(property=prop, raw_property=raw, property_error=error, **common)

    def _plain(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field_name": self.field_name, "type": self.type}
        for key in ("field_id", "ui_type", "is_primary", "description"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out["property"] = plain(self.property)
        return out


class _SalvagedField(RawField, kw_only=True):
    """An entry that did not fit :class:`RawField`, as far as it could be read.

    Only made by :func:`read_field_entry` (never decoded from the wire); its
    schema carries the entry as received and the reason.
    """

    raw_entry: Any = None
    entry_error: str | None = None

    def to_schema(self) -> FieldSchema:
        """The schema of what could be read, with ``raw_entry`` and ``entry_error``.

        Returns:
            As :meth:`RawField.to_schema`, plus the entry as received.
        """
        schema = super().to_schema()
        return msgspec.structs.replace(
            schema, raw_entry=self.raw_entry, entry_error=self.entry_error
        )


_PROP_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}
_DICT_PROPERTY = msgspec.json.Decoder(dict[str, Any] | None)
_ANY = msgspec.json.Decoder()


def _loose(raw: msgspec.Raw) -> tuple[Any, str | None]:
    """The property as plain JSON values, and the error when it is not JSON."""
    try:
        return _ANY.decode(raw), None
    except JSON_DECODE_ERRORS as exc:
        return None, f"property is not JSON: {decode_failure(exc)}"


def _decode_property(cls: type[FieldSchema], raw: msgspec.Raw) -> tuple[Any, Any, str | None]:
    """``(property, raw_property, property_error)`` of a known type (never raises)."""
    if bytes(raw).strip() in (b"", b"null"):
        return None, None, None
    ptype = cls.property_type
    if ptype is not None:
        dec = _PROP_DECODERS.get(ptype)
        if dec is None:
            dec = _PROP_DECODERS[ptype] = msgspec.json.Decoder(ptype | None)
    elif cls in (LookupField, GroupChatField):
        dec = _DICT_PROPERTY
    else:
        # Types without settings: the property is not typed, only kept.
        return (None, *_loose(raw))
    try:
        return dec.decode(raw), None, None
    except JSON_DECODE_ERRORS as exc:  # ValidationError is a DecodeError
        loose, not_json = _loose(raw)
        return None, loose, not_json or decode_failure(exc)


class FieldPage(msgspec.Struct, kw_only=True):
    """The ``data`` of ``app_table_field.list``, fields still as envelopes.

    ``items`` has one envelope per entry of the page, in order; an entry that
    did not fit is there as far as it could be read (see
    :func:`read_field_entry`).
    """

    items: list[RawField] | None = None
    has_more: bool = False
    page_token: str | None = None
    total: int | None = None

    def schemas(self) -> list[FieldSchema]:
        """Typed schemas of the page's fields.

        Returns:
            One :class:`FieldSchema` per item, in order.
        """
        return [f.to_schema() for f in self.items or ()]


class _LoosePage(msgspec.Struct, kw_only=True):
    """A field list page whose entries are left as JSON, for the tolerant path."""

    items: list[msgspec.Raw] | None = None
    has_more: bool = False
    page_token: str | None = None
    total: int | None = None


_RAW_FIELD = msgspec.json.Decoder(RawField)
_RAW_FIELDS = msgspec.json.Decoder(list[RawField] | None)
_RAW_ITEMS = msgspec.json.Decoder(list[msgspec.Raw] | None)
_FIELD_PAGE = msgspec.json.Decoder(FieldPage)
_LOOSE_PAGE = msgspec.json.Decoder(_LoosePage)

_ENTRY_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    "field_name": msgspec.json.Decoder(_Name),
    "type": msgspec.json.Decoder(int),
    "field_id": msgspec.json.Decoder(str | None),
    "ui_type": msgspec.json.Decoder(str | None),
    "is_primary": msgspec.json.Decoder(bool | None),
    "description": msgspec.json.Decoder(str | dict[str, Any] | list[Any] | None),
}
"""One decoder per envelope attribute, of the same type as in :class:`RawField`."""


def read_field_entry(data: bytes | str | msgspec.Raw) -> RawField:
    """Read one field object, keeping whatever can be read.

    An entry that fits the envelope is decoded as such. Otherwise (an
    attribute that does not fit, or invalid UTF-8 in one) it is read
    attribute by attribute: attributes of an unexpected JSON type are left at
    their defaults (``field_name=""``, ``type=0``, ``None``), ``property`` is
    kept whatever it is, and the envelope carries the entry as received and
    the reason, which its :meth:`~RawField.to_schema` puts in the schema's
    ``raw_entry`` / ``entry_error``.

    Args:
        data: JSON of one field entry (any JSON value).

    Returns:
        The envelope (a :class:`RawField`).

    Raises:
        msgspec.DecodeError: ``data`` is not JSON at all.
    """
    try:
        return _RAW_FIELD.decode(data)
    except (msgspec.ValidationError, UnicodeError) as exc:  # invalid UTF-8: read what can be
        reason = decode_failure(exc)
    # (lone surrogates of a str are kept as the invalid UTF-8 they stand for)
    raw = msgspec.Raw(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    got = read_object(raw, _ENTRY_DECODERS, required=("field_name", "type"))
    values = got.values
    prop = got.parts.get("property", _NULL) if got.parts is not None else _NULL
    return _SalvagedField(
        field_name=values.pop("field_name", ""),
        type=values.pop("type", 0),
        property=prop,
        **values,
        raw_entry=plain(raw),
        entry_error=got.error or reason,
    )


def _log_salvaged(fields: Sequence[RawField], where: str) -> None:
    for i, f in enumerate(fields):
        if isinstance(f, _SalvagedField):
            logger.warning(
                "%s: field entry %d (field_id=%r, field_name=%r) could not be fully read, "
                "kept as far as it could be: %s",
                where,
                i,
                f.field_id,
                f.field_name,
                f.entry_error,
            )


def _decode_outer(decoder: msgspec.json.Decoder[Any], data: bytes | str | msgspec.Raw) -> Any:
    """Decode what holds the entries; invalid UTF-8 there is input that is not JSON."""
    try:
        return decoder.decode(data)
    except UnicodeError as exc:
        raise msgspec.DecodeError(f"not JSON: {decode_failure(exc)}") from None


def _read_entries(items: Sequence[msgspec.Raw], where: str) -> list[RawField]:
    out = [read_field_entry(item) for item in items]
    _log_salvaged(out, where)
    return out


def decode_field(data: bytes | str | msgspec.Raw) -> FieldSchema:
    """Decode one field object (e.g. ``data.field`` of field create/update).

    Never refuses JSON: an entry that does not fit the envelope is read as
    far as it can be (see :func:`read_field_entry`; logged).

    Args:
        data: JSON of the field object.

    Returns:
        The typed schema (an :class:`UnknownField` for unknown types and for
        entries that cannot be typed).

    Raises:
        msgspec.DecodeError: ``data`` is not JSON.
    """
    entry = read_field_entry(data)
    _log_salvaged((entry,), "field")
    return entry.to_schema()


def decode_fields(data: bytes | str | msgspec.Raw | Sequence[RawField]) -> list[FieldSchema]:
    """Decode a JSON array of field objects (or already-decoded envelopes).

    The array is decoded in one pass; only when an entry does not fit is it
    read again entry by entry (see :func:`read_field_entry`; logged).

    Args:
        data: JSON bytes of the array (``null`` gives ``[]``), or a sequence
            of :class:`RawField`.

    Returns:
        Typed schemas, one per entry, in order; no entry makes this fail.

    Raises:
        msgspec.DecodeError: ``data`` is not JSON of an array (or ``null``);
            invalid UTF-8 outside the entries included.
    """
    if not isinstance(data, (bytes, str, msgspec.Raw)):
        return [f.to_schema() for f in data]
    try:
        entries = _RAW_FIELDS.decode(data) or []
    except (msgspec.ValidationError, UnicodeError):  # an entry did not fit or is not UTF-8
        entries = _read_entries(_decode_outer(_RAW_ITEMS, data) or (), "field list")
    return [f.to_schema() for f in entries]


def decode_field_page(data: bytes | str | msgspec.Raw) -> tuple[list[FieldSchema], FieldPage]:
    """Decode the ``data`` object of ``app_table_field.list``.

    The page is decoded in one pass; only when an entry does not fit is it
    read again entry by entry (see :func:`read_field_entry`; logged).

    Args:
        data: JSON of ``{items, has_more, page_token, total}``.

    Returns:
        The typed schemas (one per entry, in order) and the page (for
        ``has_more`` / ``page_token`` / ``total``).

    Raises:
        msgspec.DecodeError: ``data`` is not such an object (``items`` not an
            array, ``has_more`` not a boolean, invalid UTF-8 outside the
            entries ...); no entry makes it fail.
    """
    try:
        page = _FIELD_PAGE.decode(data)
    except (msgspec.ValidationError, UnicodeError):  # an entry did not fit or is not UTF-8
        loose = _decode_outer(_LOOSE_PAGE, data)
        page = FieldPage(
            items=None if loose.items is None else _read_entries(loose.items, "field list"),
            has_more=loose.has_more,
            page_token=loose.page_token,
            total=loose.total,
        )
    return page.schemas(), page
