"""records/search filters and sorts, list-records formula filter and sort (basic coverage)."""

from __future__ import annotations

from typing import Any

import pytest
from emu_support import Client

from bitable_async.emulator.filtering import OPERATORS

ROWS = [
    {"Name": "apple", "Count": 5, "Status": "Todo", "Tags": ["a", "b"]},
    {"Name": "banana", "Count": 12, "Status": "Done", "Tags": ["b"]},
    {"Name": "cherry", "Count": 1, "Status": "Done"},
    {"Name": "date", "Status": "Todo", "Tags": ["c"]},
]


async def _seed(client: Client) -> None:
    reply = await client.call("POST", f"{client.records}/batch_create",
                              json={"records": [{"fields": r} for r in ROWS]})
    assert reply.code == 0


async def _names(client: Client, body: dict[str, Any], **params: str) -> list[str]:
    reply = await client.call("POST", f"{client.records}/search", json=body, params=params)
    assert reply.code == 0, reply.body
    return [i["fields"]["Name"] for i in reply.data["items"]]


def _cond(field: str, op: str, *value: str) -> dict[str, Any]:
    return {"field_name": field, "operator": op, "value": list(value)}


OPERATOR_CASES = [
    (_cond("Status", "is", "Done"), ["banana", "cherry"]),
    (_cond("Status", "isNot", "Done"), ["apple", "date"]),
    (_cond("Name", "contains", "an"), ["banana"]),
    (_cond("Name", "doesNotContain", "a"), ["cherry"]),
    (_cond("Count", "isEmpty"), ["date"]),
    (_cond("Tags", "isNotEmpty"), ["apple", "banana", "date"]),
    (_cond("Count", "isGreater", "5"), ["banana"]),
    (_cond("Count", "isGreaterEqual", "5"), ["apple", "banana"]),
    (_cond("Count", "isLess", "5"), ["cherry"]),
    (_cond("Count", "isLessEqual", "5"), ["apple", "cherry"]),
    (_cond("Name", "like", "an"), ["banana"]),
    (_cond("Status", "like", "ON"), ["banana", "cherry"]),
    (_cond("Name", "in", "apple", "cherry", "fig"), ["apple", "cherry"]),
    (_cond("Status", "in", "Done", "Todo"), ["apple", "banana", "cherry", "date"]),
    (_cond("Count", "in", "1", "12"), ["banana", "cherry"]),
    (_cond("Tags", "in", "a", "c"), ["apple", "date"]),
]


def test_every_documented_operator_is_covered_over_http() -> None:
    assert {cond["operator"] for cond, _ in OPERATOR_CASES} == OPERATORS


@pytest.mark.asyncio
@pytest.mark.parametrize(("cond", "expected"), OPERATOR_CASES)
async def test_search_operators(client: Client, cond: dict[str, Any], expected: list[str]
                                ) -> None:
    await _seed(client)
    body = {"filter": {"conjunction": "and", "conditions": [cond]}}
    assert sorted(await _names(client, body)) == expected


@pytest.mark.asyncio
async def test_search_conjunction_children_sort_and_paging(client: Client) -> None:
    await _seed(client)
    assert sorted(await _names(client, {})) == ["apple", "banana", "cherry", "date"]
    body = {"filter": {"conjunction": "or", "conditions": [_cond("Name", "is", "apple")],
                       "children": [{"conjunction": "and", "conditions": [
                           _cond("Status", "is", "Done"), _cond("Count", "isGreater", "2")]}]},
            "sort": [{"field_name": "Count", "desc": True}]}
    assert await _names(client, body) == ["banana", "apple"]
    page = await client.call("POST", f"{client.records}/search", params={"page_size": "3"},
                             json={"sort": [{"field_name": "Name", "desc": False}],
                                   "field_names": ["Name"]})
    assert page.data["total"] == 4
    assert page.data["has_more"] is True
    assert [set(i["fields"]) for i in page.data["items"]] == [{"Name"}] * 3
    rest = await client.call("POST", f"{client.records}/search",
                             params={"page_size": "3", "page_token": page.data["page_token"]},
                             json={"sort": [{"field_name": "Name", "desc": False}]})
    assert [i["fields"]["Name"] for i in rest.data["items"]] == ["date"]
    assert rest.data["has_more"] is False
    assert rest.data["items"][0]["fields"].get("Count") is None


@pytest.mark.asyncio
async def test_search_errors(client: Client) -> None:
    bad = await client.call("POST", f"{client.records}/search", json={
        "filter": {"conjunction": "and", "conditions": [_cond("Nope", "is", "x")]}})
    assert bad.code == 1254018
    bad_sort = await client.call("POST", f"{client.records}/search",
                                 json={"sort": [{"field_name": "Nope"}]})
    assert bad_sort.code == 1254016


@pytest.mark.asyncio
async def test_list_formula_filter_and_sort(client: Client) -> None:
    await _seed(client)
    reply = await client.call("GET", client.records, params={
        "filter": 'CurrentValue.[Status]="Done"', "sort": '["Count DESC"]'})
    assert reply.code == 0, reply.body
    assert [i["fields"]["Name"] for i in reply.data["items"]] == ["banana", "cherry"]
