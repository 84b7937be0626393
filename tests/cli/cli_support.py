"""Helpers of the CLI tests: invoke a subcommand against an emulator, read it with the SDK."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from click.testing import CliRunner, Result
from emulated_support import client_on

from bitable_async.cli.app import cli
from bitable_async.handles import TableHandle
from bitable_async.models.record import Record

T = TypeVar("T")


def env_for(emu: Any) -> dict[str, str]:
    """The environment a user would set to reach ``emu``."""
    return {
        "BITABLE_BASE_URL": emu.base_url,
        "BITABLE_APP_ID": emu.app_id,
        "BITABLE_APP_SECRET": emu.app_secret,
        "BITABLE_APP_TOKEN": emu.app_token,
    }


def invoke(emu: Any, *args: str, input: str | None = None) -> Result:
    """Run ``bitable-async <args>`` in-process with credentials from the environment."""
    runner = CliRunner()
    result = runner.invoke(
        cli,
        list(args),
        env=env_for(emu),
        input=input,
        catch_exceptions=False,
        prog_name="bitable-async",
    )
    assert emu.app_secret not in result.output  # never echoed
    assert emu.app_secret not in result.stderr
    return result


def with_table(emu: Any, table_id: str, fn: Callable[[TableHandle], Awaitable[T]]) -> T:
    """Run ``fn(handle)`` with an SDK client on the emulator (its own event loop)."""

    async def main() -> T:
        async with client_on(emu) as client:
            return await fn(client.table(emu.app_token, table_id))

    return asyncio.run(main())


def records_of(emu: Any, table_id: str) -> list[Record]:
    """Every record of a table, typed, read through the SDK."""

    async def read(h: TableHandle) -> list[Record]:
        return [r async for r in h.records.search()]

    return with_table(emu, table_id, read)


def by_name(records: list[Record], key: str = "Name") -> dict[Any, dict[str, Any]]:
    """Records' fields keyed by one field's value."""
    return {r.fields[key]: r.fields for r in records}
