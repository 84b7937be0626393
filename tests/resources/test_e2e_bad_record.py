"""One bad record stops the whole write before anything is sent, end to end over HTTP.

A table of every writable type (plus read-only ones) in the emulator, over real
HTTP on 127.0.0.1. For ``batch_create`` and ``batch_update`` a batch of 500
records where only record 317 is bad; for ``create`` and ``update`` (coalesced
through the table writer, and on the single-record endpoints) the one record
of the call is bad. Each time the FieldValueError names the record, the field,
its type, what was expected and what was given; the emulator's per-endpoint
counters show that no record-write request arrived, and the table's records
are exactly as before (none added, not one cell of the valid records written).

The bulk upsert loader has a different, documented contract: it streams rows
and skips a bad one (reported in ``summary.failures``) while the rest of its
chunk lands. Its test checks that record 317 is named and never sent.

One emulator and one table serve the whole module (its thread runs its own
event loop); every test compares the server's state before and after its
write, so the tests do not depend on each other or on their order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
from emulated_support import client_on

from bitable_async.bulk import bulk_upsert
from bitable_async.emulator.config import (
    EmulatorConfig,
    SeedApp,
    SeedField,
    SeedLookup,
    SeedTable,
)
from bitable_async.emulator.server import EmulatorThread
from bitable_async.errors import FieldValueError
from bitable_async.handles import TableHandle
from bitable_async.models.record import Record
from bitable_async.values import BatchFieldValueError, Url

APP = "bascnBadRecord317"
WIDE = "tblBadRecordWide"
TARGETS = "tblBadRecordTgts"
BATCH = 500
BAD_AT = 317

RECORD_WRITES = tuple(
    f"app_table_record.{name}"
    for name in ("create", "batch_create", "update", "batch_update", "delete", "batch_delete")
)

USERS = {"ou_alice": {"name": "Alice"}, "ou_bob": {"name": "Bob"}}


def _options(*names: str) -> dict[str, Any]:
    return {"options": [{"name": n} for n in names]}


def _seed() -> SeedApp:
    targets = SeedTable(
        "Targets",
        [SeedField("Name", 1)],
        records=[{"Name": "target 0"}, {"Name": "target 1"}],
        table_id=TARGETS,
    )
    wide = SeedTable(
        "Wide",
        [
            SeedField("Name", 1),
            SeedField("Amount", 2, {"formatter": "0.00"}),
            SeedField("Status", 3, _options("Todo", "Done")),
            SeedField("Tags", 4, _options("a", "b", "c")),
            SeedField("Due", 5, {"date_formatter": "yyyy/MM/dd"}),
            SeedField("Flag", 7),
            SeedField("Owner", 11, {"multiple": True}),
            SeedField("Phone", 13),
            SeedField("Site", 15),
            SeedField("Files", 17),
            SeedField("Target", 18, {"multiple": True, "table_id": TARGETS}),
            SeedField("Place", 22),
            SeedField("Target name", 19, lookup=SeedLookup("Target", "Name")),
            SeedField("Created", 1001, {"date_formatter": "yyyy/MM/dd"}),
            SeedField("Edited by", 1004),
            SeedField("No", 1005, {"auto_serial": {"type": "auto_increment_number"}}),
        ],
        table_id=WIDE,
    )
    return SeedApp("Bad input", app_token=APP, tables=[targets, wide])


WRITABLE = [
    "Name",
    "Amount",
    "Status",
    "Tags",
    "Due",
    "Flag",
    "Owner",
    "Phone",
    "Site",
    "Files",
    "Target",
    "Place",
]
READ_ONLY = ["Target name", "Created", "Edited by", "No"]


@dataclass(frozen=True)
class Case:
    """One bad cell: ``field: value``; ``type_name`` is how the error names the type."""

    id: str
    field: str
    value: Any
    type_name: str | None  # None: not a field of the table


# One wrong value per writable type, two unknown field names, every read-only field.
CASES = [
    Case("text-int", "Name", 123, "text(1)"),
    Case("number-str", "Amount", "12", "number(2)"),
    Case("single_select-unknown-option", "Status", "Maybe", "single_select(3)"),
    Case("multi_select-bare-str", "Tags", "a", "multi_select(4)"),
    Case("date-naive", "Due", datetime(2024, 1, 1), "date(5)"),
    Case("checkbox-str", "Flag", "true", "checkbox(7)"),
    Case("person-int", "Owner", 123, "person(11)"),
    Case("phone-dashes", "Phone", "131-0000-6666", "phone(13)"),
    Case("url-no-link", "Site", {"text": "no link"}, "url(15)"),
    Case("attachment-no-token", "Files", [{"name": "no token"}], "attachment(17)"),
    Case("link-int-id", "Target", [1], "link(18)"),
    Case("location-three-parts", "Place", "1,2,3", "location(22)"),
    Case("unknown-near-miss", "Amonut", 1, None),
    Case("unknown-stranger", "No such field", "x", None),
    Case("read-only-lookup", "Target name", ["target 0"], "lookup(19)"),
    Case("read-only-created-time", "Created", 1714521600000, "created_time(1001)"),
    Case("read-only-modified-by", "Edited by", [{"id": "ou_bob"}], "modified_by(1004)"),
    Case("read-only-auto-number-clear", "No", None, "auto_number(1005)"),
]
CASE_IDS = [c.id for c in CASES]
# A smaller set for the slower paths: a bad value, an unknown field, a read-only field.
FEW = [c for c in CASES if c.id in {"number-str", "unknown-near-miss", "read-only-lookup"}]


@dataclass
class Env:
    """The running emulator and what the table's valid rows refer to."""

    emu: EmulatorThread
    file_token: str
    targets: list[str]
    base_ids: list[str]  # the table's first 500 records, named "base 0" .. "base 499"


