"""Bulk loads of record models whose class cannot be encoded at all, over HTTP.

A model class that does not fit the table (or model rows without the table's
codec) is no row's fault: the load fails once, at the first instance, with
that one error -- before any record request when nothing was sent yet -- not
with one identical failure per row. A model that fits still fails only the
rows whose values are bad.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest
import pytest_asyncio
from writer_e2e import APP_TOKEN, client_for, record_write_calls, seed, table_id, table_keys

from bitable_async.bulk import BulkAbortedError, bulk_insert, bulk_update, bulk_upsert
from bitable_async.client import BitableClient
from bitable_async.emulator.server import Emulator
from bitable_async.errors import ConfigurationError, FieldValueError
from bitable_async.values.model import Field, RecordModel
from bitable_async.values.record_codec import BatchFieldValueError


class Row(RecordModel):
    key: Annotated[str, Field("Key")]
    n: Annotated[int | None, Field("N")] = None


class Misfit(RecordModel):
    key: Annotated[str, Field("Key")]
    n: Annotated[list[str], Field("N")]  # a number field


class Lacking(RecordModel):
    key: Annotated[str, Field("Key")]
    gone: Annotated[str | None, Field("No such field")] = None


Env = tuple[Emulator, BitableClient]


@pytest_asyncio.fixture
async def env() -> AsyncIterator[Env]:
    async with Emulator(seed(1)) as emu, client_for(emu.base_url, emu.app_id, emu.app_secret) as c:
        yield emu, c


def _writes(emu: Emulator) -> int:
    return sum(record_write_calls(emu).values())


def _misfits(n: int) -> Iterator[Misfit]:
    return (Misfit(key=f"m{i}", n=[str(i)]) for i in range(n))


def _assert_one_misfit_error(err: BaseException, model: str, detail: str) -> None:
    assert type(err) is FieldValueError  # one error, not a batch of per-row copies
    assert not isinstance(err, BatchFieldValueError)
    message = str(err)
    assert message.startswith(f"model {model} does not fit the table: ")
    assert detail in message
    assert message.count("does not fit the table") == 1


@pytest.mark.asyncio
async def test_a_misfit_model_fails_a_500_row_bulk_insert_once_before_any_request(
    env: Env,
) -> None:
    emu, client = env
    t = client.table(APP_TOKEN, table_id(0))
    read_rows = 0

    def rows() -> Iterator[Misfit]:
        nonlocal read_rows
        for row in _misfits(500):
            read_rows += 1
            yield row

    with pytest.raises(FieldValueError) as info:
        await bulk_insert(t, rows())
    _assert_one_misfit_error(info.value, "Misfit", "attribute 'n'")
    assert read_rows == 1  # stopped at the first instance, the rest never read
    assert _writes(emu) == 0
    assert table_keys(emu, table_id(0)) == []
    fields_calls = emu.stats()["endpoints"]["app_table_field.list"]["requests"]
    assert fields_calls == 1  # the schema, fetched once

    # A missing field, and the other bulk functions: the same single error.
    with pytest.raises(FieldValueError) as lacking:
        await bulk_insert(t, [Lacking(key=f"l{i}") for i in range(500)])
    _assert_one_misfit_error(lacking.value, "Lacking", "'No such field', which the table lacks")
    with pytest.raises(FieldValueError) as updated:
        await bulk_update(t, [(f"rec{i:07d}", m) for i, m in enumerate(_misfits(500))])
    _assert_one_misfit_error(updated.value, "Misfit", "attribute 'n'")
    with pytest.raises(FieldValueError) as upserted:
        await bulk_upsert(t, list(_misfits(500)), key="Key")
    _assert_one_misfit_error(upserted.value, "Misfit", "attribute 'n'")
    assert _writes(emu) == 0


@pytest.mark.asyncio
async def test_found_after_chunks_were_sent_the_load_stops_with_an_exact_summary(
    env: Env,
) -> None:
    emu, client = env
    t = client.table(APP_TOKEN, table_id(0))
    rows: list[Any] = [{"Key": f"d{i}", "N": i} for i in range(25)]
    rows += list(_misfits(100))
    with pytest.raises(BulkAbortedError) as info:
        await bulk_insert(t, rows, chunk_size=10)
    err = info.value
    _assert_one_misfit_error(err.cause, "Misfit", "attribute 'n'")
    # The two full chunks sent before the misfit landed and are counted; the
    # partial chunk of 5 and the misfit rows were never sent.
    assert (err.summary.written, err.summary.failed, err.summary.rows_read) == (20, 0, 26)
    assert record_write_calls(emu)["batch_create"] == 2
    assert sorted(table_keys(emu, table_id(0))) == sorted(f"d{i}" for i in range(20))


@pytest.mark.asyncio
async def test_model_rows_without_the_table_codec_fail_once(env: Env) -> None:
    emu, client = env
    writer = client.table(APP_TOKEN, table_id(0)).writer
    with pytest.raises(ConfigurationError, match="Row instance needs the table's codec"):
        await bulk_insert(writer, [Row(key=f"r{i}") for i in range(50)])
    assert _writes(emu) == 0


@pytest.mark.asyncio
async def test_a_model_that_fits_still_fails_only_its_bad_rows(env: Env) -> None:
    emu, client = env
    t = client.table(APP_TOKEN, table_id(0))
    rows = [Row(key=f"r{i}", n=i) for i in range(30)]
    rows[17].n = "not a number"  # type: ignore[assignment]
    summary = await bulk_insert(t, rows)
    assert (summary.written, summary.failed) == (29, 1)
    assert summary.failures[0].index == 17
    assert isinstance(summary.failures[0].error, FieldValueError)
    assert len(table_keys(emu, table_id(0))) == 29
