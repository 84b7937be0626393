"""Field values: typed value Structs, one codec per field type, RecordCodec, record models.

The value types, codecs and registry are imported eagerly. ``RecordCodec``,
the record models and the event helper depend on :mod:`bitable_async.models.record`
(which itself uses the value types), so they are loaded on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bitable_async.values.base import BaseCodec, CellValueError, CodecOptions, FieldCodec
from bitable_async.values.registry import CODECS, READ_ONLY_TYPES, codec_for
from bitable_async.values.types import (
    Attachment,
    GroupChat,
    LinkValue,
    Location,
    Person,
    RefValue,
    TextSegment,
    Url,
    segments_to_text,
)

if TYPE_CHECKING:
    from bitable_async.values.events import decode_event_field_values
    from bitable_async.values.model import (
        Field,
        ModelCodec,
        ModelPage,
        RecordModel,
        UnsetAttributeError,
    )
    from bitable_async.values.record_codec import BatchFieldValueError, RecordCodec

__all__ = [
    "CODECS",
    "READ_ONLY_TYPES",
    "Attachment",
    "BaseCodec",
    "BatchFieldValueError",
    "CellValueError",
    "CodecOptions",
    "Field",
    "FieldCodec",
    "GroupChat",
    "LinkValue",
    "Location",
    "ModelCodec",
    "ModelPage",
    "Person",
    "RecordCodec",
    "RecordModel",
    "RefValue",
    "TextSegment",
    "UnsetAttributeError",
    "Url",
    "codec_for",
    "decode_event_field_values",
    "segments_to_text",
]

_LAZY = {
    "RecordCodec": "bitable_async.values.record_codec",
    "BatchFieldValueError": "bitable_async.values.record_codec",
    "RecordModel": "bitable_async.values.model",
    "Field": "bitable_async.values.model",
    "ModelCodec": "bitable_async.values.model",
    "ModelPage": "bitable_async.values.model",
    "UnsetAttributeError": "bitable_async.values.model",
    "decode_event_field_values": "bitable_async.values.events",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