def _row(env: Env, i: int, tag: str, name: str | None = None) -> dict[str, Any]:
    """A valid row with a value in every writable field."""
    return {
        "Name": f"{tag} {i}" if name is None else name,
        "Amount": i + 0.25,
        "Status": "Done" if i % 2 else "Todo",
        "Tags": ["a", "c"] if i % 3 else ["b"],
        "Due": datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(days=i),
        "Flag": i % 2 == 0,
        "Owner": ["ou_alice"],
        "Phone": f"+86131{i:08d}",
        "Site": Url(link=f"https://example.com/{i}", text=f"{tag} {i}"),
        "Files": [env.file_token],
        "Target": [env.targets[i % 2]],
        "Place": "116.397755,39.903179",
    }


async def _prepare(env: Env) -> None:
    """Upload one file and write the 500 base records (on the emulator's own loop)."""
    async with client_on(env.emu) as bc:
        file = await bc.app(APP).attachments.upload(b"bad input", file_name="a.txt")
        env.file_token = file.file_token
        rows = [_row(env, i, "base") for i in range(BATCH)]
        created = await bc.table(APP, WIDE).records.batch_create(rows)
    env.base_ids = [r.record_id for r in created]


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    config = EmulatorConfig(seed_apps=[_seed()], rate_limits_enabled=False, users=USERS)
    emu = EmulatorThread(config).start()
    try:
        targets = emu.run(lambda: list(emu.emulator.state.apps[APP].tables[TARGETS].records))
        env = Env(emu, "", targets, [])
        emu.call(_prepare(env))
        assert len(env.base_ids) == BATCH
        yield env
    finally:
        emu.stop()


@asynccontextmanager
async def _table(env: Env) -> AsyncIterator[TableHandle]:
    async with client_on(env.emu) as bc:
        yield bc.table(APP, WIDE)


# ------------------------------------------------------------------ server side


def _write_requests(env: Env) -> dict[str, int]:
    """Requests the emulator received so far on each record-write endpoint."""
    endpoints = env.emu.stats()["endpoints"]
    return {e: int(endpoints.get(e, {}).get("requests", 0)) for e in RECORD_WRITES}


@dataclass
class ServerState:
    """What the server holds: request counters, the stored record count, every cell."""

    writes: dict[str, int]
    stored: int
    committed: int
    records: dict[str, bytes]  # record id -> its stored cells and modified time, as JSON


def _server_state(env: Env) -> ServerState:
    stats = env.emu.stats()

    def records() -> dict[str, bytes]:
        table = env.emu.emulator.state.apps[APP].tables[WIDE]
        encode = msgspec.json.encode
        return {rid: encode((r.cells, r.modified_time)) for rid, r in table.records.items()}

    return ServerState(
        writes=_write_requests(env),
        stored=int(stats["records_stored"][WIDE]),
        committed=int(stats["tables"].get(WIDE, {}).get("writes_committed", 0)),
        records=env.emu.run(records),
    )


def _new_requests(env: Env, before: ServerState) -> dict[str, int]:
    """Record-write requests received since ``before``, per endpoint (only non-zero ones)."""
    now = _write_requests(env)
    return {e: n - before.writes[e] for e, n in now.items() if n != before.writes[e]}


def _assert_nothing_written(env: Env, before: ServerState) -> None:
    after = _server_state(env)
    assert _new_requests(env, before) == {}  # zero record-write requests reached the server
    assert after.stored == before.stored  # the table's record count is unchanged
    assert after.committed == before.committed
    assert after.records == before.records  # no record added, not one cell written


