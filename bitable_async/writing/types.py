"""Plain types shared by the writer modules: executor protocol, config, stats, errors.

The writer never talks to the network itself. It calls an injected
:class:`WriteExecutor` -- three async functions that send one encoded batch
(``batch_create`` with a ``client_token``, ``batch_update``, ``batch_delete``)
plus a lookup of which record ids still exist. That keeps the serialization,
coalescing, idempotency and bisection logic testable with an in-memory fake,
and lets the same code drive the real resources layer.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Protocol, runtime_checkable

import anyio

from ..config import RetryConfig
from ..errors import BitableError, ConfigurationError

__all__ = [
    "Clock",
    "EncodedFields",
    "LeaseLostError",
    "LeaseTimeoutError",
    "OpKind",
    "OptionsExecutor",
    "OutcomeUnknownError",
    "RecordResult",
    "Sleep",
    "UnansweredRecord",
    "WriteExecutor",
    "WriteOptions",
    "WriteRetryPolicy",
    "WriteStats",
    "WriterClosedError",
    "WriterConfig",
    "WriterError",
]

Clock = Callable[[], float]
"""A monotonic time source in seconds."""

Sleep = Callable[[float], Awaitable[None]]
"""An awaitable sleep; tests inject a fake one."""

EncodedFields = Mapping[str, Any]
"""One record's ``fields`` in wire shape (field name -> written value), already encoded."""

RecordResult = Mapping[str, Any]
"""One record as the server returned it (``{"record_id": ..., "fields": {...}}``)."""


class UnansweredRecord(dict[str, Any]):
    """A record a committed batch wrote whose answer could not be paired with it.

    When the server answers a create / update batch with a different number of
    records than were sent, nothing says which answer record belongs to which
    item, so the writer pairs none by position: each item's result is one of
    these, ``{"record_id": <the updated id, None for a create>, "fields":
    <the encoded cells sent>}`` -- the write is committed, what it holds is
    what was sent. :meth:`RecordWrites.create
    <bitable_async.resources.record_writes.RecordWrites.create>` / ``update``
    turn it into the sent cells, typed.
    """


