"""Dashboards of a Bitable: list and copy (A.18, A.19)."""

from __future__ import annotations

import msgspec

from bitable_async.models.dashboard import Dashboard
from bitable_async.pagination import Page, PageIterator, resolve_page_size
from bitable_async.resources._base import WRITE, Resource, path_id, query

__all__ = ["DashboardsResource"]

MAX_PAGE_SIZE = 500
"""app_dashboard.list page_size maximum (A.19)."""


class _ListData(msgspec.Struct):
    # Dashboards come under "dashboards", not "items", and without "total".
    dashboards: list[Dashboard] | None = None
    has_more: bool = False
    page_token: str | None = None


class _CopyData(msgspec.Struct):
    block_id: str = ""
    name: str = ""


class DashboardsResource(Resource):
    """The dashboards of one Bitable (``client.app(token).dashboards``)."""

    def list(
        self, *, page_size: int | None = None, page_token: str | None = None
    ) -> PageIterator[Dashboard]:
        """Iterate over the Bitable's dashboards.

        API: ``GET /open-apis/bitable/v1/apps/:app_token/dashboards`` (app_dashboard.list, A.19).

        Args:
            page_size: dashboards per request, capped at 500 (default 500).
            page_token: resume at this page.

        Returns:
            A lazy iterator of :class:`Dashboard`.

        Raises:
            ValueError: ``page_size`` is less than 1.
        """
        size = resolve_page_size(page_size, MAX_PAGE_SIZE)
        path = f"{self._app_path}/dashboards"

        async def fetch(token: str | None, size: int) -> Page[Dashboard]:
            data = await self._call(
                "GET", path, _ListData, params=query(page_size=size, page_token=token)
            )
            return Page(data.dashboards or [], data.has_more, data.page_token, None)

        return PageIterator(fetch, page_size=size, page_token=page_token)

    async def copy(self, block_id: str, *, name: str) -> Dashboard:
        """Copy a dashboard under a new name.

        API: ``POST .../apps/:app_token/dashboards/:block_id/copy`` (app_dashboard.copy, A.18).

        Args:
            block_id: the dashboard to copy.
            name: the copy's name (at most 100 chars, no ``[]``; unique).

        Returns:
            The new dashboard.

        Raises:
            ValueError: an argument is empty.
            BitableError: the request failed.
        """
        path = f"{self._app_path}/dashboards/{path_id('block_id', block_id)}/copy"
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"dashboard name must be a non-empty string, got {name!r}")

        async def call() -> Dashboard:
            data = await self._call(
                "POST", path, _CopyData, json={"name": name}, endpoint_class=WRITE
            )
            return Dashboard(block_id=data.block_id, name=data.name or name)

        return await self._write("dashboards.copy", call)