def _assert_names(err: FieldValueError, index: int, case: Case) -> None:
    assert not isinstance(err, BatchFieldValueError)  # one error: every other record passed
    assert err.record_index == index
    assert err.field_name == case.field
    assert err.field_type == case.type_name
    assert err.expected
    assert err.given
    message = str(err)
    assert message.startswith(f"record {index}, field {case.field!r}")
    assert f"; expected {err.expected}; given {err.given}" in message
    if case.type_name is None:
        assert "unknown field" in message
    else:
        assert f"type {case.type_name}: " in message
    if case.field in READ_ONLY:
        assert "read-only" in message


def _with_bad(rows: list[dict[str, Any]], case: Case) -> list[dict[str, Any]]:
    rows[BAD_AT] = {**rows[BAD_AT], case.field: case.value}
    return rows


@pytest.mark.asyncio
async def test_cases_cover_every_writable_field_and_every_read_only_one(env: Env) -> None:
    async with _table(env) as t:
        codec = await t.records.codec()
    writable = {n for n in codec.field_names if not codec.codec(n).read_only}
    assert writable == set(WRITABLE) == set(_row(env, 0, "x"))
    assert set(codec.field_names) - writable == set(READ_ONLY)
    # One bad value per writable field, each field's type named as the SDK names it.
    for case in CASES:
        if case.type_name is not None:
            assert codec.codec(case.field).type_label == case.type_name
    assert {c.field for c in CASES if c.type_name is not None} == set(WRITABLE) | set(READ_ONLY)
    assert [c.field for c in CASES if c.type_name is None] == ["Amonut", "No such field"]


# ------------------------------------------------------------------ the batches


@pytest.mark.asyncio
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
async def test_batch_create_with_only_record_317_bad_sends_nothing(env: Env, case: Case) -> None:
    rows = _with_bad([_row(env, i, f"create {case.id}") for i in range(BATCH)], case)
    async with _table(env) as t:
        before = _server_state(env)
        with pytest.raises(FieldValueError) as info:
            await t.records.batch_create(rows)
    _assert_names(info.value, BAD_AT, case)
    _assert_nothing_written(env, before)


@pytest.mark.asyncio
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
async def test_batch_update_with_only_record_317_bad_sends_nothing(env: Env, case: Case) -> None:
    rows = [_row(env, i, f"update {case.id}", name=f"base {i}") for i in range(BATCH)]
    updates = list(zip(env.base_ids, _with_bad(rows, case), strict=True))
    async with _table(env) as t:
        before = _server_state(env)
        with pytest.raises(FieldValueError) as info:
            await t.records.batch_update(updates)
    _assert_names(info.value, BAD_AT, case)
    _assert_nothing_written(env, before)  # the 499 valid updates were not applied either


@pytest.mark.asyncio
async def test_the_same_batches_without_the_bad_record_are_written_whole(env: Env) -> None:
    """The control: the valid rows are valid, and the counters above do count writes."""
    async with _table(env) as t:
        before = _server_state(env)
        created = await t.records.batch_create([_row(env, i, "create ok") for i in range(BATCH)])
        assert _new_requests(env, before) == {"app_table_record.batch_create": 1}
        after = _server_state(env)
        assert after.stored == before.stored + BATCH
        assert [r.fields["Name"] for r in created] == [f"create ok {i}" for i in range(BATCH)]

        before = after
        rows = [_row(env, i, "update ok", name=f"base {i}") for i in range(BATCH)]
        updated = await t.records.batch_update(list(zip(env.base_ids, rows, strict=True)))
        assert _new_requests(env, before) == {"app_table_record.batch_update": 1}
        after = _server_state(env)
        assert after.stored == before.stored
        assert [r.fields["Site"].text for r in updated] == [f"update ok {i}" for i in range(BATCH)]
        changed = [rid for rid in env.base_ids if after.records[rid] != before.records[rid]]
        assert changed == env.base_ids


# ------------------------------------------------------------- single records


