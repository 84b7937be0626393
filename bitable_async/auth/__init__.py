"""Token providers: self-built tenant/app tokens and marketplace (app_ticket) tokens.

Providers implement :class:`~bitable_async.auth.base.TokenProvider`; they reach
the token endpoints only through the :class:`~bitable_async.auth.base.TokenFetcher`
the client binds, and keep tokens in a :class:`cache_backends.TokenCache`.
User access tokens are passed per call and never cached by the SDK.
"""

from .base import TokenFetcher, TokenProvider
from .marketplace import AppTicketMissingError, MarketplaceAuth
from .tenant import AppTokenAuth, TenantTokenAuth

__all__ = [
    "AppTicketMissingError",
    "AppTokenAuth",
    "MarketplaceAuth",
    "TenantTokenAuth",
    "TokenFetcher",
    "TokenProvider",
]