class OpKind(enum.Enum):
    """The kind of a record write."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@runtime_checkable
class WriteExecutor(Protocol):
    """Sends one encoded batch of one table and returns the server's ``data.records``.

    Implementations must not retry on their own: the writer owns the retry
    loop, because it has to check the lease before every request and know
    whether an earlier attempt may have been committed.
    """

    async def batch_create(
        self, records: Sequence[EncodedFields], *, client_token: str
    ) -> Sequence[RecordResult]:
        """POST ``.../records/batch_create?client_token=...``.

        Args:
            records: encoded ``fields`` of each new record (at most one batch).
            client_token: the UUIDv4 idempotency key of this batch.

        Returns:
            The created records, in request order.
        """
        ...

    async def batch_update(
        self, records: Sequence[tuple[str, EncodedFields]]
    ) -> Sequence[RecordResult]:
        """POST ``.../records/batch_update``.

        Args:
            records: ``(record_id, encoded fields)`` pairs.

        Returns:
            The updated records, in request order.
        """
        ...

    async def batch_delete(self, record_ids: Sequence[str]) -> Sequence[RecordResult]:
        """POST ``.../records/batch_delete``.

        Args:
            record_ids: ids to delete.

        Returns:
            ``{"record_id": ..., "deleted": true}`` per id, in request order.
        """
        ...

    async def existing_ids(self, record_ids: Sequence[str]) -> set[str]:
        """Return which of ``record_ids`` exist (``batch_get``, or a search).

        Used only to settle a delete whose earlier attempt had an unknown
        outcome and whose retry was answered "record not found".

        Args:
            record_ids: ids to look up.

        Returns:
            The subset of ``record_ids`` that still exist.
        """
        ...


@dataclass(frozen=True)
class WriteOptions:
    """Who writes, and the query options of a record write; part of the coalescing key.

    Only operations with equal options are gathered into one batch, so a batch
    is always sent under one identity (writes under several identities to one
    table still share the table's single serial lane).

    Attributes:
        tenant_key: the tenant of a marketplace app (its tenant token is used).
        user_access_token: write as this user; sent as is, never cached, never
            shown in a repr.
        user_id_type: how person ids in cells are named (``open_id`` ...).
        ignore_consistency_check: sent on the write when not None.
    """

    tenant_key: str | None = None
    user_access_token: str | None = field(default=None, repr=False)
    user_id_type: str | None = None
    ignore_consistency_check: bool | None = None

    @property
    def is_default(self) -> bool:
        """True when no option is set (the executor's own settings apply)."""
        return self == _DEFAULT_OPTIONS


_DEFAULT_OPTIONS = WriteOptions()


@runtime_checkable
class OptionsExecutor(Protocol):
    """An executor that can derive a copy bound to other :class:`WriteOptions`."""

    def with_options(self, options: WriteOptions) -> WriteExecutor:
        """Return an executor sending with ``options`` (identity, query options).

        Args:
            options: the options to send with.

        Returns:
            The derived executor.
        """
        ...


class WriterError(BitableError):
    """Base class of the errors raised by the writer itself (not by the server)."""


class WriterClosedError(WriterError):
    """The writer (or the client owning it) was closed; the write was not sent."""


class LeaseTimeoutError(WriterError):
    """The cross-process table lease could not be acquired within the bounded wait.

    Nothing was sent.
    """


class LeaseLostError(WriterError):
    """The writer lost its cross-process lease (expired while paused, taken over).

    The request it was about to send was NOT sent (fencing): the check runs
    before every attempt, retries included. If an earlier attempt of the same
    batch or request had an unknown outcome, :attr:`outcome_unknown` is True.
    """

    def __init__(self, msg: str, *, maybe_committed: bool = False) -> None:
        super().__init__(msg)
        self._maybe_committed = maybe_committed

    @property
    def outcome_unknown(self) -> bool:
        """True when an earlier attempt of the same batch may have been applied."""
        return self._maybe_committed


class OutcomeUnknownError(WriterError):
    """The writer gave up on a batch that the server may or may not have applied.

    Raised when retries are exhausted after a timeout/5xx, or when 1255006
    (client_token conflict) arrives after an attempt with an unknown outcome:
    a new token could then duplicate rows, so the writer stops.

    Attributes:
        cause: the last error seen.
    """

    def __init__(self, msg: str, *, cause: BaseException | None = None) -> None:
        code = cause.code if isinstance(cause, BitableError) else None
        super().__init__(msg, code=code)
        self.cause = cause

    @property
    def outcome_unknown(self) -> bool:
        """Always True."""
        return True


@dataclass(frozen=True)
class WriteRetryPolicy(RetryConfig):
    """How the writer retries one batch: a ``RetryConfig`` with the writer's defaults.

    It adds one batch-only knob, ``shrink_after_not_ready``.

    Whether a failed batch is retried, and after what wait, is decided by
    :func:`bitable_async.retry.retry_delay` -- the same rules as every other
    request (errors.md): rejections (1254290, 1254291, 1254607, 1254036) are
    retried up to ``max_attempts``, spaced at least ``busy_min_delay`` after
    1254291 / 1254607 / 1254036 and at least the server's reset time after a
    rate limit; the per-code budgets of the code table apply (1254002 three
    times, 1255003 / 1255004 once ...). Outcome-unknown failures (timeouts,
    5xx, 1255040, 1254002, 1255001 ...) are retried too, because every writer
    batch counts as idempotent: creates carry the same ``client_token`` and
    updates/deletes are idempotent (see ``writing/batch.py``).

    Attributes:
        max_attempts: total attempts per batch (first try included); 8 here.
        base: backoff base in seconds (the spec advises 0.5-1 s between calls
            after 1254291/1254607).
        cap: largest jittered backoff; 10 s here.
        shrink_after_not_ready: split a batch in two after this many
            consecutive 1254607 answers (the spec: "reduce the batch size");
            0 disables.

    The other attributes (``enabled``, ``jitter``, ``busy_min_delay``,
    ``deadline`` per batch, ``max_reset_wait``) are those of ``RetryConfig``.
    """

    max_attempts: int = 8
    cap: float = 10.0
    shrink_after_not_ready: int = 3

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.shrink_after_not_ready < 0:
            raise ConfigurationError("WriteRetryPolicy.shrink_after_not_ready must be >= 0")


@dataclass(frozen=True)
class WriterConfig:
    """Settings of the writers a :class:`~bitable_async.writer.WriterRegistry` hands out.

    Attributes:
        granularity: ``"table"`` (default): one writer per ``(app_token, table_id)``;
            ``"app"``: one serial lane per Bitable, as the access guide advises.
        max_batch: records per batch call (the spec's 500).
        linger: seconds a lone single-record write waits for companions before
            being sent (the batch is sent at once when full).
        coalesce: when True (default), ``table.records.create / update / delete``
            go through the table's writer and are gathered with concurrent calls
            into ``batch_create / batch_update / batch_delete``; when False they
            call the single-record endpoints (still one write at a time per
            table). Each call can override it with ``coalesce=``.
        exclusive_reads: when True, reads of a table wait while a write to it is
            in flight, and writes wait for running reads (avoids 1254607).
        isolate_bad_records: split a batch rejected for one record's value
            (1254060-1254072, unknown field name, missing record id) to let the
            others land; when False the whole batch fails.
        retry: retry policy per batch.
        lease_ttl: lifetime of the cross-process lease in seconds (renewed at a
            third of it while writing).
        lease_wait: bounded wait to acquire the lease before failing with
            :class:`LeaseTimeoutError`.
        lease_max_hold: release the lease after holding it this long even when
            more work is queued, so other processes get a turn.
        lease_verify_remote: before each request, also ask Redis whether the
            lease is still ours (one round trip), not only the local deadline.
        idle_grace: seconds an idle lane keeps its worker and lease before
            letting them go (avoids churn between pipelined bulk chunks).
        clock: monotonic clock.
        sleep: awaitable sleep.
        rng: random source of the retry jitter (None: a fresh one per table).
    """

    granularity: Literal["table", "app"] = "table"
    max_batch: int = 500
    linger: float = 0.005
    coalesce: bool = True
    exclusive_reads: bool = False
    isolate_bad_records: bool = True
    retry: WriteRetryPolicy = field(default_factory=WriteRetryPolicy)
    lease_ttl: float = 10.0
    lease_wait: float = 60.0
    lease_max_hold: float = 5.0
    lease_verify_remote: bool = True
    idle_grace: float = 0.05
    clock: Clock = time.monotonic
    sleep: Sleep = anyio.sleep
    rng: random.Random | None = None

    def __post_init__(self) -> None:
        if self.granularity not in ("table", "app"):
            raise ValueError(f"granularity must be 'table' or 'app', got {self.granularity!r}")
        if not 1 <= self.max_batch <= 1000:
            raise ValueError(f"max_batch must be in 1..1000, got {self.max_batch}")
        if self.linger < 0 or self.idle_grace < 0:
            raise ValueError("linger and idle_grace must be >= 0")
        if self.lease_ttl <= 0 or self.lease_wait < 0 or self.lease_max_hold <= 0:
            raise ValueError("lease_ttl and lease_max_hold must be > 0, lease_wait >= 0")


@dataclass
class WriteStats:
    """Counters of what a writer (or one bulk run) did.

    Attributes:
        requests: write requests sent (each retry counts).
        batches: logical batches completed (after retries and splits).
        records_written: records the server confirmed.
        records_failed: records that ended with an error.
        retries: re-sent requests.
        conflicts: 1254291 answers seen (another writer on the table).
        not_ready: 1254607 answers seen.
        rate_limited: 1254290 / 99991400 answers seen.
        unknown_outcomes: failures after which the request may have been applied.
        token_renewals: new ``client_token`` after 1255006 on an uncommitted batch.
        splits: batches split in two to isolate a bad record or shrink.
    """

    requests: int = 0
    batches: int = 0
    records_written: int = 0
    records_failed: int = 0
    retries: int = 0
    conflicts: int = 0
    not_ready: int = 0
    rate_limited: int = 0
    unknown_outcomes: int = 0
    token_renewals: int = 0
    splits: int = 0

    def add(self, other: WriteStats) -> None:
        """Add ``other``'s counters to this one.

        Args:
            other: counters to add.
        """
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        """Return the counters as a plain dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
