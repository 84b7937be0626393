"""Shared pieces of the subcommands: credentials, the client, the table, progress, errors.

Credentials come from flags or the environment (``BITABLE_APP_ID``,
``BITABLE_APP_SECRET``, ``BITABLE_BASE_URL``, ``BITABLE_REDIS_URL``). They are
never echoed: no option shows its value as a default in ``--help``, and error
messages are built from the SDK's errors, which never carry secrets.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from bitable_async.client import BitableClient
from bitable_async.errors import BitableError
from bitable_async.handles import TableHandle

__all__ = [
    "Connection",
    "connection_options",
    "find_table",
    "make_progress",
    "open_client",
    "resolve_table",
    "run",
    "stderr_console",
    "table_command_options",
    "table_options",
]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Connection:
    """Where and as whom to connect (the secret is never shown by ``repr``).

    Attributes:
        base_url: ``feishu``, ``lark`` or a URL (e.g. an emulator).
        app_id: the app id.
        app_secret: the app secret.
        redis_url: a Redis URL for a shared token cache, or None.
    """

    base_url: str
    app_id: str | None
    app_secret: str | None
    redis_url: str | None = None

    def __repr__(self) -> str:
        return f"Connection(base_url={self.base_url!r}, app_id={self.app_id!r})"

    def require_credentials(self) -> None:
        """Check that both the app id and the app secret are set.

        Raises:
            click.UsageError: one of them is missing.
        """
        if not self.app_id or not self.app_secret:
            raise click.UsageError(
                "credentials missing: pass --app-id and --app-secret, or set "
                "BITABLE_APP_ID and BITABLE_APP_SECRET"
            )


def connection_options(func: F) -> F:
    """Add ``--base-url``, ``--app-id``, ``--app-secret`` and ``--redis-url`` to a command.

    Args:
        func: the command callback.

    Returns:
        The callback with the options (values reach it as keyword arguments).
    """
    options = [
        click.option(
            "--base-url",
            envvar="BITABLE_BASE_URL",
            default=None,
            metavar="URL",
            help="'feishu', 'lark' or a URL such as an emulator's [env BITABLE_BASE_URL; "
            "default feishu].",
        ),
        click.option(
            "--app-id", envvar="BITABLE_APP_ID", default=None, help="App id [env BITABLE_APP_ID]."
        ),
        click.option(
            "--app-secret",
            envvar="BITABLE_APP_SECRET",
            default=None,
            metavar="SECRET",
            help="App secret; prefer the environment variable [env BITABLE_APP_SECRET].",
        ),
        click.option(
            "--redis-url",
            envvar="BITABLE_REDIS_URL",
            default=None,
            metavar="URL",
            help="Share the tenant token through Redis (needs the redis extra) "
            "[env BITABLE_REDIS_URL].",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def table_options(func: F) -> F:
    """Add ``--app-token`` and ``--table`` (an id or a name) to a command.

    Args:
        func: the command callback.

    Returns:
        The callback with the options.
    """
    func = click.option(
        "--table",
        "table",
        required=True,
        envvar="BITABLE_TABLE",
        help="Table id (tbl...) or table name [env BITABLE_TABLE].",
    )(func)
    func = click.option(
        "--app-token",
        required=True,
        envvar="BITABLE_APP_TOKEN",
        help="The Bitable's app token [env BITABLE_APP_TOKEN].",
    )(func)
    return func


def connection(
    base_url: str | None, app_id: str | None, app_secret: str | None, redis_url: str | None
) -> Connection:
    """Build a :class:`Connection` from the option values, checking the credentials.

    Args:
        base_url: ``--base-url`` (None = feishu).
        app_id: ``--app-id``.
        app_secret: ``--app-secret``.
        redis_url: ``--redis-url``.

    Returns:
        The connection.

    Raises:
        click.UsageError: credentials missing.
    """
    conn = Connection(base_url or "feishu", app_id, app_secret, redis_url)
    conn.require_credentials()
    return conn


def table_command_options(func: Callable[..., T]) -> Callable[..., T]:
    """Add the connection and table options to a command that works on one table.

    The callback receives ``conn`` (a :class:`Connection` built by
    :func:`connection`, credentials checked before the callback runs),
    ``app_token`` and ``table`` instead of the four connection option values.

    Args:
        func: the command callback.

    Returns:
        The callback with ``--base-url``, ``--app-id``, ``--app-secret``,
        ``--redis-url``, ``--app-token`` and ``--table``.
    """

    @functools.wraps(func)
    def callback(
        *,
        base_url: str | None,
        app_id: str | None,
        app_secret: str | None,
        redis_url: str | None,
        **params: Any,
    ) -> T:
        return func(conn=connection(base_url, app_id, app_secret, redis_url), **params)

    return connection_options(table_options(callback))


@contextlib.asynccontextmanager
async def open_client(conn: Connection, **client_kwargs: Any) -> AsyncIterator[BitableClient]:
    """Open a client for ``conn`` (with a Redis token cache when ``redis_url`` is set).

    Args:
        conn: the connection.
        **client_kwargs: more :class:`BitableClient` arguments (config, ...).

    Yields:
        The open client; it is closed (queued writes finished) on exit.

    Raises:
        click.ClickException: ``--redis-url`` without the redis package.
    """
    redis: Any = None
    if conn.redis_url:
        try:
            from redis.asyncio import Redis

            from cache_backends.redis import RedisTokenCache
        except ImportError:
            raise click.ClickException(
                "--redis-url needs the redis package: pip install 'bitable-async[redis]'"
            ) from None
        redis = Redis.from_url(conn.redis_url)
        client_kwargs["token_cache"] = RedisTokenCache(redis)
    try:
        async with BitableClient(
            conn.app_id, conn.app_secret, base_url=conn.base_url, **client_kwargs
        ) as client:
            yield client
    finally:
        if redis is not None:
            await redis.aclose()


async def find_table(client: BitableClient, app_token: str, table: str) -> tuple[TableHandle, str]:
    """Find a table of an app by id or by name.

    API: ``GET /open-apis/bitable/v1/apps/:app_token/tables`` (one listing).

    Args:
        client: the client.
        app_token: the app.
        table: a table id or a table name.

    Returns:
        The table's handle and its name.

    Raises:
        click.ClickException: no table has that id or name.
    """
    names: list[str] = []
    async for t in client.app(app_token).tables.list():
        if table in (t.table_id, t.name):
            return client.table(app_token, str(t.table_id)), t.name
        names.append(f"{t.name} ({t.table_id})")
    shown = ", ".join(names) or "none"
    raise click.ClickException(f"no table {table!r} in app {app_token!r}; tables: {shown}")


async def resolve_table(client: BitableClient, app_token: str, table: str) -> TableHandle:
    """The handle of a table given by id or by name (see :func:`find_table`).

    Args:
        client: the client.
        app_token: the app.
        table: a table id or a table name.

    Returns:
        The table's handle.

    Raises:
        click.ClickException: no table has that id or name.
    """
    return (await find_table(client, app_token, table))[0]


def stderr_console() -> Console:
    """A rich console on standard error (progress and reports never mix with data)."""
    return Console(stderr=True)


def make_progress(console: Console, *, enabled: bool = True) -> Progress:
    """A rich progress bar: description, bar, done/total, percent, elapsed.

    Args:
        console: where to draw it.
        enabled: False hides it.

    Returns:
        The (not yet started) progress display.
    """
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[rate]}"),
        console=console,
        disable=not enabled,
    )


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; SDK errors become one-line command errors.

    Args:
        coro: the coroutine.

    Returns:
        Its result.

    Raises:
        click.ClickException: a Bitable API or configuration error.
    """
    try:
        return asyncio.run(coro)
    except BitableError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from None
