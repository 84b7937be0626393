"""Record writes: create, update, delete and their batch forms (A.31-A.36).

Every write encodes and validates the WHOLE input with the table's codec
before the first request (or before it is queued). Rows may be mappings of
field name -> value or :class:`~bitable_async.values.model.RecordModel`
instances (only their assigned attributes are written).

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
import builtins
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from bitable_async.batching import (
    DEFAULT_CHUNK_SIZE,
    ChunkSpan,
    check_chunk_size,
    flatten,
    run_chunks,
)
from bitable_async.errors import FieldValueError
from bitable_async.models.record import RawRecord, Record
from bitable_async.resources._base import (
    WRITE,
    CallContext,
    TableResource,
    UserIdType,
    path_id,
    query,
)
from bitable_async.resources.schema import TableSchema
from bitable_async.values.model import RecordModel
from bitable_async.values.record_codec import BatchFieldValueError, RecordCodec
from bitable_async.writing.types import RecordResult, WriteOptions

if TYPE_CHECKING:
    from bitable_async.writer import TableWriter

__all__ = ["MAX_BATCH", "DeletedRecord", "RecordWrites", "RowLike", "encode_row", "encode_rows"]

logger = logging.getLogger("bitable_async.records")

MAX_BATCH = 1000
"""The largest chunk_size accepted (000 documents 1,000; the default stays 500)."""


class DeletedRecord(msgspec.Struct, kw_only=True):
    """The result of deleting one record.

    Attributes:
        record_id: the record.
        deleted: whether it was deleted.
    """

    record_id: str = ""
    deleted: bool = False


class _RecordData(msgspec.Struct):
    record: RawRecord | None = None


class _RecordsData(msgspec.Struct):
    records: list[RawRecord] | None = None


class _DeletedData(msgspec.Struct):
    records: list[DeletedRecord] | None = None


def _ids(name: str, values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{name} must be an iterable of ids, not one string")
    out = list(values)
    for i, rid in enumerate(out):
        if not isinstance(rid, str) or not rid.strip():
            raise ValueError(f"{name}[{i}] must be a non-empty record id, got {rid!r}")
    return out


def _chunk_token(client_token: str | None, index: int) -> str:
    """The client_token of one chunk: derived from the caller's, or a new UUID.

    Chunk 0 uses the caller's token as is; chunk ``i`` a UUIDv5 of it, so calling
    the same batch again with the same token replays every chunk idempotently.
    """
    if client_token is None:
        return str(uuid.uuid4())
    if index == 0:
        return client_token
    try:
        namespace = uuid.UUID(client_token)
    except ValueError:
        namespace = uuid.uuid5(uuid.NAMESPACE_OID, client_token)
    return str(uuid.uuid5(namespace, f"chunk-{index}"))


RowLike = Mapping[str, Any] | RecordModel
"""One record to write: ``field name -> value``, or a record model instance."""

_RAW_RECORD = msgspec.json.Decoder(RawRecord)


def encode_row(codec: RecordCodec, row: RowLike, index: int | None = 0) -> dict[str, Any]:
    """Encode one row (mapping or record model) into wire ``fields``.

    Args:
        codec: the table's codec.
        row: the row; a model writes only the attributes assigned since it was
            built or read (partial).
        index: the row's position in its batch (named in errors).

    Returns:
        The ``fields`` object.

    Raises:
        FieldValueError: a value does not fit its field, or the model does not
            fit the table.
    """
    if isinstance(row, RecordModel):
        return codec.model_codec(type(row)).encode(row, record_index=index)
    return codec.encode_fields(row, record_index=index)


def encode_rows(codec: RecordCodec, rows: Iterable[RowLike]) -> list[dict[str, Any]]:
    """Encode a batch of rows, validating all of them before returning anything.

    Args:
        codec: the table's codec.
        rows: mappings and/or record model instances.

    Returns:
        One ``fields`` object per row, in order.

    Raises:
        FieldValueError: one invalid value; several give a
            :class:`~bitable_async.values.record_codec.BatchFieldValueError`.
    """
    out: list[dict[str, Any]] = []
    errors: list[FieldValueError] = []
    for i, row in enumerate(rows):
        try:
            out.append(encode_row(codec, row, i))
        except BatchFieldValueError as exc:
            errors.extend(exc.errors)
        except FieldValueError as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise BatchFieldValueError(errors)
    return out


def _from_result(codec: RecordCodec, result: RecordResult) -> Record:
    # The writer hands back plain JSON; decode it the way a response is decoded.
    raw = _RAW_RECORD.decode(msgspec.json.encode(result))
    return _decode_written(codec, [raw])[0]


def _raw_cell(raw: msgspec.Raw) -> Any:
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None


def _decode_written(codec: RecordCodec, raws: Sequence[RawRecord]) -> list[Record]:
    """Decode the records a write returned without ever failing.

    The write is committed by then, so a cell the codec cannot read (a server
    echoing the write shape) must not turn success into an error: such a
    record keeps its cells as plain JSON values.
    """
    out: list[Record] = []
    for i, raw in enumerate(raws):
        try:
            out.append(codec.decode_record(raw, index=i))
        except FieldValueError as exc:
            logger.debug("write response record %s kept raw: %s", raw.rid, exc)
            fields = {name: _raw_cell(cell) for name, cell in raw.fields.items()}
            out.append(Record(record_id=raw.rid, fields=fields))
    return out


class RecordWrites(TableResource):
    """The write half of :class:`~bitable_async.resources.records.RecordsResource`.

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
        self._codec_fetch: asyncio.Future[RecordCodec] | None = None

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

    async def refresh_schema(self) -> RecordCodec:
        """Fetch the table's field list again and rebuild the codec.

        Returns:
            The new codec.

        Raises:
            BitableError: listing the fields failed.
        """
        return await self.schema.refresh()

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

    async def create(
        self,
        fields: RowLike,
        *,
        user_id_type: UserIdType = "open_id",
        ignore_consistency_check: bool | None = None,
        coalesce: bool | None = None,
    ) -> Record:
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
            The created record, decoded with the table's codec.

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
            return _from_result(codec, await writer.create(encoded, options=options))
        params = query(user_id_type=user_id_type, ignore_consistency_check=ignore_consistency_check)

        async def call() -> Record:
            data = await self._call(
                "POST",
                self._path,
                _RecordData,
                params=params,
                json={"fields": encoded},
                endpoint_class=WRITE,
            )
            if data.record is None:
                return Record(record_id=None, fields=dict(encoded))
            return _decode_written(codec, [data.record])[0]

        return await self._write("records.create", call)

    async def update(
        self,
        record_id: str,
        fields: RowLike,
        *,
        user_id_type: UserIdType | None = None,
        ignore_consistency_check: bool | None = None,
        coalesce: bool | None = None,
    ) -> Record:
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
            The updated record.

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
            return _from_result(codec, await writer.update(record_id, encoded, options=options))
        params = query(user_id_type=user_id_type, ignore_consistency_check=ignore_consistency_check)

        async def call() -> Record:
            data = await self._call(
                "PUT",
                path,
                _RecordData,
                params=params,
                json={"fields": encoded},
                endpoint_class=WRITE,
                retry_unknown_outcome=True,
            )
            if data.record is None:
                return Record(record_id=record_id, fields=dict(encoded))
            return _decode_written(codec, [data.record])[0]

        return await self._write("records.update", call)

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

    async def batch_create(
        self,
        rows: Iterable[RowLike],
        *,
        user_id_type: UserIdType | None = None,
        client_token: str | None = None,
        ignore_consistency_check: bool | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> builtins.list[Record]:
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
            The created records, in input order.

        Raises:
            FieldValueError: a value does not fit its field (names the record
                index; nothing is sent).
            BatchError: a call failed; says which chunks were committed (with
                their records), which failed and why, and which were not sent.
        """
        size = check_chunk_size(chunk_size, MAX_BATCH)
        codec = await self.schema.codec()
        encoded = encode_rows(codec, rows)
        path = f"{self._path}/batch_create"

        async def send(span: ChunkSpan, chunk: Sequence[dict[str, Any]]) -> list[Record]:
            params = query(
                user_id_type=user_id_type,
                client_token=_chunk_token(client_token, span.index),
                ignore_consistency_check=ignore_consistency_check,
            )
            payload = {"records": [{"fields": f} for f in chunk]}

            async def call() -> list[Record]:
                data = await self._call(
                    "POST",
                    path,
                    _RecordsData,
                    params=params,
                    json=payload,
                    endpoint_class=WRITE,
                    retry_unknown_outcome=True,
                )
                return _decode_written(codec, data.records or [])

            return await self._write("records.batch_create", call)

        return flatten(await run_chunks(encoded, size, send))

    async def batch_update(
        self,
        updates: Iterable[tuple[str, RowLike]] | Mapping[str, RowLike],
        *,
        user_id_type: UserIdType | None = None,
        ignore_consistency_check: bool | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> builtins.list[Record]:
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
            The updated records, in input order.

        Raises:
            ValueError: an empty record id (before any request).
            FieldValueError: a value does not fit its field (names the record index).
            BatchError: a call failed; says which chunks were committed.
        """
        size = check_chunk_size(chunk_size, MAX_BATCH)
        pairs = builtins.list(updates.items() if isinstance(updates, Mapping) else updates)
        ids = _ids("record_id", (p[0] for p in pairs))
        codec = await self.schema.codec()
        encoded = encode_rows(codec, (p[1] for p in pairs))
        items = [{"record_id": rid, "fields": f} for rid, f in zip(ids, encoded, strict=True)]
        path = f"{self._path}/batch_update"
        params = query(user_id_type=user_id_type, ignore_consistency_check=ignore_consistency_check)

        async def send(span: ChunkSpan, chunk: Sequence[dict[str, Any]]) -> list[Record]:
            payload = {"records": builtins.list(chunk)}

            async def call() -> list[Record]:
                data = await self._call(
                    "POST",
                    path,
                    _RecordsData,
                    params=params,
                    json=payload,
                    endpoint_class=WRITE,
                    retry_unknown_outcome=True,
                )
                return _decode_written(codec, data.records or [])

            return await self._write("records.batch_update", call)

        return flatten(await run_chunks(items, size, send))

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
                    "POST", path, _DeletedData, params=params, json=payload, endpoint_class=WRITE
                )
                return data.records or []

            return await self._write("records.batch_delete", call)

        return flatten(await run_chunks(ids, size, send))
