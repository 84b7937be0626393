"""Record models: the raw record as read from the wire, and the decoded record.

``RawRecord`` decodes straight from response bytes without knowing the table's
schema (cells stay ``msgspec.Raw``); a ``RecordCodec`` built from the field list
then turns it into a :class:`Record` with typed values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from bitable_async.values.types import Person

__all__ = ["RawRecord", "RawRecordPage", "Record", "RecordPage"]


class RawRecord(msgspec.Struct, kw_only=True, gc=False):
    """One record of a response, cells undecoded.

    Attributes:
        record_id: the record id.
        id: some examples (attachment guide) carry the id under ``id`` instead.
        fields: field name -> the cell's raw JSON.
        created_by, created_time, last_modified_by, last_modified_time: the
            automatic fields (``automatic_fields=true``); times in ms.
        shared_url: the record's share link (``with_shared_url=true``).
        record_url: the record's URL, when returned.
    """

    record_id: str | None = None
    id: str | None = None
    fields: dict[str, msgspec.Raw] = {}
    created_by: Person | None = None
    created_time: int | None = None
    last_modified_by: Person | None = None
    last_modified_time: int | None = None
    shared_url: str | None = None
    record_url: str | None = None

    @property
    def rid(self) -> str | None:
        """The record id, from ``record_id`` or ``id``.

        Returns:
            The id, ``None`` when the record carried neither.
        """
        return self.record_id if self.record_id is not None else self.id


class RawRecordPage(msgspec.Struct, kw_only=True, gc=False):
    """The ``data`` of list / search records, cells undecoded."""

    items: list[RawRecord] | None = None
    has_more: bool = False
    page_token: str | None = None
    total: int | None = None


class Record(msgspec.Struct, kw_only=True):
    """A decoded record.

    A record READ (get, batch_get, list, search): ``fields`` holds every field
    of the codec's schema, keyed by field name, with ``None`` for empty or
    missing cells (cells of fields the schema does not know are dropped:
    refresh the schema to see them).

    A record a WRITE returns (``records.create`` / ``update`` /
    ``batch_create`` / ``batch_update`` of mapping rows, coalesced or not):
    Bitable answers with the written cells only, so ``fields`` holds only the
    cells the answer shows (typed like a read; a create's answer may show a
    cell the server filled itself), plus each written cell the answer leaves
    out (an emptied cell: ``None``), taken as written. A field that was not
    part of the write is absent, not ``None``: its cell is unknown, and
    writing ``fields`` back (``records.update(rid, rec.fields)``) leaves it
    unchanged. :meth:`get` returns ``default`` and ``rec[name]`` raises
    ``KeyError`` for it; read the record to know every cell.

    Attributes:
        record_id: the record id (``None`` only if the response had none).
        fields: field name -> typed value.
        created_by, created_time, last_modified_by, last_modified_time: the
            automatic fields, when requested (times are aware datetimes).
        shared_url: the share link, when requested.
        record_url: the record URL, when returned.
    """

    record_id: str | None
    fields: dict[str, Any]
    created_by: Person | None = None
    created_time: datetime | None = None
    last_modified_by: Person | None = None
    last_modified_time: datetime | None = None
    shared_url: str | None = None
    record_url: str | None = None

    def get(self, name: str, default: Any = None) -> Any:
        """The value of a field, or ``default`` when it is empty or unknown.

        Unknown includes a field a write's record does not hold (see the class).

        Args:
            name: the field name.
            default: returned for a missing or ``None`` value.

        Returns:
            The typed value.
        """
        value = self.fields.get(name)
        return default if value is None else value

    def __getitem__(self, name: str) -> Any:
        """The value of a field (``None`` when empty).

        Args:
            name: the field name.

        Returns:
            The typed value.

        Raises:
            KeyError: ``name`` is not a field of the schema, or (a record a
                write returned) was not part of the write.
        """
        return self.fields[name]


class RecordPage(msgspec.Struct, kw_only=True):
    """A decoded page of records (list / search)."""

    items: list[Record]
    has_more: bool = False
    page_token: str | None = None
    total: int | None = None
