"""The contract between the transport and the token providers.

The transport asks a :class:`TokenProvider` for a token before each request
that needs one, and tells it when the server said the token is no longer valid
(99991663 / 99991664). Providers never touch the network themselves: they call
the :class:`TokenFetcher` the client hands them, which posts to the token
endpoints through the one transport (so timeouts, retries and logging are the
same as for every other call, and aiohttp stays in one module).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

__all__ = ["TokenFetcher", "TokenProvider"]


class TokenFetcher(Protocol):
    """Posts a JSON body to a token endpoint and returns the decoded body.

    The token endpoints answer with their fields at the top level
    (``tenant_access_token``, ``expire`` ...), not under ``data``. The fetcher
    raises the mapped :class:`~bitable_async.errors.BitableError` when ``code``
    is non-zero, and otherwise returns the whole decoded body.
    """

    async def __call__(self, path: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        """Post ``body`` to ``path`` without an Authorization header.

        Args:
            path: the token endpoint, e.g. ``/open-apis/auth/v3/tenant_access_token/internal``.
            body: the JSON body (credentials, app_ticket, tenant_key ...).

        Returns:
            The whole decoded response body (token fields at the top level).

        Raises:
            BitableError: the mapped error of a non-zero ``code``, or a transport failure.
        """
        ...


@runtime_checkable
class TokenProvider(Protocol):
    """Supplies the access token for requests made as the app."""

    async def get_token(self, *, tenant_key: str | None = None) -> str:
        """Return a valid token, fetching one (single-flight) when needed.

        Args:
            tenant_key: the tenant, for marketplace apps; ``None`` for self-built apps.

        Returns:
            The access token to put after ``Bearer``.

        Raises:
            ConfigurationError: the provider cannot serve this call (wrong or
                missing ``tenant_key``, not bound to a client).
            BitableError: fetching the token failed.
        """
        ...

    async def invalidate(self, token: str, *, tenant_key: str | None = None) -> None:
        """Forget ``token`` if it is still the cached one (the server rejected it).

        Args:
            token: the token the server rejected; a newer cached token is kept.
            tenant_key: the tenant, for marketplace apps.
        """
        ...

    def bind(self, fetcher: TokenFetcher) -> None:
        """Attach the fetcher the provider uses to reach the token endpoints.

        Called once by the client that owns the provider, before first use.

        Args:
            fetcher: posts a JSON body to a token path through the client's transport.
        """
        ...
