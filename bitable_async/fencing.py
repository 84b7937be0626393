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

__all__ = [
    "POST_READS",
    "SendGuard",
    "current_guard",
    "guarding",
    "is_read",
    "reset_guard",
    "set_guard",
]

SendGuard = Callable[[bool], Awaitable[None]]
"""Awaited right before an attempt is sent; raises to stop it.

Its argument says whether an earlier attempt of the same request may have
been applied (it failed with an unknown outcome), so the error it raises can
say so.
"""

POST_READS = ("/records/search", "/records/batch_get")
"""Path endings of the POST endpoints that only read records."""

_READ_METHODS = frozenset({"GET", "HEAD"})


class _Scope:
    """One write's guard; closed when the write ends.

    Tasks started during the write copy the context and so hold the same scope:
    once it is closed they are no longer fenced by a lane that is not theirs.
    """

    __slots__ = ("guard", "open")

    def __init__(self, guard: SendGuard | None) -> None:
        self.guard = guard
        self.open = True


_guard: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "bitable_send_guard", default=None
)


def current_guard() -> SendGuard | None:
    """The send guard of the write the calling code runs in, or None.

    Returns:
        The guard set by the innermost :func:`guarding` (or :func:`set_guard`).
    """
    scope = _guard.get()
    return scope.guard if scope is not None and scope.open else None


def set_guard(guard: SendGuard | None) -> contextvars.Token[_Scope | None]:
    """Set the send guard of the current context (None: no guard).

    Args:
        guard: the check to await before each attempt of a write.

    Returns:
        The token to give :func:`reset_guard`.
    """
    return _guard.set(_Scope(guard))


def reset_guard(token: contextvars.Token[_Scope | None]) -> None:
    """Restore the guard that was in force before :func:`set_guard`.

    Args:
        token: what :func:`set_guard` returned.
    """
    _guard.reset(token)


@contextlib.contextmanager
def guarding(guard: SendGuard | None) -> Iterator[None]:
    """Make ``guard`` the send guard for the body of the ``with`` block.

    Tasks started inside the block inherit it (they copy the context) while the
    block runs; when it exits the guard is closed for them too, so a task that
    outlives the write is not fenced by it afterwards.

    Args:
        guard: the check, or None for no check.

    Yields:
        Nothing.
    """
    scope = _Scope(guard)
    token = _guard.set(scope)
    try:
        yield
    finally:
        scope.open = False
        _guard.reset(token)


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
