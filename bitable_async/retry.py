"""Retry policy: ONE decision, one backoff, and the bookkeeping both retry loops share.

:func:`retry_delay` looks at an error and says how long to wait before the
next try, or ``None`` to stop. It is pure (the only state it touches is the
jitter's ``rng``), so every rule is tested directly. :class:`RetryBudget`
keeps what one request has used so far (tries, failures per code, elapsed
time on the injected clock) and asks :func:`retry_delay` after each failure.

Two loops use them, and neither has rules of its own:

* :func:`retry_call` -- the transport's loop, for every request it sends with
  retries on (reads, token fetches, the explicit ``batch_*`` chunks, field /
  view / table / role writes and ``client.request``);
* ``BatchSender`` in :mod:`bitable_async.writing.batch` -- the table writer's
  loop for the batches it sends (coalesced writes and bulk loads). It adds
  only what is specific to a batch: the fencing check before each attempt,
  the ``client_token`` rules, bisection of a batch blamed on one record,
  settling deletes, shrinking after repeated 1254607 -- and asks this module
  whether and how long to wait.

Rules (errors.md sections 3 and 5, and the project's decisions):

* Rejections -- 1254290 / 99991400 (rate limit), 1254291 (write conflict),
  1254607 (data not ready), 1254036 (copying) -- were not applied by the
  server, so they are retried for every request.
* Errors whose outcome is unknown -- HTTP 5xx, unreadable bodies, timeouts,
  dropped connections, 1255040, 1254002 and the other 1255xxx internal
  errors -- are retried only when the request is idempotent (a read, a write
  carrying a ``client_token``, or a call that opted in; the table writer
  counts all its batches as idempotent, see ``writing/batch.py``).
* A failed connection (nothing sent) is always retried.
* Codes with a bounded budget in :data:`~bitable_async.errors.CODE_TABLE`
  (``CodeInfo.retries``: 1254002 / 1254200 / 1255001 / 1255002 three times,
  1255003 / 1255004 / 1255005 once) are retried at most that many times;
  the budget counts the failures with THAT code, so a 1255003 after a rate
  limit is still retried once.
* Nothing else is retried: bad requests, permissions, not found, idempotency
  key errors, limits and token errors (the transport replays those once
  itself), and the writer's own errors (lease lost, outcome unknown).

Backoff is exponential with full jitter: the wait after try ``n`` (0-based) is
uniform in ``[0, min(cap, base * 2**n)]``, raised to ``busy_min_delay`` for
the documented "space your calls" errors and to the server's
``x-ogw-ratelimit-reset`` (at most ``max_reset_wait``) when one was sent.
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
    "RetryBudget",
    "Sleep",
    "backoff_ceiling",
    "is_retryable",
    "retry_allowed",
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


def retry_allowed(error: BaseException, *, idempotent: bool) -> bool:
    """Whether the class of ``error`` allows another try at all (budgets aside).

    Args:
        error: the error a try ended with.
        idempotent: whether repeating the request cannot apply it twice (a
            read, a write with a ``client_token``, or an explicit opt-in).

    Returns:
        ``True`` for rejections, for unknown outcomes of idempotent requests
        and for connections that sent nothing; ``False`` for everything else,
        including codes whose budget in the code table is 0.
    """
    if not isinstance(error, BitableError) or isinstance(error, AuthError):
        return False
    info = code_info(error.code)
    if info is not None and not info.retryable:
        return False
    if isinstance(error, ServiceBusyError):
        # A rejection: the server did not apply the request.
        return True
    if isinstance(error, (InternalServerError, ServerError, TransportError)):
        return idempotent or not error.outcome_unknown
    # Anything else (bad requests, the writer's own errors ...) is final.
    return False


def is_retryable(
    error: BaseException,
    attempt: int,
    *,
    idempotent: bool,
    code_failures: int | None = None,
) -> bool:
    """Whether ``error`` may be retried, ignoring the attempt budget of the config.

    Args:
        error: the error raised by try number ``attempt``.
        attempt: the 0-based index of the try that failed.
        idempotent: whether repeating the request cannot apply it twice (a
            read, a write with a ``client_token``, or an explicit opt-in).
        code_failures: how many tries of this request failed with
            ``error.code`` so far, this one included (default ``attempt + 1``:
            every try failed with this code).

    Returns:
        ``True`` when the error class, its code's retry budget and the
        request's idempotency all allow another try.
    """
    if not retry_allowed(error, idempotent=idempotent):
        return False
    assert isinstance(error, BitableError)  # guaranteed by retry_allowed
    info = code_info(error.code)
    if info is None or info.retries is None:
        return True
    failures = attempt + 1 if code_failures is None else code_failures
    return failures <= info.retries


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
    code_failures: int | None = None,
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
        code_failures: how many tries failed with ``error.code`` so far, this
            one included (see :func:`is_retryable`).

    Returns:
        The delay in seconds before the next try, or ``None`` to stop and
        raise ``error``.
    """
    if not config.enabled or attempt + 1 >= config.max_attempts:
        return None
    if not is_retryable(error, attempt, idempotent=idempotent, code_failures=code_failures):
        return None
    assert isinstance(error, BitableError)  # guaranteed by is_retryable
    ceiling = backoff_ceiling(attempt, config)
    delay = rng.uniform(0.0, ceiling) if config.jitter else ceiling
    if isinstance(error, (WriteConflictError, DataNotReadyError)) or error.code in _BUSY_CODES:
        delay = max(delay, config.busy_min_delay)
    if error.retry_after is not None and error.retry_after > 0:
        delay = max(delay, min(error.retry_after, config.max_reset_wait))
    return delay


