"""Client-side rate limiting so bulk work does not provoke 1254290.

A GCRA (generic cell rate algorithm, the token bucket expressed as one
"theoretical arrival time" per bucket) per ``(key, endpoint class)``. The
caps come from :class:`~bitable_async.config.RateLimitConfig`: writes 10 QPS,
reads 20 QPS, list-records 10 QPS and 1000 per minute (limits.md section 4).

A caller reserves its slot synchronously (no await between reading and
updating the bucket, so concurrent coroutines never race) and then sleeps
until the slot comes. The clock and sleep are injected so tests run in zero
wall time.
"""

from __future__ import annotations

import time
from collections.abc import Hashable

import anyio

from bitable_async.config import EndpointClass, RateLimitConfig
from bitable_async.retry import Clock, Sleep

__all__ = ["RateLimiter"]

_PRUNE_AT = 1024


class RateLimiter:
    """Spaces requests per ``(key, endpoint class)`` to the configured rates.

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
        # (key, endpoint class, limit index) -> theoretical arrival time.
        self._tat: dict[tuple[Hashable, EndpointClass, int], float] = {}
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
        limits = self._config.limits_for(endpoint_class)
        # The slot must conform to every limit of the class: find the earliest
        # time that does, then book it in all of them.
        at = now
        for index, (count, period) in enumerate(limits):
            interval = period / count
            tat = max(self._tat.get((key, endpoint_class, index), now), now)
            at = max(at, tat - interval * (burst - 1))
        for index, (count, period) in enumerate(limits):
            interval = period / count
            slot = (key, endpoint_class, index)
            self._tat[slot] = max(self._tat.get(slot, at), at) + interval
        if len(self._tat) > self._prune_at:
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
        # A bucket whose arrival time has passed behaves like a fresh one.
        for slot in [slot for slot, tat in self._tat.items() if tat <= now]:
            del self._tat[slot]
        # Amortised: the next sweep waits until the live set has doubled.
        self._prune_at = max(_PRUNE_AT, 2 * len(self._tat))
