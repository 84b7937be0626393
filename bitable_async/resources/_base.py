"""What every resource shares: how a call reaches the transport, and the write seam.

A resource object is cheap: it holds the transport reference, the ids of the
thing it is scoped to (app, table, role ...) and the per-handle identity
(tenant key, user access token). It does no I/O when built.

THE WRITE SEAM. Every write call of every resource (records create / update /
delete in all forms, fields, views, forms, tables, app, dashboards, roles,
members, aPaaS updates) goes through :meth:`Resource._write`. When the call
context carries the client's writer registry (handles built by a client always
do), the write runs in the turn of its table's (or app's) serial lane, under the
cross-process lease when one is configured; ``scope`` tells which.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar
from urllib.parse import quote

import msgspec

from bitable_async.config import EndpointClass
from bitable_async.pagination import Page, PageIterator, resolve_page_size

if TYPE_CHECKING:
    from bitable_async._transport import Transport
    from bitable_async.writer import WriterRegistry

__all__ = [
    "READ",
    "WRITE",
    "CallContext",
    "ListData",
    "Resource",
    "TableResource",
    "UserIdType",
    "WriteScope",
    "body",
    "json_list",
    "list_pages",
    "path_id",
    "query",
]

T = TypeVar("T")

UserIdType = Literal["open_id", "union_id", "user_id"]
"""Which id persons are named by in requests and responses (default ``open_id``)."""

READ = EndpointClass.READ
WRITE = EndpointClass.WRITE


@dataclass(frozen=True, slots=True)
class CallContext:
    """Who makes the calls of a handle: the client's transport and the identity used.

    Attributes:
        transport: the client's one transport (the only door to the network).
        tenant_key: the tenant, for marketplace apps.
        user_access_token: call as this user instead of as the app.
        writers: the client's writer registry; when set, every write runs in
            its table's (or app's) turn -- see :mod:`bitable_async.writer`.
    """

    transport: Transport
    tenant_key: str | None = None
    user_access_token: str | None = None
    writers: WriterRegistry | None = None


@dataclass(frozen=True, slots=True)
class WriteScope:
    """What a write touches, for the writer plugged into :meth:`Resource._write`.

    Attributes:
        app_token: the Bitable.
        table_id: the table, or ``None`` for app-level writes (tables, roles ...).
        operation: ``"<resource>.<action>"``, e.g. ``"records.batch_create"``.
    """

    app_token: str
    table_id: str | None
    operation: str


def path_id(name: str, value: str) -> str:
    """Validate an id and make it safe as one path segment.

    Args:
        name: the parameter's name, for the error message.
        value: the id.

    Returns:
        The id, percent-encoded for a path segment.

    Raises:
        ValueError: the id is not a non-empty string.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return quote(value, safe="")


def query(**params: Any) -> dict[str, Any]:
    """Build a query mapping, leaving out parameters that are ``None``.

    Args:
        **params: query parameters; bools are sent as ``true`` / ``false`` by
            the transport.

    Returns:
        The parameters that have a value.
    """
    return {k: v for k, v in params.items() if v is not None}


def json_list(name: str, values: Iterable[str] | str | None) -> str | None:
    """Encode a list of strings as the JSON-array string some query params take.

    Args:
        name: the parameter's name, for the error message.
        values: the strings; a ``str`` is taken as already encoded.

    Returns:
        e.g. ``'["a","b"]'``, or ``None`` when ``values`` is ``None``.

    Raises:
        TypeError: an element is not a string.
    """
    if values is None or isinstance(values, str):
        return values
    items = list(values)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} must hold strings, got {item!r}")
    return msgspec.json.encode(items).decode()


def body(**fields: Any) -> dict[str, Any]:
    """Build a JSON body, leaving out fields that are ``None``.

    Args:
        **fields: body fields.

    Returns:
        The fields that have a value.
    """
    return {k: v for k, v in fields.items() if v is not None}


