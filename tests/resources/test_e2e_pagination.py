"""Paginate a 20,000-record table on the emulator: every record once, resumable, constant memory."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from emulated_support import emulated_client

from bitable_async.emulator import EmulatorConfig, SeedApp, SeedField, SeedTable
from bitable_async.handles import TableHandle

N = 20_000


async def _no_sleep(_: float) -> None:
    return None


@pytest_asyncio.fixture
async def big_table() -> AsyncIterator[TableHandle]:
    seed = SeedApp(
        tables=[
            SeedTable(
                "Big",
                fields=[SeedField("Name", 1), SeedField("N", 2, {"formatter": "0"})],
                table_id="tblBig",
            )
        ]
    )
    config = EmulatorConfig(seed_apps=[seed], rate_limits_enabled=False)
    async with emulated_client(config, sleep=_no_sleep) as (emu, client):
        table = client.table(emu.app_token, "tblBig")
        # Any iterable of any length: a generator, chunked into 40 calls of 500.
        created = await table.records.batch_create({"Name": f"r{i}", "N": i} for i in range(N))
        assert len(created) == N
        del created
        yield table


async def _walk(table: TableHandle, *, pages: int | None = None) -> int:
    """Iterate records of the list endpoint, returning how many were seen."""
    count = 0
    it = table.records.list(page_size=500)  # capped at 100
    async for _record in it:
        count += 1
        if pages is not None and count >= pages * it.page_size:
            break
    return count


@pytest.mark.asyncio
async def test_every_record_once_and_resumable(big_table: TableHandle) -> None:
    it = big_table.records.list()
    assert it.page_size == 100  # the list endpoint's maximum
    seen: set[int] = set()
    async for record in it:
        seen.add(record.fields["N"])
    assert seen == set(range(N))
    assert it.exhausted

    # Search pages of 500; stop after 3 pages and resume from the token.
    search = big_table.records.search(sort=["N ASC"])
    pages = search.pages()
    firsts = [await pages.__anext__() for _ in range(3)]
    assert [len(p.items) for p in firsts] == [500, 500, 500]
    assert firsts[0].total == N
    resumed = big_table.records.search(sort=["N ASC"], page_token=search.next_page_token)
    rest = [r.fields["N"] async for r in resumed]
    assert rest == list(range(1500, N))


@pytest.mark.asyncio
async def test_memory_stays_flat_over_the_whole_table(big_table: TableHandle) -> None:
    await _walk(big_table, pages=2)  # warm up: schema, decoders, connections

    async def measure(pages: int | None) -> tuple[int, int]:
        gc.collect()
        tracemalloc.start()
        try:
            count = await _walk(big_table, pages=pages)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return count, peak

    few, peak_few = await measure(10)
    everything, peak_all = await measure(None)
    assert few == 1_000
    assert everything == N
    # 20x the records, about the same peak: only one page is alive at a time.
    # (Holding every record would take 20x the memory of 10 pages.)
    assert peak_all < 2 * peak_few
