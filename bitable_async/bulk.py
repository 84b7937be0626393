"""Bulk insert / update / upsert over streams of any length, through the table writer.

Memory stays constant in the input: rows are read, encoded and sent one chunk
(500 records) at a time, with at most ``depth`` chunks handed to the writer and
one more being encoded -- so the next chunk is ready the moment the current
request returns (pipelining), and the serial lane never waits for Python.

Exactly once: every create chunk is a writer batch with its own UUIDv4
``client_token``, reused on each retry (see ``writing/batch.py``), so lost
responses and 5xx never duplicate rows. Several processes loading the same
table take turns through the writer's Redis lease.

Each function returns a :class:`BulkSummary` (written, failed with reasons,
retries, conflicts seen, elapsed) and reports :class:`BulkProgress` to an
optional callback and/or a rich progress bar.

Upsert (:func:`bulk_upsert`) first reads the key fields of every existing row
once (``records/search``, one page in memory at a time; a table holds at most
20,000 rows), then updates rows whose key exists and creates the rest. Key
values are compared after normalisation (text segments joined, numbers in one
canonical form), so ``"7"`` read back from a number field matches ``7``.
Concurrent upserts of the SAME keys from several processes are not atomic
(the lease serializes requests, not the read-then-write).
"""

from __future__ import annotations

from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Hashable,
    Iterable,
    Mapping,
    Sequence,
)
from typing import Any

from .errors import ConfigurationError, FieldValueError
from .writer import OpKind
from .writing.bulk_types import (
    AnyRow,
    BulkAbortedError,
    BulkFailure,
    BulkProgress,
    BulkSummary,
    ProgressCallback,
    RowEncoder,
)
from .writing.keys import normalize_key
from .writing.pipeline import (
    BulkTarget,
    Chunk,
    Runner,
    chunk_size_for,
    default_encoder,
    encode_row,
    resolve_options,
    resolve_writer,
    run_bulk,
)
from .writing.types import RecordResult, WriterError

__all__ = [
    "AnyRow",
    "BulkAbortedError",
    "BulkFailure",
    "BulkProgress",
    "BulkSummary",
    "BulkTarget",
    "ProgressCallback",
    "RowEncoder",
    "bulk_insert",
    "bulk_update",
    "bulk_upsert",
    "normalize_key",
]


async def bulk_insert(
    target: BulkTarget,
    rows: Iterable[AnyRow] | AsyncIterable[AnyRow],
    *,
    encoder: RowEncoder | None = None,
    chunk_size: int | None = None,
    depth: int = 2,
    progress: ProgressCallback | None = None,
    progress_bar: bool = False,
    max_failures: int = 1000,
    clock: Callable[[], float] | None = None,
) -> BulkSummary:
    """Create one record per input row, exactly once, in chunks through the table's writer.

    API: ``POST .../records/batch_create`` with a ``client_token`` per chunk.

    Args:
        target: a :class:`~bitable_async.handles.TableHandle` (rows are encoded
            with the table's codec -- mappings of typed values or record model
            instances -- and sent with the handle's identity) or the table's
            :class:`~bitable_async.writer.TableWriter` (rows in wire shape).
        rows: a sync or async iterable of ``field name -> value`` mappings
            (or record model instances with a TableHandle).
        encoder: turns a row into wire ``fields`` (e.g. the table's
            ``RecordCodec``); None = the table codec when ``target`` is a
            TableHandle, rows already in wire shape for a TableWriter.
        chunk_size: records per request (default and maximum: the writer's ``max_batch``).
        depth: chunks handed to the writer ahead of the one being encoded.
        progress: called (sync or async) with a :class:`BulkProgress` after each chunk.
        progress_bar: show a rich progress bar when rich is installed.
        max_failures: how many failures to keep in ``summary.failures``.
        clock: monotonic clock for ``elapsed`` (tests inject one).

    Returns:
        The :class:`BulkSummary`; rows whose value was rejected are in
        ``failures`` while the rest of their chunk landed.

    Raises:
        ConfigurationError: bad arguments (a record model row without the
            table's codec fails the run like a misfit model, below).
        FieldValueError: a record model class of the rows does not fit the
            table: raised once, at its first instance, before any chunk is
            handed to the writer (not one failure per row); found after some
            chunks were sent, the run stops with BulkAbortedError instead (its
            ``cause``).
        BulkAbortedError: a whole chunk failed for a non-row reason (permission,
            table full, lease lost, retries exhausted); ``.summary`` says how far it got.
    """

    enc = await default_encoder(target, encoder)

    async def body(r: Runner, it: AsyncIterator[Any]) -> None:
        size = chunk_size_for(r.w, chunk_size)
        chunk = Chunk.empty(OpKind.CREATE)
        index = 0
        async for row in it:
            r.s.rows_read += 1
            await r.check_row_kind(enc, row)
            try:
                chunk.add(encode_row(enc, row, index), index)
            except (FieldValueError, ConfigurationError) as exc:
                r.fail(index, exc)
            index += 1
            if len(chunk.items) >= size:
                await r.submit(chunk)
                chunk = Chunk.empty(OpKind.CREATE)
        await r.submit(chunk)

    return await run_bulk(
        "insert",
        target,
        rows,
        body,
        depth=depth,
        progress=progress,
        progress_bar=progress_bar,
        max_failures=max_failures,
        clock=clock,
    )


