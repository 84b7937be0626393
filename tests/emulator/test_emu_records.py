"""Record endpoints: read shapes, write validation codes, limits, all-or-nothing, paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from emu_support import Client

from bitable_async.emulator import Emulator, EmulatorConfig


async def _create(client: Client, fields: dict[str, Any]) -> Any:
    return await client.call("POST", client.records, json={"fields": fields})


@pytest.mark.asyncio
async def test_read_shapes_per_endpoint(client: Client) -> None:
    other = await _create(client, {"Name": "target"})
    rid = other.data["record"]["record_id"]
    created = await _create(client, {
        "Name": "hello", "Count": 64, "Status": "Todo", "Tags": ["a", "b"], "Due": 1690992000000,
        "Done": True, "Owner": [{"id": "ou_1"}], "Phone": "+8613100000000",
        "Website": {"text": "site", "link": "https://example.com"}, "Related": [rid]})
    assert created.code == 0
    record = created.data["record"]
    assert record["fields"]["Count"] == 64
    assert record["fields"]["Related"] == [rid]
    assert record["fields"]["Owner"] == [{"id": "ou_1"}]
    rec_id = record["record_id"]

    listed = await client.call("GET", client.records)
    row = next(i for i in listed.data["items"] if i["record_id"] == rec_id)["fields"]
    assert row["Count"] == "64"  # spec fact 6: strings when listed
    assert row["Name"] == "hello"
    assert row["Related"] == [{"type": "text", "table_id": client.emu.table_id,
                               "record_ids": [rid], "text": "target"}]
    assert set(row["Owner"][0]) == {"id", "name", "en_name", "email"}
    assert row["No"] == "2"
    assert isinstance(row["Created"], int)

    got = await client.call("GET", f"{client.records}/{rec_id}",
                            params={"text_field_as_array": "true", "automatic_fields": "true"})
    rec = got.data["record"]
    assert rec["fields"]["Count"] == 64
    assert rec["fields"]["Name"] == [{"type": "text", "text": "hello"}]
    assert {"created_by", "created_time", "last_modified_by", "last_modified_time"} <= set(rec)

    batch = await client.call("POST", f"{client.records}/batch_get", json={
        "record_ids": [rec_id, "recMissing1", rec_id], "automatic_fields": True,
        "with_shared_url": True})
    assert batch.data["absent_record_ids"] == ["recMissing1"]
    assert batch.data["forbidden_record_ids"] == []
    (only,) = batch.data["records"]
    assert only["fields"]["Name"] == [{"type": "text", "text": "hello"}]
    assert only["fields"]["Related"] == {"link_record_ids": [rid]}
    assert "avatar_url" in only["fields"]["Owner"][0]
    assert "avatar_url" in only["created_by"]
    assert only["shared_url"]


@pytest.mark.asyncio
async def test_update_keeps_other_fields_and_delete(client: Client) -> None:
    rid = (await _create(client, {"Name": "x", "Count": 1})).data["record"]["record_id"]
    upd = await client.call("PUT", f"{client.records}/{rid}", json={"fields": {"Count": 2}})
    assert upd.data["record"]["fields"] == {"Count": 2}
    got = (await client.call("GET", f"{client.records}/{rid}")).data["record"]["fields"]
    assert got["Name"] == "x"
    assert got["Count"] == 2
    cleared = await client.call("PUT", f"{client.records}/{rid}", json={"fields": {"Name": None}})
    assert cleared.code == 0
    assert "Name" not in (await client.call("GET", f"{client.records}/{rid}")).data["record"][
        "fields"]
    deleted = await client.call("DELETE", f"{client.records}/{rid}")
    assert deleted.data == {"deleted": True, "record_id": rid}
    assert (await client.call("GET", f"{client.records}/{rid}")).code == 1254043


@pytest.mark.asyncio
@pytest.mark.parametrize(("field", "value", "code"), [
    ("Name", 12, 1254060),
    ("Count", "12", 1254061),
    ("Status", ["Todo"], 1254062),
    ("Tags", "a", 1254063),
    ("Due", "2024-01-01", 1254064),
    ("Done", "yes", 1254065),
    ("Owner", {"id": "ou_1"}, 1254066),
    ("Owner", [{"name": "x"}], 1254066),
    ("Related", ["recDoesNotExist"], 1254067),
    ("Website", "https://example.com", 1254068),
    ("Files", [{"file_token": "boxUnknown"}], 1254069),
    ("Phone", "call me", 1254072),
    ("Nope", "x", 1254045),
    ("Created", 1, 1254015),
    ("No", "7", 1254015),
])
async def test_write_validation_codes(client: Client, field: str, value: Any, code: int) -> None:
    reply = await _create(client, {field: value})
    assert reply.code == code
    assert field in reply.body["msg"]


@pytest.mark.asyncio
async def test_batches_are_all_or_nothing(client: Client, emu: Emulator) -> None:
    rows = [{"fields": {"Name": f"r{i}"}} for i in range(5)] + [{"fields": {"Count": "bad"}}]
    reply = await client.call("POST", f"{client.records}/batch_create", json={"records": rows})
    assert reply.code == 1254061
    assert "records[5]" in reply.body["msg"]
    assert emu.stats()["records_stored"][emu.table_id] == 0
    ok = await client.call("POST", f"{client.records}/batch_create", json={"records": rows[:2]})
    ids = [r["record_id"] for r in ok.data["records"]]
    bad_update = await client.call("POST", f"{client.records}/batch_update", json={"records": [
        {"record_id": ids[0], "fields": {"Name": "changed"}},
        {"record_id": "recGone", "fields": {"Name": "x"}}]})
    assert bad_update.code == 1254043
    first = await client.call("GET", f"{client.records}/{ids[0]}")
    assert first.data["record"]["fields"]["Name"] == "r0"
    bad_delete = await client.call("POST", f"{client.records}/batch_delete",
                                   json={"records": [ids[0], "recGone"]})
    assert bad_delete.code == 1254043
    assert emu.stats()["records_stored"][emu.table_id] == 2
    deleted = await client.call("POST", f"{client.records}/batch_delete", json={"records": ids})
    assert [r["deleted"] for r in deleted.data["records"]] == [True, True]


@pytest.mark.asyncio
async def test_request_limits(client: Client) -> None:
    rows = [{"fields": {"Name": "x"}}] * 501
    over = await client.call("POST", f"{client.records}/batch_create", json={"records": rows})
    assert over.code == 1254104
    assert (await client.call("POST", f"{client.records}/batch_get",
                              json={"record_ids": []})).code == 1254001
    assert (await client.call("POST", f"{client.records}/batch_get",
                              json={"record_ids": [f"rec{i}" for i in range(101)]})).code == 1254001
    long_filter = 'CurrentValue.[Name]="' + "x" * 2000 + '"'
    assert (await client.call("GET", client.records,
                              params={"filter": long_filter})).code == 1254107
    long_sort = '["' + "Name DESC" + " " * 1000 + '"]'
    assert (await client.call("GET", client.records, params={"sort": long_sort})).code == 1254108
    assert (await client.call("GET", client.records, params={"page_size": "0"})).code == 1254011
    assert (await client.call("GET", client.records,
                              params={"page_token": "garbage"})).code == 1254030
    assert (await client.call("GET", client.records,
                              params={"field_names": '["Nope"]'})).code == 1254024
    assert (await client.call("POST", client.records, data=b"{not json",
                              headers={"Content-Type": "application/json"})).code == 1254000


@pytest.mark.asyncio
async def test_not_found_codes(client: Client) -> None:
    assert (await client.call("GET", "/open-apis/bitable/v1/apps/basNope")).code == 1254040
    missing_table = f"{client.app}/tables/tblNope/records"
    assert (await client.call("GET", missing_table)).code == 1254041
    assert (await client.call("GET", client.records, params={"view_id": "vewNope"})).code == \
        1254042


@pytest.mark.asyncio
async def test_twenty_thousand_records_paginate_exactly_once(
        make_config: Callable[..., EmulatorConfig]) -> None:
    async with Emulator(make_config()) as emu, aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        rows = [{"fields": {"Name": "n", "Count": 1}}] * 500
        for _ in range(40):
            reply = await c.call("POST", f"{c.records}/batch_create", json={"records": rows})
            assert reply.code == 0
        full = await c.call("POST", f"{c.records}/batch_create",
                            json={"records": [{"fields": {"Name": "one too many"}}]})
        assert full.code == 1254103
        seen: list[str] = []
        token = None
        pages = 0
        while True:
            params = {"page_size": "100", **({"page_token": token} if token else {})}
            page = (await c.call("GET", c.records, params=params)).data
            assert page["total"] == 20_000
            seen += [item["record_id"] for item in page["items"]]
            pages += 1
            if not page["has_more"]:
                break
            token = page["page_token"]
        assert pages == 200
        assert len(seen) == len(set(seen)) == 20_000
        assert set(seen) == set(emu.state.apps[emu.app_token].tables[emu.table_id].records)
        stats = emu.stats()
        assert stats["records_stored"][emu.table_id] == 20_000
        assert stats["tables"][emu.table_id]["records_written"] == 20_000


async def _fill(client: Client, count: int) -> None:
    for start in range(0, count, 500):
        rows = [{"fields": {"Name": f"r{n}"}} for n in range(start, min(start + 500, count))]
        assert (await client.call("POST", f"{client.records}/batch_create",
                                  json={"records": rows})).code == 0


@pytest.mark.asyncio
@pytest.mark.parametrize(("method", "suffix", "cap"), [
    ("GET", "", 100),  # list records: the parameter rule's max (A.30), not the prose's 500
    ("POST", "/search", 500),
])
async def test_page_size_is_clamped_to_the_cap(client: Client, method: str, suffix: str,
                                               cap: int) -> None:
    await _fill(client, cap + 1)
    reply = await client.call(method, client.records + suffix,
                              params={"page_size": str(cap * 3)},
                              **({"json": {}} if method == "POST" else {}))
    assert reply.code == 0, reply.body
    assert len(reply.data["items"]) == cap
    assert reply.data["has_more"] is True
    assert reply.data["total"] == cap + 1
    rest = await client.call(method, client.records + suffix,
                             params={"page_size": str(cap * 3),
                                     "page_token": reply.data["page_token"]},
                             **({"json": {}} if method == "POST" else {}))
    assert len(rest.data["items"]) == 1
    assert rest.data["has_more"] is False


@pytest.mark.asyncio
async def test_page_size_cap_can_be_overridden(client: Client) -> None:
    await _fill(client, 10)
    client.emu.configure(page_size_caps={"app_table_record.list": 4})
    listed = await client.call("GET", client.records, params={"page_size": "100"})
    assert len(listed.data["items"]) == 4
    assert listed.data["has_more"] is True
    searched = await client.call("POST", f"{client.records}/search",
                                 params={"page_size": "100"}, json={})
    assert len(searched.data["items"]) == 10
