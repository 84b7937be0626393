"""Per-app, per-endpoint sliding-window rate limits with an injectable clock."""

from __future__ import annotations

import math
from collections import deque

from .config import Clock


class RateLimiter:
    """Sliding windows keyed by ``(app_id, endpoint, window)``.

    Args:
        clock: time source in seconds.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._hits: dict[tuple[str, str, float], deque[float]] = {}

    def check(self, app_id: str, endpoint: str, limits: list[tuple[int, float]]) -> float | None:
        """Record a call if every window has room.

        Args:
            app_id: the calling developer app.
            endpoint: endpoint name.
            limits: ``(max_calls, window_seconds)`` pairs, e.g. ``[(10, 1.0), (1000, 60.0)]``.

        Returns:
            None when allowed (the call is counted), otherwise the seconds until
            the fullest window frees a slot (the call is not counted).
        """
        now = self._clock()
        wait = 0.0
        windows = []
        for max_calls, window in limits:
            hits = self._hits.setdefault((app_id, endpoint, window), deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= max_calls:
                wait = max(wait, hits[0] + window - now)
            windows.append(hits)
        if wait > 0:
            return wait
        for hits in windows:
            hits.append(now)
        return None

    def reset(self) -> None:
        """Forget every recorded call."""
        self._hits.clear()


def reset_header(wait: float) -> str:
    """Format ``x-ogw-ratelimit-reset``: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))
