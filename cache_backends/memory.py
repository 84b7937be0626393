"""An in-process token cache with passive expiry.

One instance per client (or per provider): nothing here is process-global, so
two clients with different credentials never see each other's tokens.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["MemoryTokenCache"]


class MemoryTokenCache:
    """A dict of ``key -> (bytes, deadline)``; entries vanish when read after their deadline.

    Implements :class:`cache_backends.TokenCache` and
    :class:`cache_backends.CompareDelete`. Never blocks and never fails.

    Args:
        clock: monotonic seconds; injected by tests to expire entries without sleeping.
        max_entries: when exceeded on ``set``, expired entries are purged (and,
            if still too many, the entries closest to expiry are dropped).

    Raises:
        ValueError: ``max_entries`` is below 1.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be >= 1, got {max_entries}")
        self._clock = clock
        self._max_entries = max_entries
        self._entries: dict[str, tuple[bytes, float]] = {}

    async def get(self, key: str) -> bytes | None:
        """Return the bytes stored under ``key`` unless expired.

        Args:
            key: the cache key.

        Returns:
            The stored bytes, or ``None``.
        """
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, deadline = entry
        if self._clock() >= deadline:
            # Passive expiry: drop on read; only if it is still the same entry.
            if self._entries.get(key) is entry:
                del self._entries[key]
            return None
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store ``value`` under ``key`` for ``ttl_seconds``.

        Args:
            key: the cache key.
            value: the bytes to store.
            ttl_seconds: time to live; a non-positive TTL deletes the key instead.
        """
        if ttl_seconds <= 0:
            self._entries.pop(key, None)
            return
        self._entries[key] = (value, self._clock() + ttl_seconds)
        if len(self._entries) > self._max_entries:
            self._evict()

    async def delete(self, key: str) -> None:
        """Remove ``key`` if present.

        Args:
            key: the cache key.
        """
        self._entries.pop(key, None)

    async def delete_if_equal(self, key: str, expected: bytes) -> bool:
        """Delete ``key`` if it still holds ``expected`` (and has not expired).

        Args:
            key: the cache key.
            expected: the bytes that must still be stored.

        Returns:
            Whether the key was deleted.
        """
        if await self.get(key) == expected:
            del self._entries[key]
            return True
        return False

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self) -> None:
        now = self._clock()
        for key in [k for k, (_, deadline) in self._entries.items() if deadline <= now]:
            del self._entries[key]
        excess = len(self._entries) - self._max_entries
        if excess > 0:
            by_deadline = sorted(self._entries.items(), key=lambda item: item[1][1])
            for key, _ in by_deadline[:excess]:
                del self._entries[key]

    def __repr__(self) -> str:
        return f"MemoryTokenCache(entries={len(self._entries)})"
