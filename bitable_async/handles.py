"""Cheap handles on one Bitable app and one table: no I/O when built.

``client.app(app_token)`` and ``client.table(app_token, table_id)`` return
these. They hold the owning client, the identifiers and the identity the calls
are made with, and build the API paths the resource namespaces call.

Identity: ``tenant_key=`` (a marketplace app acting for one tenant: the
provider's tenant token of that tenant is used) or ``user_access_token=`` (act
as a user: the token is sent as is on every request of the handle, never
cached by the SDK and never shown in a repr). Every request of every resource
of the handle, the schema fetch and the table writer's batches carry it.
Writes under different identities to one table still share the table's one
serial lane; only writes with the same identity are coalesced into one batch.

A table handle may also carry the table's formula / lookup ``references``
(which field each one shows), used to decode reads made with
``display_formula_ref=True``; see :class:`~bitable_async.resources.schema.TableSchema`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

from bitable_async.errors import ConfigurationError

if TYPE_CHECKING:
    from bitable_async.client import BitableClient
    from bitable_async.models.fields import FieldSchema
    from bitable_async.resources import (
        AppResource,
        AppResources,
        AttachmentsResource,
        CallContext,
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
    from bitable_async.writer import TableWriter, WriteOptions

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


def _check_identity(tenant_key: object, user_access_token: object) -> None:
    if tenant_key is not None and (not isinstance(tenant_key, str) or not tenant_key.strip()):
        raise ConfigurationError("tenant_key must be a non-empty string or None")
    if user_access_token is not None and (
        not isinstance(user_access_token, str) or not user_access_token.strip()
    ):
        # Never echo the value: it is a credential.
        raise ConfigurationError("user_access_token must be a non-empty string or None")


class _Handle:
    """What both handles share: the owning client, the app and the identity."""

    __slots__ = ("_app_token", "_client", "_tenant_key", "_user_access_token")

    def __init__(
        self,
        client: BitableClient,
        app_token: str,
        tenant_key: str | None,
        user_access_token: str | None,
    ) -> None:
        self._client = client
        self._app_token = _check_id("app_token", app_token)
        _check_identity(tenant_key, user_access_token)
        self._tenant_key = tenant_key
        self._user_access_token = user_access_token

    @property
    def client(self) -> BitableClient:
        """The owning client."""
        return self._client

    @property
    def app_token(self) -> str:
        """The app's token."""
        return self._app_token

    @property
    def tenant_key(self) -> str | None:
        """The tenant the calls are made for (marketplace apps), if any."""
        return self._tenant_key

    @property
    def user_access_token(self) -> str | None:
        """The user access token the calls are made with, if any (not in the repr)."""
        return self._user_access_token

    def _context(self) -> CallContext:
        # Every resource of the handle calls with its identity, through the
        # client's transport, and writes through the client's writers.
        from bitable_async.resources import CallContext

        return CallContext(
            self._client.transport,
            tenant_key=self._tenant_key,
            user_access_token=self._user_access_token,
            writers=self._client.writers,
        )

    def _same(self, other: _Handle) -> bool:
        return (
            self._client is other._client
            and self._app_token == other._app_token
            and self._tenant_key == other._tenant_key
            and self._user_access_token == other._user_access_token
        )

    def _identity_repr(self) -> str:
        out = ""
        if self._tenant_key is not None:
            out += f", tenant_key={self._tenant_key!r}"
        if self._user_access_token is not None:
            out += ", user_access_token=<hidden>"
        return out


