"""Token providers for self-built (custom) apps: tenant and app access tokens.

Both tokens come from the same kind of endpoint (``POST .../internal`` with
``{app_id, app_secret}``) and differ only in the path, the response field and
the cache slot, so one base class serves both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from bitable_async.errors import ConfigurationError
from cache_backends import TokenCache, cache_key

from ._core import AppProviderBase, FetchResult, parse_token_body

__all__ = [
    "APP_TOKEN_INTERNAL_PATH",
    "TENANT_TOKEN_INTERNAL_PATH",
    "AppTokenAuth",
    "TenantTokenAuth",
]

TENANT_TOKEN_INTERNAL_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
APP_TOKEN_INTERNAL_PATH = "/open-apis/auth/v3/app_access_token/internal"


class _SelfBuiltAuth(AppProviderBase):
    """One token of a self-built app, from one ``.../internal`` endpoint.

    Subclasses name the endpoint (``_path``), the token field of its answer
    (``_field``) and the cache slot (``_kind``); everything else is shared.
    """

    _path: ClassVar[str]
    _field: ClassVar[str]
    _kind: ClassVar[str]

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        *,
        cache: TokenCache | None = None,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.time,
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
        self._key = cache_key(app_id, self._kind)

    async def _fetch(self) -> FetchResult:
        body = await self._post(self._path, self._credentials())
        return parse_token_body(body, self._field, self._path)

    async def get_token(self, *, tenant_key: str | None = None) -> str:
        """Return a valid token from this provider's endpoint.

        API: ``auth/v3/tenant_access_token/internal`` (:class:`TenantTokenAuth`) or
        ``auth/v3/app_access_token/internal`` (:class:`AppTokenAuth`).

        Args:
            tenant_key: must be ``None`` (self-built apps have one tenant).

        Returns:
            The token to send as ``Authorization: Bearer <token>``.

        Raises:
            ConfigurationError: a tenant_key was given, or the provider is not bound.
            BitableError: the token endpoint failed (propagated from the fetcher).
        """
        if tenant_key is not None:
            raise ConfigurationError(
                f"{type(self).__name__} is for a self-built app, which has a single tenant; "
                "tenant_key is only used by marketplace apps (use MarketplaceAuth)"
            )
        return await self._tokens.get(self._key, self._fetch)

    async def invalidate(self, token: str, *, tenant_key: str | None = None) -> None:
        """Forget ``token`` if it is still the cached one (after 99991663 / 99991664).

        Args:
            token: the token the server rejected; a newer cached token is kept.
            tenant_key: ignored (self-built apps have one tenant).
        """
        await self._tokens.invalidate(self._key, token)


class TenantTokenAuth(_SelfBuiltAuth):
    """tenant_access_token of a self-built app (implements ``TokenProvider``).

    Fetched with ``POST /open-apis/auth/v3/tenant_access_token/internal``
    ``{app_id, app_secret}`` through the client's transport, cached in
    ``cache``, refreshed ``refresh_margin`` seconds before it expires, one fetch
    at a time per app (across processes too with
    :class:`cache_backends.redis.RedisTokenCache`).

    The platform issues a new token only when the current one has less than 30
    minutes left (a fetch earlier returns the same token), and the old token
    stays valid until its own expiry. A margin above 1800 s therefore buys
    nothing and is rejected; the default 300 s leaves ample time.

    Args:
        app_id: the app id (``cli_...``).
        app_secret: the app secret (never logged or shown in reprs).
        cache: token cache; default a fresh :class:`cache_backends.memory.MemoryTokenCache`
            for this provider alone.
        refresh_margin: seconds before expiry to refresh (0 to 1800).
        clock: epoch seconds (tests inject a fake).
        lease_ttl: lifetime of the cross-process refresh lease.
        lease_wait: longest wait for another process's refresh.

    Raises:
        ConfigurationError: empty credentials or a margin outside 0..1800.
    """

    _path = TENANT_TOKEN_INTERNAL_PATH
    _field = "tenant_access_token"
    _kind = "tenant"


class AppTokenAuth(_SelfBuiltAuth):
    """app_access_token of a self-built app (implements ``TokenProvider``).

    Fetched with ``POST /open-apis/auth/v3/app_access_token/internal``
    ``{app_id, app_secret}``. Bitable endpoints take tenant or user tokens; this
    provider serves the few APIs that want the app token.

    Args:
        app_id: the app id (``cli_...``).
        app_secret: the app secret (never logged or shown in reprs).
        cache: token cache; default a fresh in-memory cache for this provider.
        refresh_margin: seconds before expiry to refresh (0 to 1800).
        clock: epoch seconds (tests inject a fake).
        lease_ttl: lifetime of the cross-process refresh lease.
        lease_wait: longest wait for another process's refresh.

    Raises:
        ConfigurationError: empty credentials or a margin outside 0..1800.
    """

    _path = APP_TOKEN_INTERNAL_PATH
    _field = "app_access_token"
    _kind = "app"