class Resource:
    """Base of every resource namespace (``client.app(...).tables`` ...).

    Attributes:
        app_token: the Bitable this resource is scoped to.
    """

    _prefix = "/open-apis/bitable/v1/apps"

    def __init__(self, ctx: CallContext, app_token: str) -> None:
        """Bind the resource to a call context and a Bitable.

        Args:
            ctx: the transport and identity to call with.
            app_token: the Bitable's token.

        Raises:
            ValueError: ``app_token`` is empty.
        """
        self._ctx = ctx
        self.app_token = app_token
        self._app_path = f"{self._prefix}/{path_id('app_token', app_token)}"

    @property
    def _table_id(self) -> str | None:
        return None

    async def _call(
        self,
        method: str,
        path: str,
        response_type: type[T],
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        endpoint_class: EndpointClass = READ,
        retry_unknown_outcome: bool = False,
    ) -> T:
        """Send one request through the transport and return its decoded ``data``.

        Args:
            method: the HTTP method.
            path: the full API path (``/open-apis/...``).
            response_type: the type ``data`` is decoded into.
            params: query parameters (``None`` values already removed).
            json: the JSON body (a mapping or Structs), if any.
            endpoint_class: rate-limit class of the endpoint.
            retry_unknown_outcome: the call is safe to replay after an unknown
                outcome (reads, or writes with a ``client_token``).

        Returns:
            The response's ``data``.

        Raises:
            BitableError: the request failed (see :mod:`bitable_async.errors`).
        """
        writers, table_id = self._ctx.writers, self._table_id
        guard: contextlib.AbstractAsyncContextManager[None] = contextlib.nullcontext()
        if writers is not None and table_id is not None and endpoint_class is not WRITE:
            guard = writers.reading(self.app_token, table_id)  # exclusive_reads option
        async with guard:
            response = await self._ctx.transport.request(
                method,
                path,
                query=params or None,
                body=json,
                response_type=response_type,
                tenant_key=self._ctx.tenant_key,
                user_access_token=self._ctx.user_access_token,
                retry_unknown_outcome=retry_unknown_outcome or method == "GET",
                endpoint_class=endpoint_class,
            )
        return response.data

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        endpoint_class: EndpointClass = WRITE,
    ) -> None:
        """Send one request whose ``data`` is not needed (deletes, member writes).

        ``data`` may then be ``{}``, ``null`` or absent: the transport does
        not require it when no response type is asked for.

        Args:
            method: the HTTP method.
            path: the full API path.
            params: query parameters (``None`` values already removed).
            json: the JSON body, if any.
            endpoint_class: rate-limit class of the endpoint.

        Raises:
            BitableError: the request failed.
        """
        await self._ctx.transport.request(
            method,
            path,
            query=dict(params) if params else None,
            body=json,
            tenant_key=self._ctx.tenant_key,
            user_access_token=self._ctx.user_access_token,
            endpoint_class=endpoint_class,
        )

    async def _write(
        self,
        operation: str,
        call: Callable[[], Awaitable[T]],
        *,
        table_id: str | None = None,
    ) -> T:
        """THE write seam: every write of every resource is awaited here.

        With a writer registry in the call context, ``call`` runs in the turn
        of the table's (or app's) writer: one write at a time per table, under
        the cross-process lease when configured -- fenced before ``call`` and
        before every attempt of each write request it sends, retries
        included. Otherwise it is awaited as is.

        Args:
            operation: ``"<resource>.<action>"``, e.g. ``"records.batch_create"``.
            call: makes the request when awaited; may be called once.
            table_id: the table the write changes when the resource is not
                scoped to it (an app-level resource renaming or deleting one
                table): the write then takes that table's turn, so it never
                overlaps the table's record writes.

        Returns:
            What ``call`` returns.
        """
        scope = WriteScope(self.app_token, table_id or self._table_id, operation)
        writers = self._ctx.writers
        if writers is None:
            return await call()
        # One write at a time per table (or app), across processes with a lease.
        return await writers.run(scope.app_token, scope.table_id, call)


class TableResource(Resource):
    """Base of the resources scoped to one table (records, fields, views, forms).

    Attributes:
        app_token: the Bitable.
        table_id: the table.
    """

    def __init__(self, ctx: CallContext, app_token: str, table_id: str) -> None:
        """Bind the resource to a call context and a table.

        Args:
            ctx: the transport and identity to call with.
            app_token: the Bitable's token.
            table_id: the table's id.

        Raises:
            ValueError: an id is empty.
        """
        super().__init__(ctx, app_token)
        self.table_id = table_id
        self._table_path = f"{self._app_path}/tables/{path_id('table_id', table_id)}"

    @property
    def _table_id(self) -> str | None:
        return self.table_id


class ListData(msgspec.Struct, Generic[T]):
    """The ``data`` of a list endpoint: ``items``, ``has_more``, ``page_token``, ``total``."""

    items: list[T] | None = None
    has_more: bool = False
    page_token: str | None = None
    total: int | None = None


def list_pages(
    resource: Resource,
    path: str,
    item_type: type[T],
    *,
    maximum: int,
    page_size: int | None,
    page_token: str | None,
    params: Mapping[str, Any] | None = None,
    endpoint_class: EndpointClass = READ,
) -> PageIterator[T]:
    """Build the page iterator of a plain ``GET`` list endpoint.

    Args:
        resource: the resource making the calls.
        path: the list endpoint's path.
        item_type: the type of one item.
        maximum: the endpoint's largest page size (limits.md).
        page_size: the caller's page size (``None`` = the maximum).
        page_token: resume at this page.
        params: the other query parameters (``None`` values removed).
        endpoint_class: rate-limit class of the endpoint.

    Returns:
        A lazy :class:`PageIterator`; nothing is sent until it is iterated.

    Raises:
        ValueError: ``page_size`` is less than 1.
    """
    size = resolve_page_size(page_size, maximum)
    data_type: Any = ListData[item_type]  # type: ignore[valid-type]
    extra = dict(params or {})

    async def fetch(token: str | None, size: int) -> Page[T]:
        data: ListData[T] = await resource._call(
            "GET",
            path,
            data_type,
            params=query(**extra, page_size=size, page_token=token),
            endpoint_class=endpoint_class,
        )
        return Page(data.items or [], data.has_more, data.page_token, data.total)

    return PageIterator(fetch, page_size=size, page_token=page_token)
