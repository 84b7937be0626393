"""The resource namespaces reached through the handles.

``client.app(token)`` exposes ``.meta`` (app get / update), ``.tables``,
``.dashboards``, ``.roles`` (and ``.roles.members(role_id)``) and
``.attachments``; ``client.table(token, table_id)`` exposes ``.records``,
``.fields``, ``.views`` and ``.forms``. :class:`AppResources` and
:class:`TableResources` build them lazily (no I/O) and hold the state shared
by one handle: the table's schema cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING

from bitable_async.resources._base import CallContext
from bitable_async.resources.apaas import ApaasRecordsResource
from bitable_async.resources.apps import AppResource
from bitable_async.resources.attachments import AttachmentsResource
from bitable_async.resources.dashboards import DashboardsResource
from bitable_async.resources.fields import DeletedField, FieldsResource
from bitable_async.resources.forms import FormsResource
from bitable_async.resources.members import MembersResource
from bitable_async.resources.record_io import DeletedRecord
from bitable_async.resources.records import BatchGetResult, RecordsResource
from bitable_async.resources.roles import RolesResource
from bitable_async.resources.schema import TableSchema
from bitable_async.resources.tables import TablesResource
from bitable_async.resources.views import ViewsResource

if TYPE_CHECKING:
    from bitable_async.models.fields import FieldSchema

__all__ = [
    "ApaasRecordsResource",
    "AppResource",
    "AppResources",
    "AttachmentsResource",
    "BatchGetResult",
    "CallContext",
    "DashboardsResource",
    "DeletedField",
    "DeletedRecord",
    "FieldsResource",
    "FormsResource",
    "MembersResource",
    "RecordsResource",
    "RolesResource",
    "TableResources",
    "TableSchema",
    "TablesResource",
    "ViewsResource",
]


class AppResources:
    """The namespaces of one app handle, built on first access (no I/O)."""

    def __init__(self, ctx: CallContext, app_token: str) -> None:
        """Bind to one Bitable.

        Args:
            ctx: the transport and identity to call with.
            app_token: the Bitable.
        """
        self._ctx = ctx
        self._app_token = app_token

    @cached_property
    def meta(self) -> AppResource:
        """The app itself: get / update."""
        return AppResource(self._ctx, self._app_token)

    @cached_property
    def tables(self) -> TablesResource:
        """The app's tables."""
        return TablesResource(self._ctx, self._app_token)

    @cached_property
    def dashboards(self) -> DashboardsResource:
        """The app's dashboards."""
        return DashboardsResource(self._ctx, self._app_token)

    @cached_property
    def roles(self) -> RolesResource:
        """The app's custom roles (advanced permissions)."""
        return RolesResource(self._ctx, self._app_token)

    @cached_property
    def attachments(self) -> AttachmentsResource:
        """Upload and download of attachment files for this app."""
        return AttachmentsResource(self._ctx, self._app_token)


class TableResources:
    """The namespaces of one table handle and its schema cache (no I/O)."""

    def __init__(
        self,
        ctx: CallContext,
        app_token: str,
        table_id: str,
        *,
        references: Mapping[str, FieldSchema | int] | None = None,
    ) -> None:
        """Bind to one table.

        Args:
            ctx: the transport and identity to call with.
            app_token: the Bitable.
            table_id: the table.
            references: formula / lookup field name -> referenced field schema
                or type code (see :class:`TableSchema`).
        """
        self._ctx = ctx
        self._app_token = app_token
        self._table_id = table_id
        self._references = references

    @cached_property
    def fields(self) -> FieldsResource:
        """The table's fields; field writes drop the cached schema."""
        return FieldsResource(
            self._ctx, self._app_token, self._table_id, on_change=self._invalidate
        )

    @cached_property
    def schema(self) -> TableSchema:
        """The table's schema cache."""
        return TableSchema(self.fields, references=self._references)

    @cached_property
    def records(self) -> RecordsResource:
        """The table's records."""
        return RecordsResource(self._ctx, self._app_token, self._table_id, schema=self.schema)

    @cached_property
    def views(self) -> ViewsResource:
        """The table's views."""
        return ViewsResource(self._ctx, self._app_token, self._table_id)

    @cached_property
    def forms(self) -> FormsResource:
        """The table's forms."""
        return FormsResource(self._ctx, self._app_token, self._table_id)

    def _invalidate(self) -> None:
        self.schema.invalidate()
