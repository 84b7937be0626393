"""The instances record writes return, written in full, against the emulator over HTTP.

Bitable answers a create or update with the cells written only. An instance a
write returns must not read the other cells as empty: taken as is and written
in full (``ModelCodec.encode(only_changed=False)``), it must leave every cell
it was not given unchanged on the server -- for update and batch_update, for
coalesced and single-record writes, for creates (an auto-fill date the answer
does not show), and for an instance read from the record and changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated, Any

import pytest
import pytest_asyncio
from emulated_support import emulated_client

from bitable_async.emulator.config import EmulatorConfig, SeedApp, SeedField, SeedTable
from bitable_async.emulator.server import Emulator
from bitable_async.handles import TableHandle
from bitable_async.values import LinkValue, Person, UnsetAttributeError, Url
from bitable_async.values.model import Field, ModelCodec, RecordModel

from ._record_models import targets_table, written_fields

APP = "bascnWriteAns01"
TABLE = "tblWriteAnswer1"
TARGETS = "tblWriteTarget1"
DAY_MS = 1690992000123  # not midnight, not whole seconds
OWNERS = ["ou_alpha", "ou_beta"]


class Opt(RecordModel):  # every attribute optional: nothing forces a full answer
    key: Annotated[str | None, Field("Key")] = None
    owner: Annotated[Person | None, Field("Owners")] = None  # the first of the persons
    site: Annotated[str | None, Field("Site")] = None  # the link of the URL
    note: Annotated[str | None, Field("Note")] = None
    refs: Annotated[list[str], Field("Refs")] = []  # noqa: RUF012
    day: Annotated[date | None, Field("Day")] = None
    count: Annotated[int, Field("Count")] = 0
    made: Annotated[datetime | None, Field("Made")] = None  # auto-filled on create


class Task(RecordModel):  # a required attribute
    key: Annotated[str, Field("Key")]
    note: Annotated[str | None, Field("Note")] = None
    count: Annotated[int | None, Field("Count")] = None


OTHER = ("key", "owner", "site", "refs", "day", "made")

Env = tuple[Emulator, TableHandle, list[str]]


@pytest_asyncio.fixture
async def env() -> AsyncIterator[Env]:
    targets = targets_table(TARGETS)
    fields = [*written_fields(TARGETS), SeedField("Made", 5, {"auto_fill": True})]
    config = EmulatorConfig(
        seed_apps=[
            SeedApp("W", app_token=APP, tables=[targets, SeedTable("T", fields, table_id=TABLE)])
        ],
        rate_limits_enabled=False,
    )
    async with emulated_client(config) as (emu, client):
        made = await client.table(APP, TARGETS).records.batch_create([{"Name": "a"}, {"Name": "b"}])
        yield emu, client.table(APP, TABLE), [r.record_id or "" for r in made]


async def _seed(t: TableHandle, refs: list[str], n: int = 1) -> list[str]:
    rows = [
        {
            "Key": f"k{i}",
            "Owners": OWNERS,
            "Site": Url(text="The docs", link="https://docs.example/x"),
            "Note": "plain note",
            "Refs": refs,
            "Day": DAY_MS,
            "Count": 7 + i,
        }
        for i in range(n)
    ]
    return [r.record_id or "" for r in await t.records.batch_create(rows)]


async def _cells(t: TableHandle, rid: str) -> dict[str, Any]:
    rec = await t.records.get(rid)
    f = dict(rec.fields)
    f["Owners"] = [p.id for p in f.get("Owners") or []]
    refs = f.get("Refs")
    f["Refs"] = list(refs.record_ids) if isinstance(refs, LinkValue) else refs
    return f


async def _codec(t: TableHandle, model: type[Any]) -> ModelCodec[Any]:
    return (await t.records.schema.codec()).model_codec(model)


def _assert_unknown(obj: RecordModel, attrs: tuple[str, ...]) -> None:
    for attr in attrs:
        assert not hasattr(obj, attr), attr
        with pytest.raises(UnsetAttributeError, match="was not part of the write"):
            getattr(obj, attr)


@pytest.mark.asyncio
@pytest.mark.parametrize("coalesce", [False, True], ids=["single", "coalesced"])
async def test_an_updated_partial_instance_written_in_full_changes_nothing_else(
    env: Env, coalesce: bool
) -> None:
    _, t, refs = env
    (rid,) = await _seed(t, refs)
    mc = await _codec(t, Opt)
    before = await _cells(t, rid)
    assert before["Made"] is not None
    assert before["Count"] == 7

    written = await t.records.update(rid, Opt(note="new"), coalesce=coalesce)
    assert type(written) is Opt
    assert (written.record_id, written.note) == (rid, "new")
    assert written.changed == frozenset()
    _assert_unknown(written, (*OTHER, "count"))  # not None, not 0, not []
    assert mc.encode(written, only_changed=False) == {"Note": "new"}

    # Take the returned instance, change one more attribute, write it in full.
    written.count = 9
    await t.records.update(rid, mc.encode(written, only_changed=False), coalesce=coalesce)
    assert await _cells(t, rid) == {**before, "Note": "new", "Count": 9}


@pytest.mark.asyncio
async def test_coalesced_updates_of_several_records_each_know_their_own_write(env: Env) -> None:
    _, t, refs = env
    rids = await _seed(t, refs, 3)
    mc = await _codec(t, Opt)
    before = [await _cells(t, rid) for rid in rids]
    rows = [Opt(note="n0"), Opt(count=41), Opt(key="k2-new", note=None)]
    written = await asyncio.gather(
        *(t.records.update(rid, row) for rid, row in zip(rids, rows, strict=True))
    )
    assert [w.record_id for w in written] == rids
    fulls = [mc.encode(w, only_changed=False) for w in written]
    assert fulls == [{"Note": "n0"}, {"Count": 41}, {"Key": "k2-new", "Note": None}]
    assert written[2].note is None  # written empty: known to be empty
    _assert_unknown(written[1], (*OTHER, "note"))
    await asyncio.gather(*(t.records.update(rid, f) for rid, f in zip(rids, fulls, strict=True)))
    assert [await _cells(t, rid) for rid in rids] == [
        {**before[0], "Note": "n0"},
        {**before[1], "Count": 41},
        {**before[2], "Key": "k2-new", "Note": None},
    ]


@pytest.mark.asyncio
async def test_batch_update_answers_written_in_full_change_nothing_else(env: Env) -> None:
    _, t, refs = env
    rids = await _seed(t, refs, 2)
    mc = await _codec(t, Opt)
    before = [await _cells(t, rid) for rid in rids]
    written = await t.records.batch_update([(rids[0], Opt(note="b0")), (rids[1], Opt(day=None))])
    assert [type(w) for w in written] == [Opt, Opt]
    assert written[1].day is None
    _assert_unknown(written[0], (*OTHER, "count"))
    fulls = mc.encode_batch(written, only_changed=False)
    assert fulls == [{"Note": "b0"}, {"Day": None}]
    await t.records.batch_update(list(zip(rids, fulls, strict=True)))
    assert await _cells(t, rids[0]) == {**before[0], "Note": "b0"}
    assert await _cells(t, rids[1]) == {**before[1], "Day": None}


@pytest.mark.asyncio
async def test_a_required_attribute_left_out_of_the_write_is_unset_not_an_error(
    env: Env,
) -> None:
    _, t, refs = env
    (rid,) = await _seed(t, refs)
    mc = await _codec(t, Task)
    before = await _cells(t, rid)
    for coalesce in (False, True):
        written = await t.records.update(rid, Task(count=11), coalesce=coalesce)
        assert written.count == 11
        with pytest.raises(UnsetAttributeError, match=r"Task\.key is unknown: field 'Key'"):
            _ = written.key
        await t.records.update(rid, mc.encode(written, only_changed=False))
    assert await _cells(t, rid) == {**before, "Count": 11}


@pytest.mark.asyncio
async def test_an_instance_read_and_changed_comes_back_with_what_it_read(env: Env) -> None:
    _, t, refs = env
    rids = await _seed(t, refs, 2)
    mc = await _codec(t, Opt)
    before = await _cells(t, rids[0])
    task = await t.records.get(rids[0], model=Opt)
    task.count = 8
    written = await t.records.update(rids[0], task)
    # The attributes it read are carried over (the answer held Count only) ...
    assert (written.key, written.note, written.site) == ("k0", "plain note", task.site)
    assert written.owner is not None
    assert written.owner.id == OWNERS[0]
    assert written.count == 8
    # ... and written in full they are sent as read: every person, the URL's
    # text, the exact timestamp, the links.
    await t.records.update(rids[0], mc.encode(written, only_changed=False), coalesce=False)
    assert await _cells(t, rids[0]) == {**before, "Count": 8}

    # batch_update of instances read from their records, likewise.
    many = await t.records.batch_get(rids, model=Opt)
    for i, got in enumerate(many.records):
        got.note = f"m{i}"
    pairs = [(got.record_id or "", got) for got in many.records]
    written_many = await t.records.batch_update(pairs)
    assert [w.key for w in written_many] == ["k0", "k1"]
    fulls = mc.encode_batch(written_many, only_changed=False)
    await t.records.batch_update(list(zip(rids, fulls, strict=True)))
    assert await _cells(t, rids[0]) == {**before, "Count": 8, "Note": "m0"}

    # Written to ANOTHER record, an instance carries nothing it read elsewhere.
    other = await t.records.get(rids[0], model=Opt)
    other.note = "moved"
    before_1 = await _cells(t, rids[1])
    moved = await t.records.update(rids[1], other, coalesce=False)
    assert mc.encode(moved, only_changed=False) == {"Note": "moved"}
    await t.records.update(rids[1], mc.encode(moved, only_changed=False))
    assert await _cells(t, rids[1]) == {**before_1, "Note": "moved"}  # Key stays k1


@pytest.mark.asyncio
async def test_created_instances_leave_unwritten_cells_unknown(env: Env) -> None:
    _, t, _ = env
    mc = await _codec(t, Opt)
    single = await t.records.create(Opt(key="s", count=1), coalesce=False)
    coalesced = await t.records.create(Opt(key="c", count=2))
    batch = await t.records.batch_create([Opt(key="b", count=3)])
    for obj in (single, coalesced, *batch):
        assert type(obj) is Opt
        assert obj.record_id
        assert obj.record_id.startswith("rec")
        # The server filled Made; the answer does not show it: unknown, not None.
        _assert_unknown(obj, ("made", "owner", "site", "note", "refs", "day"))
        rid = obj.record_id
        made = (await _cells(t, rid))["Made"]
        assert made is not None
        await t.records.update(rid, mc.encode(obj, only_changed=False), coalesce=False)
        assert (await _cells(t, rid))["Made"] == made  # not cleared
    assert [(o.key, o.count) for o in (single, coalesced, *batch)] == [
        ("s", 1),
        ("c", 2),
        ("b", 3),
    ]
