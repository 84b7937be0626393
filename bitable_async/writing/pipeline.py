"""The bulk loader's pipeline: chunks handed to the writer ahead, settled in order.

At most ``depth`` chunks are queued at the writer while the next one is being
read and encoded, so the serial lane always has its next request ready and
memory stays bounded whatever the input length.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections import deque
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterable,
    Mapping,
)
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import ConfigurationError, FieldValueError, InvalidFieldValueError, NotFoundError
from ..handles import TableHandle
from ..values.model import RecordModel
from ..values.record_codec import RecordCodec
from ..writer import OpKind, TableWriter
from ..writing.types import EncodedFields, RecordResult, WriteOptions
from .bulk_types import (
    BulkAbortedError,
    BulkFailure,
    BulkProgress,
    BulkSummary,
    ProgressCallback,
    RowEncoder,
)

__all__ = [
    "BulkTarget",
    "Chunk",
    "Runner",
    "chunk_size_for",
    "default_encoder",
    "encode_row",
    "resolve_options",
    "resolve_writer",
    "run_bulk",
]

T = TypeVar("T")

BulkTarget = TableHandle | TableWriter
"""What the bulk functions load into: a table handle (rows encoded with the
table's codec, the handle's identity used) or a table writer (rows in wire shape)."""

_ROW_NOT_FOUND = frozenset({1254006, 1254043, 1254045})


def _row_error(exc: BaseException) -> bool:
    # Errors that blame one row: the others of its chunk may still land.
    if isinstance(exc, NotFoundError):
        return exc.code in _ROW_NOT_FOUND
    return isinstance(exc, (FieldValueError, InvalidFieldValueError, ConfigurationError))


async def _aiter(rows: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
    else:
        for row in rows:
            yield row


def resolve_writer(target: BulkTarget) -> TableWriter:
    """The table writer of a bulk target.

    Args:
        target: a TableWriter, or a TableHandle (its table's writer).

    Returns:
        The writer.

    Raises:
        ConfigurationError: ``target`` is neither.
    """
    if isinstance(target, TableWriter):
        return target
    if isinstance(target, TableHandle):
        return target.writer
    raise ConfigurationError(
        f"bulk operations need a TableHandle or a TableWriter, got {type(target).__name__}"
    )


def resolve_options(target: BulkTarget) -> WriteOptions | None:
    """The identity the batches of a bulk target are sent with (a handle's; else None).

    Args:
        target: a TableWriter or a TableHandle.

    Returns:
        The handle's write options, or None for a writer.
    """
    if isinstance(target, TableHandle):
        opts = target.write_options
        return None if opts.is_default else opts
    return None


async def default_encoder(target: BulkTarget, given: RowEncoder | None) -> RowEncoder | None:
    """The encoder to use: ``given``, else the table codec of a handle target, else None.

    Args:
        target: a TableWriter or a TableHandle.
        given: the caller's encoder.

    Returns:
        An encoder, or None when rows are to be sent in wire shape.

    Raises:
        BitableError: fetching a handle's schema failed.
    """
    if given is not None or not isinstance(target, TableHandle):
        return given
    return await target.records.codec()


class _ProgressReporter:
    def __init__(
        self, callback: ProgressCallback | None, bar: bool, total: int | None, label: str
    ) -> None:
        self._cb = callback
        self._total = total
        self._bar: Any = None
        self._task: Any = None
        if bar:
            try:
                from rich.progress import Progress
            except ImportError:  # rich is optional (the ``cli`` extra)
                return
            self._bar = Progress()
            self._bar.start()
            self._task = self._bar.add_task(label, total=total)

    async def report(self, p: BulkProgress) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=p.written + p.failed)
        if self._cb is not None:
            res = self._cb(p)
            if inspect.isawaitable(res):
                await res

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


@dataclass
class Chunk:
    kind: OpKind
    items: list[Any]
    indexes: list[int]
    keys: list[tuple[Hashable, ...] | None]
    future: asyncio.Future[list[RecordResult | BaseException]] | None = None

    @classmethod
    def empty(cls, kind: OpKind) -> Chunk:
        """A new chunk with nothing in it."""
        return cls(kind, [], [], [])

    def add(self, item: Any, index: int, key: tuple[Hashable, ...] | None = None) -> int:
        """Append one encoded item (with its input position and key); return the new size."""
        self.items.append(item)
        self.indexes.append(index)
        self.keys.append(key)
        return len(self.items)


class Runner:
    """The shared pipeline: submit chunks, settle them in order, count, report."""

    def __init__(
        self,
        writer: TableWriter,
        summary: BulkSummary,
        *,
        depth: int,
        max_failures: int,
        progress: _ProgressReporter,
        clock: Callable[[], float],
        total: int | None,
    ) -> None:
        self.w = writer
        self.s = summary
        self.depth = max(1, depth)
        self.max_failures = max_failures
        self.progress = progress
        self.clock = clock
        self.started = clock()
        self.total = total
        self.inflight: deque[Chunk] = deque()
        self.submitted = 0
        self.options: WriteOptions | None = None
        # Called for each created row with its key and new record id (None when
        # the server's answer did not say it: see UnansweredRecord).
        self.on_created: Callable[[tuple[Hashable, ...] | None, str | None], None] | None = None

    def fail(
        self, index: int, error: BaseException, key: Any = None, rid: str | None = None
    ) -> None:
        self.s.failed += 1
        if len(self.s.failures) < self.max_failures:
            self.s.failures.append(BulkFailure(index, error, key, rid))

    async def submit(self, chunk: Chunk) -> None:
        if not chunk.items:
            return
        chunk.future = self.w.submit_batch(
            chunk.kind, chunk.items, stats=self.s.stats, options=self.options
        )
        self.submitted += 1
        self.inflight.append(chunk)
        while len(self.inflight) >= self.depth:
            await self.settle_one()

    async def check_row_kind(self, encoder: RowEncoder | None, row: Any) -> None:
        """Stop the run when a record model row cannot be encoded at all.

        A model class that does not fit the table (or a model row without the
        table's codec to encode it) is no row's fault: every instance would
        fail the same way, so the run stops at the first one with that one
        error instead of reporting a failure per row. Checked per row, cheaply
        (``RecordCodec.model_codec`` caches the check and the misfit).

        Args:
            encoder: the run's encoder.
            row: the input row (anything that is not a model passes).

        Raises:
            FieldValueError: the model does not fit the table, before any chunk
                was handed to the writer (no record request was made).
            ConfigurationError: a model row without the table's codec, likewise.
            BulkAbortedError: either error after chunks were handed to the
                writer: those are settled first, so ``summary`` is exact, and
                the error is the ``cause``.
        """
        if not isinstance(row, RecordModel):
            return
        try:
            if not isinstance(encoder, RecordCodec):
                raise ConfigurationError(
                    f"a {type(row).__name__} instance needs the table's codec "
                    "(load through a TableHandle, or pass encoder=the table's RecordCodec)"
                )
            encoder.model_codec(type(row))
        except (FieldValueError, ConfigurationError) as exc:
            if not self.submitted:
                raise
            await self.drain()
            raise BulkAbortedError(self.s, exc) from exc

    async def drain(self) -> None:
        while self.inflight:
            await self.settle_one()

    async def settle_one(self) -> None:
        chunk = self.inflight.popleft()
        assert chunk.future is not None
        try:
            outcome = await chunk.future
        except BaseException as exc:
            self._cancel_rest()
            if isinstance(exc, Exception):
                raise BulkAbortedError(self.s, exc) from exc
            raise
        batch_errors: list[BaseException] = []
        for i, res in enumerate(outcome):
            rid = chunk.items[i][0] if chunk.kind is OpKind.UPDATE else None
            if isinstance(res, BaseException):
                self.fail(chunk.indexes[i], res, chunk.keys[i], rid)
                if not _row_error(res):
                    batch_errors.append(res)
                continue
            self.s.written += 1
            if chunk.kind is OpKind.CREATE:
                self.s.created += 1
                if self.on_created is not None:
                    rid = res.get("record_id")
                    self.on_created(chunk.keys[i], None if rid is None else str(rid))
            else:
                self.s.updated += 1
        await self.progress.report(
            BulkProgress(
                self.s.rows_read,
                self.s.written,
                self.s.failed,
                self.clock() - self.started,
                self.total,
            )
        )
        if batch_errors and len(batch_errors) == len(outcome):
            # The whole chunk failed for a reason that is not a row's fault
            # (permission, table full, lease, retries exhausted): stop here.
            self._cancel_rest()
            raise BulkAbortedError(self.s, batch_errors[0])

    def _cancel_rest(self) -> None:
        for c in self.inflight:
            if c.future is not None:
                c.future.cancel()
        self.inflight.clear()


def encode_row(encoder: RowEncoder | None, row: Any, index: int) -> EncodedFields:
    if isinstance(row, RecordModel):
        if not isinstance(encoder, RecordCodec):
            raise ConfigurationError(
                f"row {index}: a {type(row).__name__} instance needs the table's codec "
                "(load through a TableHandle, or pass encoder=the table's RecordCodec)"
            )
        return encoder.model_codec(type(row)).encode(row, record_index=index)
    if encoder is not None:
        return encoder.encode_fields(row, record_index=index)
    if not isinstance(row, Mapping):
        raise ConfigurationError(
            f"row {index}: expected a mapping of field name -> value, got {type(row).__name__}"
        )
    return row


def _sized(rows: object) -> int | None:
    try:
        return len(rows)  # type: ignore[arg-type]
    except TypeError:
        return None


async def run_bulk(
    operation: str,
    target: BulkTarget,
    rows: Any,
    body: Callable[[Runner, AsyncIterator[Any]], Awaitable[None]],
    *,
    depth: int,
    progress: ProgressCallback | None,
    progress_bar: bool,
    max_failures: int,
    clock: Callable[[], float] | None,
) -> BulkSummary:
    writer = resolve_writer(target)
    summary = BulkSummary(operation)
    clk = clock or time.monotonic
    total = _sized(rows)
    prog = _ProgressReporter(progress, progress_bar, total, f"bulk {operation} {writer.table_id}")
    runner = Runner(
        writer,
        summary,
        depth=depth,
        max_failures=max_failures,
        progress=prog,
        clock=clk,
        total=total,
    )
    runner.options = resolve_options(target)
    try:
        await body(runner, _aiter(rows))
        await runner.drain()
    finally:
        runner._cancel_rest()
        prog.close()
        summary.elapsed = clk() - runner.started
    return summary


def chunk_size_for(writer: TableWriter, chunk_size: int | None) -> int:
    size = chunk_size or writer.config.max_batch
    if not 1 <= size <= writer.config.max_batch:
        raise ConfigurationError(f"chunk_size must be in 1..{writer.config.max_batch}, got {size}")
    return size
