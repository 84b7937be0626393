"""Token provider for marketplace (store, ISV) apps.

The chain: the platform pushes an ``app_ticket`` event (about hourly) ->
``set_app_ticket`` stores it in the token cache, where every process sees it ->
``POST /open-apis/auth/v3/app_access_token {app_id, app_secret, app_ticket}`` ->
``POST /open-apis/auth/v3/tenant_access_token {app_access_token, tenant_key}``
once per tenant. Every step is cached and single-flight.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from bitable_async.errors import (
    AppTicketMissingError,
    AuthError,
    BitableError,
    ConfigurationError,
)
from cache_backends import CachedToken, TokenCache, cache_key

from ._core import AppProviderBase, FetchResult, parse_token_body

__all__ = [
    "APP_TICKET_RESEND_PATH",
    "APP_TOKEN_PATH",
    "TENANT_TOKEN_PATH",
    "AppTicketMissingError",  # defined in bitable_async.errors; re-exported for compatibility
    "MarketplaceAuth",
]

logger = logging.getLogger("bitable_async.auth")

APP_TOKEN_PATH = "/open-apis/auth/v3/app_access_token"
TENANT_TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token"
APP_TICKET_RESEND_PATH = "/open-apis/auth/v3/app_ticket/resend"

# 99991663 / 99991664: the app_access_token we used is no longer valid.
_STALE_APP_TOKEN_CODES = frozenset({99991663, 99991664})


class MarketplaceAuth(AppProviderBase):
    """Tenant tokens of a marketplace app, one per ``tenant_key`` (implements ``TokenProvider``).

    The app_ticket lives in ``cache`` (use a shared backend such as
    :class:`cache_backends.redis.RedisTokenCache` when several processes serve
    the app, so the process that receives the ``app_ticket`` event shares it).

    Args:
        app_id: the app id (``cli_...``).
        app_secret: the app secret (never logged or shown in reprs).
        cache: token/ticket cache; default a fresh in-memory cache for this provider.
        refresh_margin: seconds before expiry to refresh (0 to 1800; the platform
            renews tokens only in their last 30 minutes).
        clock: epoch seconds (tests inject a fake).
        app_ticket_ttl: how long a stored ticket is kept. Tickets are pushed about
            hourly and each push overwrites the stored one (inferred: the ticket's
            own lifetime is not documented in the spec).
        resend_interval: at most one ``app_ticket/resend`` per this many seconds.
        lease_ttl: lifetime of the cross-process refresh lease.
        lease_wait: longest wait for another process's refresh.

    Raises:
        ConfigurationError: empty credentials or a margin outside 0..1800.
    """

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        *,
        cache: TokenCache | None = None,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        app_ticket_ttl: float = 3 * 3600.0,
        resend_interval: float = 60.0,
        lease_ttl: float = 30.0,
        lease_wait: float = 30.0,
    ) -> None:
        super().__init__(
            app_id,
            app_secret,
            cache=cache,
            refresh_margin=refresh_margin,
            clock=clock,
            lease_ttl=lease_ttl,
            lease_wait=lease_wait,
        )
        if app_ticket_ttl <= 0 or resend_interval < 0:
            raise ConfigurationError("app_ticket_ttl must be > 0 and resend_interval >= 0")
        self._ticket_ttl = app_ticket_ttl
        self._resend_interval = resend_interval
        self._last_resend = -math.inf
        self._ticket_key = cache_key(app_id, "app_ticket")
        self._app_key = cache_key(app_id, "isv_app")

    def _tenant_cache_key(self, tenant_key: str | None) -> str:
        if not isinstance(tenant_key, str) or not tenant_key:
            raise ConfigurationError(
                "a marketplace app needs the tenant_key of the tenant to act for on every "
                "call (it comes with each event/callback as header.tenant_key)"
            )
        return cache_key(self._app_id, "tenant", tenant_key)

    async def set_app_ticket(self, ticket: str) -> None:
        """Store the app_ticket pushed by the ``app_ticket`` event, for every process.

        Call it from the event handler (answer the event within 3 s; this is one
        cache write).

        Args:
            ticket: the event's ``app_ticket``.

        Raises:
            ConfigurationError: the ticket is empty.
        """
        if not isinstance(ticket, str) or not ticket:
            raise ConfigurationError("app_ticket must be a non-empty string")
        entry = CachedToken(token=ticket, expires_at=self._clock() + self._ticket_ttl)
        await self.cache.set(self._ticket_key, entry.encode(), self._ticket_ttl)
        logger.debug("stored app_ticket for app %s", self._app_id)

    async def _app_ticket(self) -> str:
        cur = await self._tokens.read(self._ticket_key)
        if cur is not None and cur[1].remaining(self._clock()) > 0:
            return cur[1].token
        resend_error: BaseException | None = None
        now = self._clock()
        if now - self._last_resend >= self._resend_interval:
            self._last_resend = now
            try:
                await self._post(APP_TICKET_RESEND_PATH, self._credentials())
                logger.info("asked the platform to resend the app_ticket for app %s", self._app_id)
            except BitableError as exc:
                resend_error = exc
        msg = (
            f"no app_ticket stored for marketplace app {self._app_id!r}; "
            + (
                f"asking the platform to resend it failed ({type(resend_error).__name__})"
                if resend_error is not None
                else f"a resend was requested ({APP_TICKET_RESEND_PATH})"
            )
            + ". The ticket arrives as an 'app_ticket' event: pass it to "
            "MarketplaceAuth.set_app_ticket() and retry."
        )
        raise AppTicketMissingError(msg) from resend_error

    async def _fetch_app_token(self) -> FetchResult:
        ticket = await self._app_ticket()
        body = await self._post(APP_TOKEN_PATH, {**self._credentials(), "app_ticket": ticket})
        return parse_token_body(body, "app_access_token", APP_TOKEN_PATH)

    async def get_app_token(self) -> str:
        """Return a valid app_access_token (API: auth/v3/app_access_token).

        Returns:
            The marketplace app_access_token.

        Raises:
            AppTicketMissingError: no app_ticket is stored yet (a resend was requested).
            ConfigurationError: the provider is not bound to a client.
            BitableError: a token endpoint failed (propagated from the fetcher).
        """
        return await self._tokens.get(self._app_key, self._fetch_app_token)

    async def get_token(self, *, tenant_key: str | None = None) -> str:
        """Return a valid tenant_access_token for ``tenant_key`` (API: auth/v3/tenant_access_token).

        Args:
            tenant_key: the tenant to act for (required).

        Returns:
            The token to send as ``Authorization: Bearer <token>``.

        Raises:
            ConfigurationError: ``tenant_key`` missing, or the provider is not bound.
            AppTicketMissingError: no app_ticket is stored yet (a resend was requested).
            BitableError: a token endpoint failed (propagated from the fetcher).
        """
        key = self._tenant_cache_key(tenant_key)
        assert tenant_key is not None

        async def fetch() -> FetchResult:
            for attempt in range(2):
                app_token = await self.get_app_token()
                body = {"app_access_token": app_token, "tenant_key": tenant_key}
                try:
                    reply = await self._post(TENANT_TOKEN_PATH, body)
                except AuthError as exc:
                    if attempt == 0 and exc.code in _STALE_APP_TOKEN_CODES:
                        # The app token went bad before its expiry: drop it, try once more.
                        await self._tokens.invalidate(self._app_key, app_token)
                        continue
                    raise
                return parse_token_body(reply, "tenant_access_token", TENANT_TOKEN_PATH)
            raise AssertionError("unreachable")  # pragma: no cover

        return await self._tokens.get(key, fetch)

    async def invalidate(self, token: str, *, tenant_key: str | None = None) -> None:
        """Forget ``token`` if it is still cached for ``tenant_key`` (or as the app token).

        Args:
            token: the token the server rejected; newer cached tokens are kept.
            tenant_key: the tenant the token was issued for.
        """
        if isinstance(tenant_key, str) and tenant_key:
            await self._tokens.invalidate(cache_key(self._app_id, "tenant", tenant_key), token)
        await self._tokens.invalidate(self._app_key, token)
