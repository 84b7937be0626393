"""Typed cell values rendered for export: one CSV string, or one JSON value.

The rules (the import side reads the same shapes back, see :mod:`.convert`):

========================  ==============================  ============================
value                     CSV                             JSONL
========================  ==============================  ============================
empty cell                empty string                    null
checkbox                  ``true`` / ``false``            true / false
date, created time ...    ISO 8601 (``2024-05-17T08:30:   the same string
                          00+00:00``)
person, created by        open id (or name, ``--persons   ``{"id", "name"}``
                          name``)
group chat                chat id                         ``{"id", "name"}``
hyperlink                 the link                        ``{"link", "text"}``
attachment                file name                       ``{"name", "file_token"}``
link, two-way link        record ids                      list of record ids
location                  ``lng,lat``                     ``lng,lat``
formula, lookup           the referenced values           the referenced values
========================  ==============================  ============================

List values (multi select, persons, attachments, links) are joined with the
list separator in CSV (default ``;``) and are JSON arrays in JSONL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

import msgspec

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

__all__ = ["PersonStyle", "to_csv_cell", "to_json_value"]

PersonStyle = Literal["id", "name"]
"""How CSV shows a person: by id (re-importable) or by display name."""


def _is_segments(value: list[Any]) -> bool:
    return bool(value) and all(isinstance(v, TextSegment) for v in value)


def to_json_value(value: Any) -> Any:
    """Render one typed cell value as a JSON-able value.

    Args:
        value: a decoded cell (see :mod:`bitable_async.values`).

    Returns:
        A JSON-able value (see the module's table).
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, (Person, GroupChat)):
        out = {"id": value.id}
        if value.name:
            out["name"] = value.name
        return out
    if isinstance(value, Url):
        return {"link": value.link, "text": value.text}
    if isinstance(value, Attachment):
        return {"name": value.name or value.file_token, "file_token": value.file_token}
    if isinstance(value, LinkValue):
        return list(value.record_ids)
    if isinstance(value, Location):
        return value.location
    if isinstance(value, RefValue):
        return to_json_value(value.value)
    if isinstance(value, (list, tuple)):
        items = list(value)
        if _is_segments(items):
            return segments_to_text(items)
        return [to_json_value(v) for v in items]
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    return msgspec.to_builtins(value)


def to_csv_cell(value: Any, *, sep: str = ";", persons: PersonStyle = "id") -> str:
    """Render one typed cell value as a CSV cell.

    Args:
        value: a decoded cell.
        sep: separator of list values.
        persons: show persons by ``id`` or by ``name``.

    Returns:
        The cell's text (see the module's table).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Person):
        return (value.name or value.id) if persons == "name" else value.id
    if isinstance(value, GroupChat):
        return value.id
    if isinstance(value, Url):
        return value.link
    if isinstance(value, Attachment):
        return value.name or value.file_token
    if isinstance(value, LinkValue):
        return sep.join(value.record_ids)
    if isinstance(value, Location):
        return value.location or ""
    if isinstance(value, RefValue):
        return to_csv_cell(value.value, sep=sep, persons=persons)
    if isinstance(value, (list, tuple)):
        items = list(value)
        if _is_segments(items):
            return segments_to_text(items)
        return sep.join(to_csv_cell(v, sep=sep, persons=persons) for v in items)
    return msgspec.json.encode(to_json_value(value)).decode()
