"""One writer per table: serialization, coalescing, chunking, ``client_token``.

Every write to a table goes through the :class:`TableWriter` that the client's
:class:`WriterRegistry` hands out for ``(app_token, table_id)`` -- or, with
``granularity="app"``, through one serial lane shared by all tables of a
Bitable. Within a process the lane guarantees one write request at a time per
table; with a :class:`~bitable_async.writing.lease.LeaseBackend` (Redis) it also
holds a lease per table so several processes or machines take turns, and each
request -- every attempt, retries and token replays included, whether the
writer's own batch loop or the transport's retry loop sends it -- is preceded
by a fencing check (``writing/batch.py``, :mod:`bitable_async.fencing`).

Quick use (the executor is what actually sends; the client builds one from its
transport, tests pass a fake)::

    registry = WriterRegistry(WriterConfig(linger=0.005))
    writer = registry.writer("bascnXXXX", "tblXXXX", executor)
    rec = await writer.create({"Name": "a"})          # coalesced with concurrent creates
    # identity / query options per write: only equal options share a batch
    await writer.create({"Name": "b"}, options=WriteOptions(tenant_key="t1"))
    await writer.update(rec["record_id"], {"Name": "b"})
    await writer.delete(rec["record_id"])
    await registry.aclose()

The details of retries and of the idempotency rules per write kind are in
``bitable_async/writing/batch.py``; the queue and the coalescing rules in
``bitable_async/writing/lane.py``; the lease and fencing in
``bitable_async/writing/lease.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from .errors import ConfigurationError
from .writing.batch import BatchOutcome, BatchSender, new_client_token
from .writing.lane import Op, Target, WriteLane
from .writing.lease import LeaseBackend, LeaseGrant, LeaseHolder, MemoryLeaseBackend
from .writing.types import (
    EncodedFields,
    LeaseLostError,
    LeaseTimeoutError,
    OpKind,
    OptionsExecutor,
    OutcomeUnknownError,
    RecordResult,
    UnansweredRecord,
    WriteExecutor,
    WriteOptions,
    WriterClosedError,
    WriterConfig,
    WriterError,
    WriteRetryPolicy,
    WriteStats,
)

__all__ = [
    "BatchOutcome",
    "EncodedFields",
    "LeaseBackend",
    "LeaseGrant",
    "LeaseLostError",
    "LeaseTimeoutError",
    "MemoryLeaseBackend",
    "OpKind",
    "OutcomeUnknownError",
    "RecordResult",
    "TableWriter",
    "UnansweredRecord",
    "WriteExecutor",
    "WriteOptions",
    "WriteRetryPolicy",
    "WriteStats",
    "WriterClosedError",
    "WriterConfig",
    "WriterError",
    "WriterRegistry",
    "new_client_token",
]

T = TypeVar("T")


def _check_fields(fields: object, what: str) -> EncodedFields:
    if not isinstance(fields, Mapping):
        raise ConfigurationError(
            f"{what}: fields must be a mapping of field name -> value, got {type(fields).__name__}"
        )
    for name in fields:
        if not isinstance(name, str) or not name:
            raise ConfigurationError(f"{what}: field names must be non-empty strings, got {name!r}")
    return fields


def _check_record_id(record_id: object, what: str) -> str:
    if not isinstance(record_id, str) or not record_id:
        raise ConfigurationError(f"{what}: record_id must be a non-empty string, got {record_id!r}")
    return record_id


class TableWriter:
    """The single door for writes to one table. Get it from :class:`WriterRegistry`.

    All methods are safe to call from any number of coroutines at once.

    Attributes:
        app_token: the Bitable.
        table_id: the table.
        executor: what sends the encoded batches.
    """

    def __init__(
        self, app_token: str, table_id: str, executor: WriteExecutor, lane: WriteLane
    ) -> None:
        self.app_token = app_token
        self.table_id = table_id
        self.executor = executor
        self._lane = lane
        cfg = lane.config
        self._target = Target(
            table_id,
            BatchSender(
                executor,
                cfg.retry,
                cfg.sleep,
                lane.guard,
                isolate=cfg.isolate_bad_records,
                rng=cfg.rng or random.Random(),
                clock=cfg.clock,
            ),
        )

    def __repr__(self) -> str:
        return f"TableWriter(app_token={self.app_token!r}, table_id={self.table_id!r})"

    @property
    def config(self) -> WriterConfig:
        """The writer settings."""
        return self._lane.config

    @property
    def stats(self) -> WriteStats:
        """Counters of everything this writer's lane sent (shared by a per-app lane)."""
        return self._lane.stats

    @property
    def in_turn(self) -> bool:
        """True when called from inside a write of this writer's lane.

        A coalesced write queued from there would wait for the lane's worker,
        which is the caller itself; such writes must run at once instead.
        """
        return self._lane.in_turn

    @property
    def lane_key(self) -> str:
        """The lane's name (``app`` or ``app/table``), also the cross-process lease key."""
        return self._lane.key

    def _op(
        self,
        kind: OpKind | None,
        items: list[Any],
        *,
        single: bool,
        stats: WriteStats | None = None,
        options: WriteOptions | None = None,
    ) -> asyncio.Future[Any]:
        if options is not None and options.is_default:
            options = None
        if options is not None and not isinstance(self.executor, OptionsExecutor):
            self.executor_for(options)  # raises: this executor cannot honour options
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        op = Op(
            self._target, kind, items, single, fut, self._lane.config.clock(), stats, None, options
        )
        self._lane.submit(op)
        return fut

    def executor_for(self, options: WriteOptions | None = None) -> WriteExecutor:
        """The executor that sends this table's writes with ``options``.

        Args:
            options: identity and query options (None: the writer's executor).

        Returns:
            The executor.

        Raises:
            ConfigurationError: the executor cannot be bound to ``options``.
        """
        sender = self._target.sender
        assert sender is not None
        return sender.executor_for(options)

    async def create(
        self, fields: EncodedFields, *, options: WriteOptions | None = None
    ) -> RecordResult:
        """Create one record; concurrent calls are coalesced into ``batch_create``.

        API: ``POST /open-apis/bitable/v1/apps/:app_token/tables/:table_id/records/batch_create``.

        Args:
            fields: the record's encoded cells (field name -> written value).
            options: identity (tenant key, user token) and query options; only
                calls with equal options share a batch.

        Returns:
            The created record as the server returned it (``record_id``, ``fields``);
            an :class:`UnansweredRecord` (``record_id`` None, the cells sent)
            when the batch's answer listed a different number of records.

        Raises:
            ConfigurationError: ``fields`` is not a mapping (nothing sent).
            InvalidFieldValueError: the server rejected a value of THIS record.
            BitableError: any other failure of the batch this record was in.
        """
        item = _check_fields(fields, "create")
        result: RecordResult = await self._op(OpKind.CREATE, [item], single=True, options=options)
        return result

    async def update(
        self, record_id: str, fields: EncodedFields, *, options: WriteOptions | None = None
    ) -> RecordResult:
        """Update one record; concurrent calls are coalesced into ``batch_update``.

        API: ``POST /open-apis/bitable/v1/apps/:app_token/tables/:table_id/records/batch_update``.

        Args:
            record_id: the record to change.
            fields: the encoded cells to write.
            options: identity and query options; only equal options share a batch.

        Returns:
            The updated record as the server returned it; an
            :class:`UnansweredRecord` (``record_id``, the cells sent) when the
            batch's answer listed a different number of records.

        Raises:
            ConfigurationError: bad arguments (nothing sent).
            NotFoundError: the record does not exist (1254043).
            InvalidFieldValueError: the server rejected a value of this record.
            BitableError: any other failure of the batch this record was in.
        """
        rid = _check_record_id(record_id, "update")
        item = (rid, _check_fields(fields, f"update {rid}"))
        result: RecordResult = await self._op(OpKind.UPDATE, [item], single=True, options=options)
        return result

    async def delete(self, record_id: str, *, options: WriteOptions | None = None) -> RecordResult:
        """Delete one record; concurrent calls are coalesced into ``batch_delete``.

        API: ``POST /open-apis/bitable/v1/apps/:app_token/tables/:table_id/records/batch_delete``.

        Args:
            record_id: the record to delete.
            options: identity and query options; only equal options share a batch.

        Returns:
            ``{"record_id": ..., "deleted": True}``.

        Raises:
            ConfigurationError: bad record id (nothing sent).
            NotFoundError: the record does not exist.
            BitableError: any other failure of the batch this record was in.
        """
        rid = _check_record_id(record_id, "delete")
        result: RecordResult = await self._op(OpKind.DELETE, [rid], single=True, options=options)
        return result

    def submit_batch(
        self,
        kind: OpKind,
        items: Sequence[Any],
        *,
        stats: WriteStats | None = None,
        options: WriteOptions | None = None,
    ) -> asyncio.Future[BatchOutcome]:
        """Queue one whole batch without waiting for it (used by the bulk loader).

        The batch is sent as its own request (after the writes queued before
        it), with a fresh ``client_token`` for creates, retried and bisected
        like coalesced batches.

        Args:
            kind: create, update or delete.
            items: encoded fields (create), ``(record_id, fields)`` pairs
                (update) or record ids (delete); at most ``max_batch``.
            stats: counters to add this batch's figures to.
            options: identity and query options of the batch.

        Returns:
            A future of the per-item outcome (record or exception per item).

        Raises:
            ConfigurationError: empty or oversized batch (nothing queued).
            WriterClosedError: the writer is closed.
        """
        if not items:
            raise ConfigurationError(f"{kind.value} batch is empty")
        if len(items) > self._lane.config.max_batch:
            raise ConfigurationError(
                f"{kind.value} batch has {len(items)} records; at most "
                f"{self._lane.config.max_batch} per batch"
            )
        return self._op(kind, list(items), single=False, stats=stats, options=options)

    async def write_batch(
        self,
        kind: OpKind,
        items: Sequence[Any],
        *,
        stats: WriteStats | None = None,
        options: WriteOptions | None = None,
    ) -> BatchOutcome:
        """Send a batch of any length as consecutive chunks and wait for all.

        Args:
            kind: create, update or delete.
            items: as for :meth:`submit_batch`, any number.
            stats: counters to add the figures to.
            options: identity and query options of every chunk.

        Returns:
            One result per item, in order (record or exception).

        Raises:
            ConfigurationError: a malformed item (nothing sent).
        """
        for i, item in enumerate(items):
            if kind is OpKind.CREATE:
                _check_fields(item, f"create item {i}")
            elif kind is OpKind.UPDATE:
                if not isinstance(item, tuple) or len(item) != 2:
                    raise ConfigurationError(f"update item {i}: expected (record_id, fields)")
                _check_record_id(item[0], f"update item {i}")
                _check_fields(item[1], f"update item {i}")
            else:
                _check_record_id(item, f"delete item {i}")
        size = self._lane.config.max_batch
        futures = [
            self.submit_batch(kind, items[i : i + size], stats=stats, options=options)
            for i in range(0, len(items), size)
        ]
        out: BatchOutcome = []
        for fut in futures:
            out.extend(await fut)
        return out

    async def run(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run any other write (field, view, form, table change) in the table's turn.

        The call waits for the writes queued before it, runs alone, then the
        lane continues. With a lease it runs under it: a fencing check before
        ``fn`` is called and before every attempt of every write request it
        sends through the transport (retries included).

        Args:
            fn: a no-argument coroutine function performing the write.

        Returns:
            What ``fn`` returned.

        Raises:
            LeaseTimeoutError: the cross-process lease could not be acquired.
            LeaseLostError: the lease was lost, before ``fn`` was called or
                before one of its attempts (which was then not sent).
            Exception: whatever ``fn`` raised.
        """
        return await self._lane.run(self._target, fn)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """Bracket a read of the table (``async with writer.reading(): ...``).

        With ``exclusive_reads`` the read waits while a write is in flight and
        writes wait for it; otherwise this costs nothing.
        """
        async with self._lane.gate.reading():
            yield


class WriterRegistry:
    """Hands out one :class:`TableWriter` per table; owned by the client.

    Args:
        config: settings of every writer.
        executor_factory: builds the executor of a table when :meth:`writer`
            is called without one (the client passes one bound to its transport).
        lease_backend: cross-process lease server (e.g. Redis); None keeps the
            serialization in-process.
    """

    def __init__(
        self,
        config: WriterConfig | None = None,
        *,
        executor_factory: Callable[[str, str], WriteExecutor] | None = None,
        lease_backend: LeaseBackend | None = None,
    ) -> None:
        self.config = config or WriterConfig()
        self._factory = executor_factory
        self._lease_backend = lease_backend
        self._lanes: dict[str, WriteLane] = {}
        self._writers: dict[tuple[str, str], TableWriter] = {}
        self._closed = False

    @property
    def has_executor_factory(self) -> bool:
        """True when :meth:`writer` can build a table's executor by itself."""
        return self._factory is not None

    def lane_key(self, app_token: str, table_id: str) -> str:
        """The lane (and lease) name of a table under the configured granularity.

        Args:
            app_token: the Bitable.
            table_id: the table.

        Returns:
            ``app_token:table_id`` per table, ``app_token`` per app (the lease
            backend adds its namespace and Redis Cluster hash tag).
        """
        if self.config.granularity == "app":
            return app_token
        return f"{app_token}:{table_id}"

    def writer(
        self, app_token: str, table_id: str, executor: WriteExecutor | None = None
    ) -> TableWriter:
        """Return THE writer of a table (created on first use, no I/O).

        Args:
            app_token: the Bitable.
            table_id: the table.
            executor: the batch functions; defaults to the registry's factory.
                Ignored when the writer already exists.

        Returns:
            The table's writer.

        Raises:
            ConfigurationError: no executor and no factory, or bad ids.
            WriterClosedError: the registry is closed.
        """
        if self._closed:
            raise WriterClosedError("the writer registry is closed")
        if not app_token or not table_id:
            raise ConfigurationError("app_token and table_id must be non-empty")
        found = self._writers.get((app_token, table_id))
        if found is not None:
            return found
        if executor is None:
            if self._factory is None:
                raise ConfigurationError("no executor given and the registry has no factory")
            executor = self._factory(app_token, table_id)
        w = TableWriter(
            app_token, table_id, executor, self._lane(self.lane_key(app_token, table_id))
        )
        self._writers[(app_token, table_id)] = w
        return w

    def _lane(self, key: str) -> WriteLane:
        lane = self._lanes.get(key)
        if lane is None:
            lease = None
            if self._lease_backend is not None:
                cfg = self.config
                lease = LeaseHolder(
                    self._lease_backend,
                    key,
                    ttl=cfg.lease_ttl,
                    wait=cfg.lease_wait,
                    verify_remote=cfg.lease_verify_remote,
                    clock=cfg.clock,
                    sleep=cfg.sleep,
                )
            lane = WriteLane(key, self.config, lease)
            self._lanes[key] = lane
        return lane

    async def run(self, app_token: str, table_id: str | None, fn: Callable[[], Awaitable[T]]) -> T:
        """Run any write in the turn of its table (or of its app): the handles' write seam.

        Table writes share the lane of :meth:`writer`; app-level writes (tables,
        roles, members, app settings ...) use a lane per app. A write issued from
        inside another write of the same lane runs at once (no self-deadlock).

        Args:
            app_token: the Bitable.
            table_id: the table written, or None for an app-level write.
            fn: makes the request when awaited.

        Returns:
            What ``fn`` returned.

        Raises:
            WriterClosedError: the registry is closed.
            LeaseTimeoutError: the cross-process lease could not be acquired.
            LeaseLostError: the lease was lost, before ``fn`` was called or
                before one of its attempts (which was then not sent).
            Exception: whatever ``fn`` raised.
        """
        if self._closed:
            raise WriterClosedError("the writer registry is closed")
        found = self._writers.get((app_token, table_id)) if table_id else None
        if found is not None:
            return await found.run(fn)
        key = self.lane_key(app_token, table_id) if table_id else app_token
        return await self._lane(key).run(Target(table_id or "", None), fn)

    def reading(
        self, app_token: str, table_id: str
    ) -> contextlib.AbstractAsyncContextManager[None]:
        """Bracket a read of a table (the handles' read path uses it).

        With ``exclusive_reads`` the read waits while a write to the table (or
        its app, per granularity) is in flight, and writes wait for it; without,
        it costs nothing.

        Args:
            app_token: the Bitable.
            table_id: the table read.

        Returns:
            An async context manager.
        """
        if not self.config.exclusive_reads or self._closed:
            return contextlib.nullcontext()
        return self._lane(self.lane_key(app_token, table_id)).gate.reading()

    def stats(self) -> dict[str, WriteStats]:
        """Counters per lane key."""
        return {k: lane.stats for k, lane in self._lanes.items()}

    async def aclose(self) -> None:
        """Finish queued writes, release leases, refuse new writes."""
        self._closed = True
        for lane in list(self._lanes.values()):
            await lane.aclose()
