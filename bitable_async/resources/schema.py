"""The per-table schema cache: the field list, fetched once, and its RecordCodec.

Record reads and writes need the table's field list (cells are keyed by field
name and decoded by the type the schema names). A :class:`TableSchema` fetches
it on first use -- concurrent first users share one fetch -- and keeps it until
:meth:`TableSchema.refresh` or :meth:`TableSchema.invalidate` (which field
writes through the same handle call). A field listed without a usable name
(see :mod:`bitable_async.models.fields`) keys no cell and is left out of the
codec, with a warning; other odd entries are kept as the field list gives them.

It also holds the table's formula / lookup ``references`` (which field each
one shows, see :mod:`bitable_async.values.codecs_derived`): the declared ones
(``client.table(..., references=...)`` or :meth:`TableSchema.set_references`)
plus those the schema tells (a formula that is one reference to a field of the
table). Reads made with ``display_formula_ref=True`` decode those cells in the
referenced field's shape.
"""

from __future__ import annotations

import logging
import types
from collections.abc import Mapping, Sequence
from datetime import timezone, tzinfo

import anyio

from bitable_async.models.fields import FieldSchema
from bitable_async.resources.fields import FieldsResource
from bitable_async.values.codecs_derived import references_of, table_references
from bitable_async.values.record_codec import RecordCodec

__all__ = ["TableSchema"]

logger = logging.getLogger("bitable_async.records")

_DERIVED = (19, 20)


class TableSchema:
    """The cached schema of one table.

    Attributes:
        tz: time zone of decoded datetimes.
        allow_new_options: accept select option names missing from the schema.
    """

    def __init__(
        self,
        fields: FieldsResource,
        *,
        tz: tzinfo = timezone.utc,
        allow_new_options: bool = False,
        references: Mapping[str, FieldSchema | int] | None = None,
    ) -> None:
        """Bind the cache to the table's field resource; no I/O.

        Args:
            fields: the field resource used to list the fields.
            tz: time zone of decoded datetimes.
            allow_new_options: accept select option names missing from the schema.
            references: formula / lookup field name -> the schema (or type
                code) of the field it shows; used by reads made with
                ``display_formula_ref=True``.

        Raises:
            TypeError: a ``references`` value is neither a FieldSchema nor an int.
        """
        self._fields = fields
        self.tz = tz
        self.allow_new_options = allow_new_options
        self._references = references_of(references)
        self._codec: RecordCodec | None = None
        self._lock = anyio.Lock()
        self._generation = 0

    @property
    def cached(self) -> RecordCodec | None:
        """The cached codec, ``None`` before the first fetch or after an invalidation."""
        return self._codec

    @property
    def references(self) -> Mapping[str, FieldSchema | int]:
        """The declared references (read-only view; see :meth:`set_references`).

        The codec also uses the references the schema tells (a formula that is
        one reference to a field of this table): see
        :attr:`RecordCodec.references <bitable_async.values.record_codec.RecordCodec>`
        of :meth:`codec` for all of them.
        """
        return types.MappingProxyType(self._references)

    def set_references(self, references: Mapping[str, FieldSchema | int] | None) -> None:
        """Declare which field each formula / lookup field shows (no I/O).

        The field list does not tell where a lookup points (its property is
        null), nor where a formula points unless its expression is one bare
        field reference, so declare them to decode reads made with
        ``display_formula_ref=True`` in the referenced field's shape, e.g.
        ``{"Owner (lookup)": PersonField(field_name="Owner")}`` or
        ``{"Stage (lookup)": 3}``. The cached codec, if any, is rebuilt from the
        cached field list.

        Args:
            references: formula / lookup field name -> the referenced field's
                schema (e.g. from the linked table's
                ``records.schema.fields()``) or type code; replaces the
                previous declaration (``None``: none).

        Raises:
            TypeError: a value is neither a FieldSchema nor an int type code.
        """
        self._references = references_of(references)
        codec = self._codec
        if codec is not None:
            self._codec = self._build(codec.fields)

    def invalidate(self) -> None:
        """Forget the cached schema; the next use fetches it again."""
        self._codec = None
        self._generation += 1

    def set_fields(self, fields: list[FieldSchema]) -> RecordCodec:
        """Install a field list obtained elsewhere (no I/O).

        Fields without a ``field_name`` are left out (logged), as for a
        fetched list: record cells are keyed by name.

        Args:
            fields: the table's fields.

        Returns:
            The codec built from them.
        """
        self._codec = self._build(fields)
        return self._codec

    def _build(self, fields: Sequence[FieldSchema]) -> RecordCodec:
        fields = self._addressable(fields)
        derived = {f.field_name for f in fields if f.type in _DERIVED}
        stray = sorted(set(self._references) - derived)
        if stray:
            logger.warning(
                "table %s: references name fields that are not formula / lookup fields "
                "of the table (ignored): %s",
                self._fields.table_id,
                ", ".join(map(repr, stray)),
            )
        refs = table_references(fields, self._references, table_id=self._fields.table_id)
        return RecordCodec.from_fields(
            fields, tz=self.tz, allow_new_options=self.allow_new_options, references=refs
        )

    def _addressable(self, fields: Sequence[FieldSchema]) -> Sequence[FieldSchema]:
        # Record cells are keyed by field name: a field listed without a usable
        # name (kept by the field list as an UnknownField with field_name="")
        # can key no cell, so the codec leaves it out.
        if all(f.field_name for f in fields):
            return fields
        nameless = [f for f in fields if not f.field_name]
        logger.warning(
            "table %s: %d field(s) listed without a usable field_name left out of the "
            "schema (field ids: %s)",
            self._fields.table_id,
            len(nameless),
            ", ".join(repr(f.field_id) for f in nameless),
        )
        return [f for f in fields if f.field_name]

    async def codec(self) -> RecordCodec:
        """The table's codec, fetching the field list on first use.

        Returns:
            The codec.

        Raises:
            BitableError: listing the fields failed.
        """
        codec = self._codec
        if codec is not None:
            return codec
        async with self._lock:
            if self._codec is None:
                await self._fetch()
            assert self._codec is not None
            return self._codec

    async def refresh(self) -> RecordCodec:
        """Fetch the field list again, whatever is cached.

        Returns:
            The new codec.

        Raises:
            BitableError: listing the fields failed.
        """
        async with self._lock:
            await self._fetch()
            assert self._codec is not None
            return self._codec

    async def fields(self) -> tuple[FieldSchema, ...]:
        """The table's fields (cached).

        Returns:
            The fields in table order.

        Raises:
            BitableError: listing the fields failed.
        """
        return (await self.codec()).fields

    async def _fetch(self) -> None:
        # A field write through this handle may invalidate the schema while the
        # list is in flight; the list may then predate it, so fetch again (bounded).
        for _ in range(3):
            generation = self._generation
            fields = [f async for f in self._fields.list()]
            self._codec = self._build(fields)
            if generation == self._generation:
                return
