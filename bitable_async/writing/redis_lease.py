"""The writer's lease backend on Redis, built on :class:`cache_backends.redis.RedisLease`.

One Redis lease per lane (``<prefix>:{<app_token>:<table_id>}:lease``) with its
fencing counter beside it in the same hash slot. ``RedisLease`` does the
``SET NX PX`` + ``INCR`` acquire, the compare-and-``PEXPIRE`` renewal and the
Lua compare-and-delete release; this adapter adds the "is it still mine?"
check the writer runs before each request: the key must still hold our token
AND the fencing counter must still equal our fence (a later acquire by anyone
bumps it, even if that holder has already released).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lease import LeaseGrant

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from cache_backends.redis import RedisLease

__all__ = ["RedisLeaseBackend"]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


class RedisLeaseBackend:
    """A :class:`~bitable_async.writing.lease.LeaseBackend` on a borrowed Redis client.

    Args:
        redis: the caller's ``redis.asyncio.Redis`` (the one already used for
            tokens is fine); never closed here.
        prefix: key namespace (no braces).
    """

    def __init__(self, redis: Redis, *, prefix: str = "bitable-writer") -> None:
        self._redis = redis
        self._prefix = prefix
        self._leases: dict[tuple[str, float], RedisLease] = {}

    def __repr__(self) -> str:
        return f"RedisLeaseBackend(prefix={self._prefix!r})"

    def _lease(self, key: str, ttl: float) -> RedisLease:
        from cache_backends.redis import RedisLease

        found = self._leases.get((key, ttl))
        if found is None:
            found = RedisLease(self._redis, key, ttl_seconds=ttl, prefix=self._prefix)
            self._leases[(key, ttl)] = found
        return found

    def _any(self, key: str) -> RedisLease:
        for (k, _), lease in self._leases.items():
            if k == key:
                return lease
        return self._lease(key, 1.0)

    async def try_acquire(self, key: str, ttl: float) -> LeaseGrant | None:
        """See :meth:`LeaseBackend.try_acquire`.

        Raises:
            redis.exceptions.RedisError: Redis failed.
        """
        grant = await self._lease(key, ttl).try_acquire()
        if grant is None:
            return None
        return LeaseGrant(key, grant.token, grant.fence)

    async def renew(self, grant: LeaseGrant, ttl: float) -> bool:
        """See :meth:`LeaseBackend.renew`.

        Raises:
            redis.exceptions.RedisError: Redis failed.
        """
        from cache_backends.redis import LeaseGrant as RedisGrant

        return await self._lease(grant.key, ttl).renew(RedisGrant(grant.token, grant.fence), ttl)

    async def release(self, grant: LeaseGrant) -> None:
        """See :meth:`LeaseBackend.release`.

        Raises:
            redis.exceptions.RedisError: Redis failed.
        """
        from cache_backends.redis import LeaseGrant as RedisGrant

        await self._any(grant.key).release(RedisGrant(grant.token, grant.fence))

    async def is_held(self, grant: LeaseGrant) -> bool:
        """See :meth:`LeaseBackend.is_held` (one round trip: GET lease, GET fence).

        Raises:
            redis.exceptions.RedisError: Redis failed.
        """
        lease = self._any(grant.key)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(lease.key)
            pipe.get(lease.fence_key)
            token, fence = await pipe.execute()
        fence_text = _text(fence)
        return (
            _text(token) == grant.token
            and fence_text is not None
            and (int(fence_text) == grant.fence)
        )
