"""End-to-end tests of the resources against the emulator, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import pytest
import pytest_asyncio
from emulated_support import client_on

from bitable_async.batching import BatchError
from bitable_async.client import BitableClient
from bitable_async.emulator import Emulator, EmulatorConfig, demo_seed
from bitable_async.errors import FieldValueError, NotFoundError
from bitable_async.models.fields import (
    AttachmentField,
    AutoNumberField,
    AutoNumberProperty,
    AutoSerial,
    CheckboxField,
    CreatedTimeField,
    DateField,
    LinkField,
    LinkProperty,
    LocationField,
    MultiSelectField,
    NumberField,
    NumberProperty,
    PersonField,
    PhoneField,
    SelectOption,
    SelectProperty,
    SingleSelectField,
    UrlField,
)
from bitable_async.values.types import Attachment, LinkValue, Location, Person, Url

USERS = {
    "ou_alice": {"name": "Alice", "en_name": "Alice", "email": "alice@example.com"},
    "ou_bob": {"name": "Bob", "en_name": "Bob", "email": "bob@example.com"},
}


async def _no_sleep(_: float) -> None:
    return None


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    config = EmulatorConfig(seed_apps=[demo_seed()], rate_limits_enabled=False, users=USERS)
    async with Emulator(config) as running:
        yield running


@pytest_asyncio.fixture
async def bc(emu: Emulator) -> AsyncIterator[BitableClient]:
    async with client_on(emu, sleep=_no_sleep) as client:
        yield client


def _options(*names: str) -> SelectProperty:
    return SelectProperty(options=[SelectOption(name=n) for n in names])


@pytest.mark.asyncio
async def test_every_writable_type_round_trips(emu: Emulator, bc: BitableClient) -> None:
    app = bc.app(emu.app_token)
    table = await app.tables.create("Everything")
    assert table.table_id
    t = bc.table(emu.app_token, table.table_id)

    # The new table has a primary text field; add one field of every other writable type.
    schemas = [
        NumberField(field_name="Amount", property=NumberProperty(formatter="0.00")),
        SingleSelectField(field_name="Status", property=_options("Todo", "Done")),
        MultiSelectField(field_name="Tags", property=_options("a", "b", "c")),
        DateField(field_name="Due"),
        CheckboxField(field_name="Flag"),
        PersonField(field_name="Owner"),
        PhoneField(field_name="Phone"),
        UrlField(field_name="Site"),
        AttachmentField(field_name="Files"),
        LinkField(field_name="Tasks", property=LinkProperty(table_id=emu.table_id)),
        LocationField(field_name="Place"),
        CreatedTimeField(field_name="Created"),
        AutoNumberField(
            field_name="No",
            property=AutoNumberProperty(auto_serial=AutoSerial(type="auto_increment_number")),
        ),
    ]
    for schema in schemas:
        created = await t.fields.create(schema)
        assert created.field_id
        assert created.field_name == schema.field_name
        assert type(created) is type(schema)
    fields = [f async for f in t.fields.list()]
    assert [f.field_name for f in fields][1:] == [s.field_name for s in schemas]
    primary = fields[0].field_name

    task = await bc.table(emu.app_token, emu.table_id).records.create({"Name": "linked"})
    assert task.record_id
    file = await app.attachments.upload(b"hello bitable", file_name="hello.txt")
    assert file.file_token
    due = datetime(2024, 5, 17, 8, 30, tzinfo=timezone.utc)

    row: dict[str, Any] = {
        primary: "first row",
        "Amount": 12.5,
        "Status": "Done",
        "Tags": ["a", "c"],
        "Due": due,
        "Flag": True,
        "Owner": [Person(id="ou_alice")],
        "Phone": "+8613100006666",
        "Site": Url(link="https://example.com", text="Example"),
        "Files": [file],
        "Tasks": [task.record_id],
        "Place": "116.397755,39.903179",
    }
    written = await t.records.create(row)
    assert written.record_id

    got = await t.records.get(written.record_id, automatic_fields=True)
    f = got.fields
    assert f[primary] == "first row"
    assert f["Amount"] == 12.5
    assert f["Status"] == "Done"
    assert f["Tags"] == ["a", "c"]
    assert f["Due"] == due
    assert f["Flag"] is True
    assert [p.id for p in f["Owner"]] == ["ou_alice"]
    assert f["Owner"][0].name == "Alice"
    assert f["Phone"] == "+8613100006666"
    assert f["Site"] == Url(link="https://example.com", text="Example")
    assert isinstance(f["Files"][0], Attachment)
    assert f["Files"][0].file_token == file.file_token
    assert f["Files"][0].name == "hello.txt"
    assert isinstance(f["Tasks"], LinkValue)
    assert f["Tasks"].record_ids == (task.record_id,)
    assert isinstance(f["Place"], Location)
    assert f["Place"].location == "116.397755,39.903179"
    assert isinstance(f["Created"], datetime)
    assert f["No"] == "1"
    assert got.created_time is not None

    # The attachment's bytes come back through the cell's value.
    assert await app.attachments.download(f["Files"][0]) == b"hello bitable"

    # Update one cell; clear another.
    updated = await t.records.update(written.record_id, {"Amount": 3, "Phone": None})
    assert updated.record_id == written.record_id
    again = await t.records.get(written.record_id)
    assert again.fields["Amount"] == 3
    assert again.fields["Phone"] is None

    # A bad value is refused locally, naming the field, before any request.
    requests_before = emu.stats()["total"]["requests"]
    stored_before = emu.stats()["records_stored"][table.table_id]
    with pytest.raises(FieldValueError) as bad:
        await t.records.create({"Amount": "twelve"})
    assert bad.value.field_name == "Amount"
    assert emu.stats()["total"]["requests"] == requests_before  # nothing went out
    assert emu.stats()["records_stored"][table.table_id] == stored_before

    deleted = await t.records.delete(written.record_id)
    assert deleted.deleted is True
    assert deleted.record_id == written.record_id
    with pytest.raises(NotFoundError):
        await t.records.get(written.record_id)


@pytest.mark.asyncio
async def test_search_batch_get_and_batch_writes(emu: Emulator, bc: BitableClient) -> None:
    t = bc.table(emu.app_token, emu.table_id)
    rows = [
        {"Name": f"task {i}", "Count": i, "Status": "Done" if i % 3 == 0 else "Todo"}
        for i in range(30)
    ]
    created = await t.records.batch_create(rows, chunk_size=7)  # 5 chunks
    assert [r.fields["Name"] for r in created] == [f"task {i}" for i in range(30)]
    ids = [r.record_id for r in created]
    assert all(ids)

    done = [
        r
        async for r in t.records.search(
            filter={
                "conjunction": "and",
                "conditions": [
                    {"field_name": "Status", "operator": "is", "value": ["Done"]},
                    {"field_name": "Count", "operator": "isGreater", "value": ["10"]},
                ],
            },
            sort=["Count DESC"],
            page_size=3,
        )
    ]
    assert [r.fields["Count"] for r in done] == [27, 24, 21, 18, 15, 12]

    found = await t.records.batch_get([ids[0], "recAbsent001", ids[5]], chunk_size=2)
    assert sorted(r.record_id or "" for r in found.records) == sorted([ids[0], ids[5]])
    assert found.absent_record_ids == ["recAbsent001"]
    assert found.forbidden_record_ids == []

    updated = await t.records.batch_update({rid: {"Done": True} for rid in ids[:12]}, chunk_size=5)
    assert [r.record_id for r in updated] == ids[:12]
    for rid in (ids[0], ids[11]):
        assert (await t.records.get(rid)).fields["Done"] is True
    assert not (await t.records.get(ids[12])).fields["Done"]

    removed = await t.records.batch_delete(ids, chunk_size=8)
    assert [d.record_id for d in removed] == ids
    assert all(d.deleted for d in removed)
    assert [r async for r in t.records.search()] == []


def _batch_create_requests(emu: Emulator) -> int:
    stats = emu.stats()["endpoints"].get("app_table_record.batch_create", {})
    return int(stats.get("requests", 0))


@pytest.mark.asyncio
async def test_batch_error_reports_committed_failed_and_unsent_chunks(
    emu: Emulator, bc: BitableClient
) -> None:
    t = bc.table(emu.app_token, emu.table_id)
    anchor = await t.records.create({"Name": "anchor"})
    rows: list[dict[str, Any]] = [
        {"Name": f"row {i}", "Related": [anchor.record_id]} for i in range(1200)
    ]
    # A link to a record that does not exist: well-formed, so only the server can reject it.
    rows[700]["Related"] = ["recDoesNotExist"]
    before = _batch_create_requests(emu)  # the anchor's coalesced create is one

    with pytest.raises(BatchError) as caught:
        await t.records.batch_create(rows, chunk_size=300)
    err = caught.value

    # Two committed chunks, the failed one, and nothing after it reached the server.
    assert _batch_create_requests(emu) - before == 3

    assert [(c.span.start, c.span.stop) for c in err.committed] == [(0, 300), (300, 600)]
    assert [len(c.result) for c in err.committed] == [300, 300]
    assert err.committed[0].result[0].fields["Name"] == "row 0"
    assert (err.failed.span.index, err.failed.span.start, err.failed.span.stop) == (2, 600, 900)
    assert err.failed.error.code == 1254067  # LinkFieldConvFail
    assert err.code == 1254067
    assert not err.outcome_unknown
    assert [(s.start, s.stop) for s in err.not_sent] == [(900, 1200)]
    assert err.committed_count == 600
    assert "chunk 2" in str(err)

    # Exactly the committed chunks are in the table (plus the anchor).
    names = {r.fields["Name"] async for r in t.records.search(page_size=500)}
    assert len(names) == 601
    assert "row 599" in names
    assert "row 600" not in names
    assert "row 900" not in names


@pytest.mark.asyncio
async def test_local_validation_happens_before_any_chunk_is_sent(
    emu: Emulator, bc: BitableClient
) -> None:
    t = bc.table(emu.app_token, emu.table_id)
    rows: list[dict[str, Any]] = [{"Name": f"r{i}"} for i in range(1100)]
    rows[1050]["Count"] = "not a number"
    with pytest.raises(FieldValueError) as caught:
        await t.records.batch_create(rows)
    assert caught.value.record_index == 1050
    assert caught.value.field_name == "Count"
    assert [r async for r in t.records.search()] == []


@pytest.mark.asyncio
async def test_meta_resources_against_the_emulator(emu: Emulator, bc: BitableClient) -> None:
    app = bc.app(emu.app_token)
    info = await app.meta.get()
    assert info.app_token == emu.app_token
    renamed = await app.meta.update(name="Renamed base", is_advanced=True)
    assert renamed.name == "Renamed base"

    ids = await app.tables.batch_create(["T1", "T2"])
    assert len(ids) == 2
    assert await app.tables.update(ids[0], name="T1 renamed") == "T1 renamed"
    names = [tb.name async for tb in app.tables.list(page_size=1)]
    assert "T1 renamed" in names
    assert "T2" in names
    await app.tables.batch_delete(ids)
    assert {tb.table_id async for tb in app.tables.list()}.isdisjoint(ids)

    dashboards = [d async for d in app.dashboards.list()]
    assert dashboards
    copy = await app.dashboards.copy(dashboards[0].block_id, name="Copy of dashboard")
    assert copy.block_id
    assert copy.block_id != dashboards[0].block_id

    t = bc.table(emu.app_token, emu.table_id)
    view = await t.views.create("Board", view_type="kanban")
    assert view.view_type == "kanban"
    got = await t.views.get(view.view_id)
    assert got.view_name == "Board"
    assert (await t.views.update(view.view_id, view_name="Board 2")).view_name == "Board 2"
    assert "Board 2" in [v.view_name async for v in t.views.list()]
    await t.views.delete(view.view_id)
    assert view.view_id not in [v.view_id async for v in t.views.list()]

    field = await t.fields.create(NumberField(field_name="Score"))
    assert field.field_id
    renamed_field = await t.fields.update(field.field_id, NumberField(field_name="Points"))
    assert renamed_field.field_name == "Points"
    # The schema cache was dropped by the field writes: the new name is writable at once.
    rec = await t.records.create({"Name": "x", "Points": 4})
    assert rec.fields["Points"] == 4
    assert (await t.fields.delete(field.field_id)).deleted is True
    await t.refresh_schema()
    with pytest.raises(FieldValueError):
        await t.records.create({"Points": 1})
