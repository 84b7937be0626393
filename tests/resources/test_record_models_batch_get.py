"""``records.batch_get(ids, model=Task)`` against the emulator over HTTP.

batch_get is the read that returns link cells as ``{"link_record_ids": [...]}``,
so a model read through it knows every linked record id and can write the link
back. The model is checked against the schema before the first batch_get call;
ids are sent in chunks of at most 100, in order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import pytest
import pytest_asyncio
from emulated_support import emulated_client

from bitable_async.emulator.config import EmulatorConfig, SeedApp, SeedField, SeedTable
from bitable_async.emulator.server import Emulator
from bitable_async.errors import FieldValueError
from bitable_async.handles import TableHandle
from bitable_async.models.record import Record
from bitable_async.values.model import Field, RecordModel
from bitable_async.values.types import LinkValue

from ._record_models import Misfit, WrongType

APP = "bascnBatchGetM01"
TASKS = "tblBgTasks00001"
TARGETS = "tblBgTargets001"
ABSENT = "recAbsent000001"


class Task(RecordModel):
    key: Annotated[str, Field("Key")]
    n: Annotated[int | None, Field("N")] = None
    note: Annotated[str | None, Field("Note")] = None
    targets: Annotated[list[str], Field("Targets")]


class TaskLink(RecordModel):
    key: Annotated[str, Field("Key")]
    targets: Annotated[LinkValue | None, Field("Targets")] = None


@dataclass
class Env:
    emu: Emulator
    tasks: TableHandle
    targets: list[str]

    def requests(self, endpoint: str) -> int:
        stats = self.emu.stats()["endpoints"]
        return int(stats.get(endpoint, {}).get("requests", 0))


@pytest_asyncio.fixture
async def env() -> AsyncIterator[Env]:
    tasks = SeedTable(
        "Tasks",
        [
            SeedField("Key", 1),
            SeedField("N", 2),
            SeedField("Note", 1),
            SeedField("Targets", 18, {"multiple": True, "table_id": TARGETS}),
        ],
        table_id=TASKS,
    )
    targets = SeedTable("Targets", [SeedField("Name", 1)], table_id=TARGETS)
    config = EmulatorConfig(
        seed_apps=[SeedApp("BG", app_token=APP, tables=[targets, tasks])],
        rate_limits_enabled=False,
    )
    async with emulated_client(config) as (emu, client):
        made = await client.table(APP, TARGETS).records.batch_create(
            [{"Name": f"target {i}"} for i in range(4)]
        )
        ids = [r.record_id or "" for r in made]
        assert all(i.startswith("rec") for i in ids)
        yield Env(emu, client.table(APP, TASKS), ids)


def _links(env: Env, i: int) -> list[str]:
    # 0, 1 or 2 linked records, in an order that is not the targets' order.
    return [env.targets[(i + k) % 4] for k in range(i % 3)][::-1]


@pytest.mark.asyncio
async def test_batch_get_with_a_model_over_two_chunks_keeps_the_requested_order(
    env: Env,
) -> None:
    t = env.tasks
    rows = [
        {"Key": f"k{i}", "N": i, "Note": f"note {i}", "Targets": _links(env, i)} for i in range(130)
    ]
    made = await t.records.batch_create(rows)
    rid_of = {r.fields["Key"]: r.record_id or "" for r in made}
    # Not the creation order: odd keys downwards, then even keys upwards; an
    # unknown id in the middle.
    order = [i for i in range(129, -1, -1) if i % 2] + [i for i in range(130) if not i % 2]
    wanted = [rid_of[f"k{i}"] for i in order]
    wanted.insert(64, ABSENT)
    before = env.requests("app_table_record.batch_get")

    got = await t.records.batch_get(wanted, model=Task)

    assert env.requests("app_table_record.batch_get") - before == 2  # 100 + 31 ids
    assert got.absent_record_ids == [ABSENT]
    assert got.forbidden_record_ids == []
    assert [task.record_id for task in got.records] == [w for w in wanted if w != ABSENT]
    assert all(type(task) is Task for task in got.records)
    for i, task in zip(order, got.records, strict=True):
        assert (task.key, task.n, task.note) == (f"k{i}", i, f"note {i}")
        assert type(task.n) is int
        assert type(task.note) is str  # batch_get sends text as segments
        assert task.targets == _links(env, i)  # the ids, from link_record_ids
        assert task.changed == frozenset()

    # The same records without a model: the same cells, as Records.
    plain = await t.records.batch_get(wanted)
    assert all(type(r) is Record for r in plain.records)
    assert [r.record_id for r in plain.records] == [task.record_id for task in got.records]


@pytest.mark.asyncio
async def test_a_link_read_by_batch_get_can_be_written_back_with_the_model(env: Env) -> None:
    t = env.tasks
    a, b, c, _ = env.targets
    made = await t.records.batch_create(
        [{"Key": "x", "N": 1, "Targets": [a, b, c]}, {"Key": "y", "N": 2, "Targets": [b]}]
    )
    x_id, y_id = (r.record_id or "" for r in made)

    x, y = (await t.records.batch_get([x_id, y_id], model=Task)).records
    assert (x.targets, y.targets) == ([a, b, c], [b])

    # The ids read are written back as they are (here reversed, so the write
    # visibly sent them), next to another change.
    x.targets = list(reversed(x.targets))
    x.n = 10
    written = await t.records.update(x_id, x)
    assert type(written) is Task
    assert written.targets == [c, b, a]
    # Another attribute changed alone: the link is not sent and stays.
    y.n = 20
    await t.records.update(y_id, y, coalesce=False)

    again = (await t.records.batch_get([x_id, y_id], model=Task)).records
    assert [(r.n, r.targets) for r in again] == [(10, [c, b, a]), (20, [b])]

    # A LinkValue attribute read by batch_get has its ids: it can be written
    # back as read (a link read as display text only would be refused).
    (link,) = (await t.records.batch_get([y_id], model=TaskLink)).records
    assert link.targets == LinkValue(record_ids=(b,))
    assert link.targets.ids_known
    link.targets = link.targets
    await t.records.update(y_id, link, coalesce=False)
    (link,) = (await t.records.batch_get([y_id], model=TaskLink)).records
    assert link.targets == LinkValue(record_ids=(b,))
    # ...and extended with another id.
    link.targets = LinkValue(record_ids=(*link.targets.record_ids, a))
    await t.records.update(y_id, link)
    got = await t.records.get(y_id)
    assert isinstance(got.fields["Targets"], LinkValue)
    assert got.fields["Targets"].record_ids == (b, a)


@pytest.mark.asyncio
async def test_a_model_that_does_not_fit_the_table_fails_before_any_batch_get_call(
    env: Env,
) -> None:
    t = env.tasks
    made = await t.records.batch_create([{"Key": f"k{i}", "N": i} for i in range(150)])
    ids = [r.record_id or "" for r in made]
    schema_reads = env.requests("app_table_field.list")

    with pytest.raises(FieldValueError, match="No such field"):
        await t.records.batch_get(ids, model=Misfit)
    with pytest.raises(FieldValueError, match="does not fit field 'N'"):
        await t.records.batch_get(ids, model=WrongType, chunk_size=10)

    assert env.requests("app_table_record.batch_get") == 0
    assert env.requests("app_table_field.list") == schema_reads  # the cached schema


@pytest.mark.asyncio
async def test_a_required_attribute_on_an_empty_cell_names_the_record(env: Env) -> None:
    t = env.tasks
    made = await t.records.batch_create([{"Key": "full", "N": 1}, {"N": 2}])  # Key left empty
    ids = [r.record_id or "" for r in made]
    with pytest.raises(FieldValueError, match="Key") as info:
        await t.records.batch_get(ids, model=Task)
    assert info.value.record_id == ids[1]
    # The list attribute on an empty link cell is [], not an error.
    (full,) = (await t.records.batch_get(ids[:1], model=Task)).records
    assert full.targets == []
