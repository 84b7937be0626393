"""Formula and lookup cells over raw HTTP, with and without ``display_formula_ref``.

The emulator computes a lookup from the linked records and a formula whose
expression is one field reference; ``display_formula_ref=true`` (list and get)
returns them in the referenced field's read shape, otherwise as the displayed
text in one text segment (see ``bitable_async/emulator/derived.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from emu_support import Client
from emulated_seeds import projects_and_tasks

from bitable_async.emulator import Emulator, EmulatorConfig, ManualClock
from bitable_async.emulator.config import (
    SeedApp,
    SeedField,
    SeedLookup,
    SeedTable,
    seed_from_mapping,
)
from bitable_async.emulator.errors import ApiError

APP = "bascnDerivedEmu01"
PROJECTS = "tblProjectsEmu01"
TASKS = "tblTasksEmu0001"
MAY_1_2024 = 1714521600000  # 2024-05-01T00:00:00Z


def _seed() -> SeedApp:
    return projects_and_tasks(
        "Derived",
        app_token=APP,
        projects_id=PROJECTS,
        tasks_id=TASKS,
        more_projects=[{"Name": "Empty"}],
    )


@pytest_asyncio.fixture
async def raw() -> AsyncIterator[Client]:
    config = EmulatorConfig(seed_apps=[_seed()], rate_limits_enabled=False, clock=ManualClock())
    async with Emulator(config) as emu, aiohttp.ClientSession() as session:
        c = Client(emu, session)
        await c.login()
        yield c


def _tasks(c: Client) -> str:
    return f"/open-apis/bitable/v1/apps/{APP}/tables/{TASKS}"


async def _project_ids(c: Client) -> dict[str, str]:
    reply = await c.call("GET", f"/open-apis/bitable/v1/apps/{APP}/tables/{PROJECTS}/records")
    return {i["fields"]["Name"]: i["record_id"] for i in reply.data["items"]}


async def _setup(c: Client) -> str:
    """Add the formula field "Due copy" (= Due) and one task linked to Alpha and Beta."""
    fields = await c.call("GET", f"{_tasks(c)}/fields")
    due = next(f for f in fields.data["items"] if f["field_name"] == "Due")
    expression = f"bitable::$table[{TASKS}].$field[{due['field_id']}]"
    made = await c.call(
        "POST",
        f"{_tasks(c)}/fields",
        json={"field_name": "Due copy", "type": 20, "property": {"formula_expression": expression}},
    )
    assert made.code == 0, made.body
    ids = await _project_ids(c)
    task = await c.call(
        "POST",
        f"{_tasks(c)}/records",
        json={"fields": {"Name": "t1", "Due": MAY_1_2024, "Project": [ids["Alpha"], ids["Beta"]]}},
    )
    assert task.code == 0, task.body
    return str(task.data["record"]["record_id"])


def _text(s: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": s}]


@pytest.mark.asyncio
async def test_lookup_fields_are_listed_with_a_null_property(raw: Client) -> None:
    fields = await raw.call("GET", f"{_tasks(raw)}/fields")
    lookups = {f["field_name"]: f for f in fields.data["items"] if f["type"] == 19}
    assert set(lookups) == {"Project stage", "Project labels", "Project budget"}
    assert all(f["property"] is None for f in lookups.values())


@pytest.mark.asyncio
async def test_list_and_get_without_the_option_show_the_displayed_text(raw: Client) -> None:
    rid = await _setup(raw)
    expected = {
        "Project stage": _text("Build,Ship"),
        "Project labels": _text("x,y,z"),
        "Project budget": _text("1200,5"),
        "Due copy": _text("2024/05/01"),  # Due's date_formatter, UTC+8
    }
    listed = await raw.call("GET", f"{_tasks(raw)}/records")
    (item,) = listed.data["items"]
    assert {k: item["fields"].get(k) for k in expected} == expected
    off = await raw.call(
        "GET", f"{_tasks(raw)}/records/{rid}", params={"display_formula_ref": "false"}
    )
    assert {k: off.data["record"]["fields"].get(k) for k in expected} == expected


@pytest.mark.asyncio
async def test_display_formula_ref_gives_the_referenced_fields_shape(raw: Client) -> None:
    rid = await _setup(raw)
    listed = await raw.call("GET", f"{_tasks(raw)}/records", params={"display_formula_ref": "true"})
    (item,) = listed.data["items"]
    row = item["fields"]
    assert row["Project stage"] == ["Build", "Ship"]  # single select: one name per record
    assert row["Project labels"] == ["x", "y", "z"]  # multi select: the lists concatenated
    assert row["Project budget"] == ["1200", "5"]  # numbers as list returns them
    assert row["Due copy"] == MAY_1_2024  # a date: milliseconds

    got = await raw.call(
        "GET", f"{_tasks(raw)}/records/{rid}", params={"display_formula_ref": "true"}
    )
    cells = got.data["record"]["fields"]
    assert cells["Project budget"] == [1200, 5]  # get returns numbers
    assert cells["Project stage"] == ["Build", "Ship"]
    assert cells["Due copy"] == MAY_1_2024


@pytest.mark.asyncio
async def test_search_and_batch_get_do_not_take_the_option(raw: Client) -> None:
    rid = await _setup(raw)
    searched = await raw.call(
        "POST", f"{_tasks(raw)}/records/search", json={"display_formula_ref": True}
    )
    (item,) = searched.data["items"]
    assert item["fields"]["Project stage"] == _text("Build,Ship")
    batch = await raw.call("POST", f"{_tasks(raw)}/records/batch_get", json={"record_ids": [rid]})
    (rec,) = batch.data["records"]
    assert rec["fields"]["Due copy"] == _text("2024/05/01")


@pytest.mark.asyncio
async def test_empty_links_and_other_expressions_give_empty_cells(raw: Client) -> None:
    fields = await raw.call("GET", f"{_tasks(raw)}/fields")
    due = next(f for f in fields.data["items"] if f["field_name"] == "Due")
    other = f"bitable::$table[{PROJECTS}].$field[{due['field_id']}]"
    for name, expression in [("Other table", other), ("Sum", "1+1")]:
        made = await raw.call(
            "POST",
            f"{_tasks(raw)}/fields",
            json={"field_name": name, "type": 20, "property": {"formula_expression": expression}},
        )
        assert made.code == 0
    ids = await _project_ids(raw)
    await raw.call(
        "POST",
        f"{_tasks(raw)}/records",
        json={"fields": {"Name": "lonely", "Due": MAY_1_2024, "Project": [ids["Empty"]]}},
    )
    for flag in ("true", "false"):
        listed = await raw.call(
            "GET", f"{_tasks(raw)}/records", params={"display_formula_ref": flag}
        )
        (item,) = listed.data["items"]
        assert set(item["fields"]) == {"Name", "Due", "Project"}


@pytest.mark.asyncio
async def test_lookups_cannot_be_written_or_created(raw: Client) -> None:
    ids = await _project_ids(raw)
    write = await raw.call(
        "POST", f"{_tasks(raw)}/records", json={"fields": {"Project stage": [ids["Alpha"]]}}
    )
    assert write.code == 1254015
    made = await raw.call("POST", f"{_tasks(raw)}/fields", json={"field_name": "L", "type": 19})
    assert made.code == 1254012


@pytest.mark.asyncio
async def test_a_lookup_seed_must_name_a_link_field() -> None:
    bad = SeedTable(
        "T", [SeedField("Name", 1), SeedField("L", 19, lookup=SeedLookup("Name", "Name"))]
    )
    config = EmulatorConfig(seed_apps=[SeedApp(tables=[bad])], rate_limits_enabled=False)
    with pytest.raises(ApiError) as caught:
        async with Emulator(config):
            pass
    assert caught.value.code == 1254090


def test_seed_files_declare_lookups() -> None:
    doc: dict[str, Any] = {
        "bases": [
            {
                "name": "B",
                "tables": [
                    {
                        "name": "T",
                        "fields": [
                            {"name": "L", "type": 19, "lookup": {"link_field": "K", "field": "F"}}
                        ],
                    }
                ],
            }
        ]
    }
    _, (base,) = seed_from_mapping(doc)
    (field,) = base.tables[0].fields
    assert field.lookup == SeedLookup(link_field="K", field="F")
