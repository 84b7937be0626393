"""What record writes send and get back: rows encoded, answers decoded.

The pure half of :mod:`bitable_async.resources.record_writes` (no I/O): rows
(mappings or :class:`~bitable_async.values.model.RecordModel` instances) are
encoded and validated with the table's codec before anything is sent, and the
records a write returns are decoded back -- each as the kind of row it came
from: a :class:`Record` for a mapping, an instance of the row's model class
for a model.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import msgspec

from bitable_async.errors import FieldValueError
from bitable_async.models.record import RawRecord, Record
from bitable_async.values.model import RecordModel
from bitable_async.values.record_codec import BatchFieldValueError, RecordCodec
from bitable_async.writing.types import RecordResult

__all__ = [
    "DeletedRecord",
    "RowLike",
    "Written",
    "chunk_token",
    "decode_written",
    "encode_row",
    "encode_rows",
    "record_ids",
    "written_from_result",
]

logger = logging.getLogger("bitable_async.records")

M = TypeVar("M", bound=RecordModel)

RowLike = Mapping[str, Any] | RecordModel
"""One record to write: ``field name -> value``, or a record model instance."""

Written = Record | RecordModel
"""What a write returns for one row: a :class:`Record`, or the row's model type."""


class DeletedRecord(msgspec.Struct, kw_only=True):
    """The result of deleting one record.

    Attributes:
        record_id: the record.
        deleted: whether it was deleted.
    """

    record_id: str = ""
    deleted: bool = False


class RecordData(msgspec.Struct):
    """The ``data`` of a single-record write."""

    record: RawRecord | None = None


class RecordsData(msgspec.Struct):
    """The ``data`` of a batch create / update."""

    records: list[RawRecord] | None = None


class DeletedData(msgspec.Struct):
    """The ``data`` of a batch delete."""

    records: list[DeletedRecord] | None = None


_RAW_RECORD = msgspec.json.Decoder(RawRecord)


def record_ids(name: str, values: Iterable[str]) -> list[str]:
    """Check record ids before any request.

    Args:
        name: the argument's name, for the error message.
        values: the ids.

    Returns:
        The ids, as a list.

    Raises:
        TypeError: one string was given instead of an iterable of ids.
        ValueError: an id is empty or not a string.
    """
    if isinstance(values, str):
        raise TypeError(f"{name} must be an iterable of ids, not one string")
    out = list(values)
    for i, rid in enumerate(out):
        if not isinstance(rid, str) or not rid.strip():
            raise ValueError(f"{name}[{i}] must be a non-empty record id, got {rid!r}")
    return out


def chunk_token(client_token: str | None, index: int) -> str:
    """The client_token of one chunk: derived from the caller's, or a new UUID.

    Chunk 0 uses the caller's token as is; chunk ``i`` a UUIDv5 of it, so calling
    the same batch again with the same token replays every chunk idempotently.

    Args:
        client_token: the caller's token, or None.
        index: the chunk's number.

    Returns:
        The chunk's token.
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
            A model class that does not fit the table fails the whole batch
            at its first instance, with the one error that says why (it is not
            a fault of any row).
    """
    out: list[dict[str, Any]] = []
    errors: list[FieldValueError] = []
    for i, row in enumerate(rows):
        if isinstance(row, RecordModel):
            # Outside the per-row capture: a misfit is no row's fault, so it is
            # raised at once (RecordCodec.model_codec checks each model once).
            codec.model_codec(type(row))
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


def _raw_cell(raw: msgspec.Raw) -> Any:
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None


def _as_written(row: M, record_id: str | None) -> M:
    # The row itself, as committed: its id set, nothing marked to be written
    # again. The cells a decoded row remembers as read (for full writes) are
    # stale for the attributes just written, so those are forgotten: a later
    # full write sends their new values, never the cells they replaced.
    out = copy.copy(row)
    d = out.__dict__
    d["record_id"] = record_id
    written = row.__dict__["_dirty"]
    read = d.get("_read")
    if read and written:
        d["_read"] = {k: v for k, v in read.items() if k not in written}
    d["_dirty"] = set()
    return out


def decode_one(codec: RecordCodec, row: RowLike | None, raw: RawRecord, index: int) -> Written:
    """Decode one record a write returned, as the kind of its input row, never failing.

    The write is committed by then, so an answer the codec cannot read (a
    server echoing the write shape, a model's required attribute missing from
    a partial answer) must not turn success into an error: a mapping row then
    gets its cells as plain JSON values, a model row a copy of itself with the
    new record id.

    Args:
        codec: the table's codec.
        row: the input row (None when unknown: decoded as a :class:`Record`).
        raw: the returned record.
        index: its position in the answer.

    Returns:
        A :class:`Record`, or an instance of the row's model class.
    """
    try:
        if isinstance(row, RecordModel):
            model: Written = codec.model_codec(type(row)).decode_record(raw, index=index)
            return model
        return codec.decode_record(raw, index=index)
    except FieldValueError as exc:
        logger.debug("write response record %s kept as written: %s", raw.rid, exc)
    if isinstance(row, RecordModel):
        return _as_written(row, raw.rid)
    return Record(
        record_id=raw.rid, fields={name: _raw_cell(cell) for name, cell in raw.fields.items()}
    )


def decode_written(
    codec: RecordCodec, rows: Sequence[RowLike], raws: Sequence[RawRecord]
) -> list[Written]:
    """Decode the records a batch write returned, each as the kind of its input row.

    Args:
        codec: the table's codec.
        rows: the rows sent, in order (the answer is in the same order).
        raws: the records returned.

    Returns:
        One :class:`Record` or model instance per returned record.
    """
    return [
        decode_one(codec, rows[i] if i < len(rows) else None, raw, i) for i, raw in enumerate(raws)
    ]


def written_from_result(codec: RecordCodec, row: RowLike, result: RecordResult) -> Written:
    """Decode a record the table writer handed back (plain JSON) as the row's kind.

    Args:
        codec: the table's codec.
        row: the row that was written.
        result: the writer's result for it.

    Returns:
        A :class:`Record`, or an instance of the row's model class.
    """
    raw = _RAW_RECORD.decode(msgspec.json.encode(result))
    return decode_one(codec, row, raw, 0)


def written_without_answer(row: RowLike, record_id: str | None, encoded: dict[str, Any]) -> Written:
    """What a single-record write returns when the answer holds no record.

    Args:
        row: the row that was written.
        record_id: the record's id, when known.
        encoded: the cells sent.

    Returns:
        The model row as written, or a :class:`Record` of the cells sent.
    """
    if isinstance(row, RecordModel):
        return _as_written(row, record_id)
    return Record(record_id=record_id, fields=dict(encoded))