@pytest.mark.asyncio
@pytest.mark.parametrize("coalesce", [True, False], ids=["coalesced", "single-endpoint"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
async def test_create_of_one_bad_record_sends_nothing(env: Env, case: Case, coalesce: bool) -> None:
    row = {**_row(env, BAD_AT, f"one {case.id}"), case.field: case.value}
    async with _table(env) as t:
        before = _server_state(env)
        with pytest.raises(FieldValueError) as info:
            await t.records.create(row, coalesce=coalesce)
    _assert_names(info.value, 0, case)  # the only record of the call is record 0
    _assert_nothing_written(env, before)


@pytest.mark.asyncio
@pytest.mark.parametrize("coalesce", [True, False], ids=["coalesced", "single-endpoint"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
async def test_update_of_one_bad_record_sends_nothing(env: Env, case: Case, coalesce: bool) -> None:
    row = {**_row(env, BAD_AT, f"one {case.id}", name=f"base {BAD_AT}"), case.field: case.value}
    async with _table(env) as t:
        before = _server_state(env)
        with pytest.raises(FieldValueError) as info:
            await t.records.update(env.base_ids[BAD_AT], row, coalesce=coalesce)
    _assert_names(info.value, 0, case)
    _assert_nothing_written(env, before)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("coalesce", "create_endpoint", "update_endpoint"),
    [
        (True, "app_table_record.batch_create", "app_table_record.batch_update"),
        (False, "app_table_record.create", "app_table_record.update"),
    ],
    ids=["coalesced", "single-endpoint"],
)
async def test_one_valid_record_is_sent_once(
    env: Env, coalesce: bool, create_endpoint: str, update_endpoint: str
) -> None:
    """The control of the single-record tests: each path sends exactly one request."""
    async with _table(env) as t:
        before = _server_state(env)
        created = await t.records.create(_row(env, 1, f"one ok {coalesce}"), coalesce=coalesce)
        assert _new_requests(env, before) == {create_endpoint: 1}
        assert _server_state(env).stored == before.stored + 1
        assert created.fields["Name"] == f"one ok {coalesce} 1"

        before = _server_state(env)
        row = _row(env, 2, f"one ok {coalesce}", name=f"base {BAD_AT}")
        await t.records.update(env.base_ids[BAD_AT], row, coalesce=coalesce)
        assert _new_requests(env, before) == {update_endpoint: 1}
        after = _server_state(env)
        assert after.records[env.base_ids[BAD_AT]] != before.records[env.base_ids[BAD_AT]]


@pytest.mark.asyncio
@pytest.mark.parametrize("case", FEW, ids=[c.id for c in FEW])
async def test_concurrent_creates_coalesce_without_the_bad_one(env: Env, case: Case) -> None:
    """500 concurrent creates through the table writer; call 317 is bad.

    Each call is its own write: call 317 fails alone, before it is queued, and
    the 499 others are gathered into batches. Record 317 never reaches the server.
    """
    tag = f"concurrent {case.id}"
    rows = _with_bad([_row(env, i, tag) for i in range(BATCH)], case)
    async with _table(env) as t:
        before = _server_state(env)
        results = await asyncio.gather(
            *(t.records.create(row) for row in rows), return_exceptions=True
        )
    bad = results[BAD_AT]
    assert isinstance(bad, FieldValueError)
    _assert_names(bad, 0, case)
    good = [r for i, r in enumerate(results) if i != BAD_AT]
    assert all(isinstance(r, Record) for r in good)

    sent = _new_requests(env, before)
    assert set(sent) == {"app_table_record.batch_create"}  # coalesced: no single creates
    assert sent["app_table_record.batch_create"] < BATCH - 1  # several records per request
    after = _server_state(env)
    assert after.stored == before.stored + BATCH - 1
    assert all(after.records[rid] == before.records[rid] for rid in before.records)
    # The new records are exactly the 499 good calls' rows; none is record 317's.
    created = {r.record_id: r.fields["Name"] for r in good if isinstance(r, Record)}
    assert set(created) == set(after.records) - set(before.records)
    assert sorted(created.values()) == sorted(f"{tag} {i}" for i in range(BATCH) if i != BAD_AT)


# ------------------------------------------------------------------- upsert


@pytest.mark.asyncio
@pytest.mark.parametrize("case", FEW, ids=[c.id for c in FEW])
async def test_bulk_upsert_skips_record_317_and_never_sends_it(env: Env, case: Case) -> None:
    """bulk_upsert's contract: a bad row is reported and skipped; the rest lands."""
    tag = f"upsert {case.id}"
    rows = _with_bad([_row(env, i, tag, name=f"base {i}") for i in range(BATCH)], case)
    async with client_on(env.emu) as bc:
        before = _server_state(env)
        summary = await bulk_upsert(bc.table(APP, WIDE), rows, key="Name")

    assert [f.index for f in summary.failures] == [BAD_AT]
    err = summary.failures[0].error
    assert isinstance(err, FieldValueError)
    _assert_names(err, BAD_AT, case)
    assert (summary.failed, summary.updated, summary.created) == (1, BATCH - 1, 0)

    assert _new_requests(env, before) == {"app_table_record.batch_update": 1}
    after = _server_state(env)
    assert after.stored == before.stored
    record_317 = env.base_ids[BAD_AT]
    assert after.records[record_317] == before.records[record_317]  # never sent
    others = [rid for rid in env.base_ids if rid != record_317]
    assert all(after.records[rid] != before.records[rid] for rid in others)
