"""Odd field entries never break the SDK's field paths, end to end over HTTP.

The emulator's ``extra_field_entries`` hook appends raw entries (ones it never
makes itself) to its ``app_table_field.list`` answers, so ``fields.list()``,
the table's schema cache and record reads built on it run over real HTTP on
127.0.0.1 against a listing that holds them. Field create / update responses
with an odd ``field`` are served by a fake server (the emulator always
answers a well-formed field).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from emulated_support import client_on

from bitable_async.client import BitableClient
from bitable_async.emulator import Emulator, EmulatorConfig, demo_seed
from bitable_async.errors import ResponseDecodeError
from bitable_async.models.fields import (
    CheckboxField,
    FieldSchema,
    NumberField,
    TextField,
    UnknownField,
)

from .conftest import FakeServer, ok

ODD: list[Any] = [
    {"field_id": "fldOddType", "field_name": "Odd type", "type": "2"},
    {"field_id": "fldOddFlag", "field_name": "Odd flag", "type": 7, "is_primary": "true"},
    {"field_id": "fldNoName", "type": 1, "property": None},
    {"field_id": "fldFuture", "field_name": "Future", "type": 4242, "property": {"x": [1]}},
    {"field_id": "fldOddUi", "field_name": "Odd ui", "type": 2, "ui_type": {"v": 2}},
    42,
    None,
]


async def _no_sleep(_: float) -> None:
    return None


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    config = EmulatorConfig(seed_apps=[demo_seed()], rate_limits_enabled=False)
    async with Emulator(config) as running:
        yield running


@pytest_asyncio.fixture
async def bc(emu: Emulator) -> AsyncIterator[BitableClient]:
    async with client_on(emu, sleep=_no_sleep) as client:
        yield client


@pytest.mark.asyncio
@pytest.mark.parametrize("page_size", [100, 3])
async def test_field_list_keeps_every_entry_and_degrades_the_odd_ones(
    emu: Emulator, bc: BitableClient, page_size: int, caplog: pytest.LogCaptureFixture
) -> None:
    table = bc.table(emu.app_token, emu.table_id)
    real = [f async for f in table.fields.list(page_size=page_size)]
    assert real
    assert all(f.entry_error is None and f.field_name for f in real)

    emu.configure(extra_field_entries={emu.table_id: ODD})
    with caplog.at_level(logging.WARNING, logger="bitable_async.fields"):
        listed = [f async for f in table.fields.list(page_size=page_size)]
    # one schema per entry, in order; the real fields exactly as before
    assert len(listed) == len(real) + len(ODD)
    assert listed[: len(real)] == real
    odd_type, odd_flag, no_name, future, odd_ui, number, null = listed[len(real) :]
    for not_an_object in (number, null):
        assert isinstance(not_an_object, UnknownField)
        assert (not_an_object.field_name, not_an_object.field_id) == ("", None)
    assert isinstance(odd_type, UnknownField)
    assert (odd_type.field_id, odd_type.field_name, odd_type.type) == ("fldOddType", "Odd type", 0)
    assert isinstance(odd_flag, CheckboxField)
    assert (odd_flag.field_id, odd_flag.is_primary) == ("fldOddFlag", None)
    assert isinstance(no_name, UnknownField)
    assert (no_name.field_id, no_name.field_name, no_name.type) == ("fldNoName", "", 1)
    assert isinstance(future, UnknownField)
    assert (future.type, future.property, future.entry_error) == (4242, {"x": [1]}, None)
    assert isinstance(odd_ui, NumberField)
    assert odd_ui.ui_type is None
    for schema, entry in zip(listed[len(real) :], ODD, strict=True):
        if schema is not future:
            assert schema.raw_entry == entry
            assert schema.entry_error
    for field_id in ("fldOddType", "fldOddFlag", "fldNoName", "fldOddUi"):
        assert field_id in caplog.text


@pytest.mark.asyncio
async def test_records_and_the_schema_cache_work_with_odd_entries(
    emu: Emulator, bc: BitableClient, caplog: pytest.LogCaptureFixture
) -> None:
    emu.configure(extra_field_entries={emu.table_id: ODD})
    table = bc.table(emu.app_token, emu.table_id)
    with caplog.at_level(logging.WARNING, logger="bitable_async.records"):
        fields = await table.records.schema.fields()
    names = [f.field_name for f in fields]
    # named odd entries are in the codec, nameless ones left out (logged)
    assert names[-4:] == ["Odd type", "Odd flag", "Future", "Odd ui"]
    assert "" not in names
    assert "3 field(s) listed without a usable field_name" in caplog.text
    created = await table.records.create({"Name": "still works", "Count": 3})
    got = await table.records.get(created.record_id)
    assert got.fields["Name"] == "still works"
    assert got.fields["Count"] == 3
    rows = [r async for r in table.records.list()]
    assert any(r.record_id == created.record_id for r in rows)


# --------------------------------------------------------------------------- fake server


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("answer", "cls", "name", "field_id"),
    [
        ({"field_id": "fldA", "field_name": "A", "type": 1, "ui_type": 3}, TextField, "A", "fldA"),
        ({"field_id": "fldA", "field_name": "A", "type": "1"}, UnknownField, "A", "fldA"),
        ({"field_id": "fldA", "type": 1}, UnknownField, "", "fldA"),
        (["not", "an", "object"], UnknownField, "", None),
    ],
    ids=["odd ui_type", "type string", "no name", "not an object"],
)
async def test_field_create_and_update_answers_with_an_odd_field(
    client: BitableClient,
    serve: Callable[..., FakeServer],
    answer: Any,
    cls: type[FieldSchema],
    name: str,
    field_id: str | None,
) -> None:
    serve(lambda sent: ok({"field": answer}))
    fields = client.table("bascnApp", "tblT").fields
    created = await fields.create(TextField(field_name="A"), client_token="t-1")
    updated = await fields.update("fldA", TextField(field_name="A"))
    for got in (created, updated):
        assert type(got) is cls
        assert (got.field_name, got.field_id) == (name, field_id)
        assert got.raw_entry == answer
        assert got.entry_error


@pytest.mark.asyncio
async def test_a_write_answer_without_a_field_gives_the_sent_schema(
    client: BitableClient, serve: Callable[..., FakeServer]
) -> None:
    serve(lambda sent: ok({"field": None}) if sent.method == "POST" else ok({}))
    fields = client.table("bascnApp", "tblT").fields
    sent = NumberField(field_name="N")
    assert await fields.create(sent, client_token="t-1") is sent
    assert await fields.update("fldN", sent) is sent


@pytest.mark.asyncio
async def test_a_field_page_whose_items_is_not_an_array_is_a_decode_error(
    client: BitableClient, serve: Callable[..., FakeServer]
) -> None:
    serve(lambda sent: ok({"items": {"field_name": "A"}, "has_more": False}))
    fields = client.table("bascnApp", "tblT").fields
    with pytest.raises(ResponseDecodeError, match="items is not an array"):
        [f async for f in fields.list()]
