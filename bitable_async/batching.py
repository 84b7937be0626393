"""Chunking of batch calls and the one error that reports a partly sent batch.

Batch endpoints take at most 500 records (batch_get: 100 ids) per call, and a
Bitable batch is all-or-nothing per call. :func:`run_chunks` splits any input
into chunks, sends them one after the other (writes to one table must not run
concurrently) and, when a chunk fails, stops and raises :class:`BatchError`
telling which chunks were committed (with their results), which one failed
and why, and which were never sent.

The caller validates and encodes the WHOLE input before calling
:func:`run_chunks`, so a bad value never leaves a batch half-written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bitable_async.errors import BitableError

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_GET_CHUNK_SIZE",
    "BatchError",
    "ChunkFailure",
    "ChunkResult",
    "ChunkSpan",
    "check_chunk_size",
    "chunked",
    "flatten",
    "run_chunks",
]

DEFAULT_CHUNK_SIZE = 500
"""Records per batch write (001/003 say 500; 000 says 1,000 -- the safe value)."""

DEFAULT_GET_CHUNK_SIZE = 100
"""Record ids per batch_get call (000: 1-100)."""

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class ChunkSpan:
    """Where a chunk sits in the caller's input.

    Attributes:
        index: the chunk's number, from 0.
        start: the input position of its first item.
        stop: one past the input position of its last item.
    """

    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        """How many input items the chunk holds."""
        return self.stop - self.start


@dataclass(frozen=True, slots=True)
class ChunkResult(Generic[R]):
    """A chunk the server committed.

    Attributes:
        span: which input items it held.
        result: what the call returned for it.
    """

    span: ChunkSpan
    result: R


@dataclass(frozen=True, slots=True)
class ChunkFailure:
    """The chunk whose call failed.

    Attributes:
        span: which input items it held.
        error: the error the call raised (``error.code`` is the server's code).
    """

    span: ChunkSpan
    error: BitableError

    @property
    def outcome_unknown(self) -> bool:
        """True when the server may have applied this chunk before failing."""
        return self.error.outcome_unknown


class BatchError(BitableError):
    """A chunked batch call failed part-way.

    Chunks are sent in order and the first failure stops the batch. Bitable
    applies each chunk all-or-nothing, so every input item is in exactly one
    of: a committed chunk, the failed chunk (not applied, unless
    ``failed.outcome_unknown``), or a chunk that was never sent.

    Attributes:
        committed: the chunks the server committed, with their results.
        failed: the chunk that failed, and its error.
        not_sent: the chunks never sent.
        total: the number of input items.
    """

    def __init__(
        self,
        *,
        committed: Sequence[ChunkResult[Any]],
        failed: ChunkFailure,
        not_sent: Sequence[ChunkSpan],
        total: int,
    ) -> None:
        self.committed: tuple[ChunkResult[Any], ...] = tuple(committed)
        self.failed = failed
        self.not_sent: tuple[ChunkSpan, ...] = tuple(not_sent)
        self.total = total
        err = failed.error
        done = sum(c.span.size for c in self.committed)
        msg = (
            f"batch failed at chunk {failed.span.index} (items {failed.span.start}-"
            f"{failed.span.stop - 1}): {err.msg}; {len(self.committed)} chunk(s) "
            f"({done} of {total} items) committed, {len(self.not_sent)} chunk(s) not sent"
        )
        if failed.outcome_unknown:
            msg += "; the failed chunk may have been applied"
        super().__init__(
            msg,
            code=err.code,
            http_status=err.http_status,
            log_id=err.log_id,
            method=err.method,
            path=err.path,
        )

    @property
    def committed_count(self) -> int:
        """How many input items were committed."""
        return sum(c.span.size for c in self.committed)

    @property
    def outcome_unknown(self) -> bool:
        """True when the failed chunk may have been applied."""
        return self.failed.outcome_unknown


def check_chunk_size(chunk_size: int, maximum: int) -> int:
    """Validate a caller's chunk size.

    Args:
        chunk_size: the wished size.
        maximum: the largest size the endpoint documents.

    Returns:
        ``chunk_size``.

    Raises:
        ValueError: not an integer in ``1..maximum``.
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int):
        raise ValueError(f"chunk_size must be an integer, got {chunk_size!r}")
    if not 1 <= chunk_size <= maximum:
        raise ValueError(f"chunk_size must be between 1 and {maximum}, got {chunk_size}")
    return chunk_size


def chunked(items: Sequence[T], size: int) -> list[tuple[ChunkSpan, Sequence[T]]]:
    """Split ``items`` into consecutive chunks of at most ``size``.

    Args:
        items: the whole, already validated input.
        size: the chunk size (>= 1).

    Returns:
        ``(span, chunk)`` pairs in input order; empty for empty input.
    """
    out: list[tuple[ChunkSpan, Sequence[T]]] = []
    for index, start in enumerate(range(0, len(items), size)):
        stop = min(start + size, len(items))
        out.append((ChunkSpan(index, start, stop), items[start:stop]))
    return out


async def run_chunks(
    items: Sequence[T],
    size: int,
    send: Callable[[ChunkSpan, Sequence[T]], Awaitable[R]],
) -> list[ChunkResult[R]]:
    """Send ``items`` chunk by chunk, in order, one call at a time.

    Args:
        items: the whole, already validated and encoded input.
        size: the chunk size.
        send: makes the call for one chunk and returns its result.

    Returns:
        One :class:`ChunkResult` per chunk, in order.

    Raises:
        BatchError: a chunk's call raised a :class:`BitableError`; earlier chunks
            are reported committed, later ones not sent. Other exceptions
            (cancellation included) propagate unchanged.
    """
    chunks = chunked(items, size)
    done: list[ChunkResult[R]] = []
    for pos, (span, chunk) in enumerate(chunks):
        try:
            result = await send(span, chunk)
        except BatchError:
            raise
        except BitableError as exc:
            raise BatchError(
                committed=done,
                failed=ChunkFailure(span, exc),
                not_sent=[s for s, _ in chunks[pos + 1 :]],
                total=len(items),
            ) from exc
        done.append(ChunkResult(span, result))
    return done


def flatten(results: Iterable[ChunkResult[Sequence[T]]]) -> list[T]:
    """Concatenate the per-chunk result lists in input order.

    Args:
        results: what :func:`run_chunks` returned, each result a sequence.

    Returns:
        One list of every chunk's items.
    """
    out: list[T] = []
    for chunk in results:
        out.extend(chunk.result)
    return out
