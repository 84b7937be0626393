"""The per-table schema cache: the field list, fetched once, and its RecordCodec.

Record reads and writes need the table's field list (cells are keyed by field
name and decoded by the type the schema names). A :class:`TableSchema` fetches
it on first use -- concurrent first users share one fetch -- and keeps it until
:meth:`TableSchema.refresh` or :meth:`TableSchema.invalidate` (which field
writes through the same handle call).
"""

from __future__ import annotations

from datetime import timezone, tzinfo

import anyio

from bitable_async.models.fields import FieldSchema
from bitable_async.resources.fields import FieldsResource
from bitable_async.values.record_codec import RecordCodec

__all__ = ["TableSchema"]


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
    ) -> None:
        """Bind the cache to the table's field resource; no I/O.

        Args:
            fields: the field resource used to list the fields.
            tz: time zone of decoded datetimes.
            allow_new_options: accept select option names missing from the schema.
        """
        self._fields = fields
        self.tz = tz
        self.allow_new_options = allow_new_options
        self._codec: RecordCodec | None = None
        self._lock = anyio.Lock()
        self._generation = 0

    @property
    def cached(self) -> RecordCodec | None:
        """The cached codec, ``None`` before the first fetch or after an invalidation."""
        return self._codec

    def invalidate(self) -> None:
        """Forget the cached schema; the next use fetches it again."""
        self._codec = None
        self._generation += 1

    def set_fields(self, fields: list[FieldSchema]) -> RecordCodec:
        """Install a field list obtained elsewhere (no I/O).

        Args:
            fields: the table's fields.

        Returns:
            The codec built from them.
        """
        self._codec = RecordCodec.from_fields(
            fields, tz=self.tz, allow_new_options=self.allow_new_options
        )
        return self._codec

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
            codec = RecordCodec.from_fields(
                fields, tz=self.tz, allow_new_options=self.allow_new_options
            )
            self._codec = codec
            if generation == self._generation:
                return
