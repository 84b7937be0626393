"""Record writes: create, update, delete and their batch forms (A.31-A.36).

Every write encodes and validates the WHOLE input with the table's codec
before the first request (or before it is queued). Rows may be mappings of
field name -> value or :class:`~bitable_async.values.model.RecordModel`
instances (only their assigned attributes are written); a write returns a
:class:`~bitable_async.models.record.Record` for a mapping and an instance of
the row's own model class for a model (see :mod:`.record_io`). Bitable answers
a write with the written cells only, so a returned model instance knows the
written attributes (as answered), plus -- for an update of the record the
given instance was read from -- the attributes that instance read; its other
attributes are unset, never read as empty: a full write of it leaves their
cells alone, and reading one raises
:class:`~bitable_async.values.model.UnsetAttributeError`.

Single-record writes are COALESCED by default: ``create`` / ``update`` /
``delete`` hand the encoded record to the table's writer, which gathers the
concurrent calls on the table (same identity and query options) into one
``batch_create`` / ``batch_update`` / ``batch_delete`` of up to 500 records;
each caller gets its own record or its own error back (a record the server
rejects is isolated by bisection). ``coalesce=False`` per call, or
``WriterConfig(coalesce=False)`` per client, uses the single-record endpoints.

Batch writes accept any iterable, are split into chunks (500 records by
default) and sent one after another through the write seam
(:meth:`~bitable_async.resources._base.Resource._write`); a failed chunk
raises :class:`~bitable_async.batching.BatchError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from bitable_async.models.record import Record
from bitable_async.resources._base import (
    WRITE,
    UserIdType,
    query,
)
from bitable_async.resources.record_batches import MAX_BATCH, RecordBatchWrites
from bitable_async.resources.record_io import (
    DeletedRecord,
    RecordData,
    RowLike,
    Written,
    decode_one,
    encode_row,
    encode_rows,
    written_from_result,
    written_without_answer,
)
from bitable_async.values.model import RecordModel
from bitable_async.values.record_codec import RecordCodec
from bitable_async.writing.types import WriteOptions

if TYPE_CHECKING:
    from bitable_async.writer import TableWriter

__all__ = ["MAX_BATCH", "DeletedRecord", "RecordWrites", "RowLike", "encode_row", "encode_rows"]

M = TypeVar("M", bound=RecordModel)


class RecordWrites(RecordBatchWrites):
    """The write half of :class:`~bitable_async.resources.records.RecordsResource`.

    Single-record writes here (coalesced by the table's writer by default);
    the chunked batch writes and the schema in
    :class:`~bitable_async.resources.record_batches.RecordBatchWrites`.
    """

    _codec_fetch: asyncio.Future[RecordCodec] | None = None

    async def _write_codec(self) -> RecordCodec:
        # Concurrent first writers share ONE awaited fetch and all resume in the
        # same loop turn, so they reach the writer together and share batches
        # (waiters of the schema's lock would be released one per turn).
        cached = self.schema.cached
        if cached is not None:
            return cached
        fetch = self._codec_fetch
        if fetch is None or fetch.done():
            fetch = self._codec_fetch = asyncio.ensure_future(self.schema.codec())
            # Retrieved here too, so a failure seen by no caller (all cancelled) is not logged.
            fetch.add_done_callback(lambda f: None if f.cancelled() else f.exception())
        return await asyncio.shield(fetch)

    # ----------------------------------------------------------------- writes

    def _coalescer(self, coalesce: bool | None) -> TableWriter | None:
        """The table's writer when this single-record write is to be coalesced."""
        writers = self._ctx.writers
        if writers is None or not writers.has_executor_factory:
            return None
        if not (writers.config.coalesce if coalesce is None else coalesce):
            return None
        writer = writers.writer(self.app_token, self.table_id)
        # Inside a write of this lane (a nested call): queueing would wait for
        # ourselves; the seam runs the single-record call at once instead.
        return None if writer.in_turn else writer

    def _options(
        self, user_id_type: str | None, ignore_consistency_check: bool | None
    ) -> WriteOptions:
        return WriteOptions(
            tenant_key=self._ctx.tenant_key,
            user_access_token=self._ctx.user_access_token,
            user_id_type=user_id_type,
            ignore_consistency_check=ignore_consistency_check,
        )

    async def _write_one(
        self,
        operation: str,
        method: str,
        path: str,
        params: dict[str, Any],
        row: RowLike,
        encoded: dict[str, Any],
        record_id: str | None,
        codec: RecordCodec,
    ) -> Written:
        """Send one single-record create (POST) or update (PUT) in the table's turn."""

        async def call() -> Written:
            data = await self._call(
                method,
                path,
                RecordData,
                params=params,
                json={"fields": encoded},
                endpoint_class=WRITE,
                # An update sets the same cells again: safe to replay.
                retry_unknown_outcome=method == "PUT",
            )
            if data.record is None:
                return written_without_answer(row, record_id, encoded, codec)
            return decode_one(codec, row, data.record, 0, encoded, record_id)

        return await self._write(operation, call)

    @overload
    async def create(
        self,
        fields: M,
        *,
        user_id_type: UserIdType = ...,
        ignore_consistency_check: bool | None = ...,
        coalesce: bool | None = ...,
    ) -> M: ...

    @overload
    async def create(
        self,
        fields: Mapping[str, Any],
        *,
        user_id_type: UserIdType = ...,
        ignore_consistency_check: bool | None = ...,
        coalesce: bool | None = ...,
    ) -> Record: ...

    async def create(
        self,
        fields: RowLike,
        *,
        user_id_type: UserIdType = "open_id",
        ignore_consistency_check: bool | None = None,
        coalesce: bool | None = None,
    ) -> Written:
        """Create one record; concurrent calls on the table are coalesced into batches.

        API: ``POST .../tables/:table_id/records/batch_create`` (A.34, with a
        fresh ``client_token`` per batch) when coalesced -- the default -- or
        ``POST .../tables/:table_id/records`` (app_table_record.create, A.31)
        with ``coalesce=False``. The values are validated before the record is
        queued.

        Args:
            fields: field name -> value (typed values or wire shapes), or a
                record model instance (only its assigned attributes are written).
            user_id_type: id kind of persons in ``fields`` (declared required).
            ignore_consistency_check: skip the server's consistency check (000).
            coalesce: gather with concurrent single-record writes (default:
                ``WriterConfig.coalesce``, True); False calls the single-record
                endpoint (still in the table's turn).

        Returns:
            The created record decoded with the table's codec: a
            :class:`Record` for a mapping, an instance of the model's class
            (a new object, with its ``record_id``) for a model. The answer
            holds the written cells only (Bitable may fill others, e.g. an
            auto-fill date), so a :class:`Record`'s ``fields`` hold the cells
            the answer shows and the written ones (an emptied cell: ``None``),
            no other field (not ``None`` placeholders; see :class:`Record`),
            and the instance's attributes that were not written are unset
            (see :meth:`ModelCodec.decode_written
            <bitable_async.values.model.ModelCodec.decode_written>`).

        Raises:
            FieldValueError: a value does not fit its field (before anything is sent).
            InvalidFieldValueError: the server rejected a value of THIS record
                (the other records of its batch still land).
            BitableError: the request failed.
        """
        codec = await self._write_codec()
        encoded = encode_row(codec, fields)
        writer = self._coalescer(coalesce)
        if writer is not None:
            options = self._options(user_id_type, ignore_consistency_check)
            result = await writer.create(encoded, options=options)
            return written_from_result(codec, fields, result, encoded)
        params = query(user_id_type=user_id_type, ignore_consistency_check=ignore_consistency_check)
        return await self._write_one(
            "records.create", "POST", self._path, params, fields, encoded, None, codec
        )

    @overload
    async def update(
        self,
        record_id: str,
        fields: M,
        *,
        user_id_type: UserIdType | None = ...,
        ignore_consistency_check: bool | None = ...,
        coalesce: bool | None = ...,
    ) -> M: ...

    @overload
    async def update(
        self,
        record_id: str,
        fields: Mapping[str, Any],
        *,
        user_id_type: UserIdType | None = ...,
        ignore_consistency_check: bool | None = ...,
        coalesce: bool | None = ...,
    ) -> Record: ...

    async def update(
        self,
        record_id: str,
        fields: RowLike,
        *,
        user_id_type: UserIdType | None = None,
        ignore_consistency_check: bool | None = None,
        coalesce: bool | None = None,
    ) -> Written:
        """Update one record's cells; concurrent calls on the table are coalesced.

        API: ``POST .../tables/:table_id/records/batch_update`` (A.35) when
        coalesced -- the default -- or ``PUT .../tables/:table_id/records/:record_id``
        (app_table_record.update, A.32) with ``coalesce=False``. Two updates of
        the same record never share a batch (they are applied in turn).

        Args:
            record_id: the record.
            fields: field name -> new value (``None`` clears the cell), or a
                record model instance (only its assigned attributes are written).
            user_id_type: id kind of persons in ``fields``.
            ignore_consistency_check: skip the server's consistency check (000).
            coalesce: gather with concurrent single-record writes (default:
                ``WriterConfig.coalesce``); False calls the single-record endpoint.

        Returns:
            The updated record: a :class:`Record` for a mapping, whose
            ``fields`` hold the written cells (as answered, an emptied one as
            ``None``) and no other field -- the answer holds the written cells
            only, so the others are absent, not ``None`` (see
            :class:`Record`; writing them back changes nothing else); an
            instance of the model's class (a new object) for a model, holding
            the written attributes as answered and, when ``fields`` was read
            from this record, its other attributes as read; any other
            attribute is unset (see :meth:`ModelCodec.decode_written
            <bitable_async.values.model.ModelCodec.decode_written>`).

        Raises:
            ValueError: ``record_id`` is empty (before anything is sent).
            FieldValueError: a value does not fit its field (before anything is sent).
            NotFoundError: no such record (1254043); only this caller fails.
            BitableError: the request failed.
        """
        path = self._rec_path(record_id)
        codec = await self._write_codec()
        encoded = encode_row(codec, fields)
        writer = self._coalescer(coalesce)
        if writer is not None:
            options = self._options(user_id_type, ignore_consistency_check)
            result = await writer.update(record_id, encoded, options=options)
            return written_from_result(codec, fields, result, encoded, record_id)
        params = query(user_id_type=user_id_type, ignore_consistency_check=ignore_consistency_check)
        return await self._write_one(
            "records.update", "PUT", path, params, fields, encoded, record_id, codec
        )

    async def delete(
        self,
        record_id: str,
        *,
        ignore_consistency_check: bool | None = None,
        coalesce: bool | None = None,
    ) -> DeletedRecord:
        """Delete one record; concurrent calls on the table are coalesced.

        API: ``POST .../tables/:table_id/records/batch_delete`` (A.36) when
        coalesced -- the default -- or ``DELETE .../tables/:table_id/records/:record_id``
        (app_table_record.delete, A.33) with ``coalesce=False``.

        Args:
            record_id: the record.
            ignore_consistency_check: skip the server's consistency check (000).
            coalesce: gather with concurrent single-record writes (default:
                ``WriterConfig.coalesce``); False calls the single-record endpoint.

        Returns:
            The record id and the deleted flag.

        Raises:
            ValueError: ``record_id`` is empty.
            NotFoundError: no such record; only this caller fails.
            BitableError: the request failed.
        """
        path = self._rec_path(record_id)
        writer = self._coalescer(coalesce)
        if writer is not None:
            options = self._options(None, ignore_consistency_check)
            res = await writer.delete(record_id, options=options)
            return DeletedRecord(
                record_id=str(res.get("record_id") or record_id), deleted=bool(res.get("deleted"))
            )
        params = query(ignore_consistency_check=ignore_consistency_check)

        async def call() -> DeletedRecord:
            return await self._call(
                "DELETE", path, DeletedRecord, params=params, endpoint_class=WRITE
            )

        return await self._write("records.delete", call)
