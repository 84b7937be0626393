"""A named, expiring, fenced mutual-exclusion lease on Redis (cross-process locks).

Independent of the token cache in :mod:`cache_backends.redis` (which re-exports
these names): the writer uses it to keep one writer per table across processes.
Keys: ``<prefix>:{<name>}:lease`` and ``<prefix>:{<name>}:fence`` (one Cluster slot).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
from redis.asyncio import Redis

from ._redis_common import COMPARE_DELETE, Sleep, check_prefix, ms

__all__ = ["LeaseGrant", "LeaseUnavailableError", "RedisLease"]

# Extend KEYS[1] to ARGV[2] ms only if it still holds ARGV[1].
_COMPARE_PEXPIRE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# Take KEYS[1] if free; on success bump the fencing counter KEYS[2] and return it.
_ACQUIRE_FENCED = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return false
"""


class LeaseUnavailableError(TimeoutError):
    """The lease could not be acquired within the allowed wait."""


@dataclass(frozen=True)
class LeaseGrant:
    """Proof of holding a :class:`RedisLease`.

    Attributes:
        token: the random owner token stored in the lease key.
        fence: the fencing number of this acquisition; strictly greater than
            every earlier grant of the same lease. Pass it along with the
            protected work so a stale holder can be rejected.
    """

    token: str
    fence: int


class RedisLease:
    """A named, expiring, fenced mutual-exclusion lease on Redis.

    ``SET <lease> <random> NX PX`` plus ``INCR <fence>`` in one Lua script,
    renew and release by compare-and-set, so only the owner can extend or free
    it. The lease expires on its own if the holder dies. Redis errors propagate.

    Keys: ``<prefix>:{<name>}:lease`` and ``<prefix>:{<name>}:fence`` (one slot).

    Args:
        redis: the caller's client (borrowed, never closed).
        name: what is locked, e.g. ``"<app_token>:<table_id>"`` (no braces).
        ttl_seconds: lease lifetime after each acquire/renew.
        prefix: key namespace (no braces).
        poll_interval: seconds between attempts while waiting.
        sleep: async sleep used between attempts (tests inject a fake).

    Raises:
        ValueError: a name or prefix that is empty or has braces, or a
            non-positive TTL or poll interval.
    """

    def __init__(
        self,
        redis: Redis,
        name: str,
        *,
        ttl_seconds: float,
        prefix: str = "bitable",
        poll_interval: float = 0.05,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        check_prefix(prefix)
        if not name or "{" in name or "}" in name:
            raise ValueError(f"lease name must be non-empty and contain no braces: {name!r}")
        if ttl_seconds <= 0 or poll_interval <= 0:
            raise ValueError("ttl_seconds and poll_interval must be > 0")
        self._redis = redis
        self._name = name
        self._ttl = ttl_seconds
        self._poll = poll_interval
        self._sleep = sleep
        self.key = f"{prefix}:{{{name}}}:lease"
        self.fence_key = f"{prefix}:{{{name}}}:fence"
        self._acquire = redis.register_script(_ACQUIRE_FENCED)
        self._renew = redis.register_script(_COMPARE_PEXPIRE)
        self._release = redis.register_script(COMPARE_DELETE)

    async def try_acquire(self) -> LeaseGrant | None:
        """Try once to take the lease.

        Returns:
            A grant, or ``None`` when someone else holds it.

        Raises:
            redis.exceptions.RedisError: Redis failed.
        """
        token = secrets.token_hex(16)
        fence = await self._acquire(keys=[self.key, self.fence_key], args=[token, ms(self._ttl)])
        if fence is None:
            return None
        return LeaseGrant(token=token, fence=int(fence))

    async def acquire(self, *, wait_seconds: float = 0.0) -> LeaseGrant | None:
        """Take the lease, polling up to ``wait_seconds / poll_interval`` more times.

        Args:
            wait_seconds: the longest wait; ``0`` tries once.

        Returns:
            A grant, or ``None`` if still held by someone else after the wait.

        Raises:
            redis.exceptions.RedisError: Redis failed.
        """
        retries = max(0, math.ceil(wait_seconds / self._poll))
        for attempt in range(retries + 1):
            grant = await self.try_acquire()
            if grant is not None:
                return grant
            if attempt < retries:
                await self._sleep(self._poll)
        return None

    async def renew(self, grant: LeaseGrant, ttl_seconds: float | None = None) -> bool:
        """Extend the lease if ``grant`` still owns it.

        Args:
            grant: the grant from :meth:`acquire`.
            ttl_seconds: the new lifetime from now (default: the lease's TTL).

        Returns:
            ``False`` when the lease expired or belongs to someone else.

        Raises:
            redis.exceptions.RedisError: Redis failed.
        """
        ttl = self._ttl if ttl_seconds is None else ttl_seconds
        return bool(await self._renew(keys=[self.key], args=[grant.token, ms(ttl)]))

    async def release(self, grant: LeaseGrant) -> bool:
        """Free the lease if ``grant`` still owns it.

        Args:
            grant: the grant from :meth:`acquire`.

        Returns:
            ``False`` when the lease had expired or belongs to someone else.

        Raises:
            redis.exceptions.RedisError: Redis failed.
        """
        return bool(await self._release(keys=[self.key], args=[grant.token]))

    @asynccontextmanager
    async def hold(self, *, wait_seconds: float = 0.0) -> AsyncIterator[LeaseGrant]:
        """Hold the lease for the body of an ``async with``; release on exit.

        Args:
            wait_seconds: the longest wait to acquire.

        Yields:
            The grant (its ``fence`` identifies this tenure).

        Raises:
            LeaseUnavailableError: still held by someone else after the wait.
            redis.exceptions.RedisError: Redis failed.
        """
        grant = await self.acquire(wait_seconds=wait_seconds)
        if grant is None:
            raise LeaseUnavailableError(f"lease {self._name!r} is held by another owner")
        try:
            yield grant
        finally:
            with anyio.CancelScope(shield=True):
                await self.release(grant)

    def __repr__(self) -> str:
        return f"RedisLease(name={self._name!r}, ttl_seconds={self._ttl!r})"
