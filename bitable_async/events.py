"""Typed Bitable event payloads: record changed and field changed (events.md).

Both events use the 2.0 envelope ``{"schema", "header", "event"}``.
:func:`decode_event` reads a delivered body (bytes, str or an already parsed
mapping) into :class:`RecordChangedEvent`, :class:`FieldChangedEvent` or, for
any other type, :class:`OtherEvent`.

Record-changed values are keyed by **field id** and each ``field_value`` is a
JSON string of the cell in record format. :meth:`RecordAction.decode` turns
them into typed values with the table's
:class:`~bitable_async.values.record_codec.RecordCodec`
(``await client.table(app_token, table_id).records.codec()``), so they come
back exactly like the cells of a record read.

A field-changed delivery is decoded in one pass; when that fails, its
actions and field values are read again one by one so that one odd field
value cannot make the delivery undecodable: a value whose attributes do not
fit (``type`` not an integer, ``property`` not an object, invalid UTF-8 in
a string ...) keeps what can be read, and its
:meth:`FieldActionValue.schema` carries the value as received
(``raw_entry``) and why (``entry_error``), like an odd entry of a field list
(see :mod:`bitable_async.models.fields`). Each such value is logged
(``bitable_async.events``, WARNING). The rest of the envelope is not read
leniently.

Nothing here verifies or decrypts a delivery (Verification Token, Encrypt
Key): do that first, then decode.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec

from bitable_async.errors import JSON_DECODE_ERRORS, decode_failure
from bitable_async.models._salvage import plain, read_object
from bitable_async.models.fields import FieldSchema, RawField, read_field_entry
from bitable_async.values.record_codec import RecordCodec

__all__ = [
    "FIELD_CHANGED",
    "RECORD_CHANGED",
    "DecodedRecordAction",
    "EventHeader",
    "FieldAction",
    "FieldActionValue",
    "FieldChanged",
    "FieldChangedEvent",
    "OtherEvent",
    "RecordAction",
    "RecordChanged",
    "RecordChangedEvent",
    "RecordFieldValue",
    "UserIds",
    "decode_event",
]

logger = logging.getLogger("bitable_async.events")

RECORD_CHANGED = "drive.file.bitable_record_changed_v1"
FIELD_CHANGED = "drive.file.bitable_field_changed_v1"


class EventHeader(msgspec.Struct, kw_only=True):
    """The 2.0 event header.

    Attributes:
        event_id: unique id of the event; use it to drop re-pushed duplicates.
        event_type: e.g. ``drive.file.bitable_record_changed_v1``.
        create_time: when the event was made, ms timestamp as a string.
        token: the Verification Token.
        app_id: the receiving app.
        tenant_key: the tenant (needed by marketplace apps for follow-up calls).
    """

    event_id: str = ""
    event_type: str = ""
    create_time: str | None = None
    token: str | None = None
    app_id: str | None = None
    tenant_key: str | None = None

    def __repr__(self) -> str:
        # The Verification Token is a secret shared with the platform.
        token = "<redacted>" if self.token else None
        return (
            f"EventHeader(event_id={self.event_id!r}, event_type={self.event_type!r}, "
            f"create_time={self.create_time!r}, token={token!r}, app_id={self.app_id!r}, "
            f"tenant_key={self.tenant_key!r})"
        )


class UserIds(msgspec.Struct, kw_only=True):
    """The ids of one user (operator or subscriber)."""

    open_id: str | None = None
    union_id: str | None = None
    user_id: str | None = None


class RecordFieldValue(msgspec.Struct, kw_only=True):
    """One changed cell: the field id and the JSON text of its value."""

    field_id: str
    field_value: str | None = None


class DecodedRecordAction(msgspec.Struct, kw_only=True):
    """A record action with typed values.

    Attributes:
        action: ``record_added``, ``record_deleted`` or ``record_edited``.
        record_id: the record.
        before: field id -> typed value before the change (``None`` when absent).
        after: field id -> typed value after the change (``None`` when absent).
        before_by_name: ``before`` keyed by field name (ids the schema does not know stay ids).
        after_by_name: ``after`` keyed by field name.
    """

    action: str
    record_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    before_by_name: dict[str, Any] | None
    after_by_name: dict[str, Any] | None


class RecordAction(msgspec.Struct, kw_only=True):
    """One entry of ``action_list`` of a record-changed event.

    Attributes:
        action: ``record_added`` (``after_value``), ``record_deleted``
            (``before_value``) or ``record_edited`` (both).
        record_id: the record.
        before_value: the cells before the change, as sent.
        after_value: the cells after the change, as sent.
    """

    action: str
    record_id: str = ""
    before_value: list[RecordFieldValue] | None = None
    after_value: list[RecordFieldValue] | None = None

    def decode(self, codec: RecordCodec | None = None) -> DecodedRecordAction:
        """Decode the JSON-string values, with the table's field codecs when given.

        Args:
            codec: the table's record codec; without it, values are plain JSON.

        Returns:
            The action with typed values.

        Raises:
            FieldValueError: a value does not fit its field's type.
        """
        before = _values(self.before_value, codec)
        after = _values(self.after_value, codec)
        return DecodedRecordAction(
            action=self.action,
            record_id=self.record_id,
            before=before,
            after=after,
            before_by_name=_by_name(before, codec),
            after_by_name=_by_name(after, codec),
        )


def _values(
    items: list[RecordFieldValue] | None, codec: RecordCodec | None
) -> dict[str, Any] | None:
    if items is None:
        return None
    if codec is not None:
        return codec.decode_event_values(items)
    out: dict[str, Any] = {}
    for item in items:
        text = item.field_value
        if not text:
            out[item.field_id] = None
            continue
        try:
            out[item.field_id] = msgspec.json.decode(text)
        except JSON_DECODE_ERRORS:
            out[item.field_id] = text
    return out


def _by_name(values: dict[str, Any] | None, codec: RecordCodec | None) -> dict[str, Any] | None:
    if values is None:
        return None
    if codec is None:
        return dict(values)
    out: dict[str, Any] = {}
    for field_id, value in values.items():
        field = codec.codec_by_id(field_id)
        out[field.field.field_name if field is not None else field_id] = value
    return out


class RecordChanged(msgspec.Struct, kw_only=True):
    """The ``event`` of ``drive.file.bitable_record_changed_v1``.

    Attributes:
        file_token: the Bitable's app_token.
        file_type: ``"bitable"``.
        table_id: the table that changed.
        operator_id: who made the change.
        subscriber_id_list: the subscribed users.
        action_list: the record actions.
    """

    file_token: str = ""
    file_type: str = ""
    table_id: str = ""
    operator_id: UserIds | None = None
    subscriber_id_list: list[UserIds] = msgspec.field(default_factory=list)
    action_list: list[RecordAction] = msgspec.field(default_factory=list)

    def decode(self, codec: RecordCodec | None = None) -> list[DecodedRecordAction]:
        """Decode every action's values.

        Args:
            codec: the table's record codec (``await table.records.codec()``).

        Returns:
            One :class:`DecodedRecordAction` per action, in order.

        Raises:
            FieldValueError: a value does not fit its field's type.
        """
        return [a.decode(codec) for a in self.action_list]


class FieldActionValue(msgspec.Struct, kw_only=True):
    """A field as described by a field-changed event (before or after the change).

    Attributes:
        id: the field id.
        name: the field name.
        type: the field type code.
        description: the field description.
        property: the property, as sent (keys of every type are flattened here).
    """

    id: str = ""
    name: str = ""
    type: int = 0
    description: str | None = None
    property: dict[str, Any] | None = None

    def schema(self) -> FieldSchema:
        """The field as a typed schema.

        An ``UnknownField`` for an unknown type code, and for a value without
        a name or a readable type (see :mod:`bitable_async.models.fields`).

        Returns:
            The schema.
        """
        prop = msgspec.Raw(msgspec.json.encode(self.property))
        raw = RawField(field_name=self.name, type=self.type, field_id=self.id, property=prop)
        return raw.to_schema()


_VALUE_KEYS = (
    ("id", "field_id"),
    ("name", "field_name"),
    ("type", "type"),
    ("property", "property"),
)
"""Field-changed value key -> field entry key, for :meth:`_SalvagedFieldValue.schema`."""


class _SalvagedFieldValue(FieldActionValue, kw_only=True):
    """A field value that did not fit :class:`FieldActionValue`, as far as it could be read.

    Only made by the lenient decode (never decoded from the wire).

    Attributes:
        raw_entry: the value as received, as plain JSON values.
        entry_error: why it did not fit.
    """

    raw_entry: Any = None
    entry_error: str | None = None

    def schema(self) -> FieldSchema:
        """The field as a typed schema, read from the value as received.

        Returns:
            The schema, with ``raw_entry`` / ``entry_error`` of this value.
        """
        value = self.raw_entry
        entry = (
            {key: value[ek] for ek, key in _VALUE_KEYS if ek in value}
            if isinstance(value, dict)
            else value
        )
        schema = read_field_entry(msgspec.json.encode(entry)).to_schema()
        return msgspec.structs.replace(
            schema, raw_entry=self.raw_entry, entry_error=self.entry_error
        )


class FieldAction(msgspec.Struct, kw_only=True):
    """One entry of ``action_list`` of a field-changed event.

    Attributes:
        action: e.g. ``field_edited``.
        field_id: the field.
        before_value: the field before the change.
        after_value: the field after the change.
    """

    action: str
    field_id: str = ""
    before_value: FieldActionValue | None = None
    after_value: FieldActionValue | None = None


class FieldChanged(msgspec.Struct, kw_only=True):
    """The ``event`` of ``drive.file.bitable_field_changed_v1``.

    Attributes:
        file_token: the Bitable's app_token.
        file_type: ``"bitable"``.
        table_id: the table whose fields changed.
        operator_id: who made the change.
        action_list: the field actions.
        revision: the table revision after the change.
        subscriber_id_list: the subscribed users.
        update_time: when it changed (the example looks like seconds).
    """

    file_token: str = ""
    file_type: str = ""
    table_id: str = ""
    operator_id: UserIds | None = None
    action_list: list[FieldAction] = msgspec.field(default_factory=list)
    revision: int | None = None
    subscriber_id_list: list[UserIds] = msgspec.field(default_factory=list)
    update_time: int | None = None


class RecordChangedEvent(msgspec.Struct, kw_only=True):
    """A whole record-changed delivery."""

    schema: str = "2.0"
    header: EventHeader
    event: RecordChanged


class FieldChangedEvent(msgspec.Struct, kw_only=True):
    """A whole field-changed delivery."""

    schema: str = "2.0"
    header: EventHeader
    event: FieldChanged


class OtherEvent(msgspec.Struct, kw_only=True):
    """Any other event type: the header, and the event as plain JSON."""

    schema: str | None = None
    header: EventHeader = msgspec.field(default_factory=EventHeader)
    event: dict[str, Any] | None = None


class _Probe(msgspec.Struct):
    header: EventHeader = msgspec.field(default_factory=EventHeader)


_probe = msgspec.json.Decoder(_Probe)
_record = msgspec.json.Decoder(RecordChangedEvent)
_field = msgspec.json.Decoder(FieldChangedEvent)
_other = msgspec.json.Decoder(OtherEvent)


class _LooseFieldChangedEvent(msgspec.Struct, kw_only=True):
    """A field-changed delivery with ``event`` left as JSON, for the lenient decode."""

    schema: str = "2.0"
    header: EventHeader
    event: dict[str, msgspec.Raw]


_NULL = msgspec.Raw(b"null")
_loose_field = msgspec.json.Decoder(_LooseFieldChangedEvent)
_field_changed = msgspec.json.Decoder(FieldChanged)
_raw_list = msgspec.json.Decoder(list[msgspec.Raw] | None)
_action = msgspec.json.Decoder(FieldAction)
_value: msgspec.json.Decoder[FieldActionValue | None] = msgspec.json.Decoder(
    FieldActionValue | None
)
_ACTION_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    "action": msgspec.json.Decoder(str),
    "field_id": msgspec.json.Decoder(str),
}
_VALUE_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    "id": msgspec.json.Decoder(str),
    "name": msgspec.json.Decoder(str),
    "type": msgspec.json.Decoder(int),
    "description": msgspec.json.Decoder(str | None),
    "property": msgspec.json.Decoder(dict[str, Any] | None),
}


def _field_value(raw: msgspec.Raw | None, where: str) -> FieldActionValue | None:
    if raw is None:
        return None
    try:
        return _value.decode(raw)
    except (msgspec.ValidationError, UnicodeError) as exc:  # invalid UTF-8: read what can be
        reason = decode_failure(exc)
    got = read_object(raw, _VALUE_DECODERS, what="the field value")
    error = got.error or reason
    value = _SalvagedFieldValue(**got.values, raw_entry=plain(raw), entry_error=error)
    logger.warning(
        "field-changed event: %s (field id=%r, name=%r) could not be fully read, kept as far "
        "as it could be: %s",
        where,
        value.id,
        value.name,
        error,
    )
    return value


def _field_action(raw: msgspec.Raw, index: int) -> FieldAction:
    try:
        return _action.decode(raw)
    except (msgspec.ValidationError, UnicodeError):  # invalid UTF-8: read what can be
        pass
    got = read_object(raw, _ACTION_DECODERS, required=("action",), what="the action")
    if got.problems:
        logger.warning(
            "field-changed event: action %d could not be fully read: %s", index, got.error
        )
    parts = got.parts or {}
    return FieldAction(
        action=got.values.get("action", ""),
        field_id=got.values.get("field_id", ""),
        before_value=_field_value(parts.get("before_value"), f"action {index} before_value"),
        after_value=_field_value(parts.get("after_value"), f"action {index} after_value"),
    )


def _lenient_field_event(data: bytes | str) -> FieldChangedEvent:
    """A field-changed delivery whose actions or field values did not fit, read one by one."""
    loose = _loose_field.decode(data)
    parts = dict(loose.event)
    actions = _raw_list.decode(parts.pop("action_list", _NULL)) or []
    event = _field_changed.decode(msgspec.json.encode(parts))
    event.action_list = [_field_action(raw, i) for i, raw in enumerate(actions)]
    return FieldChangedEvent(schema=loose.schema, header=loose.header, event=event)


def decode_event(
    body: bytes | str | Mapping[str, Any],
) -> RecordChangedEvent | FieldChangedEvent | OtherEvent:
    """Decode one delivered (already verified and decrypted) event body.

    Args:
        body: the JSON body, or the body already parsed to a mapping.

    Returns:
        :class:`RecordChangedEvent` or :class:`FieldChangedEvent` by
        ``header.event_type``; :class:`OtherEvent` for any other type. A
        field-changed delivery whose actions or field values do not fit is
        read leniently (see the module docstring).

    Raises:
        ValueError: the body is not JSON (invalid UTF-8 in a string included)
            of an event envelope of that type (for field-changed: outside its
            actions and field values).
    """
    try:
        data = msgspec.json.encode(dict(body)) if isinstance(body, Mapping) else body
        kind = _probe.decode(data).header.event_type
        if kind == RECORD_CHANGED:
            return _record.decode(data)
        if kind == FIELD_CHANGED:
            try:
                return _field.decode(data)
            except (msgspec.ValidationError, UnicodeError):  # read the actions one by one
                return _lenient_field_event(data)
        return _other.decode(data)
    except JSON_DECODE_ERRORS as exc:  # invalid UTF-8 included
        raise ValueError(f"not a valid event body: {decode_failure(exc)}") from None
