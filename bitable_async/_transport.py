"""The one door to the network: send, read, decode, map errors, retry.

This is the only module of the SDK that imports :mod:`aiohttp`. A
:class:`Transport` wraps one long-lived ``aiohttp.ClientSession`` (its own, with
explicit connector limits and timeouts, or the caller's, which it leaves
open) and turns every call into:

1. wait for the client-side rate limiter (when an endpoint class is given);
2. take the access token from the :class:`~bitable_async.auth.base.TokenProvider`
   (or use the caller's user token as is);
3. send the body as msgspec-encoded bytes, read the whole response as bytes
   and release the connection, decode the ``{code, msg, data}`` envelope once
   with a cached typed decoder (:mod:`bitable_async._wire`);
4. map a non-zero ``code`` through the one code table whatever the HTTP
   status, and an unusable body through the HTTP status;
5. on 99991663 / 99991664 drop the token and replay once; otherwise let
   :mod:`bitable_async.retry` decide.

Inside a write's turn with a cross-process lease, every attempt of a request
that is not a read -- the first try, each retry and a token replay -- is
preceded by the lane's fencing check (:mod:`bitable_async.fencing`), right
before it is sent; a lost lease stops it unsent.

Secrets never reach a log line, a repr or an exception: the Authorization
header and request bodies are never logged, tokens travel only in headers,
and error messages never quote a response body.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

import aiohttp
import anyio

from bitable_async._wire import (
    JSON_CONTENT_TYPE,
    LOG_ID_HEADER,
    RESET_HEADER,
    QueryValue,
    RawResponse,
    Response,
    TransportStats,
    decode_envelope,
    decode_token_body,
    encode_body,
    encode_query,
    is_idempotent,
    normalise_path,
    parse_reset,
)
from bitable_async.auth.base import TokenProvider
from bitable_async.config import ClientConfig, EndpointClass, RetryConfig
from bitable_async.errors import (
    TOKEN_INVALID_CODES,
    APIError,
    AuthError,
    BitableError,
    ConfigurationError,
    ConnectionFailedError,
    RequestTimeoutError,
    TransportError,
    error_for_status,
)
from bitable_async.fencing import SendGuard, current_guard, is_read
from bitable_async.models.envelope import envelope_decoder
from bitable_async.ratelimit import RateLimiter
from bitable_async.retry import Clock, OnRetry, Sleep, retry_call

__all__ = ["ClientSession", "QueryValue", "Response", "Transport", "TransportStats"]

T = TypeVar("T")
R = TypeVar("R")

logger = logging.getLogger("bitable_async.transport")

ClientSession = aiohttp.ClientSession
"""The session type a caller may lend to the client (re-exported so that no
other module needs to import aiohttp)."""

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


class Transport:
    """Sends Bitable API requests over one long-lived aiohttp session.

    Args:
        config: client settings (base URL, timeouts, limits, retry, rate limits).
        session: an ``aiohttp.ClientSession`` to use and leave open (its own
            timeouts apply); when ``None`` the transport creates one on first
            use, with the configured connector limits and timeouts, and
            closes it in :meth:`aclose`.
        auth: the provider of app tokens; ``None`` means every authenticated
            call must pass ``user_access_token``.
        sleep: async sleep for retries and rate limiting (default ``anyio.sleep``).
        clock: monotonic clock in seconds (default ``time.monotonic``).
        rng: random source of the retry jitter.
    """

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        auth: TokenProvider | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._config = config or ClientConfig()
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._auth = auth
        self._sleep: Sleep = sleep or anyio.sleep
        self._clock: Clock = clock or time.monotonic
        self._rng = rng or random.Random()
        self._limiter = RateLimiter(self._config.rate_limit, clock=self._clock, sleep=self._sleep)
        self.stats = TransportStats()
        """Counters of calls, retries and token work."""

    def __repr__(self) -> str:
        return (
            f"Transport(base_url={self._config.base_url!r}, "
            f"owns_session={self._owns_session}, closed={self._closed})"
        )

    @property
    def config(self) -> ClientConfig:
        """The settings in force."""
        return self._config

    @property
    def rate_limiter(self) -> RateLimiter:
        """The client-side rate limiter."""
        return self._limiter

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ConfigurationError("the client is closed")
        if self._session is None:
            # Created lazily so that building a client needs no running loop.
            timeouts = self._config.timeouts
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._config.limits.limit,
                    limit_per_host=self._config.limits.limit_per_host,
                ),
                timeout=aiohttp.ClientTimeout(
                    total=timeouts.total,
                    connect=timeouts.connect,
                    sock_read=timeouts.sock_read,
                ),
                raise_for_status=False,
            )
        return self._session

    async def aclose(self) -> None:
        """Close the session if the transport created it; a lent session stays open."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()

    async def _send(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]],
        payload: bytes | None,
        headers: Mapping[str, str],
        attempt: int,
        endpoint_class: EndpointClass | None,
    ) -> RawResponse:
        """One HTTP exchange; the response is fully read and released on return."""
        session = self._get_session()
        stats = self.stats
        stats.http_calls += 1
        key = endpoint_class.value if endpoint_class is not None else "none"
        by_class = stats.calls_by_class
        by_class[key] = by_class.get(key, 0) + 1
        started = self._clock()
        error: TransportError
        try:
            async with session.request(
                method,
                self._config.base_url + path,
                params=params,
                data=payload,
                headers=headers,
            ) as resp:
                body = await resp.read()
            resp_headers = resp.headers
            reset = resp_headers.get(RESET_HEADER)
            return RawResponse(
                status=resp.status,
                body=body,
                headers=resp_headers,
                log_id=resp_headers.get(LOG_ID_HEADER),
                retry_after=parse_reset(reset) if reset else None,
                elapsed=self._clock() - started,
            )
        # Messages name the failure only: aiohttp's own text may quote the URL.
        except aiohttp.ConnectionTimeoutError as exc:
            error = ConnectionFailedError("connect timed out", method=method, path=path)
            cause: BaseException = exc
        except aiohttp.ClientConnectorError as exc:
            reason = exc.strerror or "connection failed"
            error = ConnectionFailedError(f"cannot connect: {reason}", method=method, path=path)
            cause = exc
        except (asyncio.TimeoutError, TimeoutError) as exc:
            error = RequestTimeoutError("request timed out", method=method, path=path)
            cause = exc
        except aiohttp.ClientError as exc:
            error = TransportError(
                f"transport error: {type(exc).__name__}", method=method, path=path
            )
            cause = exc
        logger.debug(
            "%s %s -> %s attempt=%d elapsed=%.3fs",
            method,
            path,
            type(error).__name__,
            attempt,
            self._clock() - started,
        )
        raise error from cause

    def _log(self, method: str, path: str, raw: RawResponse, code: int | None, n: int) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d code=%s log_id=%s elapsed=%.3fs attempt=%d",
                method,
                path,
                raw.status,
                code,
                raw.log_id,
                raw.elapsed,
                n,
            )

    def _note_error(
        self, exc: BitableError, method: str, path: str, raw: RawResponse, n: int
    ) -> None:
        if isinstance(exc, APIError) and exc.code is not None:
            self.stats.errors_by_code[exc.code] = self.stats.errors_by_code.get(exc.code, 0) + 1
        self._log(method, path, raw, exc.code, n)

    def _retry_hook(self, method: str, path: str, eclass: EndpointClass | None) -> OnRetry:
        def on_retry(exc: BitableError, number: int, delay: float) -> None:
            self.stats.retries += 1
            key = eclass.value if eclass is not None else "none"
            self.stats.retries_by_class[key] = self.stats.retries_by_class.get(key, 0) + 1
            logger.debug(
                "%s %s: retry %d in %.3fs after %s code=%s http_status=%s log_id=%s",
                method,
                path,
                number + 1,
                delay,
                type(exc).__name__,
                exc.code,
                exc.http_status,
                exc.log_id,
            )

        return on_retry

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, QueryValue] | None = ...,
        body: Any = ...,
        response_type: type[T],
        tenant_key: str | None = ...,
        user_access_token: str | None = ...,
        auth: bool = ...,
        retry_unknown_outcome: bool = ...,
        retry: RetryConfig | None = ...,
        endpoint_class: EndpointClass | str | None = ...,
    ) -> Response[T]: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, QueryValue] | None = ...,
        body: Any = ...,
        response_type: None = ...,
        tenant_key: str | None = ...,
        user_access_token: str | None = ...,
        auth: bool = ...,
        retry_unknown_outcome: bool = ...,
        retry: RetryConfig | None = ...,
        endpoint_class: EndpointClass | str | None = ...,
    ) -> Response[Any]: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, QueryValue] | None = None,
        body: Any = None,
        response_type: type[Any] | None = None,
        tenant_key: str | None = None,
        user_access_token: str | None = None,
        auth: bool = True,
        retry_unknown_outcome: bool = False,
        retry: RetryConfig | None = None,
        endpoint_class: EndpointClass | str | None = None,
    ) -> Response[Any]:
        """Send one API request, with auth, rate limiting and retries.

        Args:
            method: ``GET``, ``POST``, ``PUT``, ``PATCH`` or ``DELETE``.
            path: the API path, e.g. ``/open-apis/bitable/v1/apps/{app_token}``
                (``/open-apis`` is prefixed when missing). Path parameters
                must already be URL-safe.
            query: query parameters: booleans are sent as ``true``/``false``,
                lists as repeated keys, ``None`` values are left out.
            body: a msgspec-encodable object, or pre-encoded JSON ``bytes``.
            response_type: the type of the envelope's ``data`` (decoded
                straight into it); ``None`` decodes to plain Python objects.
            tenant_key: the tenant of a marketplace app (passed to the token
                provider; also the rate-limit key).
            user_access_token: call as this user; used as is, never cached or
                refreshed (99991668 / 99991677 are raised as :class:`AuthError`).
            auth: ``False`` sends no Authorization header.
            retry_unknown_outcome: allow retrying a non-GET request after an
                error whose outcome is unknown (5xx, timeouts, 1255040 ...).
                Writes with a ``client_token`` query parameter are retried
                that way automatically.
            retry: override the client's retry policy for this request only
                (e.g. ``RetryConfig(enabled=False)`` when the caller owns the retry loop).
            endpoint_class: the rate-limit class; ``None`` skips the limiter.

        Returns:
            The decoded :class:`Response`.

        Raises:
            ConfigurationError: bad arguments, detected before sending.
            APIError: the code table's subclass for a non-zero ``code``.
            ServerError: HTTP 5xx without a JSON envelope.
            TransportError: connection failure, timeout or unreadable body.
            ResponseDecodeError: ``data`` does not match ``response_type``.
        """
        method = method.upper()
        if method not in _METHODS:
            raise ConfigurationError(f"unsupported HTTP method {method!r}")
        path = normalise_path(path)
        params = encode_query(query)
        payload = encode_body(body)
        eclass = (
            endpoint_class
            if endpoint_class is None or endpoint_class.__class__ is EndpointClass
            else EndpointClass(endpoint_class)
        )
        data_type: Any = Any if response_type is None else response_type
        # An undecodable type fails here, before sending.
        decoder = envelope_decoder(data_type)
        require_data = response_type is not None
        headers = {"User-Agent": self._config.user_agent}
        if payload is not None:
            headers["Content-Type"] = JSON_CONTENT_TYPE
        debug = logger.isEnabledFor(logging.DEBUG)

        def check(raw: RawResponse, number: int) -> Response[Any]:
            envelope = decode_envelope(
                raw, data_type, method, path, require_data=require_data, decoder=decoder
            )
            if debug:
                self._log(method, path, raw, envelope.code, number)
            return Response(
                data=envelope.data,
                code=envelope.code,
                msg=envelope.msg,
                http_status=raw.status,
                log_id=raw.log_id,
                headers=raw.headers,
            )

        return await self._exchange(
            method,
            path,
            params,
            payload,
            headers,
            check,
            tenant_key=tenant_key,
            user_access_token=user_access_token,
            auth=auth,
            idempotent=is_idempotent(method, query, retry_unknown_outcome),
            eclass=eclass,
            retry=retry,
        )

    async def _exchange(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]],
        payload: bytes | None,
        headers: dict[str, str],
        check: Callable[[RawResponse, int], R],
        *,
        tenant_key: str | None,
        user_access_token: str | None,
        auth: bool,
        idempotent: bool,
        eclass: EndpointClass | None,
        retry: RetryConfig | None,
    ) -> R:
        """The shared core: token, rate limit, send, ``check``, replay once, retry.

        ``check`` turns a read response into the result or raises the mapped
        :class:`BitableError`; an app token rejected with 99991663 / 99991664
        is dropped and the request replayed once with a fresh one.
        """
        provider: TokenProvider | None = None
        token: str | None = None
        if auth:
            if user_access_token is not None:
                if not user_access_token:
                    raise ConfigurationError("user_access_token must not be empty")
                token = user_access_token
            elif self._auth is not None:
                provider = self._auth
                token = await provider.get_token(tenant_key=tenant_key)
            else:
                raise ConfigurationError(
                    "this client has no app credentials: pass app_id/app_secret or auth= "
                    "to the client, or user_access_token= to the call"
                )
        retry_config = self._config.retry if retry is None else retry
        started = self._clock()
        # The lane's fencing check, awaited before every attempt of a write.
        guard = current_guard()
        if guard is not None and is_read(method, path):
            guard = None
        # Fast path: the first try runs inline; closures, the retry loop and
        # its hook are only built after a failure (see _recover).
        limiter = self._limiter
        if eclass is not None and limiter.config.enabled:
            await limiter.acquire(eclass, key=tenant_key)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if guard is not None:
            await guard(False)  # raises (nothing sent) when the lease is gone
        raw: RawResponse | None = None
        try:
            raw = await self._send(method, path, params, payload, headers, 0, eclass)
            try:
                return check(raw, 0)
            except BitableError as exc:
                self._note_error(exc, method, path, raw, 0)
                raise
        except BitableError as exc:
            first = exc
        return await self._recover(
            first,
            raw is not None,
            method,
            path,
            params,
            payload,
            headers,
            check,
            tenant_key=tenant_key,
            provider=provider,
            token=token,
            idempotent=idempotent,
            eclass=eclass,
            retry=retry_config,
            started=started,
            guard=guard,
        )

    async def _recover(
        self,
        first: BitableError,
        first_checked: bool,
        method: str,
        path: str,
        params: list[tuple[str, str]],
        payload: bytes | None,
        headers: dict[str, str],
        check: Callable[[RawResponse, int], R],
        *,
        tenant_key: str | None,
        provider: TokenProvider | None,
        token: str | None,
        idempotent: bool,
        eclass: EndpointClass | None,
        retry: RetryConfig,
        started: float,
        guard: SendGuard | None,
    ) -> R:
        """Carry on after the inline first try of :meth:`_exchange` failed with ``first``.

        ``first_checked`` says ``first`` came from ``check`` (a response was
        read and already noted), not from sending. Try 0 resumes where it
        failed (a token replay, or its error handed to the retry loop), and
        later tries go through :func:`~bitable_async.retry.retry_call`.
        ``guard`` (the lane's fencing check, or None) is awaited before every
        send, told whether an earlier attempt may have been applied.
        """
        replayed = False
        pending: BitableError | None = first
        maybe_applied = first.outcome_unknown

        def can_replay(exc: BitableError) -> bool:
            return (
                isinstance(exc, AuthError)
                and exc.code in TOKEN_INVALID_CODES
                and provider is not None
                and token is not None
                and not replayed
            )

        async def attempt(number: int) -> R:
            nonlocal token, replayed, pending, maybe_applied
            replay: BitableError | None = None
            if pending is not None:
                # The rest of try 0, whose first send ran inline.
                replay, pending = pending, None
                if not first_checked or not can_replay(replay):
                    raise replay
            elif eclass is not None:
                await self._limiter.acquire(eclass, key=tenant_key)
            while True:
                if replay is not None:
                    # The cached app token was rejected: drop it and replay once.
                    assert provider is not None
                    assert token is not None
                    replayed = True
                    self.stats.token_replays += 1
                    await provider.invalidate(token, tenant_key=tenant_key)
                    token = await provider.get_token(tenant_key=tenant_key)
                    replay = None
                if token is not None:
                    headers["Authorization"] = f"Bearer {token}"
                if guard is not None:
                    await guard(maybe_applied)  # a retry after the lease was lost is not sent
                try:
                    raw = await self._send(method, path, params, payload, headers, number, eclass)
                except BitableError as exc:
                    maybe_applied = maybe_applied or exc.outcome_unknown
                    raise
                try:
                    return check(raw, number)
                except BitableError as exc:
                    maybe_applied = maybe_applied or exc.outcome_unknown
                    self._note_error(exc, method, path, raw, number)
                    if not can_replay(exc):
                        raise
                    replay = exc

        return await retry_call(
            attempt,
            config=retry,
            sleep=self._sleep,
            clock=self._clock,
            rng=self._rng,
            idempotent=idempotent,
            on_retry=self._retry_hook(method, path, eclass),
            started=started,
        )

    async def fetch_token(self, path: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        """Post ``body`` to a token endpoint (the :class:`~bitable_async.auth.base.TokenFetcher`).

        Sends no Authorization header and never logs the body (it holds the
        app secret) nor the response (it holds the token). Token endpoints
        put their fields at the top level, so the whole decoded body is
        returned. Transient failures are retried like any idempotent call.

        Args:
            path: the token endpoint, e.g. ``/open-apis/auth/v3/tenant_access_token/internal``.
            body: the JSON body (``app_id``, ``app_secret`` ...).

        Returns:
            The decoded response body (``code == 0``).

        Raises:
            APIError: the mapped error for a non-zero ``code``.
            ServerError: HTTP 5xx without a JSON body.
            TransportError: connection failure, timeout or unreadable body.
        """
        path = normalise_path(path)
        payload = encode_body(dict(body))
        headers = {"User-Agent": self._config.user_agent, "Content-Type": JSON_CONTENT_TYPE}

        async def attempt(number: int) -> Mapping[str, Any]:
            self.stats.token_fetches += 1
            raw = await self._send("POST", path, [], payload, headers, number, None)
            try:
                decoded = decode_token_body(raw, path)
            except BitableError as exc:
                self._note_error(exc, "POST", path, raw, number)
                raise
            self._log("POST", path, raw, 0, number)
            return decoded

        return await retry_call(
            attempt,
            config=self._config.retry,
            sleep=self._sleep,
            clock=self._clock,
            rng=self._rng,
            idempotent=True,
            on_retry=self._retry_hook("POST", path, None),
        )

    async def request_raw(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, QueryValue] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        tenant_key: str | None = None,
        user_access_token: str | None = None,
        retry_unknown_outcome: bool = False,
        endpoint_class: EndpointClass | str | None = None,
        retry: RetryConfig | None = None,
    ) -> RawResponse:
        """Send a pre-encoded body and return the raw response (Drive media upload / download).

        For the endpoints whose request is not JSON (multipart uploads) or whose
        response is not an envelope (file downloads). Auth, token replay, rate
        limiting and retries work as in :meth:`request`. A JSON response is
        checked as an envelope (a non-zero ``code`` raises its mapped error);
        any other response must be 2xx.

        Args:
            method: ``GET``, ``POST``, ``PUT``, ``PATCH`` or ``DELETE``.
            path: the API path (``/open-apis`` is prefixed when missing).
            query: query parameters, as for :meth:`request`.
            body: the encoded request body, if any.
            content_type: its ``Content-Type`` (e.g. ``multipart/form-data; boundary=...``).
            tenant_key: the tenant of a marketplace app.
            user_access_token: call as this user.
            retry_unknown_outcome: allow retrying a non-GET request after an
                error whose outcome is unknown.
            endpoint_class: the rate-limit class; ``None`` skips the limiter.
            retry: override the client's retry policy for this request only.

        Returns:
            The fully read response (status, body bytes, headers, log id).

        Raises:
            ConfigurationError: bad arguments, detected before sending.
            APIError: a JSON envelope with a non-zero ``code``.
            BitableError: a non-2xx response without an envelope (mapped by status).
            TransportError: connection failure or timeout.
        """
        method = method.upper()
        if method not in _METHODS:
            raise ConfigurationError(f"unsupported HTTP method {method!r}")
        path = normalise_path(path)
        params = encode_query(query)
        eclass = EndpointClass(endpoint_class) if endpoint_class is not None else None
        headers = {"User-Agent": self._config.user_agent}
        if body is not None:
            headers["Content-Type"] = content_type or "application/octet-stream"

        def check(raw: RawResponse, number: int) -> RawResponse:
            ctype = raw.headers.get("Content-Type", "")
            if ctype.startswith("application/json"):
                decode_envelope(raw, Any, method, path, require_data=False)
            elif not 200 <= raw.status < 300:
                raise error_for_status(
                    raw.status,
                    f"HTTP {raw.status} ({ctype or 'no content type'})",
                    log_id=raw.log_id,
                    method=method,
                    path=path,
                    retry_after=raw.retry_after,
                )
            self._log(method, path, raw, None, number)
            return raw

        return await self._exchange(
            method,
            path,
            params,
            body,
            headers,
            check,
            tenant_key=tenant_key,
            user_access_token=user_access_token,
            auth=True,
            idempotent=is_idempotent(method, query, retry_unknown_outcome),
            eclass=eclass,
            retry=retry,
        )
