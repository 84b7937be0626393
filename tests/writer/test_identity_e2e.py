"""A marketplace app writes through the handles with tenant_key, against the emulator.

The emulator runs the real marketplace flow (app_ticket -> app_access_token ->
tenant_access_token per tenant_key); the handles built with ``tenant_key=``
carry it to the schema fetch, the reads and the table writer's coalesced
batches, and the provider fetches one tenant token per tenant.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from writer_e2e import APP_TOKEN, FAST_RETRY, record_write_calls, seed, table_id, table_keys

from bitable_async.auth import MarketplaceAuth
from bitable_async.bulk import bulk_insert
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig
from bitable_async.emulator.config import AppCredential
from bitable_async.emulator.server import Emulator
from bitable_async.errors import ConfigurationError
from bitable_async.writer import WriterConfig

ISV_ID = "cli_isv_writer"
ISV_SECRET = "isv-secret-not-logged"


@pytest.mark.asyncio
async def test_marketplace_app_writes_per_tenant_through_the_handles() -> None:
    isv = AppCredential(ISV_ID, ISV_SECRET, marketplace=True, tenant_keys=("tenant_a", "tenant_b"))
    config = dataclasses.replace(seed(1), apps=[isv])
    async with Emulator(config) as emu:
        auth = MarketplaceAuth(ISV_ID, ISV_SECRET)
        ticket = emu.app_ticket(ISV_ID)
        assert ticket is not None
        await auth.set_app_ticket(ticket)
        async with BitableClient(
            auth=auth,
            base_url=emu.base_url,
            config=ClientConfig(rate_limit=RateLimitConfig(enabled=False)),
            writer_config=WriterConfig(retry=FAST_RETRY),
        ) as client:
            ta = client.table(APP_TOKEN, table_id(0), tenant_key="tenant_a")
            tb = client.app(APP_TOKEN, tenant_key="tenant_b").table(table_id(0))
            recs = await asyncio.gather(
                *(ta.records.create({"Key": f"a{i}", "N": i}) for i in range(100)),
                *(tb.records.create({"Key": f"b{i}", "N": i}) for i in range(100)),
            )
            assert [r.fields["Key"] for r in recs] == [f"a{i}" for i in range(100)] + [
                f"b{i}" for i in range(100)
            ]
            summary = await bulk_insert(tb, ({"Key": f"bulk{i}"} for i in range(600)))
            assert summary.written == 600
            found = [r async for r in ta.records.search(page_size=500)]
            assert len(found) == 800

            # Without a tenant, a marketplace app cannot call: said before sending.
            with pytest.raises(ConfigurationError, match="tenant_key"):
                await client.table(APP_TOKEN, table_id(0)).records.create({"Key": "nobody"})

        stats = emu.stats()
        calls = record_write_calls(emu)
        print(f"\nmarketplace, 2 tenants: token fetches {stats['token_fetches']}, writes {calls}")
        assert stats["token_fetches"].get("tenant_access_token") == 2  # one per tenant, cached
        assert stats["token_fetches"].get("tenant_access_token/internal", 0) == 0
        issued = {(t.kind, t.tenant_key) for t in emu.runtime.tokens._tokens.values()}
        assert ("tenant", "tenant_a") in issued
        assert ("tenant", "tenant_b") in issued
        assert calls["create"] == 0
        assert calls["batch_create"] <= 6  # 2 identities coalesced apart, + 2 bulk chunks
        assert len(table_keys(emu, table_id(0))) == 800
        assert stats["total"]["conflicts"] == 0
