"""Writes outside the writer's batch loop are fenced before EVERY attempt, retries included.

An explicit ``records.batch_create``, a field write or a raw ``client.request``
write runs in its lane's turn as one opaque call, and the transport retries
its request on its own. The lane's lease can be lost while the transport waits
between tries; the retry must then not be sent.

Over real HTTP against the emulator, with the writer's lease in real Redis: the
emulator answers the write with a retryable error, and while the transport
sleeps before the retry (its injected sleep) another "process" takes the
table's lease. The retry is refused by the fencing check: the emulator sees
exactly one request, and the caller gets ``LeaseLostError`` (with
``outcome_unknown`` when the first attempt may have been applied).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis.asyncio as aioredis
from aioresponses_compat import aioresponses
from transport_support import ANY_URL, FakeProvider, envelope, make_transport
from writer_e2e import APP_TOKEN, FAST_RETRY, seed, table_keys

from bitable_async.batching import BatchError
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig, RetryConfig
from bitable_async.emulator.server import Emulator
from bitable_async.errors import DataNotReadyError
from bitable_async.fencing import guarding
from bitable_async.models.fields import TextField
from bitable_async.writer import (
    LeaseLostError,
    MemoryLeaseBackend,
    WriterConfig,
    WriterRegistry,
)
from bitable_async.writing.http import TransportExecutor
from bitable_async.writing.redis_lease import RedisLeaseBackend
from cache_backends.redis_lease import RedisLease

TABLE = "tblWriter0000"
LANE = f"{APP_TOKEN}:{TABLE}"  # the table's lane, and its lease name
RECORDS = f"/open-apis/bitable/v1/apps/{APP_TOKEN}/tables/{TABLE}/records"


@dataclass
class Thief:
    """The transport's sleep: while it "waits" before a retry, another process takes the lease.

    The holder's key is deleted (as if it had expired during a pause) and a
    second backend on the same Redis acquires it, bumping the fencing counter.
    """

    redis: aioredis.Redis
    prefix: str
    steal: bool = True
    slept: list[float] = field(default_factory=list)
    grant: Any = None

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self.steal and self.grant is None:
            key = RedisLease(self.redis, LANE, ttl_seconds=30.0, prefix=self.prefix).key
            await self.redis.delete(key)
            self.grant = await RedisLeaseBackend(self.redis, prefix=self.prefix).try_acquire(
                LANE, 30.0
            )
            assert self.grant is not None
        await asyncio.sleep(0)


@asynccontextmanager
async def running(
    redis: aioredis.Redis, prefix: str, *, steal: bool = True, **faults: Any
) -> AsyncIterator[tuple[Emulator, BitableClient, Thief]]:
    thief = Thief(redis, prefix, steal)
    async with Emulator(seed(1)) as emu:
        emu.set_faults(**faults)
        client = BitableClient(
            emu.app_id,
            emu.app_secret,
            base_url=emu.base_url,
            config=ClientConfig(
                retry=RetryConfig(max_attempts=4, base=0.001, cap=0.001, busy_min_delay=0.0),
                rate_limit=RateLimitConfig(enabled=False),
            ),
            sleep=thief.sleep,
            writer_config=WriterConfig(retry=FAST_RETRY, lease_ttl=30.0, idle_grace=0.0),
            write_lease=RedisLeaseBackend(redis, prefix=prefix),
        )
        async with client:
            yield emu, client, thief


def requests(emu: Emulator, endpoint: str) -> int:
    count: int = emu.stats()["endpoints"].get(endpoint, {}).get("requests", 0)
    return count


@pytest.mark.asyncio
async def test_a_field_write_retry_after_the_lease_was_taken_is_not_sent(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    faults = {"p_not_ready": 1.0, "endpoints": ("app_table_field.create",)}
    async with running(redis_client, redis_prefix, **faults) as (emu, client, thief):
        fields = client.table(APP_TOKEN, TABLE).fields
        with pytest.raises(LeaseLostError) as info:
            await fields.create(TextField(field_name="Extra"))

        assert len(thief.slept) == 1  # the transport did decide to retry the 1254607 ...
        assert requests(emu, "app_table_field.create") == 1  # ... but the retry was not sent
        assert not info.value.outcome_unknown  # a rejection: nothing was applied
        names = [f.name for f in emu.state.table(APP_TOKEN, TABLE).fields.values()]
        assert "Extra" not in names

        # The other process finishes and lets go: the lane takes a fresh lease.
        await RedisLeaseBackend(redis_client, prefix=redis_prefix).release(thief.grant)
        emu.set_faults()
        created = await fields.create(TextField(field_name="Extra"))
        assert created.field_name == "Extra"


@pytest.mark.asyncio
async def test_control_with_the_lease_kept_the_same_retries_are_sent(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    faults = {"p_not_ready": 1.0, "endpoints": ("app_table_field.create",)}
    async with running(redis_client, redis_prefix, steal=False, **faults) as (emu, client, _):
        with pytest.raises(DataNotReadyError):
            await client.table(APP_TOKEN, TABLE).fields.create(TextField(field_name="Extra"))
        # Every attempt passed the fencing check and was sent: the guard only
        # refuses when the lease is gone.
        assert requests(emu, "app_table_field.create") == 4


@pytest.mark.asyncio
async def test_an_explicit_batch_create_retry_after_a_commit_is_refused_and_reported_unknown(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    # The emulator commits the chunk and drops the connection: outcome unknown,
    # retried (the chunk's client_token makes it safe) -- unless the lease is gone.
    faults = {"p_drop_after_commit": 1.0, "endpoints": ("app_table_record.batch_create",)}
    async with running(redis_client, redis_prefix, **faults) as (emu, client, thief):
        records = client.table(APP_TOKEN, TABLE).records
        rows = [{"Key": f"k{i}"} for i in range(3)]
        with pytest.raises(BatchError) as info:
            await records.batch_create(rows)

        assert len(thief.slept) == 1
        assert requests(emu, "app_table_record.batch_create") == 1
        failure = info.value.failed
        assert isinstance(failure.error, LeaseLostError)
        assert failure.error.outcome_unknown  # the dropped attempt may have been applied
        assert info.value.outcome_unknown
        assert sorted(table_keys(emu, TABLE)) == ["k0", "k1", "k2"]  # it was, once


@pytest.mark.asyncio
async def test_a_raw_client_request_write_retry_after_the_lease_was_taken_is_not_sent(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    faults = {"p_not_ready": 1.0, "endpoints": ("app_table_record.create",)}
    async with running(redis_client, redis_prefix, **faults) as (emu, client, thief):
        with pytest.raises(LeaseLostError):
            await client.request("POST", RECORDS, body={"fields": {"Key": "raw"}})
        assert len(thief.slept) == 1
        assert requests(emu, "app_table_record.create") == 1
        assert table_keys(emu, TABLE) == []


# -- the guard's scope -------------------------------------------------------------


@pytest.mark.asyncio
async def test_reads_are_not_fenced_and_writes_are_fenced_on_every_attempt() -> None:
    transport, _ = make_transport(auth=FakeProvider(), retry=RetryConfig(max_attempts=3))
    seen: list[bool] = []

    async def guard(maybe_applied: bool) -> None:
        seen.append(maybe_applied)

    with aioresponses() as m, guarding(guard):
        m.get(ANY_URL, payload=envelope(data={}))
        m.post(ANY_URL, payload=envelope(data={}))  # records/search: a read
        await transport.request("GET", RECORDS)
        await transport.request("POST", RECORDS + "/search", body={})
        assert seen == []
        # A write: a timeout (maybe applied), a conflict, then success.
        m.post(ANY_URL, status=504, payload=envelope(1255040, "timeout"))
        m.post(ANY_URL, payload=envelope(1254291, "conflict"))
        m.post(ANY_URL, payload=envelope(data={"records": []}))
        await transport.request(
            "POST", RECORDS + "/batch_create", query={"client_token": "t"}, body={}
        )
    assert seen == [False, True, True]  # before each of the 3 attempts
    await transport.aclose()


@pytest.mark.asyncio
async def test_a_lane_started_inside_another_lanes_write_is_not_fenced_by_it() -> None:
    # Table B's worker is started from inside an opaque write of table A, so
    # its task copies A's context. B's requests must be fenced by B's lease only.
    backend = MemoryLeaseBackend(asyncio.get_running_loop().time)
    registry = WriterRegistry(WriterConfig(linger=0.0, idle_grace=30.0), lease_backend=backend)
    transport, _ = make_transport(auth=FakeProvider())
    writer_b = registry.writer(APP_TOKEN, "tblB", TransportExecutor(transport, APP_TOKEN, "tblB"))
    ok = envelope(data={"records": [{"record_id": "rec1", "fields": {}}]})
    with aioresponses() as m:
        m.post(ANY_URL, payload=ok, repeat=True)

        async def write_a() -> Any:
            return await writer_b.create({"Key": "from A"})

        assert (await registry.run(APP_TOKEN, "tblA", write_a))["record_id"] == "rec1"
        # Another process takes table A; B's lane (still running) is not concerned.
        key_a = f"{APP_TOKEN}:tblA"
        backend._held[key_a] = ("intruder", float("inf"))
        backend._fences[key_a] += 1
        assert (await writer_b.create({"Key": "later"}))["record_id"] == "rec1"
    await registry.aclose()
    await transport.aclose()


@pytest.mark.asyncio
async def test_a_token_replay_of_a_writer_batch_is_fenced_too() -> None:
    # The writer's batch loop checks the lease before each attempt; the
    # transport replays an attempt once when the app token was rejected
    # (99991663). That replay is a second send and must pass the check too.
    backend = MemoryLeaseBackend(asyncio.get_running_loop().time)
    key = f"{APP_TOKEN}:{TABLE}"

    class StealingProvider(FakeProvider):
        async def invalidate(self, token: str, *, tenant_key: str | None = None) -> None:
            await super().invalidate(token, tenant_key=tenant_key)
            backend._held[key] = ("intruder", float("inf"))  # another process took the table
            backend._fences[key] += 1

    transport, _ = make_transport(auth=StealingProvider())
    registry = WriterRegistry(WriterConfig(linger=0.0, idle_grace=0.0), lease_backend=backend)
    writer = registry.writer(APP_TOKEN, TABLE, TransportExecutor(transport, APP_TOKEN, TABLE))
    with aioresponses() as m:
        m.post(ANY_URL, payload=envelope(99991663, "tenant token invalid"))
        m.post(ANY_URL, payload=envelope(data={"records": [{"record_id": "r", "fields": {}}]}))
        with pytest.raises(LeaseLostError) as info:
            await writer.create({"Key": "a"})
        assert sum(len(v) for v in m.requests.values()) == 1  # the replay was not sent
    assert not info.value.outcome_unknown  # a rejected token: nothing was applied
    assert transport.stats.token_replays == 1
    await registry.aclose()
    await transport.aclose()


@pytest.mark.asyncio
async def test_a_write_that_wraps_the_refusal_still_leaves_the_next_one_a_fresh_lease() -> None:
    backend = MemoryLeaseBackend(asyncio.get_running_loop().time)
    key = f"{APP_TOKEN}:{TABLE}"
    registry = WriterRegistry(WriterConfig(linger=0.0, idle_grace=30.0), lease_backend=backend)
    transport, _ = make_transport(auth=FakeProvider())

    async def wrapping_write() -> Any:
        backend._held[key] = ("intruder", float("inf"))  # taken over before the request
        backend._fences[key] += 1
        try:
            return await transport.request("POST", RECORDS, body={"fields": {}})
        except LeaseLostError as exc:
            raise RuntimeError("my own error") from exc

    async def plain_write() -> Any:
        return (await transport.request("POST", RECORDS, body={"fields": {}})).data

    with aioresponses() as m:
        m.post(ANY_URL, payload=envelope(data={"record": {}}), repeat=True)
        with pytest.raises(RuntimeError, match="my own error"):
            await registry.run(APP_TOKEN, TABLE, wrapping_write)
        assert sum(len(v) for v in m.requests.values()) == 0
        del backend._held[key]  # the other process is done with the table
        assert await registry.run(APP_TOKEN, TABLE, plain_write) == {"record": {}}
        assert sum(len(v) for v in m.requests.values()) == 1
    await registry.aclose()
    await transport.aclose()
