"""Access tokens: issuing (supplement.md token endpoints), renewal, revocation, checks."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

from . import errors as E
from .config import AppCredential, Clock
from .errors import ApiError


@dataclass
class IssuedToken:
    """A token the emulator handed out."""

    value: str
    kind: str  # "tenant" | "app"
    app_id: str
    tenant_key: str
    expires_at: float
    revoked: bool = False

    def __repr__(self) -> str:
        return f"IssuedToken(kind={self.kind!r}, app_id={self.app_id!r})"


class TokenStore:
    """Issues and validates tenant / app access tokens.

    Args:
        apps: the developer apps allowed to fetch tokens.
        clock: time source (seconds).
        ttl: token lifetime in seconds.
        renew_window: a fetch with less than this left gets a new token.
    """

    def __init__(self, apps: list[AppCredential], clock: Clock, ttl: int, renew_window: int):
        self._lock = threading.Lock()
        self._clock = clock
        self.ttl = ttl
        self.renew_window = renew_window
        self.apps = {a.app_id: a for a in apps}
        self._tokens: dict[str, IssuedToken] = {}
        self._current: dict[tuple[str, str, str], IssuedToken] = {}
        self._tickets: dict[str, list[str]] = {}
        for a in apps:
            if a.marketplace:
                self.new_ticket(a.app_id)

    def credential(self, app_id: Any, app_secret: Any) -> AppCredential:
        """Check an app ID and secret.

        Args:
            app_id: the ``app_id`` as sent (any JSON value).
            app_secret: the ``app_secret`` as sent (compared in constant time).

        Returns:
            the app's credential.

        Raises:
            ApiError: 10003 for an unknown app ID, 10014 for a wrong secret.
        """
        cred = self.apps.get(app_id) if isinstance(app_id, str) else None
        if cred is None:
            raise ApiError(E.APP_ID_INVALID, "app_id is invalid", status=400)
        if not isinstance(app_secret, str) or not secrets.compare_digest(
            cred.app_secret.encode(), app_secret.encode()
        ):
            raise ApiError(E.APP_SECRET_INVALID, "app secret invalid", status=400)
        return cred

    def issue(self, kind: str, app_id: str, tenant_key: str = "") -> tuple[str, int]:
        """Return ``(token, expire_seconds)`` following the renewal rule.

        A fetch with more than ``renew_window`` left returns the same token with
        the remaining lifetime; otherwise a new token is issued and the old one
        stays valid until it expires.

        Args:
            kind: ``"tenant"`` or ``"app"``.
            app_id: the developer app.
            tenant_key: tenant of a marketplace app ("" for self-built).

        Returns:
            the token and its remaining lifetime in whole seconds.
        """
        now = self._clock()
        key = (kind, app_id, tenant_key)
        with self._lock:
            cur = self._current.get(key)
            if cur is not None and not cur.revoked and cur.expires_at - now > self.renew_window:
                return cur.value, int(cur.expires_at - now)
            prefix = "t-" if kind == "tenant" else "a-"
            tok = IssuedToken(prefix + secrets.token_hex(20), kind, app_id, tenant_key,
                              now + self.ttl)
            self._tokens[tok.value] = tok
            self._current[key] = tok
            return tok.value, self.ttl

    def authenticate(self, header: str | None, kinds: tuple[str, ...] = ("tenant",)) -> IssuedToken:
        """Validate an ``Authorization: Bearer <token>`` header.

        Args:
            header: the header value (None when absent).
            kinds: token kinds accepted.

        Returns:
            the token record.

        Raises:
            ApiError: 99991661 when missing/malformed, 99991663 when unknown,
                expired or revoked.
        """
        if not header or not header.startswith("Bearer ") or not header[7:].strip():
            raise ApiError(E.AUTH_HEADER_MISSING)
        return self.lookup(header[7:].strip(), kinds, E.TOKEN_INVALID)

    def lookup(self, value: str, kinds: tuple[str, ...], code: int) -> IssuedToken:
        """Return a live token of one of ``kinds``.

        Args:
            value: the token string.
            kinds: accepted kinds (``"tenant"``, ``"app"``, ...).
            code: the error code to answer with otherwise.

        Returns:
            the issued token.

        Raises:
            ApiError: ``code`` when the token is unknown, revoked, expired or of
                another kind.
        """
        tok = self._tokens.get(value)
        if tok is None or tok.revoked or tok.kind not in kinds or tok.expires_at <= self._clock():
            raise ApiError(code)
        return tok

    def revoke(self, app_id: str | None = None) -> int:
        """Revoke every live token (of one app, or all).

        Args:
            app_id: limit to this app; None = all apps.

        Returns:
            the number of tokens revoked.
        """
        n = 0
        with self._lock:
            for tok in self._tokens.values():
                if not tok.revoked and (app_id is None or tok.app_id == app_id):
                    tok.revoked = True
                    n += 1
        return n

    def new_ticket(self, app_id: str) -> str:
        """Create a fresh app_ticket for a marketplace app (older ones stay valid)."""
        ticket = "tk-" + secrets.token_hex(12)
        self._tickets.setdefault(app_id, []).append(ticket)
        return ticket

    def ticket(self, app_id: str) -> str | None:
        """Return the newest app_ticket of an app, or None."""
        tickets = self._tickets.get(app_id)
        return tickets[-1] if tickets else None

    def ticket_valid(self, app_id: str, ticket: Any) -> bool:
        """Return True when ``ticket`` was issued to ``app_id``.

        Args:
            app_id: the marketplace app.
            ticket: the ``app_ticket`` as sent (any JSON value).
        """
        return isinstance(ticket, str) and ticket in self._tickets.get(app_id, [])
