"""Views of a data table: list, get, create, update, delete (A.20-A.24)."""

from __future__ import annotations

import msgspec

from bitable_async.models.view import View, ViewProperty, ViewType
from bitable_async.pagination import PageIterator
from bitable_async.resources._base import WRITE, TableResource, body, list_pages, path_id

__all__ = ["ViewsResource"]

MAX_PAGE_SIZE = 100
"""No maximum is documented for app_table_view.list (A.22); 100 is used."""

_VIEW_TYPES = ("grid", "kanban", "gallery", "gantt", "form")


class _ViewData(msgspec.Struct):
    view: View | None = None


class ViewsResource(TableResource):
    """The views of one table (``client.table(app, table).views``)."""

    def _path(self, view_id: str | None = None) -> str:
        base = f"{self._table_path}/views"
        return base if view_id is None else f"{base}/{path_id('view_id', view_id)}"

    def list(
        self, *, page_size: int | None = None, page_token: str | None = None
    ) -> PageIterator[View]:
        """Iterate over the table's views.

        API: ``GET .../tables/:table_id/views`` (app_table_view.list, A.22).

        Args:
            page_size: views per request, capped at 100 (default 100).
            page_token: resume at this page.

        Returns:
            A lazy iterator of :class:`View`.

        Raises:
            ValueError: ``page_size`` is less than 1.
        """
        return list_pages(
            self,
            self._path(),
            View,
            maximum=MAX_PAGE_SIZE,
            page_size=page_size,
            page_token=page_token,
        )

    async def get(self, view_id: str) -> View:
        """Get one view with its filter and hidden fields.

        API: ``GET .../tables/:table_id/views/:view_id`` (app_table_view.get, A.21).

        Args:
            view_id: the view.

        Returns:
            The view.

        Raises:
            ValueError: ``view_id`` is empty.
            BitableError: the request failed.
        """
        data = await self._call("GET", self._path(view_id), _ViewData)
        return data.view or View(view_id=view_id)

    async def create(self, view_name: str, *, view_type: ViewType = "grid") -> View:
        """Create a view.

        API: ``POST .../tables/:table_id/views`` (app_table_view.create, A.23).

        Args:
            view_name: the view's name (unique, non-empty).
            view_type: ``grid`` (default), ``kanban``, ``gallery`` or ``gantt``
                (A.23); ``form`` creates a form, whose id the form methods take.

        Returns:
            The new view.

        Raises:
            ValueError: the name is empty or the type unknown.
            BitableError: the request failed.
        """
        if not isinstance(view_name, str) or not view_name.strip():
            raise ValueError(f"view_name must be a non-empty string, got {view_name!r}")
        if view_type not in _VIEW_TYPES:
            raise ValueError(f"view_type must be one of {_VIEW_TYPES}, got {view_type!r}")
        payload = {"view_name": view_name, "view_type": view_type}

        async def call() -> View:
            data = await self._call(
                "POST", self._path(), _ViewData, json=payload, endpoint_class=WRITE
            )
            return data.view or View(view_id="", view_name=view_name, view_type=view_type)

        return await self._write("views.create", call)

    async def update(
        self,
        view_id: str,
        *,
        view_name: str | None = None,
        property: ViewProperty | None = None,
    ) -> View:
        """Change a view's name, filter or hidden fields (incremental).

        API: ``PATCH .../tables/:table_id/views/:view_id`` (app_table_view.update, A.20).

        Args:
            view_id: the view.
            view_name: the new name.
            property: the new filter (``filter_info``) and/or ``hidden_fields``.

        Returns:
            The whole view after the change.

        Raises:
            ValueError: nothing to change, or ``view_id`` is empty.
            BitableError: the request failed.
        """
        path = self._path(view_id)
        if view_name is None and property is None:
            raise ValueError("view update needs view_name and/or property")
        info = property.filter_info if property is not None else None
        if info is not None and len(info.conditions) > 50:
            raise ValueError("a view filter takes at most 50 conditions")
        hidden = property.hidden_fields if property is not None else None
        if hidden is not None and len(hidden) > 100:
            raise ValueError("hidden_fields takes at most 100 field ids")
        payload = body(view_name=view_name, property=property)

        async def call() -> View:
            data = await self._call("PATCH", path, _ViewData, json=payload, endpoint_class=WRITE)
            return data.view or View(view_id=view_id)

        return await self._write("views.update", call)

    async def delete(self, view_id: str) -> None:
        """Delete a view (the last view cannot be deleted, 1254023).

        API: ``DELETE .../tables/:table_id/views/:view_id`` (app_table_view.delete, A.24).

        Args:
            view_id: the view.

        Raises:
            ValueError: ``view_id`` is empty.
            BitableError: the request failed.
        """
        path = self._path(view_id)

        async def call() -> None:
            await self._send("DELETE", path, endpoint_class=WRITE)

        await self._write("views.delete", call)
