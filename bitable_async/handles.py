"""Cheap handles on one Bitable app and one table: no I/O when built.

``client.app(app_token)`` and ``client.table(app_token, table_id)`` return
these. They hold the owning client and the identifiers, and build the API
paths the resource namespaces (added by later issues) call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from bitable_async.errors import ConfigurationError

if TYPE_CHECKING:
    from bitable_async.client import BitableClient
    from bitable_async.resources import (
        AppResource,
        AppResources,
        AttachmentsResource,
        DashboardsResource,
        FieldsResource,
        FormsResource,
        RecordsResource,
        RolesResource,
        TableResources,
        TablesResource,
        ViewsResource,
    )
    from bitable_async.values.record_codec import RecordCodec
    from bitable_async.writer import TableWriter

__all__ = ["AppHandle", "TableHandle"]

_APPS = "/open-apis/bitable/v1/apps"


def _check_id(kind: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{kind} must be a non-empty string, got {value!r}")
    if "/" in value or "?" in value or "#" in value:
        raise ConfigurationError(f"{kind} must not contain '/', '?' or '#', got {value!r}")
    return value


def _segments(parts: tuple[str, ...]) -> str:
    return "".join("/" + quote(part, safe="") for part in parts)


class AppHandle:
    """One Bitable app (a "base"), identified by its ``app_token``.

    Args:
        client: the owning client.
        app_token: the app's token (the ``/base/<app_token>`` part of its URL).

    Raises:
        ConfigurationError: ``app_token`` is empty or not a plain identifier.
    """

    __slots__ = ("_app_token", "_client", "_ns")

    def __init__(self, client: BitableClient, app_token: str) -> None:
        self._client = client
        self._app_token = _check_id("app_token", app_token)
        self._ns: AppResources | None = None

    @property
    def client(self) -> BitableClient:
        """The owning client."""
        return self._client

    @property
    def app_token(self) -> str:
        """The app's token."""
        return self._app_token

    def table(self, table_id: str) -> TableHandle:
        """A handle on one table of this app (no I/O).

        Args:
            table_id: the table's id (``tbl...``).

        Returns:
            The :class:`TableHandle`.
        """
        return TableHandle(self._client, self._app_token, table_id)

    def path(self, *parts: str) -> str:
        """The API path under this app, each part URL-quoted.

        Args:
            parts: path segments after ``/apps/{app_token}``, e.g. ``"tables"``.

        Returns:
            e.g. ``/open-apis/bitable/v1/apps/{app_token}/tables``.
        """
        return f"{_APPS}/{quote(self._app_token, safe='')}{_segments(parts)}"

    # -- resource namespaces (bitable_async.resources), built lazily, no I/O ----

    def _resources(self) -> AppResources:
        if self._ns is None:
            from bitable_async.resources import AppResources, CallContext

            ctx = CallContext(self._client.transport, writers=self._client.writers)
            self._ns = AppResources(ctx, self._app_token)
        return self._ns

    @property
    def meta(self) -> AppResource:
        """The app itself: ``get()`` and ``update(name=..., is_advanced=...)``."""
        return self._resources().meta

    @property
    def tables(self) -> TablesResource:
        """The app's tables: list, create, batch_create, update, delete, batch_delete."""
        return self._resources().tables

    @property
    def dashboards(self) -> DashboardsResource:
        """The app's dashboards: list, copy."""
        return self._resources().dashboards

    @property
    def roles(self) -> RolesResource:
        """The app's custom roles, and their members via ``roles.members(role_id)``."""
        return self._resources().roles

    @property
    def attachments(self) -> AttachmentsResource:
        """Upload files for attachment cells of this app; download attachment files."""
        return self._resources().attachments

    def __repr__(self) -> str:
        return f"AppHandle(app_token={self._app_token!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AppHandle):
            return NotImplemented
        return self._client is other._client and self._app_token == other._app_token

    def __hash__(self) -> int:
        return hash((id(self._client), self._app_token))


class TableHandle:
    """One table of a Bitable app.

    Args:
        client: the owning client.
        app_token: the app's token.
        table_id: the table's id.

    Raises:
        ConfigurationError: an identifier is empty or not a plain identifier.
    """

    __slots__ = ("_app_token", "_client", "_ns", "_table_id")

    def __init__(self, client: BitableClient, app_token: str, table_id: str) -> None:
        self._client = client
        self._app_token = _check_id("app_token", app_token)
        self._table_id = _check_id("table_id", table_id)
        self._ns: TableResources | None = None

    @property
    def client(self) -> BitableClient:
        """The owning client."""
        return self._client

    @property
    def app_token(self) -> str:
        """The app's token."""
        return self._app_token

    @property
    def table_id(self) -> str:
        """The table's id."""
        return self._table_id

    @property
    def app(self) -> AppHandle:
        """The handle of the app this table belongs to (no I/O)."""
        return AppHandle(self._client, self._app_token)

    def path(self, *parts: str) -> str:
        """The API path under this table, each part URL-quoted.

        Args:
            parts: path segments after ``/tables/{table_id}``, e.g. ``"records"``.

        Returns:
            e.g. ``/open-apis/bitable/v1/apps/{app_token}/tables/{table_id}/records``.
        """
        return (
            f"{_APPS}/{quote(self._app_token, safe='')}/tables/"
            f"{quote(self._table_id, safe='')}{_segments(parts)}"
        )

    # -- resource namespaces (bitable_async.resources), built lazily, no I/O ----

    def _resources(self) -> TableResources:
        if self._ns is None:
            from bitable_async.resources import CallContext, TableResources

            self._ns = TableResources(
                CallContext(self._client.transport, writers=self._client.writers),
                self._app_token,
                self._table_id,
            )
        return self._ns

    @property
    def writer(self) -> TableWriter:
        """The table's writer: coalesced single-record writes (wire shape), bulk loads.

        Every write of this handle's resources already runs in its turn; use the
        writer directly for ``create``/``update``/``delete`` coalescing or with
        :mod:`bitable_async.bulk`.
        """
        return self._client.writers.writer(self._app_token, self._table_id)

    @property
    def records(self) -> RecordsResource:
        """The table's records: list, search, get, batch_get and every write."""
        return self._resources().records

    @property
    def fields(self) -> FieldsResource:
        """The table's fields: list, create, update, delete."""
        return self._resources().fields

    @property
    def views(self) -> ViewsResource:
        """The table's views: list, get, create, update, delete."""
        return self._resources().views

    @property
    def forms(self) -> FormsResource:
        """The table's forms and form questions."""
        return self._resources().forms

    async def refresh_schema(self) -> RecordCodec:
        """Fetch the table's field list again (it is otherwise fetched once per handle).

        Returns:
            The record codec built from the new schema.

        Raises:
            BitableError: listing the fields failed.
        """
        return await self._resources().schema.refresh()

    def __repr__(self) -> str:
        return f"TableHandle(app_token={self._app_token!r}, table_id={self._table_id!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TableHandle):
            return NotImplemented
        return (
            self._client is other._client
            and self._app_token == other._app_token
            and self._table_id == other._table_id
        )

    def __hash__(self) -> int:
        return hash((id(self._client), self._app_token, self._table_id))
