"""Shared machinery of the token providers: single-flight refresh over a TokenCache.

One :class:`TokenManager` per provider. For each cache key it guarantees:

* the hot path is one ``cache.get`` (an L1/dict hit) and no lock;
* however many coroutines miss at once, one fetch: the first takes a per-key
  ``anyio.Lock``, the others wait on it and then find the stored token
  (double-checked locking);
* across processes, when the cache implements :class:`RefreshLease`, the lock
  holder also takes the cache's lease; the losers wait for the lease to go and
  read what the winner stored;
* a token is refreshed ``refresh_margin`` seconds before it expires; while one
  coroutine refreshes, the others keep using the old (still valid) token.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio

from bitable_async.auth.base import TokenFetcher
from bitable_async.errors import JSON_DECODE_ERRORS, BitableError, ConfigurationError, ServerError
from cache_backends import CachedToken, CompareDelete, RefreshLease, TokenCache, cache_key

__all__ = [
    "MAX_USEFUL_MARGIN",
    "AppProviderBase",
    "FetchResult",
    "TokenManager",
    "parse_token_body",
    "validate_app",
]

logger = logging.getLogger("bitable_async.auth")

FetchResult = tuple[str, float]
"""A fetched token and its lifetime in seconds (the endpoint's ``expire``)."""

MAX_USEFUL_MARGIN = 1800.0
"""The platform renews a tenant token only when less than 30 minutes remain."""

# A token with less than this left is not handed out (it could expire in flight).
_MIN_VALIDITY = 10.0
# After a failed refresh-ahead, seconds before the next attempt (the old token serves).
_RETRY_REFRESH_AFTER = 10.0


def validate_app(app_id: object, app_secret: object) -> None:
    """Check credentials before any request.

    Args:
        app_id: the app id; must be a non-empty string usable in a cache key.
        app_secret: the app secret; must be a non-empty string (never echoed).

    Raises:
        ConfigurationError: empty or non-string id/secret, or a forbidden character in the id.
    """
    if not isinstance(app_id, str) or not app_id:
        raise ConfigurationError("app_id must be a non-empty string")
    try:
        cache_key(app_id, "tenant")
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    if not isinstance(app_secret, str) or not app_secret:
        # The value is never echoed, only its type.
        raise ConfigurationError(
            f"app_secret must be a non-empty string (got {type(app_secret).__name__})"
        )


def parse_token_body(body: Mapping[str, Any], field: str, path: str) -> FetchResult:
    """Read ``field`` and ``expire`` from a token endpoint's top-level body.

    Args:
        body: the decoded response (``code`` already checked by the fetcher).
        field: ``"tenant_access_token"`` or ``"app_access_token"``.
        path: the endpoint path, for the error.

    Returns:
        The token and its lifetime in seconds.

    Raises:
        ServerError: the field or ``expire`` is missing or malformed (the body
            itself is never quoted: it may hold a token).
    """
    token = body.get(field)
    expire = body.get("expire")
    if not isinstance(token, str) or not token:
        raise ServerError(f"token endpoint answered without {field!r}", method="POST", path=path)
    if (
        isinstance(expire, bool)
        or not isinstance(expire, int | float)
        or not math.isfinite(expire)
        or expire <= 0
    ):
        raise ServerError(
            "token endpoint answered without a positive 'expire'", method="POST", path=path
        )
    return token, float(expire)


class TokenManager:
    """Single-flight, refresh-ahead access to tokens stored in a :class:`TokenCache`.

    Args:
        cache: where tokens live (shared across processes if the backend is).
        refresh_margin: refresh this many seconds before expiry.
        clock: epoch seconds.
        lease_ttl: lifetime of a cross-process refresh lease (longer than a fetch).
        lease_wait: longest wait for another process's refresh before fetching anyway.
        lease_rounds: how many times to retry taking the lease after waiting.

    Raises:
        ConfigurationError: a margin outside 0..1800, a non-positive lease
            time, or ``lease_rounds < 1``.
    """

    def __init__(
        self,
        cache: TokenCache,
        *,
        refresh_margin: float,
        clock: Callable[[], float],
        lease_ttl: float = 30.0,
        lease_wait: float = 30.0,
        lease_rounds: int = 3,
    ) -> None:
        if (
            not math.isfinite(refresh_margin)
            or refresh_margin < 0
            or refresh_margin > MAX_USEFUL_MARGIN
        ):
            raise ConfigurationError(
                f"refresh_margin must be between 0 and {MAX_USEFUL_MARGIN:.0f} seconds "
                f"(the platform only renews a token in its last 30 minutes), got {refresh_margin}"
            )
        if lease_ttl <= 0 or lease_wait <= 0 or lease_rounds < 1:
            raise ConfigurationError("lease_ttl and lease_wait must be > 0, lease_rounds >= 1")
        self.cache = cache
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._lease_ttl = lease_ttl
        self._lease_wait = lease_wait
        self._lease_rounds = lease_rounds
        self._locks: dict[str, anyio.Lock] = {}
        # Decoded copy of the last bytes seen per key (skips re-decoding on the hot path).
        self._memo: dict[str, tuple[bytes, CachedToken]] = {}
        # key -> epoch time until which a token fetched with a lifetime <= margin counts
        # as fresh (otherwise every call would refetch it).
        self._hold: dict[str, float] = {}
        # Fetch attempts per key, and the error of the last one if it failed.
        self._attempts: dict[str, int] = {}
        self._failure: dict[str, Exception] = {}

    async def read(self, key: str) -> tuple[bytes, CachedToken] | None:
        """Read and decode ``key``.

        Args:
            key: the cache key.

        Returns:
            The stored bytes and the token decoded from them, or ``None`` when
            the key is absent or its value is undecodable (a warning is logged).
        """
        raw = await self.cache.get(key)
        if raw is None:
            return None
        memo = self._memo.get(key)
        if memo is not None and memo[0] == raw:
            return memo
        try:
            decoded = CachedToken.decode(raw)
        except JSON_DECODE_ERRORS:
            logger.warning("ignoring an undecodable token cache entry for key %r", key)
            return None
        self._memo[key] = (raw, decoded)
        return raw, decoded

    def _fresh(self, key: str, tok: CachedToken, now: float) -> bool:
        remaining = tok.remaining(now)
        if remaining > self.refresh_margin:
            return True
        return remaining > _MIN_VALIDITY and now < self._hold.get(key, -math.inf)

    async def get(self, key: str, fetch: Callable[[], Awaitable[FetchResult]]) -> str:
        """Return the token under ``key``, fetching it (once) when missing or due.

        Args:
            key: the cache key.
            fetch: posts to the token endpoint; called at most once per refresh.

        Returns:
            A token with more than ``refresh_margin`` seconds left, or (while a
            refresh runs elsewhere) the previous token if it is still valid.

        Raises:
            BitableError: whatever ``fetch`` raised, when no valid token is cached.
                A failed refresh-ahead with a still-valid token returns that token
                (warning logged) and is retried ``_RETRY_REFRESH_AFTER`` s later.
        """
        cur = await self.read(key)
        if cur is not None and self._fresh(key, cur[1], self._clock()):
            return cur[1].token
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = anyio.Lock()
        stale = cur[1] if cur is not None else None
        if lock.locked() and self._usable(stale):
            assert stale is not None
            return stale.token  # a refresh is in flight; the old token is still valid
        attempts_seen = self._attempts.get(key, 0)
        async with lock:
            cur = await self.read(key)
            if cur is not None and self._fresh(key, cur[1], self._clock()):
                return cur[1].token
            failure = self._failure.get(key)
            if failure is not None and self._attempts.get(key, 0) != attempts_seen:
                # The fetch we queued behind failed: share its error instead of
                # sending one more doomed request per waiting coroutine.
                raise failure
            stale = cur[1] if cur is not None else None
            try:
                return await self._refresh(key, fetch, stale)
            except BitableError as exc:
                if stale is None or not self._usable(stale):
                    raise
                # Refreshing ahead failed, but the current token is still valid: keep
                # using it and try again a little later instead of failing requests.
                now = self._clock()
                self._hold[key] = now + min(_RETRY_REFRESH_AFTER, stale.remaining(now) / 2)
                logger.warning(
                    "refreshing token %r failed (%s); using the current one, valid for %.0f s",
                    key,
                    type(exc).__name__,
                    stale.remaining(now),
                )
                return stale.token

    def _usable(self, tok: CachedToken | None) -> bool:
        return tok is not None and tok.remaining(self._clock()) > _MIN_VALIDITY

    async def _refresh(
        self,
        key: str,
        fetch: Callable[[], Awaitable[FetchResult]],
        stale: CachedToken | None,
    ) -> str:
        cache = self.cache
        if not isinstance(cache, RefreshLease):
            return await self._fetch_store(key, fetch)
        for _ in range(self._lease_rounds):
            lease = await cache.acquire_lease(key, self._lease_ttl)
            if lease is not None:
                try:
                    # Another process may have refreshed just before we took the lease.
                    cur = await self.read(key)
                    if cur is not None and self._fresh(key, cur[1], self._clock()):
                        return cur[1].token
                    return await self._fetch_store(key, fetch)
                finally:
                    with anyio.CancelScope(shield=True):
                        await cache.release_lease(key, lease)
            if self._usable(stale):
                assert stale is not None
                return stale.token  # another process is refreshing; keep the old token
            await cache.wait_lease(key, self._lease_wait)
            cur = await self.read(key)
            if cur is not None and self._usable(cur[1]):
                return cur[1].token
        logger.warning("token refresh lease for %r not obtained; fetching without it", key)
        return await self._fetch_store(key, fetch)

    async def _fetch_store(self, key: str, fetch: Callable[[], Awaitable[FetchResult]]) -> str:
        logger.debug("fetching token %r", key)
        self._attempts[key] = self._attempts.get(key, 0) + 1
        self._failure.pop(key, None)
        try:
            token, lifetime = await fetch()
        except Exception as exc:
            self._failure[key] = exc
            raise
        now = self._clock()
        entry = CachedToken(token=token, expires_at=now + lifetime)
        if lifetime <= self.refresh_margin:
            self._hold[key] = now + lifetime / 2
        else:
            self._hold.pop(key, None)
        raw = entry.encode()
        self._memo[key] = (raw, entry)
        await self.cache.set(key, raw, lifetime)
        logger.debug("fetched token %r, valid for %.0f s", key, lifetime)
        return token

    async def invalidate(self, key: str, token: str) -> bool:
        """Drop the token under ``key`` if it is still ``token``.

        Args:
            key: the cache key.
            token: the rejected token; a different (newer) cached token is kept.

        Returns:
            Whether an entry was dropped.
        """
        cur = await self.read(key)
        if cur is None or cur[1].token != token:
            return False
        raw = cur[0]
        self._hold.pop(key, None)
        self._memo.pop(key, None)
        if isinstance(self.cache, CompareDelete):
            dropped = await self.cache.delete_if_equal(key, raw)
        else:
            await self.cache.delete(key)
            dropped = True
        logger.debug("invalidated token %r (dropped=%s)", key, dropped)
        return dropped


class AppProviderBase:
    """Common parts of the app-identity providers: credentials, fetcher binding, repr.

    Args:
        app_id: the app id (``cli_...``).
        app_secret: the app secret (never logged or shown in reprs).
        cache: token cache; ``None`` for a fresh in-memory cache for this provider.
        refresh_margin: seconds before expiry to refresh (0 to 1800).
        clock: epoch seconds.
        lease_ttl: lifetime of the cross-process refresh lease.
        lease_wait: longest wait for another process's refresh.

    Raises:
        ConfigurationError: empty credentials, or bad margin / lease settings.
    """

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        *,
        cache: TokenCache | None,
        refresh_margin: float,
        clock: Callable[[], float],
        lease_ttl: float,
        lease_wait: float,
    ) -> None:
        validate_app(app_id, app_secret)
        if cache is None:
            from cache_backends.memory import MemoryTokenCache

            cache = MemoryTokenCache()
        self._app_id = app_id
        self._app_secret = app_secret
        self._clock = clock
        self._fetcher: TokenFetcher | None = None
        self._tokens = TokenManager(
            cache,
            refresh_margin=refresh_margin,
            clock=clock,
            lease_ttl=lease_ttl,
            lease_wait=lease_wait,
        )

    @property
    def app_id(self) -> str:
        """The app id (``cli_...``)."""
        return self._app_id

    @property
    def cache(self) -> TokenCache:
        """The token cache this provider reads and writes."""
        return self._tokens.cache

    @property
    def refresh_margin(self) -> float:
        """Seconds before expiry at which a token is refreshed."""
        return self._tokens.refresh_margin

    def bind(self, fetcher: TokenFetcher) -> None:
        """Attach the fetcher used to reach the token endpoints.

        Args:
            fetcher: posts a JSON body to a token path through the client's transport.
        """
        self._fetcher = fetcher

    async def _post(self, path: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        if self._fetcher is None:
            raise ConfigurationError(
                f"{type(self).__name__} is not bound to a client: pass it to BitableClient "
                "(or call bind(fetcher)) before asking for a token"
            )
        return await self._fetcher(path, body)

    def _credentials(self) -> dict[str, str]:
        return {"app_id": self._app_id, "app_secret": self._app_secret}

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(app_id={self._app_id!r}, cache={self.cache!r}, "
            f"refresh_margin={self.refresh_margin!r})"
        )
