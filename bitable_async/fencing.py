"""The send guard: a fencing check the transport awaits before every attempt of a write.

A write that is not one of the table writer's batches -- an explicit
``records.batch_*`` chunk, a field / view / form / table / role / member
write, a raw ``client.request`` write -- runs in its lane's turn as one
opaque call, and the transport may try its request several times (retries,
a token replay). With a cross-process lease, every one of those attempts must
be preceded by the lease's fencing check, not only the first: a lease can be
lost while the transport waits between tries.

So the lane puts its check in a context variable while it runs a write
(:func:`guarding`), and the transport awaits :func:`current_guard` right
before it sends each attempt of a request that is not a read
(:func:`is_read`). The guard raises to stop the send
(:class:`~bitable_async.writing.types.LeaseLostError`); nothing is sent then.
The table writer's own batches run the same check before each of their
attempts in ``writing/batch.py`` (transport retries off); the guard still
covers the one send the transport may add there, a token replay.

This module imports nothing from the package, so the transport does not
depend on the writer.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Iterator
from typing import Generic, TypeVar

__all__ = [
    "POST_READS",
    "ScopedValue",
    "SendGuard",
    "clear_guard",
    "current_guard",
    "guarding",
    "is_read",
]

T = TypeVar("T")

SendGuard = Callable[[bool], Awaitable[None]]
"""Awaited right before an attempt is sent; raises to stop it.

Its argument says whether an earlier attempt of the same request may have
been applied (it failed with an unknown outcome), so the error it raises can
say so.
"""

POST_READS = ("/records/search", "/records/batch_get")
"""Path endings of the POST endpoints that only read records."""

_READ_METHODS = frozenset({"GET", "HEAD"})


class _Cell(Generic[T]):
    __slots__ = ("open", "value")

    def __init__(self, value: T | None) -> None:
        self.value = value
        self.open = True


class ScopedValue(Generic[T]):
    """A context-local value seen only while the block that set it runs.

    Tasks started inside the block copy the context, so they see the value
    too -- but only until the block exits: the value is closed then for every
    task holding it, so a task that outlives a write is no longer treated as
    part of it (the lane's turn, its send guard).
    """

    __slots__ = ("_var",)

    def __init__(self, name: str) -> None:
        self._var: contextvars.ContextVar[_Cell[T] | None] = contextvars.ContextVar(
            name, default=None
        )

    def get(self) -> T | None:
        """The value of the innermost open block of the calling context, or None."""
        cell = self._var.get()
        return cell.value if cell is not None and cell.open else None

    def clear(self) -> None:
        """Drop the value for the rest of the calling context (a task that copied
        another block's context and must not act in it)."""
        self._var.set(None)

    @contextlib.contextmanager
    def scoped(self, value: T | None) -> Iterator[None]:
        """Make ``value`` the value for the body of the ``with`` block.

        Args:
            value: the value (None: none).

        Yields:
            Nothing.
        """
        cell = _Cell(value)
        token = self._var.set(cell)
        try:
            yield
        finally:
            cell.open = False
            self._var.reset(token)


_guard: ScopedValue[SendGuard] = ScopedValue("bitable_send_guard")


def current_guard() -> SendGuard | None:
    """The send guard of the write the calling code runs in, or None.

    Returns:
        The guard set by the innermost open :func:`guarding` block.
    """
    return _guard.get()


def clear_guard() -> None:
    """No send guard for the rest of the calling context (see :meth:`ScopedValue.clear`)."""
    _guard.clear()


def guarding(guard: SendGuard | None) -> contextlib.AbstractContextManager[None]:
    """Make ``guard`` the send guard for the body of the ``with`` block.

    Tasks started inside the block inherit it while the block runs; when it
    exits the guard is closed for them too, so a task that outlives the write is
    not fenced by it afterwards.

    Args:
        guard: the check, or None for no check.

    Returns:
        The context manager.
    """
    return _guard.scoped(guard)


def is_read(method: str, path: str) -> bool:
    """Whether a request only reads, so no fencing check is needed before it.

    Args:
        method: the upper-case HTTP method.
        path: the API path, without the query string.

    Returns:
        ``True`` for GET / HEAD and for the POST record reads (``records/search``,
        ``records/batch_get``).
    """
    return method in _READ_METHODS or path.rstrip("/").endswith(POST_READS)
