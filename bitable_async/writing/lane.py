"""The serial lane: one queue and one worker per table (or per app).

Every write to the lane's tables is an *op* in one FIFO queue, and a single
worker task takes them out one *unit* at a time, so Bitable never sees two
concurrent writes from this process. Concurrent single-record writes of the
same kind to the same table with the same identity and query options are
merged into one unit (coalescing, up to ``max_batch``); all ops still
waiting are concurrent with each other, so any order among them is a valid
one. The same record id never appears twice in one update/delete batch.

Linger: a lone write that arrives while the lane is cold waits up to
``linger`` seconds for companions (or until the batch is full). While the lane
is busy, writes pile up behind the batch in flight and go out as soon as it
returns -- group commit -- without extra waiting.

The worker is started on the first op and exits after ``idle_grace`` seconds
without work, releasing the cross-process lease if it holds one.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..fencing import ScopedValue, clear_guard, guarding
from .batch import BatchSender
from .lease import LeaseHolder
from .types import (
    LeaseLostError,
    OpKind,
    WriteOptions,
    WriterClosedError,
    WriterConfig,
    WriteStats,
)

__all__ = ["Op", "ReadWriteGate", "Target", "WriteLane", "current_lane_key"]

T = TypeVar("T")


# The lane whose turn the current task's code runs in: a write issued from inside a
# write (a nested seam call) runs at once instead of queueing behind itself. A
# task the write started sees it only while that write runs.
_running_lane: ScopedValue[WriteLane] = ScopedValue("bitable_writer_lane")


def current_lane_key() -> str | None:
    """The key of the lane whose turn the calling code runs in, or None.

    Every request a write sends is made from inside its lane's worker; tests
    (and debugging hooks) use this to check that a request was sent in turn.

    Returns:
        ``app`` or ``app:table`` (see :meth:`WriterRegistry.lane_key
        <bitable_async.writer.WriterRegistry.lane_key>`), or None outside any write.
    """
    lane = _running_lane.get()
    return None if lane is None else lane.key


@dataclass(eq=False)
class Target:
    """One table reached through a lane: its id and its batch sender (None: opaque calls only)."""

    table_id: str
    sender: BatchSender | None


@dataclass(eq=False)
class Op:
    """One queued write.

    Attributes:
        target: the table.
        kind: create/update/delete, or None for an opaque call.
        items: one item (single op) or a whole batch.
        single: True when the op may be coalesced with others.
        future: receives the record, the batch outcome or the call's result.
        enqueued_at: clock reading when queued (linger).
        stats: extra counters to update (bulk runs).
        fn: the opaque write to run exclusively (field/view changes ...).
        options: identity and query options; only ops with equal options are
            coalesced into one batch.
    """

    target: Target
    kind: OpKind | None
    items: list[Any]
    single: bool
    future: asyncio.Future[Any]
    enqueued_at: float
    stats: WriteStats | None = None
    fn: Callable[[], Awaitable[Any]] | None = None
    options: WriteOptions | None = None

    def record_id(self) -> str | None:
        """The record id a single update/delete targets (None otherwise)."""
        if not self.single or self.kind is OpKind.CREATE or self.kind is None:
            return None
        item = self.items[0]
        return str(item[0] if self.kind is OpKind.UPDATE else item)


class ReadWriteGate:
    """Keeps reads of a lane out while a write is in flight, and vice versa.

    Reads run concurrently with each other; a write waits for running reads
    to finish; a read waits while a write unit is in flight. Turns are fair:
    while a write waits, new reads wait too, and the reads that were waiting
    when a write ends all go before the next write -- so neither a busy loader
    nor a tight read loop starves the other. Used only when ``exclusive_reads``
    is on (otherwise both sides are no-ops).
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._cond = asyncio.Condition()
        self._readers = 0
        self._readers_waiting = 0
        self._writing = False
        self._writers_waiting = 0
        self._quota = 0  # waiting reads admitted before the next write

    def _may_read(self) -> bool:
        return not self._writing and (self._writers_waiting == 0 or self._quota > 0)

    def _may_write(self) -> bool:
        return not self._writing and self._readers == 0 and self._quota == 0

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """Hold the read side for the body of the ``async with``."""
        if not self.enabled or _running_lane.get() is not None:
            # Disabled, or a read made from inside a write (a lane's worker): no
            # waiting, or a write reading its own table would wait for itself.
            yield
            return
        async with self._cond:
            self._readers_waiting += 1
            try:
                await self._cond.wait_for(self._may_read)
            except BaseException:
                self._readers_waiting -= 1
                self._quota = min(self._quota, self._readers_waiting)
                self._cond.notify_all()
                raise
            self._readers_waiting -= 1
            if self._quota > 0:
                self._quota -= 1
            self._readers += 1
        try:
            yield
        finally:
            async with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Hold the write side for the body of the ``async with``."""
        if not self.enabled:
            yield
            return
        async with self._cond:
            self._writers_waiting += 1
            try:
                await self._cond.wait_for(self._may_write)
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            async with self._cond:
                self._writing = False
                self._quota = self._readers_waiting
                self._cond.notify_all()


def _copy_error(exc: BaseException) -> BaseException:
    # One exception object raised from many tasks would collect their
    # tracebacks; give each caller its own copy when it can be made.
    try:
        dup = copy.copy(exc)
    except Exception:
        return exc
    return dup if type(dup) is type(exc) else exc


def _deliver(fut: asyncio.Future[Any], result: Any) -> None:
    if fut.done():
        return  # the caller was cancelled meanwhile
    if isinstance(result, BaseException):
        fut.set_exception(result)
    else:
        fut.set_result(result)


@dataclass(eq=False)
class WriteLane:
    """One serial lane. Built by the registry; use :class:`TableWriter` to write.

    Args:
        key: the lane's name (``app`` or ``app/table``), also the lease key.
        config: writer settings.
        lease: the cross-process lease holder, or None (in-process only).
    """

    key: str
    config: WriterConfig
    lease: LeaseHolder | None = None
    stats: WriteStats = field(default_factory=WriteStats)

    def __post_init__(self) -> None:
        self._ops: deque[Op] = deque()
        self._single_counts: dict[tuple[int, OpKind | None], int] = {}
        self._arrival = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._closed = False
        self._last_done = float("-inf")
        self.gate = ReadWriteGate(self.config.exclusive_reads)

    async def guard(self) -> None:
        """Awaited before every request of this lane: the fencing check."""
        if self.lease is not None:
            await self.lease.check()

    async def _send_guard(self, maybe_applied: bool) -> None:
        # The transport awaits this before every attempt (retries included) of
        # each write an opaque call sends (see bitable_async.fencing).
        try:
            await self.guard()
        except LeaseLostError as lost:
            if not maybe_applied:
                raise
            raise LeaseLostError(lost.msg, maybe_committed=True) from lost

    @property
    def in_turn(self) -> bool:
        """True when the calling task is this lane's worker (inside one of its writes)."""
        return _running_lane.get() is self

    @property
    def pending(self) -> int:
        """Number of queued ops (not counting the unit in flight)."""
        return len(self._ops)

    def submit(self, op: Op) -> None:
        """Queue ``op`` and make sure the worker runs.

        Args:
            op: the write.

        Raises:
            WriterClosedError: the lane was closed.
        """
        if self._closed:
            raise WriterClosedError(f"the writer for {self.key!r} is closed")
        self._ops.append(op)
        if op.single:
            k = (id(op.target), op.kind)
            self._single_counts[k] = self._single_counts.get(k, 0) + 1
        self._arrival.set()
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(
                self._run(), name=f"bitable-writer:{self.key}"
            )

    async def run(self, target: Target, fn: Callable[[], Awaitable[T]]) -> T:
        """Run an opaque write in the lane's turn, fenced before every request it sends.

        With a lease, the fencing check runs before ``fn`` is called and again
        before every attempt of every write request ``fn`` makes through the
        transport -- first tries, retries and token replays alike -- so a
        request is never sent after the lease was lost or taken over.

        Args:
            target: the table (or an app-level target).
            fn: the write; called once, inside the lane's worker.

        Returns:
            What ``fn`` returned.

        Raises:
            LeaseTimeoutError: the lease could not be acquired.
            LeaseLostError: the lease was lost: before ``fn`` was called, or
                before one of its attempts, which was then not sent
                (``outcome_unknown`` when an earlier attempt of that request
                may have been applied).
            Exception: whatever ``fn`` raised.
        """
        if _running_lane.get() is self:
            return await fn()  # nested in a write of this lane: already our turn
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.submit(Op(target, None, [], False, fut, self.config.clock(), None, fn))
        result: T = await fut
        return result

    async def aclose(self) -> None:
        """Refuse new writes, finish the queued ones, release the lease."""
        self._closed = True
        self._arrival.set()
        worker = self._worker
        if worker is not None:
            await asyncio.shield(worker)
        if self.lease is not None:
            await self.lease.release()

    # -- the worker ---------------------------------------------------------

    async def _run(self) -> None:
        # A worker started from inside another lane's write copied its context:
        # that lane's turn and send guard are not this lane's.
        _running_lane.clear()
        clear_guard()
        try:
            while True:
                self._drop_done_head()
                if not self._ops:
                    self._arrival.clear()
                    if not self._closed and await self._wait_arrival(self.config.idle_grace):
                        continue
                    if self.lease is not None:
                        await self.lease.release()
                    if self._ops:
                        continue
                    return
                await self._linger()
                unit = self._take()
                if unit:
                    await self._execute(unit)
                    self._last_done = self.config.clock()
                    # Let the callers woken by the results queue their next write,
                    # so the next batch is as full as it can be.
                    await asyncio.sleep(0)
                    await self._maybe_hand_over()
        except BaseException as exc:
            self._fail_queued(WriterClosedError(f"the writer for {self.key!r} stopped: {exc!r}"))
            raise
        finally:
            self._worker = None

    async def _maybe_hand_over(self) -> None:
        lease = self.lease
        if lease is None or lease.grant is None or not self._ops:
            return
        if lease.held_for() >= self.config.lease_max_hold:
            # Give processes polling for this lease a turn before taking it again.
            await lease.release()
            await self.config.sleep(min(0.1, self.config.lease_ttl / 10))

    def _drop_done_head(self) -> None:
        while self._ops and self._ops[0].future.done():
            self._forget(self._ops.popleft())

    def _forget(self, op: Op) -> None:
        if op.single:
            k = (id(op.target), op.kind)
            self._single_counts[k] = self._single_counts.get(k, 1) - 1

    def _full(self, head: Op) -> bool:
        n = self._single_counts.get((id(head.target), head.kind), 0)
        return n >= self.config.max_batch

    async def _linger(self) -> None:
        head = self._ops[0]
        linger = self.config.linger
        if not head.single or linger <= 0 or self._closed:
            return
        if head.enqueued_at - self._last_done <= linger:
            return  # the lane is busy: group commit, no waiting
        deadline = head.enqueued_at + linger
        clock = self.config.clock
        while not self._full(head) and not self._closed and clock() < deadline:
            self._arrival.clear()
            await self._wait_arrival(deadline - clock())

    async def _wait_arrival(self, timeout: float) -> bool:
        if self._arrival.is_set() or timeout <= 0:
            return self._arrival.is_set()
        waiter = asyncio.ensure_future(self._arrival.wait())
        sleeper = asyncio.ensure_future(self.config.sleep(timeout))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in (waiter, sleeper):
                t.cancel()
            await asyncio.gather(waiter, sleeper, return_exceptions=True)
        return self._arrival.is_set()

    def _take(self) -> list[Op]:
        self._drop_done_head()
        if not self._ops:
            return []
        head = self._ops.popleft()
        self._forget(head)
        if not head.single:
            return [head]
        unit = [head]
        seen: set[str] = set()
        rid = head.record_id()
        if rid is not None:
            seen.add(rid)
        rest: deque[Op] = deque()
        limit = self.config.max_batch
        while self._ops:
            op = self._ops.popleft()
            if op.future.done():
                self._forget(op)
                continue
            same = (
                op.single
                and op.target is head.target
                and op.kind is head.kind
                and op.options == head.options
            )
            if len(unit) < limit and same:
                rid = op.record_id()
                if rid is None or rid not in seen:
                    if rid is not None:
                        seen.add(rid)
                    unit.append(op)
                    self._forget(op)
                    continue
            rest.append(op)
        self._ops = rest
        return unit

    async def _execute(self, unit: list[Op]) -> None:
        with _running_lane.scoped(self):
            await self._execute_in_turn(unit)

    async def _execute_in_turn(self, unit: list[Op]) -> None:
        head = unit[0]
        try:
            if self.lease is not None:
                await self.lease.ensure()
            async with self.gate.writing():
                # Every write request sent in this unit -- each attempt, retries
                # and token replays included -- passes the fencing check first.
                guard = self._send_guard if self.lease is not None else None
                if head.fn is not None:
                    await self.guard()
                    with guarding(guard):
                        result = await head.fn()
                    _deliver(head.future, result)
                    return
                assert head.kind is not None
                assert head.target.sender is not None
                stats = WriteStats()
                items = [op.items[0] for op in unit] if head.single else head.items
                with guarding(guard):
                    outcome = await head.target.sender.send(head.kind, items, stats, head.options)
                self.stats.add(stats)
                if head.stats is not None:
                    head.stats.add(stats)
                if self.lease is not None and any(isinstance(r, LeaseLostError) for r in outcome):
                    await self.lease.release()  # the next unit acquires a fresh lease
                if head.single:
                    given: set[int] = set()
                    for op, res in zip(unit, outcome, strict=True):
                        if isinstance(res, BaseException):
                            if id(res) in given:
                                res = _copy_error(res)
                            given.add(id(res))
                        _deliver(op.future, res)
                else:
                    _deliver(head.future, outcome)
        except LeaseLostError as exc:
            self._fail(unit, exc)
            if self.lease is not None:
                await self.lease.release()
        except Exception as exc:
            self._fail(unit, exc)
            if self.lease is not None and self.lease.lost:
                # fn turned a refused attempt into its own error (BatchError ...):
                # start the next unit with a fresh lease all the same.
                await self.lease.release()

    @staticmethod
    def _fail(unit: list[Op], exc: BaseException) -> None:
        for i, op in enumerate(unit):
            _deliver(op.future, exc if i == 0 else _copy_error(exc))

    def _fail_queued(self, exc: BaseException) -> None:
        ops, self._ops = list(self._ops), deque()
        self._single_counts.clear()
        self._fail(ops, exc)
