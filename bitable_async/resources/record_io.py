"""What record writes send and get back: rows encoded, answers decoded.

The pure half of :mod:`bitable_async.resources.record_writes` (no I/O): rows
(mappings or :class:`~bitable_async.values.model.RecordModel` instances) are
encoded and validated with the table's codec before anything is sent, and the
records a write returns are decoded back -- each as the kind of row it came
from: a :class:`Record` for a mapping, an instance of the row's model class
for a model. Bitable answers a write with the written cells only; a model
instance returned by a write holds those, plus what the written instance had
read from the same record, and leaves every other attribute unset (never read
as empty, so a full write of it cannot clear cells it does not know). A
:class:`Record` returned by a write likewise holds in ``fields`` only the
cells the answer shows and the written cells it leaves out, never ``None``
placeholders for the other fields of the schema (writing its ``fields`` back
cannot clear a cell either).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from bitable_async.errors import JSON_DECODE_ERRORS, FieldValueError
from bitable_async.models.record import RawRecord, Record
from bitable_async.values.model import RecordModel
from bitable_async.values.record_codec import BatchFieldValueError, RecordCodec, raise_collected
from bitable_async.writing.types import RecordResult, UnansweredRecord

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
    "written_without_answer",
]

logger = logging.getLogger("bitable_async.records")

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
    raise_collected(errors)
    return out


def _raw_cell(raw: msgspec.Raw) -> Any:
    try:
        return msgspec.json.decode(raw)
    except JSON_DECODE_ERRORS:  # not JSON, or invalid UTF-8 in a string
        return None


def _written_model(
    codec: RecordCodec,
    row: RecordModel,
    sent: Mapping[str, Any],
    cells: Mapping[str, msgspec.Raw] | None,
    record_id: str | None,
) -> RecordModel:
    # The answer holds the written cells only: the model codec leaves the
    # attributes it does not know unset (see ModelCodec.decode_written).
    out: RecordModel = codec.model_codec(type(row)).decode_written(
        row, sent.keys(), cells, record_id
    )
    return out


def decode_one(
    codec: RecordCodec,
    row: RowLike | None,
    raw: RawRecord,
    index: int,
    sent: Mapping[str, Any],
    record_id: str | None = None,
) -> Written:
    """Decode one record a write returned, as the kind of its input row, never failing.

    The write is committed by then, so an answer the codec cannot read (a
    server echoing the write shape) must not turn success into an error.

    A mapping row gets a :class:`Record` whose ``fields`` hold the answer's
    cells, typed like a read's, and each written cell the answer leaves out
    (an emptied cell) or that the codec cannot read, taken as written (the
    sent cell decoded like a read, or the caller's value when the codec
    cannot read the sent shape); an answer cell the write did not send and
    the codec cannot read is kept as plain JSON. No other field is present
    (unlike a read's record, the schema's other fields are not filled in with
    ``None``: those cells are unknown). A model row gets a
    new instance of its class that holds what is known of the record after
    the write (:meth:`~bitable_async.values.model.ModelCodec.decode_written`):
    the written attributes as answered (as written when the answer cannot
    fill one), the attributes ``row`` read from this same record and did not
    write, and no others -- Bitable answers with the written cells only, so
    the other cells are unknown and their attributes are left UNSET (a full
    write leaves them out; reading one raises
    :class:`~bitable_async.values.model.UnsetAttributeError`).

    Args:
        codec: the table's codec.
        row: the input row (None when unknown: decoded as a :class:`Record`).
        raw: the returned record.
        index: its position in the answer.
        sent: the ``fields`` sent for ``row`` (which cells were written).
        record_id: the record's id when the answer carries none (an update's).

    Returns:
        A :class:`Record`, or an instance of the row's model class.
    """
    rid = raw.rid if raw.rid is not None else record_id
    if isinstance(row, RecordModel):
        return _written_model(codec, row, sent, raw.fields, rid)
    try:
        rec = codec.decode_record(raw, index=index, complete=False)
    except FieldValueError as exc:
        logger.debug("write response record %s decoded cell by cell: %s", raw.rid, exc)
        rec = Record(record_id=rid, fields=_answer_cells(codec, raw.fields, sent, row))
    else:
        if rec.record_id is None:
            rec.record_id = rid
    fields = rec.fields
    for name, cell in sent.items():
        if name not in fields:  # written, but the answer leaves it out (an empty cell)
            fields[name] = _as_written(codec, name, cell, row)
    return rec


def _as_written(codec: RecordCodec, name: str, cell: Any, row: RowLike | None) -> Any:
    """The typed value of a cell a write sent, for an answer that does not show it.

    The sent cell decoded like a read (an answer echoes the write's shapes);
    when the field's codec cannot read it, the caller's value as given.
    """
    if cell is None:
        return None
    try:
        return codec.codec(name).decode_builtin(cell)
    except FieldValueError:
        if isinstance(row, Mapping) and name in row:
            return row[name]
        return cell


def _answer_cells(
    codec: RecordCodec,
    cells: Mapping[str, msgspec.Raw],
    sent: Mapping[str, Any],
    row: RowLike | None,
) -> dict[str, Any]:
    """The cells of a write's answer one by one, for an answer the codec cannot read whole.

    A cell that does not decode is taken as written (:func:`_as_written`)
    when the write sent it, else kept as plain JSON (the write is committed:
    an odd answer must not turn it into an error).
    """
    out: dict[str, Any] = {}
    for name, cell in cells.items():
        try:
            out[name] = codec.codec(name).decode(cell)
        except FieldValueError:
            out[name] = (
                _as_written(codec, name, sent[name], row) if name in sent else _raw_cell(cell)
            )
    return out


def decode_written(
    codec: RecordCodec,
    rows: Sequence[RowLike],
    raws: Sequence[RawRecord],
    sent: Sequence[Mapping[str, Any]],
    record_ids: Sequence[str] | None = None,
    *,
    endpoint: str = "batch write",
) -> list[Written]:
    """Decode the records a batch write returned, each as the kind of its input row.

    The answer lists the records in the order of the rows, so answer record
    ``i`` is decoded with row ``i``'s kind, sent cells and record id. When
    the answer lists a different number of records than rows were sent (none
    at all, or a short or long list), nothing says which answer record
    belongs to which row, so none is paired by position: every row gets what
    a write without an answer returns (:func:`written_without_answer`: the
    cells sent, typed; an update's record id, ``None`` for a create), and one
    WARNING naming ``endpoint`` and both counts is logged.

    Args:
        codec: the table's codec.
        rows: the rows sent, in order (the answer is in the same order).
        raws: the records returned.
        sent: the ``fields`` sent for each row, in the same order.
        record_ids: the records updated (batch_update), for answers without ids.
        endpoint: the write, for the warning (e.g. ``records.batch_create``).

    Returns:
        One :class:`Record` or model instance per row, in row order (see
        :func:`decode_one` and :func:`written_without_answer`).
    """
    if len(raws) != len(rows):
        logger.warning(
            "%s: the answer lists %d records for %d rows sent; each row is returned "
            "with its sent cells (answer records are not paired by position)",
            endpoint,
            len(raws),
            len(rows),
        )
        return [
            written_without_answer(
                row, None if record_ids is None else record_ids[i], sent[i], codec
            )
            for i, row in enumerate(rows)
        ]
    out: list[Written] = []
    for i, raw in enumerate(raws):
        rid = None if record_ids is None else record_ids[i]
        out.append(decode_one(codec, rows[i], raw, i, sent[i], rid))
    return out


def written_from_result(
    codec: RecordCodec,
    row: RowLike,
    result: RecordResult,
    sent: Mapping[str, Any],
    record_id: str | None = None,
) -> Written:
    """Decode a record the table writer handed back (plain JSON) as the row's kind.

    Args:
        codec: the table's codec.
        row: the row that was written.
        result: the writer's result for it.
        sent: the ``fields`` sent for it.
        record_id: the record updated, for an answer without an id.

    Returns:
        A :class:`Record`, or an instance of the row's model class (see
        :func:`decode_one`).
    """
    if isinstance(result, UnansweredRecord):
        # Committed, but the batch's answer could not be paired with this row.
        return written_without_answer(row, record_id, sent, codec)
    raw = _RAW_RECORD.decode(msgspec.json.encode(result))
    return decode_one(codec, row, raw, 0, sent, record_id)


def written_without_answer(
    row: RowLike, record_id: str | None, encoded: Mapping[str, Any], codec: RecordCodec
) -> Written:
    """What a write returns for a row when the answer holds no record for it.

    A single-record write whose answer holds no record, and each row of a
    batch whose answer lists a different number of records than rows
    (:func:`decode_written`; a coalesced batch's
    :class:`~bitable_async.writing.types.UnansweredRecord`).

    Args:
        row: the row that was written.
        record_id: the record's id, when known.
        encoded: the cells sent.
        codec: the table's codec.

    Returns:
        For a model row, a new instance holding the attributes written (as
        written) and, for an update of the record ``row`` was read from, the
        attributes it read; the others unset (see :func:`decode_one`). For a
        mapping, a :class:`Record` holding the cells sent, typed (decoded
        like a read; as given when the field's codec cannot read the sent
        shape), and no others.
    """
    if isinstance(row, RecordModel):
        return _written_model(codec, row, encoded, None, record_id)
    fields = {name: _as_written(codec, name, cell, row) for name, cell in encoded.items()}
    return Record(record_id=record_id, fields=fields)
