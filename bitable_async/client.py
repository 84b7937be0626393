"""BitableClient: the one object a user creates.

It owns (or borrows) the aiohttp session through the :class:`Transport`, the
settings, and the token provider, and hands out cheap handles::

    async with BitableClient("cli_xxx", secret) as client:
        table = client.table("bascnXXXX", "tblXXXX")   # no I/O
        data = await client.request("GET", "/open-apis/bitable/v1/apps/bascnXXXX")

The app secret is given to the token provider and not kept on the client;
no repr shows it or any token.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, overload

from bitable_async._transport import ClientSession, QueryValue, Transport, TransportStats
from bitable_async._wire import normalise_path
from bitable_async.auth.base import TokenProvider
from bitable_async.config import ClientConfig, EndpointClass, RetryConfig
from bitable_async.errors import ConfigurationError
from bitable_async.handles import AppHandle, TableHandle
from bitable_async.retry import Clock, Sleep
from bitable_async.writer import LeaseBackend, WriteExecutor, WriterConfig, WriterRegistry
from bitable_async.writing.paths import route_for

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from bitable_async.models.fields import FieldSchema
    from bitable_async.resources.apaas import ApaasRecordsResource
    from cache_backends import TokenCache

__all__ = ["BitableClient", "RequestOptions"]

T = TypeVar("T")


class RequestOptions(TypedDict, total=False):
    """The keyword options of :meth:`BitableClient.request` besides ``response_type``.

    Attributes:
        query: query parameters.
        body: a JSON-encodable object or pre-encoded JSON bytes.
        tenant_key: the tenant of a marketplace app.
        user_access_token: call as this user.
        auth: ``False`` sends no Authorization header.
        retry_unknown_outcome: retry a write whose outcome is unknown.
        endpoint_class: the client-side rate-limit class.
        retry: this call's retry policy.
    """

    query: Mapping[str, QueryValue] | None
    body: Any
    tenant_key: str | None
    user_access_token: str | None
    auth: bool
    retry_unknown_outcome: bool
    endpoint_class: EndpointClass | str | None
    retry: RetryConfig | None


class BitableClient:
    """Async client of the Feishu / Lark Bitable open API.

    Use it as an async context manager (or call :meth:`aclose`); the HTTP
    session is opened on first use.

    Args:
        app_id: the app id (``cli_...``) of a self-built app.
        app_secret: its secret; with ``app_id`` and no ``auth``, the client
            builds :class:`~bitable_async.auth.TenantTokenAuth`.
        base_url: ``"feishu"`` (https://open.feishu.cn), ``"lark"``
            (https://open.larksuite.com) or any URL (e.g. the emulator's
            ``http://127.0.0.1:8686``); overrides ``config.base_url``. When
            ``None``, ``config.base_url`` is used (default ``"feishu"``).
        auth: a token provider (e.g. :class:`~bitable_async.auth.MarketplaceAuth`)
            instead of ``app_id``/``app_secret``. Without either, every call
            must pass ``user_access_token``.
        token_cache: the cache of the provider built from ``app_id``/``app_secret``
            (e.g. :class:`cache_backends.redis.RedisTokenCache`); default an
            in-memory cache of this client.
        session: an ``aiohttp.ClientSession`` to use; the client leaves it open.
        config: timeouts, connection limits, retry and rate-limit settings.
        sleep: async sleep for retries and rate limiting (tests inject a fake).
        clock: monotonic clock for retries and rate limiting (tests inject a fake).
        rng: random source of the retry jitter (tests inject a seeded one).
        writer_config: settings of the per-table writers every write goes
            through (coalescing window, granularity, lease timings ...).
        write_lease: a cross-process lease backend (e.g.
            :class:`~bitable_async.writing.redis_lease.RedisLeaseBackend`) so
            several processes take turns on a table; None = in-process only.

    Raises:
        ConfigurationError: inconsistent credentials, or an invalid base URL.
    """

    def __init__(
        self,
        app_id: str | None = None,
        app_secret: str | None = None,
        *,
        base_url: str | None = None,
        auth: TokenProvider | None = None,
        token_cache: TokenCache | None = None,
        session: ClientSession | None = None,
        config: ClientConfig | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        writer_config: WriterConfig | None = None,
        write_lease: LeaseBackend | None = None,
    ) -> None:
        config = config or ClientConfig()
        if base_url is not None:
            config = dataclasses.replace(config, base_url=base_url)
        if auth is not None:
            if app_secret is not None:
                raise ConfigurationError("pass either auth= or app_id/app_secret, not both")
            if token_cache is not None:
                raise ConfigurationError(
                    "token_cache= applies only to the provider built from app_id/app_secret; "
                    "give the cache to your auth provider instead"
                )
        elif app_id is not None or app_secret is not None:
            if not app_id or not app_secret:
                raise ConfigurationError("app_id and app_secret must be given together")
            # Imported here: the providers are only needed on this path.
            from bitable_async.auth import TenantTokenAuth

            auth = TenantTokenAuth(app_id, app_secret, cache=token_cache)
        elif token_cache is not None:
            raise ConfigurationError("token_cache= needs app_id and app_secret")
        self._app_id = app_id
        self._config = config
        self._auth = auth
        self._transport = Transport(
            config, session=session, auth=auth, sleep=sleep, clock=clock, rng=rng
        )
        if auth is not None:
            auth.bind(self._transport.fetch_token)
        self._writers = WriterRegistry(
            writer_config, executor_factory=self._write_executor, lease_backend=write_lease
        )

    def __repr__(self) -> str:
        auth = type(self._auth).__name__ if self._auth is not None else None
        return (
            f"BitableClient(app_id={self._app_id!r}, base_url={self._config.base_url!r}, "
            f"auth={auth})"
        )

    async def __aenter__(self) -> BitableClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Finish queued writes, then close the HTTP session if the client created it."""
        await self._writers.aclose()
        await self._transport.aclose()

    def _write_executor(self, app_token: str, table_id: str) -> WriteExecutor:
        from bitable_async.writing.http import TransportExecutor

        return TransportExecutor(self._transport, app_token, table_id)

    @property
    def writers(self) -> WriterRegistry:
        """The registry of per-table writers (one serial lane per table or per app)."""
        return self._writers

    @property
    def config(self) -> ClientConfig:
        """The settings in force (``config.base_url`` is the resolved URL)."""
        return self._config

    @property
    def auth(self) -> TokenProvider | None:
        """The token provider, if any."""
        return self._auth

    @property
    def transport(self) -> Transport:
        """The transport: the typed request API used by the resource modules."""
        return self._transport

    @property
    def stats(self) -> TransportStats:
        """Counters: HTTP calls, retries, token fetches and replays, per endpoint class."""
        return self._transport.stats

    def app(
        self,
        app_token: str,
        *,
        tenant_key: str | None = None,
        user_access_token: str | None = None,
    ) -> AppHandle:
        """A handle on one Bitable app; no I/O.

        Args:
            app_token: the app's token.
            tenant_key: make every call of the handle (and of its tables) for
                this tenant: a marketplace app's tenant token is used.
            user_access_token: make every call as this user; the token is sent
                as is and never cached by the SDK.

        Returns:
            The :class:`~bitable_async.handles.AppHandle`.

        Raises:
            ConfigurationError: ``app_token`` is empty or malformed, or an
                identity value is empty.
        """
        return AppHandle(
            self, app_token, tenant_key=tenant_key, user_access_token=user_access_token
        )

    def table(
        self,
        app_token: str,
        table_id: str,
        *,
        tenant_key: str | None = None,
        user_access_token: str | None = None,
        references: Mapping[str, FieldSchema | int] | None = None,
    ) -> TableHandle:
        """A handle on one table; no I/O.

        Args:
            app_token: the app's token.
            table_id: the table's id.
            tenant_key: make every call of the handle for this tenant
                (marketplace apps), the writer's batches included.
            user_access_token: make every call as this user; sent as is and
                never cached. Writes still share the table's one serial lane;
                only writes with the same identity are coalesced together.
            references: formula / lookup field name -> the schema (or type
                code) of the field it shows, e.g. ``{"Stage (lookup)":
                SingleSelectField(field_name="Stage")}``. Reads made with
                ``display_formula_ref=True`` decode those cells in that field's
                shape (a :class:`~bitable_async.values.types.RefValue`). A
                formula that is one reference to a field of the same table is
                found from the schema; lookups must be declared.

        Returns:
            The :class:`~bitable_async.handles.TableHandle`.

        Raises:
            ConfigurationError: an identifier is empty or malformed, or an
                identity value is empty.
            TypeError: a ``references`` value is neither a FieldSchema nor an int.
        """
        return TableHandle(
            self,
            app_token,
            table_id,
            tenant_key=tenant_key,
            user_access_token=user_access_token,
            references=references,
        )

    def apaas(
        self,
        namespace: str,
        object_api_name: str,
        *,
        tenant_key: str | None = None,
        user_access_token: str | None = None,
    ) -> ApaasRecordsResource:
        """The records of one aPaaS application object (batch_query / batch_update); no I/O.

        Args:
            namespace: the aPaaS application namespace, e.g. ``package_test__c``.
            object_api_name: the object's API name, e.g. ``_user``.
            tenant_key: call for this tenant (marketplace apps).
            user_access_token: call as this user (sent as is, never cached).

        Returns:
            The :class:`~bitable_async.resources.apaas.ApaasRecordsResource`.

        Raises:
            ValueError: an argument is empty or longer than 256 characters.
        """
        from bitable_async.resources import ApaasRecordsResource, CallContext

        ctx = CallContext(
            self._transport,
            tenant_key=tenant_key,
            user_access_token=user_access_token,
            writers=self._writers,
        )
        return ApaasRecordsResource(ctx, namespace, object_api_name)

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        response_type: type[T],
        **options: Unpack[RequestOptions],
    ) -> T: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        response_type: None = ...,
        **options: Unpack[RequestOptions],
    ) -> Any: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        response_type: type[Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """Call any open API endpoint and return the envelope's ``data``.

        The escape hatch for endpoints the SDK does not wrap (like the Go
        SDK's ``client.Do``): same auth, retries, rate limits and error
        mapping as every wrapped call.

        Writes sent this way still take their turn like every wrapped write:
        a non-GET call under ``/open-apis/bitable/v1/apps/{app}/tables/{table}``
        runs in that table's serial lane (the app's with per-app granularity,
        under the cross-process lease when configured), any other non-GET
        call under ``/open-apis/bitable/v1/apps/{app}`` in the app's lane.
        GET calls, the POST reads ``records/search`` and ``records/batch_get``
        and paths outside Bitable are sent at once (see
        :mod:`bitable_async.writing.paths`).

        Args:
            method: ``GET``, ``POST``, ``PUT``, ``PATCH`` or ``DELETE``.
            path: e.g. ``/open-apis/bitable/v1/apps/{app_token}/tables``
                (``/open-apis`` is added when missing).
            response_type: decode ``data`` into this type; ``None`` gives
                plain dicts and lists.
            **options: ``query`` (booleans as ``true``/``false``, lists as
                repeated keys, ``None`` omitted), ``body`` (a JSON-encodable
                object or pre-encoded JSON bytes), ``tenant_key`` (marketplace
                apps), ``user_access_token`` (never cached by the SDK),
                ``auth`` (``False`` sends no Authorization header),
                ``retry_unknown_outcome`` (retry a write after a timeout / 5xx /
                1255040; only safe when it is idempotent), ``endpoint_class``
                (``"write"``, ``"read"`` or ``"list_records"`` to apply the
                client-side rate limit) and ``retry`` (this call's retry
                policy instead of ``config.retry``); see :class:`RequestOptions`.

        Returns:
            The response's ``data``.

        Raises:
            ConfigurationError: bad arguments, detected before sending.
            WriterClosedError: a write after the client was closed.
            LeaseTimeoutError: a write could not get the cross-process lease.
            BitableError: the mapped API, server or transport error.
        """
        route = route_for(method, normalise_path(path))

        async def call() -> Any:
            response = await self._transport.request(
                method, path, response_type=response_type, **options
            )
            return response.data

        if route is None:
            return await call()
        return await self._writers.run(route.app_token, route.table_id, call)
