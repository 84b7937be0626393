"""The records writes of plain mappings return, against the emulator over HTTP.

Bitable answers a create or update with the cells written only. A
:class:`Record` a write returns must hold just those cells (typed like a
read), never ``None`` placeholders for the other fields of the schema: written
back as is (``records.update(rid, rec.fields)``) it must leave every other
cell unchanged on the server -- for update and batch_update, create and
batch_create, single-record and coalesced writes (a create's auto-fill date
is not in the answer either). Reads still hold every field.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest
import pytest_asyncio
from emulated_support import emulated_client

from bitable_async.emulator.config import EmulatorConfig, SeedApp, SeedField, SeedTable
from bitable_async.handles import TableHandle
from bitable_async.models.record import RawRecord, Record
from bitable_async.resources.record_io import decode_one, written_without_answer
from bitable_async.values import LinkValue, Person, Url

from ._record_models import targets_table, written_fields

APP = "bascnMapAnswer1"
TABLE = "tblMapAnswer001"
TARGETS = "tblMapTarget001"
DAY = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
SITE = Url(text="The docs", link="https://docs.example/x")

Env = tuple[TableHandle, list[str]]


@pytest_asyncio.fixture
async def env() -> AsyncIterator[Env]:
    fields = [*written_fields(TARGETS), SeedField("Made", 5, {"auto_fill": True})]
    config = EmulatorConfig(
        seed_apps=[
            SeedApp(
                "M",
                app_token=APP,
                tables=[targets_table(TARGETS), SeedTable("T", fields, table_id=TABLE)],
            )
        ],
        rate_limits_enabled=False,
    )
    async with emulated_client(config) as (_, client):
        made = await client.table(APP, TARGETS).records.batch_create([{"Name": "a"}, {"Name": "b"}])
        yield client.table(APP, TABLE), [r.record_id or "" for r in made]


def _full_row(refs: list[str], i: int = 0) -> dict[str, Any]:
    return {
        "Key": f"k{i}",
        "Owners": ["ou_alpha", "ou_beta"],
        "Site": SITE,
        "Note": "plain note",
        "Refs": refs,
        "Day": DAY,
        "Count": 7 + i,
    }


async def _seed(t: TableHandle, refs: list[str], n: int = 1) -> list[str]:
    made = await t.records.batch_create([_full_row(refs, i) for i in range(n)])
    return [r.record_id or "" for r in made]


async def _cells(t: TableHandle, rid: str) -> dict[str, Any]:
    """The record as read, persons and links reduced to their ids."""
    rec = await t.records.get(rid)
    f = dict(rec.fields)
    f["Owners"] = [p.id for p in f.get("Owners") or []]
    refs = f.get("Refs")
    f["Refs"] = list(refs.record_ids) if isinstance(refs, LinkValue) else refs
    return f


def _assert_typed_full(rec: Record, refs: list[str], i: int = 0) -> None:
    """``rec`` holds exactly the cells of ``_full_row``, typed."""
    f = rec.fields
    assert set(f) == {"Key", "Owners", "Site", "Note", "Refs", "Day", "Count"}
    assert "Made" not in f  # auto-filled by the server, not in the answer: unknown
    assert (f["Key"], f["Note"], f["Count"], f["Day"], f["Site"]) == (
        f"k{i}",
        "plain note",
        7 + i,
        DAY,
        SITE,
    )
    assert all(type(p) is Person for p in f["Owners"])
    assert [p.id for p in f["Owners"]] == ["ou_alpha", "ou_beta"]
    assert isinstance(f["Refs"], LinkValue)
    assert list(f["Refs"].record_ids) == refs


@pytest.mark.asyncio
@pytest.mark.parametrize("coalesce", [False, True], ids=["single", "coalesced"])
async def test_an_update_returns_the_written_cells_only(env: Env, coalesce: bool) -> None:
    t, refs = env
    (rid,) = await _seed(t, refs)
    before = await _cells(t, rid)
    assert before["Made"] is not None
    assert before["Key"] == "k0"

    rec = await t.records.update(rid, {"Note": "new", "Count": 9, "Key": None}, coalesce=coalesce)
    assert rec.record_id == rid
    assert rec.fields == {"Note": "new", "Count": 9, "Key": None}  # cleared: known empty
    assert rec.get("Site") is None
    assert rec.get("Site", "?") == "?"
    with pytest.raises(KeyError):
        _ = rec["Site"]

    after = {**before, "Note": "new", "Count": 9, "Key": None}
    assert await _cells(t, rid) == after
    await t.records.update(rid, rec.fields, coalesce=coalesce)  # written back as is
    assert await _cells(t, rid) == after


@pytest.mark.asyncio
async def test_coalesced_updates_of_several_records_each_hold_their_own_cells(env: Env) -> None:
    t, refs = env
    rids = await _seed(t, refs, 3)
    before = [await _cells(t, rid) for rid in rids]
    rows: list[dict[str, Any]] = [{"Note": "n0"}, {"Count": 41}, {"Day": None, "Owners": ["ou_c"]}]
    recs = await asyncio.gather(
        *(t.records.update(rid, row) for rid, row in zip(rids, rows, strict=True))
    )
    assert [r.record_id for r in recs] == rids
    assert recs[0].fields == {"Note": "n0"}
    assert recs[1].fields == {"Count": 41}
    assert set(recs[2].fields) == {"Day", "Owners"}
    assert recs[2].fields["Day"] is None
    assert [(type(p), p.id) for p in recs[2].fields["Owners"]] == [(Person, "ou_c")]

    await asyncio.gather(*(t.records.update(r.record_id or "", r.fields) for r in recs))
    assert [await _cells(t, rid) for rid in rids] == [
        {**before[0], "Note": "n0"},
        {**before[1], "Count": 41},
        {**before[2], "Day": None, "Owners": ["ou_c"]},
    ]


@pytest.mark.asyncio
async def test_batch_update_returns_the_written_cells_only(env: Env) -> None:
    t, refs = env
    rids = await _seed(t, refs, 2)
    before = [await _cells(t, rid) for rid in rids]
    recs = await t.records.batch_update(
        [(rids[0], {"Note": "b0", "Site": None}), (rids[1], {"Refs": refs[:1]})]
    )
    assert [r.record_id for r in recs] == rids
    assert recs[0].fields == {"Note": "b0", "Site": None}
    assert set(recs[1].fields) == {"Refs"}
    assert list(recs[1].fields["Refs"].record_ids) == refs[:1]

    await t.records.batch_update([(r.record_id or "", r.fields) for r in recs])
    assert await _cells(t, rids[0]) == {**before[0], "Note": "b0", "Site": None}
    assert await _cells(t, rids[1]) == {**before[1], "Refs": refs[:1]}


@pytest.mark.asyncio
@pytest.mark.parametrize("coalesce", [False, True], ids=["single", "coalesced"])
async def test_a_create_returns_the_written_cells_only(env: Env, coalesce: bool) -> None:
    t, refs = env
    rec = await t.records.create(_full_row(refs), coalesce=coalesce)
    _assert_typed_full(rec, refs)
    small = await t.records.create({"Key": "small", "Note": None}, coalesce=coalesce)
    assert small.fields == {"Key": "small", "Note": None}

    for r in (rec, small):
        rid = r.record_id or ""
        before = await _cells(t, rid)
        assert before["Made"] is not None  # auto-filled, absent from the answer
        await t.records.update(rid, r.fields, coalesce=coalesce)
        assert await _cells(t, rid) == before


@pytest.mark.asyncio
async def test_batch_create_and_coalesced_creates_return_the_written_cells_only(
    env: Env,
) -> None:
    t, refs = env
    recs = await t.records.batch_create([_full_row(refs, 0), {"Count": 5}])
    _assert_typed_full(recs[0], refs)
    assert recs[1].fields == {"Count": 5}
    gathered = await asyncio.gather(
        t.records.create({"Note": "g0"}), t.records.create(_full_row(refs, 1))
    )
    assert gathered[0].fields == {"Note": "g0"}
    _assert_typed_full(gathered[1], refs, 1)

    for r in (*recs, *gathered):
        rid = r.record_id or ""
        before = await _cells(t, rid)
        await t.records.update(rid, r.fields)
        assert await _cells(t, rid) == before


@pytest.mark.asyncio
async def test_reads_still_hold_every_field(env: Env) -> None:
    t, _refs = env
    rec = await t.records.create({"Key": "only key"})
    assert rec.fields == {"Key": "only key"}
    read = await t.records.get(rec.record_id or "")
    names = {f.field_name for f in await t.records.schema.fields()}
    assert set(read.fields) == names
    assert read.fields["Note"] is None
    assert read.fields["Key"] == "only key"
    listed = [r async for r in t.records.list()]
    assert all(set(r.fields) == names for r in listed)


@pytest.mark.asyncio
async def test_answers_missing_or_unreadable_cells_fall_back_to_what_was_written(
    env: Env,
) -> None:
    t, _ = env
    codec = await t.records.schema.codec()
    row: dict[str, Any] = {"Count": 3, "Day": DAY, "Note": None, "Key": "k"}
    sent = codec.encode_fields(row)
    # The answer leaves out Day (and Note, emptied) and holds an unreadable
    # Count, plus an unreadable cell the write did not send (kept as JSON).
    raw = RawRecord(
        record_id="recX",
        fields={
            "Key": msgspec.Raw(b'"k"'),
            "Count": msgspec.Raw(b'{"odd": 1}'),
            "Site": msgspec.Raw(b"[1, 2]"),
        },
    )
    rec = decode_one(codec, row, raw, 0, sent)
    assert isinstance(rec, Record)
    assert rec.fields == {"Key": "k", "Count": 3, "Site": [1, 2], "Day": DAY, "Note": None}

    # An update answer without an id gets the updated record's.
    readable = RawRecord(fields={"Key": msgspec.Raw(b'"k"')})
    rec = decode_one(codec, row, readable, 0, sent, "recU")
    assert isinstance(rec, Record)
    assert rec.record_id == "recU"
    assert rec.fields == {"Key": "k", "Count": 3, "Day": DAY, "Note": None}

    # No record in the answer at all: the cells sent, typed, and no others.
    none = written_without_answer(row, "recN", sent, codec)
    assert isinstance(none, Record)
    assert none.fields == {"Count": 3, "Day": DAY, "Note": None, "Key": "k"}
