"""Identity through the handles: tenant_key and user_access_token on every request.

A fake server (aioresponses) records the Authorization header of every request:
the schema fetch, reads, coalesced writes (the table writer's batches), bulk
loads and app-level calls of a handle built with ``tenant_key=`` or
``user_access_token=`` all carry that identity; the user token is sent as is,
never handed to the token provider, never cached and never shown in a repr.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bitable_async.auth.base import TokenFetcher
from bitable_async.bulk import bulk_insert
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig, RetryConfig
from bitable_async.errors import ConfigurationError
from bitable_async.writer import WriteOptions

from .conftest import BASE, FakeServer, Sent, ok

APP = "bascnIdentity0001"
TABLE = "tblIdentity0001"
USER_TOKEN = "u-very-secret-user-token"
FIELDS = [
    {"field_id": "fldKey", "field_name": "Key", "type": 1},
    {"field_id": "fldN", "field_name": "N", "type": 2},
]


class TenantAuth:
    """A provider answering ``t-<tenant>`` and recording what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str | None] = []

    async def get_token(self, *, tenant_key: str | None = None) -> str:
        self.asked.append(tenant_key)
        return f"t-{tenant_key or 'self'}"

    async def invalidate(self, token: str, *, tenant_key: str | None = None) -> None:
        return None

    def bind(self, fetcher: TokenFetcher) -> None:
        return None


_ids = itertools.count()


def responder(sent: Sent) -> Any:
    path, method = sent.path, sent.method
    if path.endswith("/fields") and method == "GET":
        return ok({"items": FIELDS, "has_more": False, "total": len(FIELDS)})
    if path.endswith("/records/batch_create"):
        recs = [{"record_id": f"rec{next(_ids)}", **r} for r in sent.json()["records"]]
        return ok({"records": recs})
    if path.endswith("/records/batch_update"):
        return ok({"records": sent.json()["records"]})
    if path.endswith("/records/batch_delete"):
        return ok({"records": [{"record_id": r, "deleted": True} for r in sent.json()["records"]]})
    if path.endswith("/records/search") or path.endswith("/records") or path.endswith("/tables"):
        return ok({"items": [], "has_more": False, "total": 0})
    return ok({})


@pytest_asyncio.fixture
async def setup(serve: Any) -> AsyncIterator[tuple[BitableClient, TenantAuth, FakeServer]]:
    auth = TenantAuth()
    config = ClientConfig(
        base_url=BASE, retry=RetryConfig(enabled=False), rate_limit=RateLimitConfig(enabled=False)
    )
    server: FakeServer = serve(responder)
    async with BitableClient(auth=auth, config=config) as client:
        yield client, auth, server


def bearer(s: Sent) -> str:
    return s.headers["Authorization"].removeprefix("Bearer ")


@pytest.mark.asyncio
async def test_tenant_key_reaches_every_request_of_the_handles(
    setup: tuple[BitableClient, TenantAuth, FakeServer],
) -> None:
    client, auth, server = setup
    table = client.table(APP, TABLE, tenant_key="tenant-a")
    recs = await asyncio.gather(*(table.records.create({"Key": f"k{i}", "N": i}) for i in range(5)))
    await table.records.update(recs[0].record_id or "", {"N": 9})
    await table.records.delete(recs[1].record_id or "")
    await table.records.list().collect()
    await table.records.search().collect()
    await table.app.tables.list().collect()  # the app handle inherits the identity
    await client.app(APP, tenant_key="tenant-a").table(TABLE).records.list().collect()
    summary = await bulk_insert(table, [{"Key": "bulk", "N": 1}])
    assert summary.written == 1

    assert {bearer(s) for s in server.sent} == {"t-tenant-a"}
    assert set(auth.asked) == {"tenant-a"}
    batches = [s for s in server.sent if s.path.endswith("/batch_create")]
    assert [len(s.json()["records"]) for s in batches] == [5, 1]  # coalesced, then the bulk chunk
    assert "tenant-a" in repr(table)


@pytest.mark.asyncio
async def test_user_access_token_is_sent_as_is_never_given_to_the_provider_nor_cached(
    setup: tuple[BitableClient, TenantAuth, FakeServer],
) -> None:
    client, auth, server = setup
    table = client.table(APP, TABLE, user_access_token=USER_TOKEN)
    await asyncio.gather(*(table.records.create({"Key": f"k{i}"}) for i in range(3)))
    await table.records.list().collect()
    await bulk_insert(table, [{"Key": "bulk"}])
    await client.app(APP, user_access_token=USER_TOKEN).tables.list().collect()
    assert {bearer(s) for s in server.sent} == {USER_TOKEN}
    assert auth.asked == []  # the provider never saw (nor cached) the user's token

    # Not sticky: a handle without it goes back to the app's tenant token.
    server.sent.clear()
    await client.table(APP, TABLE).records.create({"Key": "as app"})
    assert {bearer(s) for s in server.sent} == {"t-self"}
    # Never shown.
    for shown in (
        repr(table),
        repr(table.app),
        repr(WriteOptions(user_access_token=USER_TOKEN)),
        repr(table.writer.executor_for(table.write_options)),
    ):
        assert USER_TOKEN not in shown
    assert "hidden" in repr(table)


@pytest.mark.asyncio
async def test_writes_under_several_identities_share_the_lane_but_never_a_batch(
    setup: tuple[BitableClient, TenantAuth, FakeServer],
) -> None:
    client, _, server = setup
    handles = {
        "a": client.table(APP, TABLE, tenant_key="tenant-a"),
        "b": client.table(APP, TABLE, tenant_key="tenant-b"),
        "u": client.table(APP, TABLE, user_access_token=USER_TOKEN),
        "s": client.table(APP, TABLE),
    }
    expected = {"a": "t-tenant-a", "b": "t-tenant-b", "u": USER_TOKEN, "s": "t-self"}
    await asyncio.gather(
        *(
            h.records.create({"Key": f"{name}-{i}"})
            for i in range(20)
            for name, h in handles.items()
        )
    )
    # One writer (one lane) for the table whatever the identity.
    assert len({id(h.writer) for h in handles.values()}) == 1
    batches = [s for s in server.sent if s.path.endswith("/batch_create")]
    seen: dict[str, int] = {}
    for s in batches:
        owners = {r["fields"]["Key"].split("-")[0] for r in s.json()["records"]}
        assert len(owners) == 1  # a batch never mixes identities
        (owner,) = owners
        assert bearer(s) == expected[owner]
        seen[owner] = seen.get(owner, 0) + len(s.json()["records"])
    assert seen == dict.fromkeys(handles, 20)


def test_bad_identity_values_are_rejected_without_echoing_them() -> None:
    client = BitableClient(auth=TenantAuth(), config=ClientConfig(base_url=BASE))
    with pytest.raises(ConfigurationError, match="tenant_key"):
        client.table(APP, TABLE, tenant_key="")
    with pytest.raises(ConfigurationError, match="user_access_token") as info:
        client.app(APP, user_access_token="   ")
    assert "   " not in str(info.value).replace("user_access_token must", "")
    # Equality includes the identity.
    assert client.table(APP, TABLE, tenant_key="x") != client.table(APP, TABLE, tenant_key="y")
    assert client.table(APP, TABLE, tenant_key="x") == client.app(APP, tenant_key="x").table(TABLE)
