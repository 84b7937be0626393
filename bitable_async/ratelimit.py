"""Client-side rate limiting so bulk work does not provoke 1254290.

The server documents its caps as "N requests per second" (limits.md section 4:
writes 10 QPS, reads 20 QPS, list-records 10 QPS and 1000 per minute) and
enforces them over a window of time (the emulator: a sliding window). So the
limiter keeps, per ``(key, endpoint class, limit)``, a *sliding window log*:
a request may go at the earliest time ``t`` such that fewer than ``C`` requests
were admitted in ``(t - W, t]``, where for a configured rate of ``count`` per
``period``::

    C = ceil(count)              # the most requests in any window
    W = period * C / count       # >= period: the long-run rate is exactly count/period

With the documented integer caps this is exactly "at most N in any 1-second
window": the first N requests go at once (no start-up spacing, so N tables
start together), then the window slides. A fractional rate such as 9.5/s gives
10 per 1.053 s: never more than 10 in any second, and 5 % headroom against
arrival jitter on the server side.

``RateLimitConfig.burst`` optionally limits how many may leave back to back:
a GCRA (token bucket of capacity ``burst`` refilled at ``count/period``) is
applied on top; ``burst=1`` spaces every request by ``period/count``.

Why the default has no spacing or jitter (measured, ``benchmarks/bench_ingest.py``,
8 tables x 5,000 rows, 1.0 s modeled service per 500-record batch, 10 QPS cap):
an earlier emulator ran the commits of tables whose service ended together
back to back in one event-loop iteration, so concurrent tables stayed in phase
and each lost everyone's commit time per batch; there ``burst=1`` (requests
105 ms apart) measured better than the window (0.82-0.84 vs 0.76-0.82 of the
theoretical limit). Once the emulator let the loop read new requests between
commits (and its CPU per batch fell from ~14.5 to ~6 ms), tables no longer
lock into phase by themselves, and the window measured better in three
interleaved rounds: 0.907-0.917 vs 0.876-0.895 for ``burst=1``. The real
service enforces N per second per app and endpoint and handles tables
independently, so all tables may start together; spacing then only delays
their first requests. A user whose server does show such queueing can still
set ``burst``.

A caller reserves its slot synchronously (no await between reading and
updating the state, so concurrent coroutines never race; slots are booked in
FIFO order) and then sleeps until the slot comes. The clock and sleep are
injected so tests run in zero wall time.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Hashable

import anyio

from bitable_async.config import EndpointClass, RateLimitConfig
from bitable_async.retry import Clock, Sleep

__all__ = ["RateLimiter", "window_shape"]

_PRUNE_AT = 1024


def window_shape(count: float, period: float) -> tuple[int, float]:
    """The sliding window enforcing ``count`` requests per ``period`` seconds.

    Args:
        count: requests allowed per period (may be fractional).
        period: the period in seconds.

    Returns:
        ``(capacity, window)``: at most ``capacity`` admissions in any
        ``window`` seconds, with ``window >= period`` and
        ``capacity / window == count / period``.
    """
    capacity = max(1, math.ceil(count - 1e-9))
    return capacity, period * capacity / count


class _Bucket:
    """The state of one ``(key, class, limit)``: recent admissions and the GCRA time."""

    __slots__ = ("interval", "log", "tat", "window")

    def __init__(self, count: float, period: float) -> None:
        capacity, self.window = window_shape(count, period)
        self.interval = period / count
        self.log: deque[float] = deque(maxlen=capacity)
        self.tat = float("-inf")

    def earliest(self, now: float, burst: int | None) -> float:
        at = now
        log = self.log
        if log:
            at = max(at, log[-1])  # FIFO: never before an earlier booking
            if len(log) == log.maxlen:
                at = max(at, log[0] + self.window)  # the C-th latest must leave the window
        if burst is not None and burst < (log.maxlen or 1):
            at = max(at, self.tat - self.interval * (burst - 1))
        return at

    def book(self, at: float) -> None:
        self.log.append(at)
        self.tat = max(self.tat, at) + self.interval

    def idle(self, now: float) -> bool:
        return (not self.log or self.log[-1] <= now - self.window) and self.tat <= now


class RateLimiter:
    """Keeps requests per ``(key, endpoint class)`` within the configured rates.

    Args:
        config: the rates; when ``config.enabled`` is false every acquire
            returns at once.
        clock: monotonic clock in seconds (default :func:`time.monotonic`).
        sleep: async sleep (default :func:`anyio.sleep`).
    """

    def __init__(
        self,
        config: RateLimitConfig | None = None,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self._config = config or RateLimitConfig()
        self._clock: Clock = clock or time.monotonic
        self._sleep: Sleep = sleep or anyio.sleep
        self._buckets: dict[tuple[Hashable, EndpointClass, int], _Bucket] = {}
        self._prune_at = _PRUNE_AT
        self.waits = 0
        """How many acquisitions had to wait."""
        self.waited_seconds = 0.0
        """Total seconds spent waiting."""

    @property
    def config(self) -> RateLimitConfig:
        """The rates in force."""
        return self._config

    def reserve(self, endpoint_class: EndpointClass, key: Hashable = None) -> float:
        """Take the next free slot and return how long to wait for it.

        Args:
            endpoint_class: the class whose rates apply.
            key: what the limit is per, e.g. the tenant key (``None`` for the
                app's own tenant).

        Returns:
            Seconds until the slot (0 when the request may go now).
        """
        if not self._config.enabled:
            return 0.0
        now = self._clock()
        burst = self._config.burst
        buckets = []
        for index, (count, period) in enumerate(self._config.limits_for(endpoint_class)):
            slot = (key, endpoint_class, index)
            bucket = self._buckets.get(slot)
            if bucket is None:
                bucket = self._buckets[slot] = _Bucket(count, period)
            buckets.append(bucket)
        # The slot must conform to every limit of the class: find the earliest
        # time that does, then book it in all of them.
        at = max(bucket.earliest(now, burst) for bucket in buckets)
        for bucket in buckets:
            bucket.book(at)
        if len(self._buckets) > self._prune_at:
            self._prune(now)
        return at - now

    async def acquire(self, endpoint_class: EndpointClass, key: Hashable = None) -> float:
        """Wait until a request of ``endpoint_class`` may be sent.

        Args:
            endpoint_class: the class whose rates apply.
            key: what the limit is per (see :meth:`reserve`).

        Returns:
            The seconds waited.
        """
        delay = self.reserve(endpoint_class, key)
        if delay > 0:
            self.waits += 1
            self.waited_seconds += delay
            await self._sleep(delay)
        return delay

    def _prune(self, now: float) -> None:
        # A bucket whose window has passed behaves like a fresh one.
        for slot in [slot for slot, bucket in self._buckets.items() if bucket.idle(now)]:
            del self._buckets[slot]
        # Amortised: the next sweep waits until the live set has doubled.
        self._prune_at = max(_PRUNE_AT, 2 * len(self._buckets))
