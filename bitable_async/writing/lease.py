"""The cross-process table lease, as the writer sees it.

A :class:`LeaseBackend` is a lock server with four calls (one try to acquire,
renew, release, "is it still mine?"); :class:`LeaseHolder` turns it into what a
serial lane needs: a bounded wait to acquire, background renewal while
writing, and :meth:`LeaseHolder.check` -- awaited right before every request --
which refuses to let a writer that lost its lease send anything.

Fencing without server support: Bitable cannot check a fencing token, so the
check is done on the client, in two layers. (1) A local deadline computed from
the monotonic clock read *before* the acquire/renew request, minus a safety
margin: a process that was paused past its lease sees the deadline passed as
soon as it resumes, before touching Redis or Bitable. (2) Optionally, a remote
check that the lease key still holds our token and the table's fencing counter
(incremented by every acquire) is still ours. The window left is the time
between the check and the request leaving the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .types import Clock, LeaseLostError, LeaseTimeoutError, Sleep

__all__ = ["LeaseBackend", "LeaseGrant", "LeaseHolder", "MemoryLeaseBackend"]


@dataclass(frozen=True)
class LeaseGrant:
    """Proof of holding a lease.

    Attributes:
        key: the lease name (one per table, or per app).
        token: random value stored under the key; only its holder may renew or release.
        fence: the fencing number handed out with this grant (strictly increasing per key).
    """

    key: str
    token: str
    fence: int

    def __repr__(self) -> str:
        return f"LeaseGrant(key={self.key!r}, fence={self.fence})"


@runtime_checkable
class LeaseBackend(Protocol):
    """A lock server (Redis in production, memory in tests)."""

    async def try_acquire(self, key: str, ttl: float) -> LeaseGrant | None:
        """Try once to take ``key`` for ``ttl`` seconds.

        Args:
            key: lease name.
            ttl: lifetime in seconds.

        Returns:
            The grant, or None when someone else holds it.
        """
        ...

    async def renew(self, grant: LeaseGrant, ttl: float) -> bool:
        """Extend a held lease to ``ttl`` seconds from now.

        Args:
            grant: the grant to extend.
            ttl: new lifetime in seconds.

        Returns:
            False when the lease is no longer ours.
        """
        ...

    async def release(self, grant: LeaseGrant) -> None:
        """Drop the lease if it is still ours (compare-and-delete).

        Args:
            grant: the grant to release.
        """
        ...

    async def is_held(self, grant: LeaseGrant) -> bool:
        """Return True when the key still holds our token and our fence is the latest.

        Args:
            grant: the grant to verify.
        """
        ...


class MemoryLeaseBackend:
    """An in-process :class:`LeaseBackend` for tests (several lanes, one process).

    Args:
        clock: time source deciding expiry.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._held: dict[str, tuple[str, float]] = {}
        self._fences: dict[str, int] = {}
        self._n = 0

    async def try_acquire(self, key: str, ttl: float) -> LeaseGrant | None:
        """See :meth:`LeaseBackend.try_acquire`."""
        now = self._clock()
        cur = self._held.get(key)
        if cur is not None and cur[1] > now:
            return None
        self._n += 1
        token = f"t{self._n}"
        self._held[key] = (token, now + ttl)
        fence = self._fences.get(key, 0) + 1
        self._fences[key] = fence
        return LeaseGrant(key, token, fence)

    async def renew(self, grant: LeaseGrant, ttl: float) -> bool:
        """See :meth:`LeaseBackend.renew`."""
        if not await self.is_held(grant):
            return False
        self._held[grant.key] = (grant.token, self._clock() + ttl)
        return True

    async def release(self, grant: LeaseGrant) -> None:
        """See :meth:`LeaseBackend.release`."""
        cur = self._held.get(grant.key)
        if cur is not None and cur[0] == grant.token:
            del self._held[grant.key]

    async def is_held(self, grant: LeaseGrant) -> bool:
        """See :meth:`LeaseBackend.is_held`."""
        cur = self._held.get(grant.key)
        return (
            cur is not None
            and cur[0] == grant.token
            and cur[1] > self._clock()
            and self._fences.get(grant.key) == grant.fence
        )


