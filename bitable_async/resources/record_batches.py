"""Chunked record writes: batch_create, batch_update, batch_delete (A.34-A.36).

Batch writes accept any iterable, validate and encode the whole input with the
table's codec before the first request, split it into chunks (500 records by
default) and send them one after another through the write seam
(:meth:`~bitable_async.resources._base.Resource._write`); a failed chunk raises
:class:`~bitable_async.batching.BatchError`. The single-record (coalesced)
writes build on this class in :mod:`bitable_async.resources.record_writes`.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar, overload

from bitable_async.batching import (
    DEFAULT_CHUNK_SIZE,
    ChunkSpan,
    check_chunk_size,
    flatten,
    run_chunks,
)
from bitable_async.models.record import Record
from bitable_async.resources._base import (
    WRITE,
    CallContext,
    TableResource,
    UserIdType,
    path_id,
    query,
)
from bitable_async.resources.record_io import (
    DeletedData,
    DeletedRecord,
    RecordsData,
    RowLike,
    Written,
    chunk_token,
    decode_written,
    encode_rows,
    record_ids,
)
from bitable_async.resources.schema import TableSchema
from bitable_async.values.model import RecordModel
from bitable_async.values.record_codec import RecordCodec

__all__ = ["MAX_BATCH", "RecordBatchWrites"]

_ids = record_ids  # batch_delete's parameter is named record_ids

M = TypeVar("M", bound=RecordModel)

MAX_BATCH = 1000
"""The largest chunk_size accepted (000 documents 1,000; the default stays 500)."""


class RecordBatchWrites(TableResource):
    """The chunked record writes of one table, and its schema.

    Attributes:
        schema: the table's cached schema (field list and codec).
    """

    def __init__(
        self,
        ctx: CallContext,
        app_token: str,
        table_id: str,
        *,
        schema: TableSchema,
    ) -> None:
        """Bind to one table.

        Args:
            ctx: the transport and identity to call with.
            app_token: the Bitable.
            table_id: the table.
            schema: the table's schema cache (shared with its handle).

        Raises:
            ValueError: an id is empty.
        """
        super().__init__(ctx, app_token, table_id)
        self.schema = schema
        self._path = f"{self._table_path}/records"

    def _rec_path(self, record_id: str) -> str:
        return f"{self._path}/{path_id('record_id', record_id)}"

    async def codec(self) -> RecordCodec:
        """The table's record codec (fetches the schema on first use).

        Returns:
            The codec.

        Raises:
            BitableError: listing the fields failed.
        """
        return await self.schema.codec()

    async def refresh_schema(self) -> RecordCodec:
        """Fetch the table's field list again and rebuild the codec.

        Returns:
            The new codec.

        Raises:
            BitableError: listing the fields failed.
        """
        return await self.schema.refresh()

    async def _write_chunks(
        self,
        operation: str,
        path: str,
        rows: Sequence[RowLike],
        items: Sequence[dict[str, Any]],
        codec: RecordCodec,
        chunk_size: int,
        params: Any,
        ids: Sequence[str] | None = None,
    ) -> builtins.list[Written]:
        """Send ``items`` in chunks through the write seam; decode as the rows' kinds.

        ``params`` is the query of every chunk, or a function of the chunk's
        span giving it (batch_create: each chunk has its own ``client_token``).
        ``ids`` are the records updated (batch_update). Each answer is decoded
        knowing which cells its item wrote (see
        :func:`~bitable_async.resources.record_io.decode_one`).
        """

        async def send(span: ChunkSpan, chunk: Sequence[dict[str, Any]]) -> list[Written]:
            chunk_params = params(span) if callable(params) else params
            payload = {"records": builtins.list(chunk)}

            async def call() -> list[Written]:
                data = await self._call(
                    "POST",
                    path,
                    RecordsData,
                    params=chunk_params,
                    json=payload,
                    endpoint_class=WRITE,
                    # batch_create: the chunk's client_token makes a replay safe;
                    # batch_update: setting the same cells again is harmless.
                    retry_unknown_outcome=True,
                )
                return decode_written(
                    codec,
                    rows[span.start : span.stop],
                    data.records or [],
                    [item["fields"] for item in chunk],
                    None if ids is None else ids[span.start : span.stop],
                    endpoint=operation,
                )

            return await self._write(operation, call)

        return flatten(await run_chunks(items, chunk_size, send))

    @overload
    async def batch_create(
        self,
        rows: Iterable[M],
        *,
        user_id_type: UserIdType | None = ...,
        client_token: str | None = ...,
        ignore_consistency_check: bool | None = ...,
        chunk_size: int = ...,
    ) -> builtins.list[M]: ...

    @overload
    async def batch_create(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        user_id_type: UserIdType | None = ...,
        client_token: str | None = ...,
        ignore_consistency_check: bool | None = ...,
        chunk_size: int = ...,
    ) -> builtins.list[Record]: ...

    @overload
    async def batch_create(
        self,
        rows: Iterable[RowLike],
        *,
        user_id_type: UserIdType | None = ...,
        client_token: str | None = ...,
        ignore_consistency_check: bool | None = ...,
        chunk_size: int = ...,
    ) -> builtins.list[Written]: ...

    async def batch_create(
        self,
        rows: Iterable[RowLike],
        *,
        user_id_type: UserIdType | None = None,
        client_token: str | None = None,
        ignore_consistency_check: bool | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> builtins.list[Any]:
        """Create any number of records, 500 per call.

        API: ``POST .../tables/:table_id/records/batch_create`` (app_table_record.batch_create,
        A.34). Every row is validated and encoded before the first call. Each
        chunk carries its own ``client_token`` (derived from ``client_token``
        when given, so the same call can be repeated safely), which also lets
        the transport retry a chunk whose outcome is unknown.

        Args:
            rows: one ``field name -> value`` mapping (or record model
                instance) per record.
            user_id_type: id kind of persons in the rows.
            client_token: idempotency key (a UUID) of the first chunk; later
                chunks use keys derived from it. New UUIDs when omitted.
            ignore_consistency_check: skip the server's consistency check (000).
            chunk_size: records per call (1-1000; default 500).

        Returns:
            The created records, in input order: a :class:`Record` for each
            mapping row, whose ``fields`` hold the cells the answer shows and
            the written ones (an emptied cell: ``None``) and no other field
            (the answer holds the written cells only; see :class:`Record`);
            an instance of its model class for each model row (its attributes
            that were not written are unset; see
            :meth:`ModelCodec.decode_written
            <bitable_async.values.model.ModelCodec.decode_written>`).
            One result per row even when a chunk's answer lists a different
            number of records: each row of that chunk then holds its sent
            cells, typed, and no record id (answer records are never paired with rows
            by position; a WARNING is logged).

        Raises:
            FieldValueError: a value does not fit its field (names the record
                index; nothing is sent).
            BatchError: a call failed; says which chunks were committed (with
                their records), which failed and why, and which were not sent.
        """
        size = check_chunk_size(chunk_size, MAX_BATCH)
        codec = await self.schema.codec()
        given = builtins.list(rows)
        encoded = encode_rows(codec, given)

        def params(span: ChunkSpan) -> dict[str, Any]:
            return query(
                user_id_type=user_id_type,
                client_token=chunk_token(client_token, span.index),
                ignore_consistency_check=ignore_consistency_check,
            )

        return await self._write_chunks(
            "records.batch_create",
            f"{self._path}/batch_create",
            given,
            [{"fields": f} for f in encoded],
            codec,
            size,
            params,
        )

    @overload
    async def batch_update(
        self,
        updates: Iterable[tuple[str, M]] | Mapping[str, M],
        *,
        user_id_type: UserIdType | None = ...,
        ignore_consistency_check: bool | None = ...,
        chunk_size: int = ...,
    ) -> builtins.list[M]: ...

    @overload
    async def batch_update(
        self,
        updates: Iterable[tuple[str, Mapping[str, Any]]] | Mapping[str, Mapping[str, Any]],
        *,
        user_id_type: UserIdType | None = ...,
        ignore_consistency_check: bool | None = ...,
        chunk_size: int = ...,
    ) -> builtins.list[Record]: ...

    @overload
    async def batch_update(
        self,
        updates: Iterable[tuple[str, RowLike]] | Mapping[str, RowLike],
        *,
        user_id_type: UserIdType | None = ...,
        ignore_consistency_check: bool | None = ...,
        chunk_size: int = ...,
    ) -> builtins.list[Written]: ...

    async def batch_update(
        self,
        updates: Iterable[tuple[str, RowLike]] | Mapping[str, RowLike],
        *,
        user_id_type: UserIdType | None = None,
        ignore_consistency_check: bool | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> builtins.list[Any]:
        """Update any number of records, 500 per call.

        API: ``POST .../tables/:table_id/records/batch_update`` (app_table_record.batch_update,
        A.35). Every row is validated and encoded before the first call.

        Args:
            updates: ``(record_id, fields)`` pairs, or a ``{record_id: fields}``
                mapping; ``fields`` may be a record model instance.
            user_id_type: id kind of persons in the rows.
            ignore_consistency_check: skip the server's consistency check (000).
            chunk_size: records per call (1-1000; default 500).

        Returns:
            The updated records, in input order: a :class:`Record` for each
            mapping, whose ``fields`` hold the written cells (as answered, an
            emptied one as ``None``) and no other field, so writing them back
            changes no other cell (see :class:`Record`); an instance of its
            model class for each model: the written attributes as answered,
            the other attributes of an instance read from the same record as
            read, and any other attribute unset (see
            :meth:`ModelCodec.decode_written
            <bitable_async.values.model.ModelCodec.decode_written>`).
            One result per row even when a chunk's answer lists a different
            number of records: each row of that chunk then holds its sent
            cells, typed, and its record id (answer records are never paired with rows
            by position; a WARNING is logged).

        Raises:
            ValueError: an empty record id (before any request).
            FieldValueError: a value does not fit its field (names the record index).
            BatchError: a call failed; says which chunks were committed.
        """
        size = check_chunk_size(chunk_size, MAX_BATCH)
        pairs = builtins.list(updates.items() if isinstance(updates, Mapping) else updates)
        ids = record_ids("record_id", (p[0] for p in pairs))
        codec = await self.schema.codec()
        given = [p[1] for p in pairs]
        encoded = encode_rows(codec, given)
        items = [{"record_id": rid, "fields": f} for rid, f in zip(ids, encoded, strict=True)]
        return await self._write_chunks(
            "records.batch_update",
            f"{self._path}/batch_update",
            given,
            items,
            codec,
            size,
            query(user_id_type=user_id_type, ignore_consistency_check=ignore_consistency_check),
            ids,
        )

    async def batch_delete(
        self,
        record_ids: Iterable[str],
        *,
        ignore_consistency_check: bool | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> builtins.list[DeletedRecord]:
        """Delete any number of records, 500 per call.

        API: ``POST .../tables/:table_id/records/batch_delete`` (app_table_record.batch_delete,
        A.36); the body is ``{"records": [record_id, ...]}``.

        Args:
            record_ids: the records.
            ignore_consistency_check: skip the server's consistency check (000).
            chunk_size: ids per call (1-1000; default 500).

        Returns:
            One result per id, in input order.

        Raises:
            ValueError: an empty id (before any request).
            BatchError: a call failed; says which chunks were committed.
        """
        size = check_chunk_size(chunk_size, MAX_BATCH)
        ids = _ids("record_ids", record_ids)
        path = f"{self._path}/batch_delete"
        params = query(ignore_consistency_check=ignore_consistency_check)

        async def send(span: ChunkSpan, chunk: Sequence[str]) -> list[DeletedRecord]:
            payload = {"records": builtins.list(chunk)}

            async def call() -> list[DeletedRecord]:
                data = await self._call(
                    "POST", path, DeletedData, params=params, json=payload, endpoint_class=WRITE
                )
                return data.records or []

            return await self._write("records.batch_delete", call)

        return flatten(await run_chunks(ids, size, send))
