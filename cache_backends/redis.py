"""Redis token cache with an in-process L1 and a cross-process refresh lease.

Key layout (``prefix`` defaults to ``"bitable"``; the braces are a Redis
Cluster hash tag, so all of one app's keys live in one slot)::

    bitable:{cli_a1b2}:tenant                 self-built tenant token
    bitable:{cli_a1b2}:tenant:<tenant_key>    marketplace tenant token
    bitable:{cli_a1b2}:app_ticket             marketplace app_ticket
    bitable:{cli_a1b2}:lease:tenant           refresh lease of the token above

The cache borrows the caller's ``redis.asyncio.Redis`` client and never closes
it. Give that client a ``socket_connect_timeout`` / ``socket_timeout``; the
cache also bounds each operation with ``op_timeout``.

When Redis fails, the cache degrades to its L1: reads miss (or serve the L1
copy), writes land in L1 only, leases are granted locally. A warning is logged
once per outage; Redis is tried again ``retry_after`` seconds later.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
from redis.asyncio import Redis
from redis.exceptions import RedisError

from . import LOCAL_LEASE
from ._redis_common import COMPARE_DELETE, Sleep, check_prefix, ms

# The generic lease lives in its own module; re-exported here, where callers import it.
from .redis_lease import LeaseGrant, LeaseUnavailableError, RedisLease

__all__ = ["LeaseGrant", "LeaseUnavailableError", "RedisLease", "RedisTokenCache"]

logger = logging.getLogger("cache_backends.redis")

_UNAVAILABLE: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


def _as_bytes(value: object) -> bytes | None:
    # Works whether or not the caller's client was built with decode_responses=True.
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"unexpected Redis reply type {type(value).__name__}")


@dataclass
class _L1Entry:
    value: bytes
    deadline: float  # the entry's own expiry (monotonic)
    check_after: float  # after this, re-read Redis when it is reachable


class _PendingRead:
    def __init__(self) -> None:
        self.done = anyio.Event()
        self.value: bytes | None = None


class RedisTokenCache:
    """A :class:`cache_backends.TokenCache` on Redis, with L1 and a refresh lease.

    Implements :class:`cache_backends.TokenCache`,
    :class:`cache_backends.RefreshLease` and :class:`cache_backends.CompareDelete`.

    Args:
        redis: the caller's client (borrowed, never closed).
        prefix: namespace of every key (no braces).
        l1_ttl: how long an L1 copy is served before Redis is asked again.
            The hot path costs no Redis round trip within this window.
        lease_poll_interval: seconds between polls while waiting on a lease.
        retry_after: after a Redis failure, seconds before Redis is tried again.
        op_timeout: bound on each Redis operation (``None``: no bound).
        sleep: async sleep used for lease polls (tests inject a fake).
        clock: monotonic clock for L1 and outage tracking (tests inject a fake).

    Raises:
        ValueError: a prefix that is empty or has braces, or a negative / zero interval.
    """

    def __init__(
        self,
        redis: Redis,
        prefix: str = "bitable",
        *,
        l1_ttl: float = 30.0,
        lease_poll_interval: float = 0.05,
        retry_after: float = 5.0,
        op_timeout: float | None = 2.0,
        sleep: Sleep = anyio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_prefix(prefix)
        if l1_ttl < 0 or lease_poll_interval <= 0 or retry_after < 0:
            raise ValueError("l1_ttl and retry_after must be >= 0, lease_poll_interval > 0")
        self._redis = redis
        self._prefix = prefix
        self._l1_ttl = l1_ttl
        self._poll = lease_poll_interval
        self._retry_after = retry_after
        self._op_timeout = op_timeout
        self._sleep = sleep
        self._clock = clock
        self._l1: dict[str, _L1Entry] = {}
        self._reads: dict[str, _PendingRead] = {}
        self._writes = 0  # bumped by every local write; guards L1 against older reads
        self._down = False
        self._retry_at = 0.0
        self._compare_delete = redis.register_script(COMPARE_DELETE)

    # -- keys -------------------------------------------------------------

    def redis_key(self, key: str) -> str:
        """The Redis key for a cache key: ``<prefix>:{<app_id>}:<rest>``.

        Args:
            key: a key built by :func:`cache_backends.cache_key`.

        Returns:
            The namespaced, hash-tagged Redis key.
        """
        app, _, rest = key.partition(":")
        return f"{self._prefix}:{{{app}}}:{rest}" if rest else f"{self._prefix}:{{{app}}}"

    def _lease_key(self, key: str) -> str:
        app, _, rest = key.partition(":")
        return f"{self._prefix}:{{{app}}}:lease:{rest}"

    # -- availability -------------------------------------------------------

    @property
    def available(self) -> bool:
        """False while the cache considers Redis down (between a failure and the next try)."""
        return not self._down

    def _usable(self) -> bool:
        return not self._down or self._clock() >= self._retry_at

    def _failed(self, exc: BaseException) -> None:
        self._retry_at = self._clock() + self._retry_after
        if not self._down:
            self._down = True
            # The exception type only: messages may carry connection details.
            logger.warning(
                "Redis token cache unavailable (%s); falling back to in-process "
                "caching and direct token fetches until Redis answers again",
                type(exc).__name__,
            )

    def _ok(self) -> None:
        if self._down:
            self._down = False
            logger.info("Redis token cache reachable again")

    async def _call(self, op: Awaitable[Any]) -> Any:
        if self._op_timeout is None:
            return await op
        with anyio.fail_after(self._op_timeout):
            return await op

    # -- TokenCache -----------------------------------------------------------

    async def get(self, key: str) -> bytes | None:
        """Return the value: from L1 when recent, else from Redis (refreshing L1).

        Args:
            key: a key built by :func:`cache_backends.cache_key`.

        Returns:
            The bytes, or ``None`` when absent. When Redis is unreachable the L1
            copy (if unexpired) is returned, else ``None``.
        """
        now = self._clock()
        entry = self._l1.get(key)
        if entry is not None and now >= entry.deadline:
            del self._l1[key]
            entry = None
        if entry is not None and (now < entry.check_after or not self._usable()):
            return entry.value
        if not self._usable():
            return None
        # Coalesce: however many coroutines miss L1 at once, one Redis read per key
        # (a cold start of 1,000 requests must not open 1,000 connections).
        pending = self._reads.get(key)
        if pending is not None:
            await pending.done.wait()
            return pending.value
        read = self._reads[key] = _PendingRead()
        try:
            read.value = await self._read_redis(key, entry)
        finally:
            del self._reads[key]
            read.done.set()
        return read.value

    async def _read_redis(self, key: str, entry: _L1Entry | None) -> bytes | None:
        rkey = self.redis_key(key)
        writes_before = self._writes
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(rkey)
                pipe.pttl(rkey)
                raw, pttl = await self._call(pipe.execute())
        except _UNAVAILABLE as exc:
            self._failed(exc)
            return entry.value if entry is not None else None
        self._ok()
        if self._writes != writes_before:
            # A local write landed while we read: it is newer than what we read.
            current = self._l1.get(key)
            return current.value if current is not None else None
        value = _as_bytes(raw)
        if value is None:
            self._l1.pop(key, None)
            return None
        now = self._clock()
        ttl = pttl / 1000 if isinstance(pttl, int) and pttl > 0 else self._l1_ttl
        self._l1[key] = _L1Entry(value, now + ttl, now + min(ttl, self._l1_ttl))
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store in L1 and in Redis (``SET key value PX ttl``).

        Args:
            key: a key built by :func:`cache_backends.cache_key`.
            value: the bytes to store.
            ttl_seconds: time to live; a non-positive TTL deletes the key instead.
        """
        if ttl_seconds <= 0:
            await self.delete(key)
            return
        now = self._clock()
        self._writes += 1
        self._l1[key] = _L1Entry(value, now + ttl_seconds, now + min(ttl_seconds, self._l1_ttl))
        if not self._usable():
            return
        try:
            await self._call(self._redis.set(self.redis_key(key), value, px=ms(ttl_seconds)))
        except _UNAVAILABLE as exc:
            self._failed(exc)
            return
        self._ok()

    async def delete(self, key: str) -> None:
        """Remove ``key`` from L1 and Redis.

        Args:
            key: a key built by :func:`cache_backends.cache_key`.
        """
        self._writes += 1
        self._l1.pop(key, None)
        if not self._usable():
            return
        try:
            await self._call(self._redis.delete(self.redis_key(key)))
        except _UNAVAILABLE as exc:
            self._failed(exc)
            return
        self._ok()

    async def delete_if_equal(self, key: str, expected: bytes) -> bool:
        """Delete ``key`` (atomically in Redis, by a Lua script) if it still holds ``expected``.

        Args:
            key: a key built by :func:`cache_backends.cache_key`.
            expected: the bytes that must still be stored.

        Returns:
            Whether Redis deleted it (when Redis is down: whether L1 did).
        """
        entry = self._l1.get(key)
        local = entry is not None and entry.value == expected
        if local:
            self._writes += 1
            del self._l1[key]
        if not self._usable():
            return local
        try:
            deleted = await self._call(
                self._compare_delete(keys=[self.redis_key(key)], args=[expected])
            )
        except _UNAVAILABLE as exc:
            self._failed(exc)
            return local
        self._ok()
        return bool(deleted)

    # -- RefreshLease ---------------------------------------------------------

    async def acquire_lease(self, key: str, ttl_seconds: float) -> str | None:
        """Try once to take the refresh lease (``SET lease NX PX``).

        On success the L1 copy of ``key`` is dropped, so the holder's
        double-check reads Redis (another process may have just refreshed).

        Args:
            key: the cache key of the token about to be refreshed.
            ttl_seconds: lease lifetime if never released.

        Returns:
            A random lease token; ``None`` when another process holds it;
            :data:`cache_backends.LOCAL_LEASE` when Redis is unavailable.
        """
        if not self._usable():
            return LOCAL_LEASE
        lease = secrets.token_hex(16)
        try:
            ok = await self._call(
                self._redis.set(self._lease_key(key), lease, nx=True, px=ms(ttl_seconds))
            )
        except _UNAVAILABLE as exc:
            self._failed(exc)
            return LOCAL_LEASE
        self._ok()
        if not ok:
            return None
        self._l1.pop(key, None)
        return lease

    async def release_lease(self, key: str, lease: str) -> None:
        """Release the lease if ``lease`` still owns it (Lua compare-and-delete).

        Args:
            key: the cache key passed to :meth:`acquire_lease`.
            lease: the token :meth:`acquire_lease` returned.
        """
        if lease == LOCAL_LEASE or not self._usable():
            return
        try:
            await self._call(self._compare_delete(keys=[self._lease_key(key)], args=[lease]))
        except _UNAVAILABLE as exc:
            self._failed(exc)
            return
        self._ok()

    async def wait_lease(self, key: str, timeout_seconds: float) -> bool:
        """Poll until the lease on ``key`` is free (at most ``timeout / poll interval`` polls).

        Drops the L1 copy of ``key`` before returning so the next read sees
        what the lease holder stored.

        Args:
            key: the cache key passed to :meth:`acquire_lease`.
            timeout_seconds: the longest wait.

        Returns:
            ``True`` once the lease is free (or Redis became unavailable),
            ``False`` after the last poll.
        """
        polls = max(1, math.ceil(timeout_seconds / self._poll))
        lkey = self._lease_key(key)
        try:
            for _ in range(polls):
                if not self._usable():
                    return True
                try:
                    held = await self._call(self._redis.exists(lkey))
                except _UNAVAILABLE as exc:
                    self._failed(exc)
                    return True
                self._ok()
                if not held:
                    return True
                await self._sleep(self._poll)
            return False
        finally:
            self._l1.pop(key, None)

    def __repr__(self) -> str:
        state = "down" if self._down else "up"
        return (
            f"RedisTokenCache(prefix={self._prefix!r}, l1_entries={len(self._l1)}, redis={state})"
        )
