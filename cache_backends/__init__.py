"""Pluggable token caches: the byte-store protocol and the value stored in it.

A cache only stores bytes under string keys with a time to live; the token
providers in :mod:`bitable_async.auth` own the refresh policy. The value they
store is a :class:`CachedToken` encoded with :meth:`CachedToken.encode`.

Keys are built with :func:`cache_key` and always start with the app id::

    <app_id>:<kind>[:<qualifier>]      e.g. "cli_a1b2:tenant:2ed263bf32cf1651"

Backends may group keys by that first segment (the Redis backend turns it into
a Redis Cluster hash tag so one app's keys share a slot).

Backends may also implement :class:`RefreshLease` (one refresher across
processes) and :class:`CompareDelete` (atomic "delete if unchanged"); the
providers use them when present.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import msgspec

__all__ = [
    "LOCAL_LEASE",
    "CachedToken",
    "CompareDelete",
    "RefreshLease",
    "TokenCache",
    "cache_key",
]

_FORBIDDEN_IN_APP_ID = frozenset(":{}")


class CachedToken(msgspec.Struct, frozen=True):
    """A token (or an app_ticket) and the moment it stops being valid.

    Attributes:
        token: the secret value. Never shown by ``repr`` / ``str``.
        expires_at: expiry as epoch seconds (the providers' clock).
    """

    token: str
    expires_at: float

    def encode(self) -> bytes:
        """Serialize to the bytes a :class:`TokenCache` stores.

        Returns:
            Compact JSON bytes (deterministic for equal values).
        """
        return _ENCODER.encode(self)

    @classmethod
    def decode(cls, data: bytes) -> CachedToken:
        """Parse bytes written by :meth:`encode`.

        Args:
            data: the stored bytes.

        Returns:
            The decoded token.

        Raises:
            msgspec.DecodeError: the bytes are not a valid encoded token
                (invalid UTF-8 in the token included).
        """
        try:
            return _DECODER.decode(data)
        except UnicodeError:  # msgspec does not wrap invalid UTF-8 in a string
            raise msgspec.DecodeError("the token is not valid UTF-8") from None

    def remaining(self, now: float) -> float:
        """Seconds of validity left at ``now`` (negative once expired).

        Args:
            now: the current time, epoch seconds.

        Returns:
            ``expires_at - now``.
        """
        return self.expires_at - now

    def __repr__(self) -> str:
        return f"CachedToken(token=<redacted>, expires_at={self.expires_at!r})"

    __str__ = __repr__


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(CachedToken)


def cache_key(app_id: str, kind: str, qualifier: str | None = None) -> str:
    """Build a cache key ``<app_id>:<kind>[:<qualifier>]``.

    Args:
        app_id: the app id (namespace unit); must be non-empty and contain no
            ``:``, ``{`` or ``}``.
        kind: what is stored, e.g. ``"tenant"``, ``"app"``, ``"app_ticket"``.
        qualifier: e.g. the tenant_key for per-tenant tokens.

    Returns:
        The key.

    Raises:
        ValueError: ``app_id`` or ``kind`` is empty or ``app_id`` has a forbidden character.
    """
    if not app_id or _FORBIDDEN_IN_APP_ID.intersection(app_id):
        raise ValueError(f"app_id must be non-empty and contain no ':', '{{' or '}}': {app_id!r}")
    if not kind:
        raise ValueError("kind must be non-empty")
    key = f"{app_id}:{kind}"
    return key if qualifier is None else f"{key}:{qualifier}"


@runtime_checkable
class TokenCache(Protocol):
    """An async byte store with per-entry time to live.

    Implementations must never raise because the storage is unavailable in a
    way that breaks a request: a backend that can fail (Redis) degrades to
    "miss" on ``get`` and to a no-op (or local-only) ``set``/``delete``.
    """

    async def get(self, key: str) -> bytes | None:
        """Return the stored bytes, or ``None`` when absent or expired.

        Args:
            key: a key built by :func:`cache_key`.

        Returns:
            The bytes, or ``None``.
        """
        ...

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store ``value`` for ``ttl_seconds`` (a non-positive TTL stores nothing).

        Args:
            key: a key built by :func:`cache_key`.
            value: the bytes to store.
            ttl_seconds: time to live in seconds.
        """
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key`` if present.

        Args:
            key: a key built by :func:`cache_key`.
        """
        ...


LOCAL_LEASE = ""
"""The lease returned when coordination is unavailable: proceed alone; releasing it is a no-op."""


@runtime_checkable
class RefreshLease(Protocol):
    """Optional: one refresher per key across processes sharing a cache.

    A provider that misses (or finds a token due for refresh) first takes the
    lease; the winner fetches and stores, the others wait for the lease to go
    and then read what the winner stored.
    """

    async def acquire_lease(self, key: str, ttl_seconds: float) -> str | None:
        """Try once to take the refresh lease for ``key``.

        Args:
            key: the cache key of the token about to be refreshed.
            ttl_seconds: how long the lease lasts if never released.

        Returns:
            A lease token to pass to :meth:`release_lease`; ``None`` when
            someone else holds the lease; :data:`LOCAL_LEASE` when coordination
            is unavailable (proceed without it).
        """
        ...

    async def release_lease(self, key: str, lease: str) -> None:
        """Release the lease if ``lease`` still owns it (compare and delete).

        Args:
            key: the cache key passed to :meth:`acquire_lease`.
            lease: the value :meth:`acquire_lease` returned.
        """
        ...

    async def wait_lease(self, key: str, timeout_seconds: float) -> bool:
        """Wait (bounded poll) until nobody holds the lease for ``key``.

        Args:
            key: the cache key passed to :meth:`acquire_lease`.
            timeout_seconds: the longest wait.

        Returns:
            ``True`` once the lease is free, ``False`` on timeout.
        """
        ...


@runtime_checkable
class CompareDelete(Protocol):
    """Optional: delete a key only if it still holds the expected bytes."""

    async def delete_if_equal(self, key: str, expected: bytes) -> bool:
        """Delete ``key`` atomically if its value is ``expected``.

        Args:
            key: the key.
            expected: the bytes that must still be stored.

        Returns:
            Whether the key was deleted.
        """
        ...
