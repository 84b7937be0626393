"""Result and progress types of the bulk loader (see :mod:`bitable_async.bulk`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Union

from ..errors import BitableError
from .types import WriterError, WriteStats

if TYPE_CHECKING:
    from ..values.model import RecordModel

__all__ = [
    "AnyRow",
    "BulkAbortedError",
    "BulkFailure",
    "BulkProgress",
    "BulkSummary",
    "ProgressCallback",
    "Row",
    "RowEncoder",
]

Row = Mapping[str, Any]
"""One input row: field name -> value."""

AnyRow = Union[Row, "RecordModel"]
"""A row for a bulk load: a mapping, or a record model instance (through a TableHandle)."""

ProgressCallback = Callable[["BulkProgress"], Awaitable[None] | None]
"""Called with a :class:`BulkProgress` after each chunk; may be sync or async."""


class RowEncoder(Protocol):
    """Turns one row of Python values into wire ``fields`` (``RecordCodec`` fits)."""

    def encode_fields(
        self, values: Mapping[str, Any], *, record_index: int | None = None
    ) -> dict[str, Any]:
        """Encode one record; raise :class:`FieldValueError` naming the bad field."""
        ...


@dataclass(frozen=True)
class BulkFailure:
    """One input row that did not land.

    Attributes:
        index: position of the row in the input stream (0-based).
        error: the exception (server error, local encoding error ...).
        key: the upsert key of the row, when upserting.
        record_id: the target record, for updates.
    """

    index: int
    error: BaseException
    key: tuple[Hashable, ...] | None = None
    record_id: str | None = None

    @property
    def reason(self) -> str:
        """A one-line reason: the exception type and message."""
        return f"{type(self.error).__name__}: {self.error}"


@dataclass(frozen=True)
class BulkProgress:
    """A progress report, sent after each chunk settles.

    Attributes:
        rows_read: input rows consumed so far.
        written: rows the server confirmed.
        failed: rows that failed.
        elapsed: seconds since the start.
        total: the number of input rows when known (a sized input), else None.
    """

    rows_read: int
    written: int
    failed: int
    elapsed: float
    total: int | None = None

    @property
    def rate(self) -> float:
        """Confirmed rows per second so far."""
        return self.written / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class BulkSummary:
    """What a bulk run did.

    Attributes:
        operation: ``insert``, ``update`` or ``upsert``.
        rows_read: input rows consumed.
        written: rows the server confirmed (created + updated).
        created: rows created.
        updated: rows updated.
        failed: number of rows that failed.
        failures: the first ``max_failures`` failures, with reasons.
        stats: request counters (requests, retries, conflicts, not_ready,
            unknown_outcomes, token_renewals, splits ...).
        elapsed: seconds from start to end.
        merged: upsert: rows folded into an earlier input row with the same key
            (not sent separately; last values win).
        existing_keys: upsert: keys found in the table before writing.
        duplicate_keys: upsert: keys held by more than one existing row (the
            first row found is updated).
    """

    operation: str
    rows_read: int = 0
    written: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    failures: list[BulkFailure] = field(default_factory=list)
    stats: WriteStats = field(default_factory=WriteStats)
    elapsed: float = 0.0
    merged: int = 0
    existing_keys: int = 0
    duplicate_keys: int = 0

    @property
    def retries(self) -> int:
        """Requests sent again after a failure."""
        return self.stats.retries

    @property
    def conflicts(self) -> int:
        """1254291 answers seen (someone else wrote to the table)."""
        return self.stats.conflicts

    def __str__(self) -> str:
        return (
            f"{self.operation}: {self.written} written ({self.created} created, "
            f"{self.updated} updated), {self.failed} failed, {self.stats.requests} requests, "
            f"{self.stats.retries} retries, {self.stats.conflicts} conflicts, "
            f"{self.elapsed:.2f} s"
        )


class BulkAbortedError(WriterError):
    """A whole chunk failed for a reason that is not one row's fault; the run stopped.

    Attributes:
        summary: what was done before stopping (rows_read says how far it got).
        cause: the error that stopped it.
    """

    def __init__(self, summary: BulkSummary, cause: BaseException) -> None:
        code = cause.code if isinstance(cause, BitableError) else None
        super().__init__(f"bulk {summary.operation} stopped: {cause}", code=code)
        self.summary = summary
        self.cause = cause
