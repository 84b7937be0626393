"""Retry policy: a pure decision function and one bounded backoff loop.

:func:`retry_delay` looks at an error and says how long to wait before the
next try, or ``None`` to stop. It has no side effects, so every rule is tested
directly. :func:`retry_call` is the only loop: it runs an operation, asks
:func:`retry_delay`, sleeps with the injected ``sleep`` and tries again.

Rules (errors.md section 5 and supplement.md):

* Rejections -- 1254290 / 99991400 (rate limit), 1254291 (write conflict),
  1254607 (data not ready), 1254036 (copying) -- were not applied by the
  server, so they are retried for every request.
* Errors whose outcome is unknown -- HTTP 5xx, unreadable bodies, timeouts,
  dropped connections, 1255040, 1254002 and the other 1255xxx internal
  errors -- are retried only when the request is idempotent (a read, a write
  carrying a ``client_token``, or a call that opted in).
* A failed connection (nothing sent) is always retried.
* Codes with a bounded budget in :data:`~bitable_async.errors.CODE_TABLE`
  (``CodeInfo.retries``) are retried at most that many times.
* Nothing else is retried: bad requests, permissions, not found, idempotency
  key errors, limits and token errors (the transport replays those once
  itself).

Backoff is exponential with full jitter: the wait after try ``n`` (0-based) is
uniform in ``[0, min(cap, base * 2**n)]``, raised to ``busy_min_delay`` for
the documented "space your calls" errors and to the server's
``x-ogw-ratelimit-reset`` when one was sent.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bitable_async.config import RetryConfig
from bitable_async.errors import (
    AuthError,
    BitableError,
    DataNotReadyError,
    InternalServerError,
    ServerError,
    ServiceBusyError,
    TransportError,
    WriteConflictError,
    code_info,
)

__all__ = [
    "Clock",
    "OnRetry",
    "Sleep",
    "backoff_ceiling",
    "is_retryable",
    "retry_call",
    "retry_delay",
]

R = TypeVar("R")

Sleep = Callable[[float], Awaitable[None]]
"""An async sleep taking seconds (``anyio.sleep`` in production, a fake in tests)."""

Clock = Callable[[], float]
"""A monotonic clock in seconds."""

OnRetry = Callable[[BitableError, int, float], None]
"""Called before each sleep with the error, the 0-based failed try and the delay."""

_BUSY_CODES = frozenset({1254036})


def is_retryable(error: BaseException, attempt: int, *, idempotent: bool) -> bool:
    """Whether ``error`` may be retried at all, ignoring the attempt budget of the config.

    Args:
        error: the error raised by try number ``attempt``.
        attempt: the 0-based index of the try that failed.
        idempotent: whether repeating the request cannot apply it twice (a
            read, a write with a ``client_token``, or an explicit opt-in).

    Returns:
        ``True`` when the error class, its code's retry budget and the
        request's idempotency all allow another try.
    """
    if not isinstance(error, BitableError) or isinstance(error, AuthError):
        return False
    info = code_info(error.code)
    if info is not None:
        if not info.retryable:
            return False
        if info.retries is not None and attempt >= info.retries:
            return False
    if isinstance(error, ServiceBusyError):
        # A rejection: the server did not apply the request.
        return True
    if isinstance(error, (InternalServerError, ServerError, TransportError)):
        return idempotent or not error.outcome_unknown
    return False


def backoff_ceiling(attempt: int, config: RetryConfig) -> float:
    """The upper bound of the jittered wait after try ``attempt`` (0-based).

    Args:
        attempt: the 0-based index of the try that failed.
        config: the retry settings.

    Returns:
        ``min(cap, base * 2**attempt)``.
    """
    # Clamp the exponent so a huge max_attempts cannot overflow a float.
    return min(config.cap, config.base * 2.0 ** min(attempt, 64))


def retry_delay(
    error: BaseException,
    attempt: int,
    config: RetryConfig,
    rng: random.Random,
    *,
    idempotent: bool = True,
) -> float | None:
    """Decide whether to retry after ``error`` and how long to wait first.

    Pure: the only state it touches is ``rng``.

    Args:
        error: the error raised by try number ``attempt``.
        attempt: the 0-based index of the try that failed (0 = the first try).
        config: the retry settings.
        rng: the random source of the jitter.
        idempotent: whether the request may be repeated when its outcome is
            unknown (see the module docstring).

    Returns:
        The delay in seconds before the next try, or ``None`` to stop and
        raise ``error``.
    """
    if not config.enabled or attempt + 1 >= config.max_attempts:
        return None
    if not is_retryable(error, attempt, idempotent=idempotent):
        return None
    assert isinstance(error, BitableError)  # guaranteed by is_retryable
    ceiling = backoff_ceiling(attempt, config)
    delay = rng.uniform(0.0, ceiling) if config.jitter else ceiling
    if isinstance(error, (WriteConflictError, DataNotReadyError)) or error.code in _BUSY_CODES:
        delay = max(delay, config.busy_min_delay)
    if error.retry_after is not None and error.retry_after > 0:
        delay = max(delay, min(error.retry_after, config.max_reset_wait))
    return delay


async def retry_call(
    operation: Callable[[int], Awaitable[R]],
    *,
    config: RetryConfig,
    sleep: Sleep,
    clock: Clock,
    rng: random.Random,
    idempotent: bool,
    on_retry: OnRetry | None = None,
    started: float | None = None,
) -> R:
    """Run ``operation`` until it succeeds or :func:`retry_delay` says stop.

    ``operation`` must have released its HTTP response (read the body and left
    the response context) before raising, so no connection is held while this
    loop sleeps.

    Args:
        operation: called with the 0-based try index; returns the result or
            raises.
        config: the retry settings (``deadline`` bounds the total time).
        sleep: the async sleep used between tries.
        clock: the monotonic clock used for the deadline.
        rng: the random source of the jitter.
        idempotent: passed to :func:`retry_delay`.
        on_retry: optional hook called before each sleep (stats, logging).
        started: the ``clock()`` reading the deadline counts from, when the
            caller already ran part of the first try itself (default: now).

    Returns:
        What ``operation`` returned.

    Raises:
        BitableError: the last error when no further try is allowed.
        BaseException: anything that is not a :class:`BitableError` is raised
            at once, never retried.
    """
    if started is None:
        started = clock()
    attempt = 0
    while True:
        try:
            return await operation(attempt)
        except BitableError as exc:
            delay = retry_delay(exc, attempt, config, rng, idempotent=idempotent)
            if delay is None:
                raise
            if config.deadline is not None and clock() + delay - started > config.deadline:
                raise
            if on_retry is not None:
                on_retry(exc, attempt, delay)
        await sleep(delay)
        attempt += 1