class LeaseHolder:
    """Holds one lease for one serial lane: acquire, renew in background, check, release.

    Args:
        backend: the lock server.
        key: lease name.
        ttl: lease lifetime in seconds; renewed every ``ttl / 3``.
        wait: bounded wait for :meth:`ensure`.
        verify_remote: make :meth:`check` also ask the backend.
        clock: monotonic clock.
        sleep: awaitable sleep (polling and renewal).
    """

    def __init__(
        self,
        backend: LeaseBackend,
        key: str,
        *,
        ttl: float,
        wait: float,
        verify_remote: bool,
        clock: Clock,
        sleep: Sleep,
    ) -> None:
        self._backend = backend
        self.key = key
        self._ttl = ttl
        self._wait = wait
        self._verify = verify_remote
        self._clock = clock
        self._sleep = sleep
        self._margin = min(ttl * 0.1, 1.0)
        self._grant: LeaseGrant | None = None
        self._deadline = 0.0
        self._held_since = 0.0
        self._lost = False
        self._renewer: asyncio.Task[None] | None = None
        self._rng = random.Random()

    @property
    def grant(self) -> LeaseGrant | None:
        """The current grant, or None when not held."""
        return self._grant

    @property
    def lost(self) -> bool:
        """True once a check or a renewal found the held lease gone (until released)."""
        return self._grant is not None and self._lost

    def held_for(self) -> float:
        """Seconds since the lease was acquired (0 when not held)."""
        return self._clock() - self._held_since if self._grant is not None else 0.0

    async def ensure(self) -> LeaseGrant:
        """Return the held grant, acquiring the lease first if needed.

        Returns:
            The grant.

        Raises:
            LeaseTimeoutError: not acquired within the bounded wait.
            LeaseLostError: the lease was held and has been lost meanwhile
                (expired during a pause, renewal refused); the work that was
                about to use it must not run. The next call acquires afresh.
        """
        if self._grant is not None:
            if not self._lost and self._clock() < self._deadline:
                return self._grant
            await self.release()
            raise LeaseLostError(f"the write lease {self.key!r} was lost while held")
        start = self._clock()
        poll = min(0.05, self._ttl / 20)
        while True:
            sent_at = self._clock()
            try:
                grant = await self._backend.try_acquire(self.key, self._ttl)
            except Exception as exc:
                raise LeaseTimeoutError(
                    f"the lease backend failed while acquiring {self.key!r}: {type(exc).__name__}"
                ) from exc
            if grant is not None:
                self._grant = grant
                self._lost = False
                self._held_since = sent_at
                self._deadline = sent_at + self._ttl - self._margin
                self._renewer = asyncio.get_running_loop().create_task(self._renew_loop(grant))
                return grant
            if self._clock() - start >= self._wait:
                raise LeaseTimeoutError(
                    f"could not acquire the write lease {self.key!r} within {self._wait:g} s"
                )
            await self._sleep(poll * (0.5 + self._rng.random()))

    async def check(self) -> None:
        """Refuse to write unless the lease is certainly still ours.

        Raises:
            LeaseLostError: the lease expired locally, failed to renew, or the
                backend says another holder has it.
        """
        grant = self._grant
        if grant is None or self._lost or self._clock() >= self._deadline:
            self._lost = True
            raise LeaseLostError(f"the write lease {self.key!r} is no longer held")
        if self._verify:
            try:
                held = await self._backend.is_held(grant)
            except Exception as exc:
                # Cannot prove we still hold it: do not write.
                raise LeaseLostError(
                    f"the write lease {self.key!r} could not be verified: {type(exc).__name__}"
                ) from exc
            if not held or self._clock() >= self._deadline or self._grant is not grant:
                self._lost = True
                raise LeaseLostError(f"the write lease {self.key!r} was taken over")

    async def release(self) -> None:
        """Stop renewing and release the lease (no-op when not held)."""
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await renewer
        grant, self._grant = self._grant, None
        if grant is not None:
            with contextlib.suppress(Exception):
                # Compare-and-delete: harmless when the lease already moved on.
                await self._backend.release(grant)

    async def _renew_loop(self, grant: LeaseGrant) -> None:
        while self._grant is grant and not self._lost:
            await self._sleep(self._ttl / 3)
            if self._grant is not grant:
                return
            sent_at = self._clock()
            try:
                ok = await self._backend.renew(grant, self._ttl)
            except Exception:
                continue  # the deadline keeps counting down; check() will refuse
            if not ok:
                self._lost = True
                return
            if self._grant is grant and sent_at < self._deadline:
                self._deadline = sent_at + self._ttl - self._margin