class RetryBudget:
    """What one request has used of its retries; both retry loops keep one per request.

    Bookkeeping only: the decision is :func:`retry_delay`, fed with the try
    index, the failures counted per code and, for ``config.deadline``, the
    time elapsed on the injected clock.

    Args:
        config: the retry settings.
        rng: the random source of the jitter.
        clock: the monotonic clock of the deadline.
        idempotent: see :func:`retry_delay`.
        started: the ``clock()`` reading the deadline counts from (default: now).

    Attributes:
        attempt: the 0-based index of the try about to be made (or being made).
    """

    __slots__ = ("_clock", "_config", "_failures", "_idempotent", "_rng", "_started", "attempt")

    def __init__(
        self,
        config: RetryConfig,
        rng: random.Random,
        clock: Clock,
        *,
        idempotent: bool,
        started: float | None = None,
    ) -> None:
        self._config = config
        self._rng = rng
        self._clock = clock
        self._idempotent = idempotent
        self._started = clock() if started is None else started
        self._failures: dict[int | None, int] = {}
        self.attempt = 0

    def after_failure(self, error: BaseException) -> float | None:
        """Count the failure of the current try and decide about the next one.

        Args:
            error: the error the current try ended with.

        Returns:
            The wait in seconds before the next try (:attr:`attempt` then
            names that try), or ``None`` to stop: the error is final, a budget
            is spent, or the wait would end past ``config.deadline``.
        """
        code = error.code if isinstance(error, BitableError) else None
        failures = self._failures.get(code, 0) + 1
        self._failures[code] = failures
        delay = retry_delay(
            error,
            self.attempt,
            self._config,
            self._rng,
            idempotent=self._idempotent,
            code_failures=failures,
        )
        if delay is None or not self._in_time(delay):
            return None
        self.attempt += 1
        return delay

    def try_again_now(self) -> bool:
        """Move on to the next try without a wait and without counting a failure.

        For a caller that changed the request itself (the writer's fresh
        ``client_token`` after 1255006): the try still counts against
        ``max_attempts`` and the deadline.

        Returns:
            ``False`` (and no change) when no try is left.
        """
        config = self._config
        if not config.enabled or self.attempt + 1 >= config.max_attempts:
            return False
        if not self._in_time(0.0):
            return False
        self.attempt += 1
        return True

    def _in_time(self, delay: float) -> bool:
        deadline = self._config.deadline
        return deadline is None or self._clock() + delay - self._started <= deadline


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

    The transport's loop (the table writer keeps its own around the same
    decision, see the module docstring). ``operation`` must have released its
    HTTP response (read the body and left the response context) before
    raising, so no connection is held while this loop sleeps.

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
    budget = RetryBudget(config, rng, clock, idempotent=idempotent, started=started)
    while True:
        tried = budget.attempt
        try:
            return await operation(tried)
        except BitableError as exc:
            delay = budget.after_failure(exc)
            if delay is None:
                raise
            if on_retry is not None:
                on_retry(exc, tried, delay)
        await sleep(delay)
