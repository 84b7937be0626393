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

    __slots__ = ("_app_token", "_client")

    def __init__(self, client: BitableClient, app_token: str) -> None:
        self._client = client
        self._app_token = _check_id("app_token", app_token)

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

    __slots__ = ("_app_token", "_client", "_table_id")

    def __init__(self, client: BitableClient, app_token: str, table_id: str) -> None:
        self._client = client
        self._app_token = _check_id("app_token", app_token)
        self._table_id = _check_id("table_id", table_id)

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
