"""Data tables of a Bitable: list, create, batch create, rename, delete (A.12-A.17)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable

import msgspec

from bitable_async.models.table import Table
from bitable_async.pagination import PageIterator
from bitable_async.resources._base import (
    WRITE,
    Resource,
    UserIdType,
    list_pages,
    path_id,
    query,
)

__all__ = ["TablesResource"]

MAX_PAGE_SIZE = 100
"""app_table.list page_size maximum (A.13)."""


class _CreateData(msgspec.Struct):
    table_id: str = ""


class _BatchCreateData(msgspec.Struct):
    table_ids: list[str] = msgspec.field(default_factory=list)


class _UpdateData(msgspec.Struct):
    name: str = ""


def _names(names: Iterable[str]) -> list[str]:
    out = list(names)
    for i, name in enumerate(out):
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"table name {i} must be a non-empty string, got {name!r}")
    return out


class TablesResource(Resource):
    """The tables of one Bitable (``client.app(token).tables``)."""

    def _path(self, table_id: str | None = None) -> str:
        base = f"{self._app_path}/tables"
        return base if table_id is None else f"{base}/{path_id('table_id', table_id)}"

    def list(
        self, *, page_size: int | None = None, page_token: str | None = None
    ) -> PageIterator[Table]:
        """Iterate over the Bitable's tables.

        API: ``GET /open-apis/bitable/v1/apps/:app_token/tables`` (app_table.list, A.13).

        Args:
            page_size: tables per request, capped at 100 (default 100).
            page_token: resume at this page.

        Returns:
            A lazy iterator of :class:`Table` (``.pages()`` for whole pages).

        Raises:
            ValueError: ``page_size`` is less than 1.
        """
        return list_pages(
            self,
            self._path(),
            Table,
            maximum=MAX_PAGE_SIZE,
            page_size=page_size,
            page_token=page_token,
        )

    async def create(self, name: str, *, user_id_type: UserIdType = "open_id") -> Table:
        """Create one table.

        API: ``POST /open-apis/bitable/v1/apps/:app_token/tables`` (app_table.create, A.14).

        Args:
            name: the table's name.
            user_id_type: the id kind for persons (declared required by the spec).

        Returns:
            The new table (its id and the given name).

        Raises:
            ValueError: ``name`` is empty.
            BitableError: the request failed.
        """
        (name,) = _names([name])

        async def call() -> Table:
            data = await self._call(
                "POST",
                self._path(),
                _CreateData,
                params=query(user_id_type=user_id_type),
                json={"table": {"name": name}},
                endpoint_class=WRITE,
            )
            return Table(table_id=data.table_id, name=name)

        return await self._write("tables.create", call)

    async def batch_create(
        self, names: Iterable[str], *, user_id_type: UserIdType = "open_id"
    ) -> builtins.list[str]:
        """Create several tables in one call.

        API: ``POST .../apps/:app_token/tables/batch_create`` (app_table.batch_create, A.15).

        Args:
            names: the new tables' names.
            user_id_type: the id kind for persons (declared required by the spec).

        Returns:
            The new tables' ids, in order.

        Raises:
            ValueError: a name is empty, or no name was given.
            BitableError: the request failed.
        """
        items = _names(names)
        if not items:
            raise ValueError("batch_create needs at least one table name")

        async def call() -> builtins.list[str]:
            data = await self._call(
                "POST",
                f"{self._path()}/batch_create",
                _BatchCreateData,
                params=query(user_id_type=user_id_type),
                json={"tables": [{"name": n} for n in items]},
                endpoint_class=WRITE,
            )
            return data.table_ids

        return await self._write("tables.batch_create", call)

    async def update(self, table_id: str, *, name: str) -> str:
        """Rename a table.

        API: ``PATCH .../apps/:app_token/tables/:table_id`` (app_table.update, A.12).

        Args:
            table_id: the table.
            name: the new name (1-100 chars, none of ``[ ] : \\ / ? *``).

        Returns:
            The table's name after the call.

        Raises:
            ValueError: an argument is empty.
            BitableError: the request failed.
        """
        path = self._path(table_id)
        (name,) = _names([name])

        async def call() -> str:
            data = await self._call(
                "PATCH", path, _UpdateData, json={"name": name}, endpoint_class=WRITE
            )
            return data.name or name

        # In the table's turn (the app's, with per-app granularity): a rename
        # never overlaps a record write to the same table.
        return await self._write("tables.update", call, table_id=table_id)

    async def delete(self, table_id: str) -> None:
        """Delete a table (deleting the last table is refused, 1254034).

        API: ``DELETE .../apps/:app_token/tables/:table_id`` (app_table.delete, A.16).

        Args:
            table_id: the table.

        Raises:
            ValueError: ``table_id`` is empty.
            BitableError: the request failed.
        """
        path = self._path(table_id)

        async def call() -> None:
            await self._send("DELETE", path, endpoint_class=WRITE)

        # In the table's turn: the delete waits for the table's queued writes.
        await self._write("tables.delete", call, table_id=table_id)

    async def batch_delete(self, table_ids: Iterable[str]) -> None:
        """Delete several tables in one call.

        API: ``POST .../apps/:app_token/tables/batch_delete`` (app_table.batch_delete, A.17).

        Args:
            table_ids: the tables.

        Raises:
            ValueError: an id is empty, or none was given.
            BitableError: the request failed.
        """
        ids = list(table_ids)
        for tid in ids:
            path_id("table_id", tid)
        if not ids:
            raise ValueError("batch_delete needs at least one table id")

        async def call() -> None:
            await self._send(
                "POST",
                f"{self._path()}/batch_delete",
                json={"table_ids": ids},
                endpoint_class=WRITE,
            )

        await self._write("tables.batch_delete", call)