class AppHandle(_Handle):
    """One Bitable app (a "base"), identified by its ``app_token``.

    Args:
        client: the owning client.
        app_token: the app's token (the ``/base/<app_token>`` part of its URL).
        tenant_key: call as the app installed in this tenant (marketplace apps).
        user_access_token: call as this user (sent as is, never cached).

    Raises:
        ConfigurationError: ``app_token`` is empty or not a plain identifier,
            or an identity value is empty.
    """

    __slots__ = ("_ns",)

    def __init__(
        self,
        client: BitableClient,
        app_token: str,
        *,
        tenant_key: str | None = None,
        user_access_token: str | None = None,
    ) -> None:
        super().__init__(client, app_token, tenant_key, user_access_token)
        self._ns: AppResources | None = None

    def table(
        self,
        table_id: str,
        *,
        references: Mapping[str, FieldSchema | int] | None = None,
    ) -> TableHandle:
        """A handle on one table of this app, with this handle's identity (no I/O).

        Args:
            table_id: the table's id (``tbl...``).
            references: formula / lookup field name -> the schema (or type
                code) of the field it shows, to decode reads made with
                ``display_formula_ref=True`` (see :class:`TableHandle`).

        Returns:
            The :class:`TableHandle`.

        Raises:
            ConfigurationError: ``table_id`` is empty or malformed.
            TypeError: a ``references`` value is neither a FieldSchema nor an int.
        """
        return TableHandle(
            self._client,
            self._app_token,
            table_id,
            tenant_key=self._tenant_key,
            user_access_token=self._user_access_token,
            references=references,
        )

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
            from bitable_async.resources import AppResources

            self._ns = AppResources(self._context(), self._app_token)
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
        return f"AppHandle(app_token={self._app_token!r}{self._identity_repr()})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AppHandle):
            return NotImplemented
        return self._same(other)

    def __hash__(self) -> int:
        return hash((id(self._client), self._app_token, self._tenant_key))


class TableHandle(_Handle):
    """One table of a Bitable app.

    Args:
        client: the owning client.
        app_token: the app's token.
        table_id: the table's id.
        tenant_key: call as the app installed in this tenant (marketplace apps).
        user_access_token: call as this user (sent as is, never cached).
        references: formula / lookup field name -> the schema (or type code) of
            the field it shows. Reads made with ``display_formula_ref=True``
            decode those cells in that field's shape
            (:class:`~bitable_async.values.types.RefValue`). A formula whose
            expression is one reference to a field of this table needs no
            declaration; a lookup always does (the field list does not say
            where it points). Change it later with
            ``handle.records.schema.set_references(...)``.

    Raises:
        ConfigurationError: an identifier is empty or not a plain identifier,
            or an identity value is empty.
        TypeError: a ``references`` value is neither a FieldSchema nor an int.
    """

    __slots__ = ("_ns", "_references", "_table_id")

    def __init__(
        self,
        client: BitableClient,
        app_token: str,
        table_id: str,
        *,
        tenant_key: str | None = None,
        user_access_token: str | None = None,
        references: Mapping[str, FieldSchema | int] | None = None,
    ) -> None:
        super().__init__(client, app_token, tenant_key, user_access_token)
        self._table_id = _check_id("table_id", table_id)
        self._references: dict[str, FieldSchema | int] | None = None
        if references is not None:
            from bitable_async.values.codecs_derived import references_of

            self._references = references_of(references)
        self._ns: TableResources | None = None

    @property
    def table_id(self) -> str:
        """The table's id."""
        return self._table_id

    @property
    def write_options(self) -> WriteOptions:
        """This handle's identity as writer options (what bulk loads through it use)."""
        from bitable_async.writer import WriteOptions

        return WriteOptions(tenant_key=self._tenant_key, user_access_token=self._user_access_token)

    @property
    def app(self) -> AppHandle:
        """The handle of the app this table belongs to, same identity (no I/O)."""
        return AppHandle(
            self._client,
            self._app_token,
            tenant_key=self._tenant_key,
            user_access_token=self._user_access_token,
        )

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
            from bitable_async.resources import TableResources

            self._ns = TableResources(
                self._context(), self._app_token, self._table_id, references=self._references
            )
        return self._ns

    @property
    def writer(self) -> TableWriter:
        """The table's writer (one per table, shared by every handle and identity).

        Every write of this handle's resources already runs in its turn, and
        ``records.create / update / delete`` are already coalesced by it. Use
        the writer directly only for wire-shape writes; note that it does not
        know this handle's identity -- pass ``options=handle.write_options``,
        or give the handle itself to :mod:`bitable_async.bulk`.
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
        ident = self._identity_repr()
        return f"TableHandle(app_token={self._app_token!r}, table_id={self._table_id!r}{ident})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TableHandle):
            return NotImplemented
        return self._table_id == other._table_id and self._same(other)

    def __hash__(self) -> int:
        return hash((id(self._client), self._app_token, self._table_id, self._tenant_key))
