"""The ``extra_field_entries`` test hook: raw entries appended to field list answers."""

from __future__ import annotations

from typing import Any

import pytest
from emu_support import Client

EXTRA: list[Any] = [
    {"field_id": "fldOdd0001", "field_name": "Odd", "type": "2", "is_primary": "true"},
    42,
    None,
]


async def _all_entries(client: Client, page_size: int) -> list[Any]:
    path = f"{client.app}/tables/{client.emu.table_id}/fields"
    items: list[Any] = []
    token = None
    while True:
        params = {"page_size": str(page_size)} | ({"page_token": token} if token else {})
        page = await client.call("GET", path, params=params)
        assert page.code == 0
        items += page.data["items"]
        if not page.data["has_more"]:
            return items
        token = page.data["page_token"]


@pytest.mark.asyncio
async def test_extra_entries_are_appended_as_they_are_and_paged(client: Client) -> None:
    real = await _all_entries(client, 100)
    assert real
    client.emu.configure(extra_field_entries={client.emu.table_id: EXTRA})
    assert await _all_entries(client, 100) == [*real, *EXTRA]
    # Paging counts them like any entry.
    assert await _all_entries(client, 2) == [*real, *EXTRA]
    # They are not fields of the table: record writes and reads ignore them.
    made = await client.call("POST", client.records, json={"fields": {"Odd": 1}})
    assert made.code != 0  # no field named "Odd"
    records = await client.call("GET", client.records)
    assert records.code == 0
    assert all("Odd" not in r["fields"] for r in records.data["items"] or [])
    client.emu.configure(extra_field_entries={})
    assert await _all_entries(client, 100) == real


@pytest.mark.asyncio
async def test_extra_entries_can_be_set_over_the_admin_route(client: Client) -> None:
    extra = {client.emu.table_id: [["not", "an", "object"]]}
    reply = await client.call("POST", "/__emulator/config", json={"extra_field_entries": extra})
    assert reply.status == 200
    entries = await _all_entries(client, 100)
    assert entries[-1] == ["not", "an", "object"]