async def bulk_update(
    target: BulkTarget,
    rows: Iterable[tuple[str, AnyRow]] | AsyncIterable[tuple[str, AnyRow]],
    *,
    encoder: RowEncoder | None = None,
    chunk_size: int | None = None,
    depth: int = 2,
    progress: ProgressCallback | None = None,
    progress_bar: bool = False,
    max_failures: int = 1000,
    clock: Callable[[], float] | None = None,
) -> BulkSummary:
    """Update records given as ``(record_id, fields)`` pairs, in chunks.

    API: ``POST .../records/batch_update``. Updates are idempotent, so a
    retried chunk after a lost response writes the same cells again.

    Args:
        target: a TableHandle (table codec, its identity) or the table's writer
            (wire shape).
        rows: a sync or async iterable of ``(record_id, fields)``.
        encoder: turns fields into wire shape; None = the handle's table
            codec, or already wire shape for a TableWriter.
        chunk_size: records per request.
        depth: chunks handed to the writer ahead.
        progress: progress callback.
        progress_bar: show a rich progress bar when rich is installed.
        max_failures: how many failures to keep.
        clock: monotonic clock for ``elapsed``.

    Returns:
        The :class:`BulkSummary`; unknown record ids fail alone.

    Raises:
        ConfigurationError: bad arguments.
        FieldValueError: a record model class of the rows does not fit the
            table: raised once, at its first instance, before any chunk is
            handed to the writer (not one failure per row); found after some
            chunks were sent, the run stops with BulkAbortedError instead (its
            ``cause``).
        BulkAbortedError: a whole chunk failed for a non-row reason.
    """

    enc = await default_encoder(target, encoder)

    async def body(r: Runner, it: AsyncIterator[Any]) -> None:
        size = chunk_size_for(r.w, chunk_size)
        chunk = Chunk.empty(OpKind.UPDATE)
        seen: set[str] = set()
        index = 0
        async for pair in it:
            r.s.rows_read += 1
            if isinstance(pair, tuple) and len(pair) == 2:
                await r.check_row_kind(enc, pair[1])
            try:
                if not isinstance(pair, tuple) or len(pair) != 2:
                    raise ConfigurationError(f"row {index}: expected (record_id, fields)")
                rid, row = pair
                if not isinstance(rid, str) or not rid:
                    raise ConfigurationError(f"row {index}: record_id must be a non-empty string")
                fields_ = encode_row(enc, row, index)
            except (FieldValueError, ConfigurationError) as exc:
                r.fail(index, exc)
                index += 1
                continue
            if rid in seen:  # one record twice in a batch: start a new chunk
                await r.submit(chunk)
                chunk, seen = Chunk.empty(OpKind.UPDATE), set()
            seen.add(rid)
            size_now = chunk.add((rid, fields_), index)
            index += 1
            if size_now >= size:
                await r.submit(chunk)
                chunk, seen = Chunk.empty(OpKind.UPDATE), set()
        await r.submit(chunk)

    return await run_bulk(
        "update",
        target,
        rows,
        body,
        depth=depth,
        progress=progress,
        progress_bar=progress_bar,
        max_failures=max_failures,
        clock=clock,
    )


