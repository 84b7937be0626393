"""Helpers for the writer's end-to-end tests: emulator seeds and a client + registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig, RetryConfig
from bitable_async.emulator.config import EmulatorConfig, SeedApp, SeedField, SeedTable
from bitable_async.emulator.server import Emulator
from bitable_async.writer import LeaseBackend, WriterConfig, WriteRetryPolicy, WriterRegistry
from bitable_async.writing.http import TransportExecutor

APP_TOKEN = "bascnWriterTest0001"

FAST_RETRY = WriteRetryPolicy(max_attempts=12, base=0.002, cap=0.02, busy_min_delay=0.002)


def table_id(i: int) -> str:
    """The id of the i-th seeded table."""
    return f"tblWriter{i:04d}"


def seed(n_tables: int = 1, *, link: bool = False, **knobs: Any) -> EmulatorConfig:
    """An emulator config with ``n_tables`` tables of fields Key (text) and N (number).

    ``link=True`` adds "Parent", a link field to the same table: the codec
    accepts any record id there, the emulator rejects ids that do not exist
    (1254067), which makes a value only the server can refuse.
    """
    tables = []
    for i in range(n_tables):
        fields = [SeedField("Key", 1), SeedField("N", 2), SeedField("Note", 1)]
        if link:
            fields.append(SeedField("Parent", 18, {"table_id": table_id(i), "multiple": True}))
        tables.append(SeedTable(f"T{i}", fields=fields, table_id=table_id(i)))
    knobs.setdefault("rate_limits_enabled", False)
    return EmulatorConfig(seed_apps=[SeedApp("W", app_token=APP_TOKEN, tables=tables)], **knobs)


def client_for(
    base_url: str,
    app_id: str,
    secret: str,
    *,
    write_qps: float = 1e6,
    writer_config: WriterConfig | None = None,
) -> BitableClient:
    """A client with a fast retry policy and a generous client-side write limit."""
    cfg = ClientConfig(
        retry=RetryConfig(base=0.002, cap=0.02, busy_min_delay=0.002),
        rate_limit=RateLimitConfig(
            write_qps=write_qps, read_qps=1e6, list_records_qps=1e6, list_records_per_minute=1e8
        ),
    )
    return BitableClient(
        app_id,
        secret,
        base_url=base_url,
        config=cfg,
        writer_config=writer_config or WriterConfig(retry=FAST_RETRY),
    )


def table_keys(emu: Emulator, tbl: str) -> list[str]:
    """Every Key cell of a table, straight from the emulator's state."""
    table = emu.state.table(APP_TOKEN, tbl)
    fid = next(f.field_id for f in table.fields.values() if f.name == "Key")
    return [str(r.cells.get(fid)) for r in table.records.values()]


def record_write_calls(emu: Emulator) -> dict[str, int]:
    """HTTP requests per record write endpoint, as the emulator counted them."""
    names = ("create", "update", "delete", "batch_create", "batch_update", "batch_delete")
    eps = emu.stats()["endpoints"]
    return {n: eps.get(f"app_table_record.{n}", {}).get("requests", 0) for n in names}


def registry_for(
    client: BitableClient, lease_backend: LeaseBackend | None = None, **cfg: Any
) -> WriterRegistry:
    """A registry whose executors send through ``client``'s transport."""
    cfg.setdefault("retry", FAST_RETRY)
    return WriterRegistry(
        WriterConfig(**cfg),
        executor_factory=lambda app, tbl: TransportExecutor(client.transport, app, tbl),
        lease_backend=lease_backend,
    )


@dataclass
class Harness:
    """A running in-process emulator, a client on it and a writer registry."""

    emu: Emulator
    client: BitableClient
    registry: WriterRegistry

    def keys(self, tbl: str) -> list[str]:
        """Every Key cell of a table, straight from the emulator's state."""
        return table_keys(self.emu, tbl)


@asynccontextmanager
async def harness(config: EmulatorConfig, **writer_cfg: Any) -> AsyncIterator[Harness]:
    """Start an emulator in this event loop, a client and a registry on it."""
    async with Emulator(config) as emu:
        client = client_for(emu.base_url, emu.app_id, emu.app_secret)
        async with client:
            registry = registry_for(client, **writer_cfg)
            try:
                yield Harness(emu, client, registry)
            finally:
                await registry.aclose()
