"""Record models through the resources, against the emulator over HTTP.

``records.list / search / get(..., model=Task)`` return ``Task`` instances
(the model is checked against the table schema once, before any record
request); writes accept model instances and send only the attributes that
were assigned (a partial update leaves the other cells alone).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import pytest
import pytest_asyncio
from emulated_support import emulated_client

from bitable_async.bulk import bulk_insert
from bitable_async.emulator.config import EmulatorConfig, SeedApp, SeedField, SeedTable
from bitable_async.emulator.server import Emulator
from bitable_async.errors import FieldValueError
from bitable_async.filters import F
from bitable_async.handles import TableHandle
from bitable_async.models.record import Record
from bitable_async.values.model import Field, RecordModel

from ._record_models import Misfit, WrongType

APP = "bascnModels0001"
TABLE = "tblModels0001"


class Task(RecordModel):
    key: Annotated[str, Field("Key")]
    n: Annotated[int | None, Field("N")] = None
    note: Annotated[str | None, Field("Note")] = None


@pytest_asyncio.fixture
async def env() -> AsyncIterator[tuple[Emulator, TableHandle]]:
    fields = [SeedField("Key", 1), SeedField("N", 2), SeedField("Note", 1)]
    config = EmulatorConfig(
        seed_apps=[SeedApp("M", app_token=APP, tables=[SeedTable("T", fields, table_id=TABLE)])],
        rate_limits_enabled=False,
    )
    async with emulated_client(config) as (emu, client):
        yield emu, client.table(APP, TABLE)


def _requests(emu: Emulator, endpoint: str) -> int:
    return int(emu.stats()["endpoints"].get(endpoint, {}).get("requests", 0))


@pytest.mark.asyncio
async def test_reads_return_model_instances(env: tuple[Emulator, TableHandle]) -> None:
    _, t = env
    await t.records.batch_create([Task(key=f"k{i}", n=i) for i in range(30)])

    listed = [task async for task in t.records.list(model=Task, page_size=7)]
    assert len(listed) == 30
    assert all(type(task) is Task for task in listed)
    assert sorted(task.n or 0 for task in listed) == list(range(30))
    assert all(task.note is None for task in listed)  # empty cell -> the default
    assert all(task.record_id and task.record_id.startswith("rec") for task in listed)

    found = await t.records.search(model=Task, filter=F("N") >= 25).collect()
    assert sorted(task.key for task in found) == [f"k{i}" for i in range(25, 30)]

    one = await t.records.get(listed[3].record_id or "", model=Task)
    assert one == listed[3]
    assert one.changed == frozenset()  # freshly read: nothing to write


@pytest.mark.asyncio
async def test_writes_accept_models_and_send_only_assigned_attributes(
    env: tuple[Emulator, TableHandle],
) -> None:
    _, t = env
    row = Task(key="a", n=5, note="first")
    created = await t.records.create(row)
    # A model in, the same model class out: decoded from the server's answer.
    assert type(created) is Task
    assert created is not row
    rid = created.record_id or ""
    assert rid.startswith("rec")
    assert (created.key, created.n, created.note) == ("a", 5, "first")
    assert created.changed == frozenset()  # as committed: nothing left to write
    assert row.record_id is None  # the caller's instance is left alone

    # Partial: only `note` is set on this instance; Key and N stay as they are.
    partial = await t.records.update(rid, Task(note="second"))
    assert type(partial) is Task
    assert (partial.record_id, partial.note) == (rid, "second")
    after = await t.records.get(rid, model=Task)
    assert (after.key, after.n, after.note) == ("a", 5, "second")

    # Read, change one attribute, write back: only that attribute is sent.
    after.n = 6
    assert after.changed == frozenset({"n"})
    updated = await t.records.update(rid, after)
    assert type(updated) is Task
    assert updated.n == 6
    again = await t.records.get(rid, model=Task)
    assert (again.key, again.n, again.note) == ("a", 6, "second")

    # Assigning None clears the cell.
    after = await t.records.get(rid, model=Task)
    after.note = None
    await t.records.update(rid, after, coalesce=False)
    assert (await t.records.get(rid, model=Task)).note is None

    # Batch forms and bulk loads through the handle take models too.
    many = await t.records.batch_update([(rid, Task(n=7))])
    assert type(many[0]) is Task
    assert (many[0].record_id, many[0].n) == (rid, 7)
    made = await t.records.batch_create([Task(key="c", n=1), {"Key": "d", "N": 2}])
    assert type(made[0]) is Task
    assert isinstance(made[1], Record)  # each row comes back as its own kind
    assert made[1].fields["Key"] == "d"
    coalesced = await asyncio.gather(*(t.records.create(Task(key=f"e{i}")) for i in range(3)))
    assert [type(c) for c in coalesced] == [Task, Task, Task]
    assert [c.key for c in coalesced] == ["e0", "e1", "e2"]
    summary = await bulk_insert(t, [Task(key=f"b{i}", n=i) for i in range(10)])
    assert summary.written == 10


@pytest.mark.asyncio
async def test_a_model_that_does_not_fit_the_table_fails_before_any_record_request(
    env: tuple[Emulator, TableHandle],
) -> None:
    emu, t = env
    with pytest.raises(FieldValueError, match="No such field"):
        await t.records.list(model=Misfit).collect()
    with pytest.raises(FieldValueError, match="does not fit field 'N'"):
        await t.records.search(model=WrongType).collect()
    with pytest.raises(FieldValueError, match="No such field"):
        await t.records.get("recAnything", model=Misfit)
    with pytest.raises(FieldValueError, match="No such field"):
        await t.records.create(Misfit(key="x", missing="y"))
    assert _requests(emu, "app_table_record.list") == 0
    assert _requests(emu, "app_table_record.search") == 0
    assert _requests(emu, "app_table_record.get") == 0
    assert _requests(emu, "app_table_record.batch_create") == 0
    assert _requests(emu, "app_table_field.list") == 1  # the schema, fetched once


@pytest.mark.asyncio
async def test_a_required_attribute_on_an_empty_cell_names_the_record(
    env: tuple[Emulator, TableHandle],
) -> None:
    _, t = env
    rec = await t.records.create({"N": 1})  # Key left empty
    with pytest.raises(FieldValueError, match="Key") as info:
        await t.records.get(rec.record_id or "", model=Task)
    assert info.value.record_id == rec.record_id
