"""Record models written in full, and misfit models, against the emulator over HTTP.

A full write (``ModelCodec.encode(only_changed=False)``) of a record read into
a model with one-way annotations (``Person`` on a multi-person field, ``str``
on a URL field, ``date`` on a date field ...) must leave every cell it did not
change as it was. A model that does not fit the table fails a batch once,
before any record request.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime, timezone
from typing import Annotated, Any

import pytest
import pytest_asyncio
from emulated_support import emulated_client

from bitable_async.emulator.config import EmulatorConfig, SeedApp, SeedTable
from bitable_async.emulator.server import Emulator
from bitable_async.errors import FieldValueError
from bitable_async.handles import TableHandle
from bitable_async.values import LinkValue, Person, Url
from bitable_async.values.model import Field, RecordModel
from bitable_async.values.record_codec import BatchFieldValueError

from ._record_models import targets_table, written_fields

APP = "bascnFullWrite01"
TABLE = "tblFullWrite0001"
TARGETS = "tblFullTargets01"
DAY_MS = 1690992000123  # 2023-08-02T16:00:00.123Z: not midnight, not whole seconds
OWNERS = ["ou_alpha", "ou_beta"]


class Task(RecordModel):
    key: Annotated[str, Field("Key")]
    owner: Annotated[Person | None, Field("Owners")] = None  # the first of the persons
    site: Annotated[str | None, Field("Site")] = None  # the link of the URL
    note: Annotated[str | None, Field("Note")] = None
    refs: Annotated[list[str], Field("Refs")] = []  # noqa: RUF012
    day: Annotated[date | None, Field("Day")] = None
    count: Annotated[int, Field("Count")] = 0


class Misfit(RecordModel):
    key: Annotated[str, Field("Key")]
    count: Annotated[str, Field("Count")]  # a number field


Env = tuple[Emulator, TableHandle, TableHandle]


@pytest_asyncio.fixture
async def env() -> AsyncIterator[Env]:
    targets = targets_table(TARGETS)
    fields = written_fields(TARGETS)
    tasks = SeedTable("Tasks", fields, table_id=TABLE)
    config = EmulatorConfig(
        seed_apps=[SeedApp("F", app_token=APP, tables=[targets, tasks])],
        rate_limits_enabled=False,
    )
    async with emulated_client(config) as (emu, client):
        yield emu, client.table(APP, TABLE), client.table(APP, TARGETS)


def _requests(emu: Emulator, endpoint: str) -> int:
    return int(emu.stats()["endpoints"].get(endpoint, {}).get("requests", 0))


def _record_writes(emu: Emulator) -> int:
    names = ("create", "update", "batch_create", "batch_update")
    return sum(_requests(emu, f"app_table_record.{n}") for n in names)


async def _seed_row(t: TableHandle, refs: list[str], key: str = "k") -> str:
    rec = await t.records.create(
        {
            "Key": key,
            "Owners": OWNERS,
            "Site": Url(text="The docs", link="https://docs.example/x"),
            "Note": "plain note",
            "Refs": refs,
            "Day": DAY_MS,
        },
        coalesce=False,
    )
    assert rec.record_id
    return rec.record_id


async def _cells(t: TableHandle, rid: str) -> dict[str, Any]:
    rec = await t.records.get(rid)
    f = rec.fields
    refs = f.get("Refs")
    return {
        "Key": f.get("Key"),
        "Owners": [p.id for p in f.get("Owners") or []],
        "Site": f.get("Site"),
        "Note": f.get("Note"),
        "Refs": list(refs.record_ids) if isinstance(refs, LinkValue) else refs,
        "Day": f.get("Day"),
        "Count": f.get("Count"),
    }


def _expected(key: str, refs: list[str]) -> dict[str, Any]:
    return {
        "Key": key,
        "Owners": OWNERS,
        "Site": Url(text="The docs", link="https://docs.example/x"),
        "Note": "plain note",
        "Refs": refs,
        "Day": datetime.fromtimestamp(DAY_MS / 1000, timezone.utc),
        "Count": None,
    }


@pytest.mark.asyncio
async def test_a_full_write_of_a_read_record_keeps_every_cell_it_did_not_change(env: Env) -> None:
    _, t, targets = env
    made = await targets.records.batch_create([{"Name": "one"}, {"Name": "two"}])
    refs = [r.record_id or "" for r in made]
    rid = await _seed_row(t, refs)
    mc = (await t.records.schema.codec()).model_codec(Task)

    task = await t.records.get(rid, model=Task)
    # The attributes show converted values ...
    assert task.owner is not None
    assert task.owner.id == OWNERS[0]
    assert task.site == "https://docs.example/x"
    assert task.day == date(2023, 8, 2)
    assert task.count == 0  # an empty cell, shown as the default
    # ... change one attribute and write the whole instance back.
    task.key = "k2"
    await t.records.update(rid, mc.encode(task, only_changed=False), coalesce=False)
    assert await _cells(t, rid) == _expected("k2", refs)

    # The batch forms: encode_batch in full, then batch_update and batch_create (a copy).
    again = await t.records.get(rid, model=Task)
    rows = mc.encode_batch([again], only_changed=False)
    await t.records.batch_update([(rid, rows[0])])
    assert await _cells(t, rid) == _expected("k2", refs)
    (copy,) = await t.records.batch_create(rows)
    assert await _cells(t, copy.record_id or "") == _expected("k2", refs)


@pytest.mark.asyncio
async def test_mentions_are_left_alone_and_a_link_without_ids_is_refused(env: Env) -> None:
    emu, t, targets = env
    made = await targets.records.batch_create([{"Name": "one"}])
    refs = [made[0].record_id or ""]
    rid = await _seed_row(t, refs)
    codec = await t.records.schema.codec()
    mc = codec.model_codec(Task)
    # The emulator stores text as plain strings and always returns link ids;
    # Bitable itself returns these shapes (fields.md §3, the list example).
    mention = [
        {"type": "text", "text": "ask "},
        {"type": "mention", "mentionType": "User", "text": "@Zhang", "token": "ou_z", "name": "Z"},
    ]
    page = {
        "items": [
            {
                "record_id": rid,
                "fields": {"Key": "k", "Note": mention, "Refs": [{"type": "text", "text": "one"}]},
            }
        ]
    }
    (task,) = mc.decode_page(json.dumps(page).encode()).items
    assert task.note == "ask @Zhang"
    assert task.refs == []  # the ids are unknown
    before = _record_writes(emu)
    with pytest.raises(FieldValueError, match="link record ids unknown") as info:
        await t.records.update(rid, mc.encode(task, only_changed=False))
    assert info.value.field_name == "Refs"
    assert _record_writes(emu) == before  # refused before any request
    assert (await _cells(t, rid))["Refs"] == refs  # not cleared

    # Assign the link (here: back to the known ids); the note is still left out.
    task.refs = refs
    fields = mc.encode(task, only_changed=False)
    assert "Note" not in fields
    await t.records.update(rid, fields, coalesce=False)
    assert (await _cells(t, rid))["Note"] == "plain note"  # not "ask @Zhang"


@pytest.mark.asyncio
async def test_a_row_returned_by_a_write_forgets_the_cells_it_replaced(env: Env) -> None:
    _, t, targets = env
    made = await targets.records.batch_create([{"Name": "one"}])
    rid = await _seed_row(t, [made[0].record_id or ""])
    mc = (await t.records.schema.codec()).model_codec(Task)
    task = await t.records.get(rid, model=Task)
    task.owner = task.owner  # written as assigned: only the first person is kept
    task.key = None  # type: ignore[assignment]  # clears Key: the answer cannot fill Task
    written = await t.records.update(rid, task, coalesce=False)
    assert isinstance(written, Task)
    assert written.key is None  # the row as written (the answer lacks the required Key)
    assert (await _cells(t, rid))["Owners"] == OWNERS[:1]
    written.key = "back"
    await t.records.update(rid, mc.encode(written, only_changed=False), coalesce=False)
    cells = await _cells(t, rid)
    assert cells["Owners"] == OWNERS[:1]  # the removed person is not written back
    assert cells["Key"] == "back"
    assert cells["Site"] == Url(text="The docs", link="https://docs.example/x")


@pytest.mark.asyncio
async def test_a_misfit_model_fails_a_500_row_batch_once_before_any_request(env: Env) -> None:
    emu, t, _ = env
    rows = [Misfit(key=f"k{i}", count=str(i)) for i in range(500)]
    pairs = [(f"rec{i:07d}", row) for i, row in enumerate(rows)]
    errors: list[FieldValueError] = []
    with pytest.raises(FieldValueError) as created:
        await t.records.batch_create(rows)
    errors.append(created.value)
    with pytest.raises(FieldValueError) as updated:
        await t.records.batch_update(pairs)
    errors.append(updated.value)
    for err in errors:
        assert not isinstance(err, BatchFieldValueError)
        assert str(err).startswith("model Misfit does not fit the table: attribute 'count'")
        assert str(err).count("expected") == 1
    with pytest.raises(FieldValueError, match="model Misfit does not fit"):
        await t.records.create(rows[0])
    assert _record_writes(emu) == 0
    assert _requests(emu, "app_table_field.list") == 1  # the schema, fetched once


class IssueTask(RecordModel):  # the issue's example: a list attribute without a default
    key: Annotated[str, Field("Key")]
    day: Annotated[datetime | None, Field("Day")]
    owners: Annotated[list[Person], Field("Owners")]


@pytest.mark.asyncio
async def test_list_attributes_read_empty_cells_as_empty_lists(env: Env) -> None:
    _, t, _ = env
    await t.records.batch_create([{"Key": "nobody"}, {"Key": "two", "Owners": OWNERS}])
    got = {task.key: task for task in await t.records.list(model=IssueTask).collect()}
    assert got["nobody"].owners == []
    assert got["nobody"].day is None
    assert [p.id for p in got["two"].owners] == OWNERS
    # Written in full, the empty cell stays empty.
    mc = (await t.records.schema.codec()).model_codec(IssueTask)
    assert mc.encode(got["nobody"], only_changed=False) == {
        "Key": "nobody",
        "Day": None,
        "Owners": None,
    }