async def bulk_upsert(
    target: BulkTarget,
    rows: Iterable[AnyRow] | AsyncIterable[AnyRow],
    *,
    key: str | Sequence[str],
    encoder: RowEncoder | None = None,
    existing: AsyncIterable[RecordResult] | None = None,
    chunk_size: int | None = None,
    depth: int = 2,
    progress: ProgressCallback | None = None,
    progress_bar: bool = False,
    max_failures: int = 1000,
    clock: Callable[[], float] | None = None,
) -> BulkSummary:
    """Update the rows whose key fields match an existing record, create the others.

    APIs: ``POST .../records/search`` (read the keys once), then
    ``batch_update`` and ``batch_create`` (with ``client_token``) in chunks.
    A key seen twice in the input updates the row created for its first
    occurrence (last values win).

    Args:
        target: a TableHandle (table codec, its identity) or the table's writer
            (wire shape).
        rows: a sync or async iterable of ``field name -> value`` mappings;
            every row must hold every key field.
        key: the key field name, or several (a composite key).
        encoder: turns a row into wire ``fields``; None = the handle's table
            codec, or already wire shape for a TableWriter.
        existing: the table's current records (at least the key fields); by
            default read with the writer's executor ``scan`` (``records/search``).
        chunk_size: records per request.
        depth: chunks handed to the writer ahead.
        progress: progress callback.
        progress_bar: show a rich progress bar when rich is installed.
        max_failures: how many failures to keep.
        clock: monotonic clock for ``elapsed``.

    Returns:
        The :class:`BulkSummary` (``created``, ``updated``, ``existing_keys``,
        ``duplicate_keys``).

    Raises:
        ConfigurationError: no key, or no way to read existing records.
        FieldValueError: a record model class of the rows does not fit the
            table: raised once, at its first instance (not one failure per
            row), before any write -- the existing keys are read first; found
            after some chunks were sent, the run stops with BulkAbortedError
            instead (its ``cause``).
        BulkAbortedError: a whole chunk failed for a non-row reason.
    """
    keys = (key,) if isinstance(key, str) else tuple(key)
    if not keys or not all(isinstance(k, str) and k for k in keys):
        raise ConfigurationError("key must name at least one field")
    writer = resolve_writer(target)
    if existing is None:
        scan = getattr(writer.executor_for(resolve_options(target)), "scan", None)
        if not callable(scan):
            raise ConfigurationError(
                "the writer's executor cannot scan the table; pass existing= records"
            )
        existing = scan(list(keys))

    def key_of(fields_: Mapping[str, Any]) -> tuple[Hashable, ...] | None:
        if not all(k in fields_ for k in keys):
            return None
        return tuple(normalize_key(fields_[k]) for k in keys)

    enc = await default_encoder(target, encoder)

    async def body(r: Runner, it: AsyncIterator[Any]) -> None:
        index_of: dict[tuple[Hashable, ...], str] = {}
        assert existing is not None
        async for rec in existing:
            k = key_of(rec.get("fields") or {})
            if k is None:
                continue
            if k in index_of:
                r.s.duplicate_keys += 1
            else:
                index_of[k] = str(rec["record_id"])
        r.s.existing_keys = len(index_of)

        pending: set[tuple[Hashable, ...]] = set()  # keys being created, id not known yet
        # Keys created whose answer did not give the new record's id: a later row
        # with such a key can neither update that record nor create a duplicate.
        unanswered: set[tuple[Hashable, ...]] = set()

        def created(k: tuple[Hashable, ...] | None, rid: str | None) -> None:
            if k is not None:
                if rid is None:
                    unanswered.add(k)
                else:
                    index_of.setdefault(k, rid)
                pending.discard(k)

        r.on_created = created
        size = chunk_size_for(r.w, chunk_size)
        creates = Chunk.empty(OpKind.CREATE)
        updates = Chunk.empty(OpKind.UPDATE)
        create_pos: dict[tuple[Hashable, ...], int] = {}
        update_ids: set[str] = set()
        index = 0
        async for row in it:
            r.s.rows_read += 1
            await r.check_row_kind(enc, row)
            try:
                fields_ = encode_row(enc, row, index)
                k = key_of(fields_)
                if k is None:
                    raise ConfigurationError(f"row {index}: missing key field(s) {list(keys)}")
            except (FieldValueError, ConfigurationError) as exc:
                r.fail(index, exc)
                index += 1
                continue
            if k in create_pos:  # same key earlier in the chunk being built: merge
                pos = create_pos[k]
                creates.items[pos] = {**creates.items[pos], **fields_}
                r.s.merged += 1
                index += 1
                continue
            if k in pending and k not in index_of:
                await r.drain()  # its create is in flight: learn the new record id
            if k in unanswered and k not in index_of:
                r.fail(
                    index,
                    WriterError(
                        f"row {index}: a record with this key was created in this run but "
                        "the server's answer did not give its id, so the row can neither "
                        "update it nor create another; write it again after a re-read"
                    ),
                    k,
                )
                index += 1
                continue
            rid = index_of.get(k)
            if rid is not None:
                if rid in update_ids:
                    await r.submit(updates)
                    updates, update_ids = Chunk.empty(OpKind.UPDATE), set()
                update_ids.add(rid)
                if updates.add((rid, fields_), index, k) >= size:
                    await r.submit(updates)
                    updates, update_ids = Chunk.empty(OpKind.UPDATE), set()
            else:
                pending.add(k)
                create_pos[k] = len(creates.items)
                if creates.add(fields_, index, k) >= size:
                    await r.submit(creates)
                    creates, create_pos = Chunk.empty(OpKind.CREATE), {}
            index += 1
        await r.submit(updates)
        await r.submit(creates)

    return await run_bulk(
        "upsert",
        target,
        rows,
        body,
        depth=depth,
        progress=progress,
        progress_bar=progress_bar,
        max_failures=max_failures,
        clock=clock,
    )
