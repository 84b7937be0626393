"""Decode the field values of ``drive.file.bitable_record_changed_v1`` events.

Event values are keyed by field id and carry each cell as a JSON string
(events.md §3); they are decoded with the same codecs as record cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timezone, tzinfo
from typing import Any

from bitable_async.models.fields import FieldSchema
from bitable_async.values.record_codec import RecordCodec

__all__ = ["decode_event_field_values"]


def decode_event_field_values(
    values: Iterable[Any],
    fields: Sequence[FieldSchema] | RecordCodec,
    *,
    tz: tzinfo = timezone.utc,
) -> dict[str, Any]:
    """Decode an event's ``before_value`` / ``after_value`` list.

    Args:
        values: items ``{"field_id": ..., "field_value": "<JSON>"}`` (mappings or
            objects with those attributes).
        fields: the table's field list (matched by ``field_id``), or a codec.
        tz: time zone of decoded datetimes (ignored when a codec is given).

    Returns:
        field id -> typed value. Fields missing from the schema keep their
        JSON-decoded raw value; an empty ``field_value`` gives ``None``.

    Raises:
        FieldValueError: a value does not have its field type's shape.
    """
    codec = fields if isinstance(fields, RecordCodec) else RecordCodec.from_fields(fields, tz=tz)
    return codec.decode_event_values(values)
