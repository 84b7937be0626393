"""Send ONE logical batch: retries, the ``client_token`` rules, and bad-record isolation.

Why each write kind is safe to retry:

* **create** carries a UUIDv4 ``client_token`` that is reused on every retry of
  the same batch, so a timeout after the server committed returns the first
  result instead of inserting twice. 1255006 (token conflict) gets a fresh token
  only while no attempt of the batch could have been committed; otherwise the
  writer stops with :class:`OutcomeUnknownError` rather than risk duplicates.
* **update** has no token but is idempotent by nature: writing the same cells
  twice leaves the same row (a concurrent writer's change in between may be
  overwritten again -- last writer wins either way).
* **delete** has no token either. A retry after an unknown outcome may be
  answered "record not found" (1254043) because the first attempt did delete.
  The writer then asks which ids still exist: missing ids that were in the
  possibly-committed batch count as deleted, the rest are deleted again.

Batches are all-or-nothing on the server, so a batch rejected because of one
record's value (1254060-1254072, unknown field name, missing record id, cell too
large) was not applied at all; the writer bisects it -- each half a new batch
with a new token -- until only the bad records fail. The halves are sent one
after the other: this code runs inside the table's serial lane.

Whether a failed attempt is retried, and after how long, is NOT decided here:
the sender asks :class:`bitable_async.retry.RetryBudget` -- the same rules,
per-code budgets and backoff as the transport's loop (errors.md) -- with
``idempotent=True``, for the reasons above. What stays here is specific to a
batch: the fencing check before every attempt, the ``client_token`` rules,
bisection, settling deletes, and halving a batch after repeated 1254607.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import (
    BitableError,
    ConfigurationError,
    DataNotReadyError,
    IdempotencyError,
    InvalidFieldValueError,
    RateLimitError,
    WriteConflictError,
)
from ..retry import RetryBudget, retry_allowed
from .types import (
    Clock,
    LeaseLostError,
    OpKind,
    OptionsExecutor,
    OutcomeUnknownError,
    RecordResult,
    Sleep,
    UnansweredRecord,
    WriteExecutor,
    WriteOptions,
    WriterError,
    WriteRetryPolicy,
    WriteStats,
)

__all__ = ["BatchOutcome", "BatchSender", "Guard", "new_client_token"]

logger = logging.getLogger("bitable_async.writer")

Guard = Callable[[], Awaitable[None]]
"""Called right before every request; raises :class:`LeaseLostError` to stop it."""

#: Codes that blame one record of the batch rather than the whole request.
_RECORD_CODES = frozenset(
    {
        1254006,  # WrongRecordId
        1254043,  # RecordIdNotFound
        1254045,  # FieldNameNotFound
        1254027,  # UploadAttachNotAllowed
        1254303,  # AttachPermNotAllow
        1254130,  # TooLargeCell
    }
)
_RECORD_NOT_FOUND = frozenset({1254006, 1254043})
_TOKEN_CONFLICT = 1255006
_TOO_MANY_IN_ONE_CALL = 1254104

BatchOutcome = list["RecordResult | BaseException"]
"""One entry per input item, in order: the server's record or the item's error."""


def new_client_token() -> str:
    """Return a fresh idempotency key (a random UUIDv4 string)."""
    return str(uuid.uuid4())


def _blames_one_record(exc: BaseException, kind: OpKind) -> bool:
    if isinstance(exc, InvalidFieldValueError):
        return True
    if not isinstance(exc, BitableError) or exc.code not in _RECORD_CODES:
        return False
    # A create has no record id; "not found" there cannot be one row's fault.
    return not (kind is OpKind.CREATE and exc.code in _RECORD_NOT_FOUND)


@dataclass
class BatchSender:
    """Sends batches of one table through an executor, under a guard.

    Args:
        executor: the injected batch functions of the table.
        policy: retry policy.
        sleep: awaitable sleep used between attempts.
        guard: awaited right before every request (lease/fence check).
        isolate: bisect batches rejected because of one record.
        rng: random source of the backoff jitter.
        clock: monotonic clock of the policy's ``deadline``.
    """

    executor: WriteExecutor
    policy: WriteRetryPolicy
    sleep: Sleep
    guard: Guard
    isolate: bool = True
    rng: random.Random = field(default_factory=random.Random)
    clock: Clock = time.monotonic

    def executor_for(self, options: WriteOptions | None) -> WriteExecutor:
        """The executor that sends with ``options`` (the base one for default options).

        Args:
            options: identity and query options of the batch.

        Returns:
            The executor.

        Raises:
            ConfigurationError: options were given but the executor cannot
                derive a copy bound to them (no ``with_options``).
        """
        if options is None or options.is_default:
            return self.executor
        if not isinstance(self.executor, OptionsExecutor):
            raise ConfigurationError(
                f"{type(self.executor).__name__} has no with_options(); it cannot send "
                "writes with a tenant_key, user_access_token or query options"
            )
        return self.executor.with_options(options)

    async def send(
        self,
        kind: OpKind,
        items: Sequence[Any],
        stats: WriteStats,
        options: WriteOptions | None = None,
    ) -> BatchOutcome:
        """Send ``items`` as one batch (or several, if it must be split).

        Args:
            kind: create, update or delete.
            items: encoded fields (create), ``(record_id, fields)`` (update) or
                record ids (delete); at most one batch.
            stats: counters to update.
            options: identity and query options of the batch (None: the executor's).

        Returns:
            One result per item, in order: the record the server returned, or
            the exception that item ended with.

        Raises:
            LeaseLostError: the lease was lost before a request; the batch was
                not sent (or, if ``outcome_unknown``, maybe sent earlier).
        """
        if not items:
            return []
        ex = self.executor_for(options)
        outcome = await self._send(ex, kind, list(items), stats)
        stats.batches += 1
        for r in outcome:
            if isinstance(r, BaseException):
                stats.records_failed += 1
            else:
                stats.records_written += 1
        return outcome

    @staticmethod
    async def _call(
        ex: WriteExecutor, kind: OpKind, items: list[Any], token: str
    ) -> Sequence[RecordResult]:
        if kind is OpKind.CREATE:
            return await ex.batch_create(items, client_token=token)
        if kind is OpKind.UPDATE:
            return await ex.batch_update(items)
        return await ex.batch_delete(items)

    async def _split(
        self, ex: WriteExecutor, kind: OpKind, items: list[Any], stats: WriteStats
    ) -> BatchOutcome:
        stats.splits += 1
        mid = len(items) // 2
        left = await self._sub(ex, kind, items[:mid], stats)
        right = await self._sub(ex, kind, items[mid:], stats)
        return left + right

    async def _sub(
        self, ex: WriteExecutor, kind: OpKind, items: list[Any], stats: WriteStats
    ) -> BatchOutcome:
        # A sub-batch after others of the same batch may have landed: a lost
        # lease fails only the items not yet sent, so the landed ones are
        # still reported as written.
        try:
            return await self._send(ex, kind, items, stats)
        except LeaseLostError as exc:
            return [exc] * len(items)

    async def _send(
        self, ex: WriteExecutor, kind: OpKind, items: list[Any], stats: WriteStats
    ) -> BatchOutcome:
        token = new_client_token()
        maybe_committed = False
        not_ready_run = 0
        # Whether and how long to wait is retry.py's decision, as for every
        # other request; a writer batch counts as idempotent (module docstring).
        budget = RetryBudget(self.policy, self.rng, self.clock, idempotent=True)
        while True:
            try:
                await self.guard()
            except LeaseLostError as lost:
                raise LeaseLostError(lost.msg, maybe_committed=maybe_committed) from lost
            stats.requests += 1
            if budget.attempt > 0:
                stats.retries += 1
            try:
                out = await self._call(ex, kind, items, token)
            except LeaseLostError as lost:
                # Refused by the transport's send guard (a token replay of this
                # attempt): nothing more was sent, earlier attempts may have landed.
                committed = maybe_committed or lost.outcome_unknown
                raise LeaseLostError(lost.msg, maybe_committed=committed) from lost
            except BaseException as exc:
                if not isinstance(exc, Exception):
                    raise  # cancellation and friends are not the batch's fault
                error: Exception = exc
            else:
                if len(out) != len(items):
                    return self._unpaired(kind, items, len(out))
                return list(out)

            self._count(error, stats)
            if isinstance(error, BitableError) and error.outcome_unknown:
                maybe_committed = True
            if isinstance(error, DataNotReadyError):
                not_ready_run += 1
            else:
                not_ready_run = 0

            # Delete retried after an unknown outcome and told "not found".
            if (
                kind is OpKind.DELETE
                and maybe_committed
                and isinstance(error, BitableError)
                and error.code in _RECORD_NOT_FOUND
            ):
                return await self._settle_deletes(ex, items, stats)

            if _blames_one_record(error, kind) and self.isolate:
                if len(items) == 1:
                    return [error]
                return await self._split(ex, kind, items, stats)

            if isinstance(error, BitableError) and error.code == _TOO_MANY_IN_ONE_CALL:
                if len(items) > 1:
                    return await self._split(ex, kind, items, stats)
                return [error]

            if isinstance(error, IdempotencyError) and error.code == _TOKEN_CONFLICT:
                if maybe_committed:
                    unknown = OutcomeUnknownError(
                        "client_token conflict (1255006) after an attempt with an unknown "
                        "outcome; a new token could duplicate rows, so the batch was "
                        "abandoned",
                        cause=error,
                    )
                    return [unknown] * len(items)
                if budget.try_again_now():
                    token = new_client_token()
                    stats.token_renewals += 1
                    continue
                return [error] * len(items)

            delay = budget.after_failure(error)
            if delay is None:
                # Final error, or a retryable one whose budget is spent.
                if maybe_committed and retry_allowed(error, idempotent=True):
                    unknown = OutcomeUnknownError(
                        f"{kind.value} batch of {len(items)} abandoned after "
                        f"{budget.attempt + 1} attempts; an attempt may have been applied",
                        cause=error,
                    )
                    return [unknown] * len(items)
                return [error] * len(items)

            shrink = self.policy.shrink_after_not_ready
            if shrink and not_ready_run >= shrink and len(items) > 1 and not maybe_committed:
                return await self._split(ex, kind, items, stats)

            await self.sleep(delay)

    @staticmethod
    def _unpaired(kind: OpKind, items: list[Any], answered: int) -> BatchOutcome:
        """The outcome of a committed batch whose answer lists ``answered`` records.

        Nothing says which answer record belongs to which item, so none is
        paired by position: a create or update item gets an
        :class:`UnansweredRecord` (its id, when known, and the cells sent); a
        delete item a :class:`WriterError` (nothing to report for it).
        """
        logger.warning(
            "records/batch_%s: the answer lists %d records for a batch of %d; "
            "each item is returned with its sent cells (not paired by position)",
            kind.value,
            answered,
            len(items),
        )
        if kind is OpKind.CREATE:
            return [UnansweredRecord(record_id=None, fields=dict(f)) for f in items]
        if kind is OpKind.UPDATE:
            return [UnansweredRecord(record_id=rid, fields=dict(f)) for rid, f in items]
        err = WriterError(
            f"{kind.value}: the server returned {answered} records for a batch of {len(items)}"
        )
        return [err] * len(items)

    async def _settle_deletes(
        self, ex: WriteExecutor, ids: list[str], stats: WriteStats
    ) -> BatchOutcome:
        existing = await ex.existing_ids(ids)
        still = [rid for rid in ids if rid in existing]
        redo: dict[str, RecordResult | BaseException] = {}
        if still:
            again = await self._sub(ex, OpKind.DELETE, still, stats)
            for rid, res in zip(still, again, strict=True):
                redo[rid] = res
        out: BatchOutcome = []
        for rid in ids:
            if rid in redo:
                out.append(redo[rid])
            else:
                # Gone after our possibly-committed attempt: that attempt deleted it.
                out.append({"record_id": rid, "deleted": True})
        return out

    @staticmethod
    def _count(error: BaseException, stats: WriteStats) -> None:
        if isinstance(error, WriteConflictError):
            stats.conflicts += 1
        elif isinstance(error, DataNotReadyError):
            stats.not_ready += 1
        elif isinstance(error, RateLimitError):
            stats.rate_limited += 1
        if isinstance(error, BitableError) and error.outcome_unknown:
            stats.unknown_outcomes += 1
