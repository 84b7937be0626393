"""client_token on records batch_create / create and field create."""

from __future__ import annotations

import uuid

import pytest
from emu_support import Client

from bitable_async.emulator import Emulator


@pytest.mark.asyncio
async def test_batch_create_replays_and_writes_once(client: Client, emu: Emulator) -> None:
    token = str(uuid.uuid4())
    body = {"records": [{"fields": {"Name": "a"}}, {"fields": {"Name": "b"}}]}
    url = f"{client.records}/batch_create"
    first = await client.call("POST", url, params={"client_token": token}, json=body)
    again = await client.call("POST", url, params={"client_token": token}, json=body)
    assert first.code == again.code == 0
    assert first.data == again.data
    assert emu.stats()["records_stored"][emu.table_id] == 2
    assert emu.stats()["tables"][emu.table_id]["writes_committed"] == 1
    changed = await client.call("POST", url, params={"client_token": token},
                                json={"records": [{"fields": {"Name": "c"}}]})
    assert changed.code == 1255006
    bad = await client.call("POST", url, params={"client_token": "not-a-uuid"}, json=body)
    assert bad.code == 1254037
    assert emu.stats()["records_stored"][emu.table_id] == 2


@pytest.mark.asyncio
async def test_create_and_field_create_are_idempotent(client: Client, emu: Emulator) -> None:
    token = str(uuid.uuid4())
    one = await client.call("POST", client.records, params={"client_token": token},
                            json={"fields": {"Name": "x"}})
    two = await client.call("POST", client.records, params={"client_token": token},
                            json={"fields": {"Name": "x"}})
    assert one.data == two.data
    assert emu.stats()["records_stored"][emu.table_id] == 1
    fields = f"{client.app}/tables/{emu.table_id}/fields"
    ftoken = str(uuid.uuid4())
    f1 = await client.call("POST", fields, params={"client_token": ftoken},
                           json={"field_name": "Notes", "type": 1})
    f2 = await client.call("POST", fields, params={"client_token": ftoken},
                           json={"field_name": "Notes", "type": 1})
    assert f1.code == f2.code == 0
    assert f1.data["field"]["field_id"] == f2.data["field"]["field_id"]
    listed = await client.call("GET", fields)
    assert [i["field_name"] for i in listed.data["items"]].count("Notes") == 1
    assert (await client.call("POST", fields, params={"client_token": "123"},
                              json={"field_name": "Y", "type": 1})).code == 1254037
