"""Formula and lookup cells decoded for the request's ``display_formula_ref``, against the emulator.

The emulator (over HTTP on 127.0.0.1) computes lookups from linked records and
formulas that are one field reference; with ``display_formula_ref=true`` (list
and get) it returns them in the referenced field's read shape, otherwise as
displayed text. The SDK decodes them with ``codec.for_request(...)``: in the
referenced field's type (a ``RefValue``) when the request asked for it and the
reference is known (declared with ``references=``, or a formula that is one
reference to a field of the table), raw otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any

import pytest
import pytest_asyncio
from emulated_seeds import projects_and_tasks
from emulated_support import emulated_client

from bitable_async.client import BitableClient
from bitable_async.emulator.config import (
    EmulatorConfig,
    SeedApp,
)
from bitable_async.errors import FieldValueError
from bitable_async.handles import TableHandle
from bitable_async.models.fields import FieldSchema, FormulaField, FormulaProperty
from bitable_async.models.record import Record
from bitable_async.values.model import Field, RecordModel
from bitable_async.values.types import RefValue

APP = "bascnFormulaRefs1"
PROJECTS = "tblFrmProjects01"
TASKS = "tblFrmTasks00001"
MAY_1 = datetime(2024, 5, 1, tzinfo=timezone.utc)
MAY_1_MS = 1714521600000


def _seed() -> SeedApp:
    return projects_and_tasks("Formula refs", app_token=APP, projects_id=PROJECTS, tasks_id=TASKS)


@dataclass
class Env:
    client: BitableClient
    record_id: str
    stage: FieldSchema

    def table(self, **kw: Any) -> TableHandle:
        return self.client.table(APP, TASKS, **kw)

    def declared(self) -> TableHandle:
        # The lookups' targets: one schema from the linked table, one bare type code.
        # "Project budget" is left undeclared; "Due copy" is found from the schema.
        return self.table(references={"Project stage": self.stage, "Project labels": 4})


@pytest_asyncio.fixture
async def env() -> AsyncIterator[Env]:
    config = EmulatorConfig(seed_apps=[_seed()], rate_limits_enabled=False)
    async with emulated_client(config) as (_, client):
        tasks = client.table(APP, TASKS)
        projects = client.table(APP, PROJECTS)
        due = next(f for f in await tasks.records.schema.fields() if f.field_name == "Due")
        expression = f"bitable::$table[{TASKS}].$field[{due.field_id}]"
        await tasks.fields.create(
            FormulaField(
                field_name="Due copy", property=FormulaProperty(formula_expression=expression)
            )
        )
        ids = {r.fields["Name"]: r.record_id async for r in projects.records.list()}
        made = await tasks.records.create(
            {"Name": "t1", "Due": MAY_1, "Project": [ids["Alpha"], ids["Beta"]]}
        )
        assert made.record_id is not None
        await tasks.records.create({"Name": "t2"})  # no links, no due date: empty cells
        stage = next(f for f in await projects.records.schema.fields() if f.field_name == "Stage")
        yield Env(client, made.record_id, stage)


def _text(s: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": s}]


def _derived(record: Record) -> dict[str, Any]:
    keys = ("Project stage", "Project labels", "Project budget", "Due copy")
    return {k: record.fields[k] for k in keys}


TYPED_LIST = {
    "Project stage": RefValue(type=3, value=["Build", "Ship"]),  # one option per linked record
    "Project labels": RefValue(type=4, value=["x", "y", "z"]),  # the linked lists, joined
    "Project budget": ["1200", "5"],  # not declared: raw (list returns numbers as strings)
    "Due copy": RefValue(type=5, value=MAY_1),  # inferred from the formula expression
}
RAW = {
    "Project stage": _text("Build,Ship"),
    "Project labels": _text("x,y,z"),
    "Project budget": _text("1200,5"),
    "Due copy": _text("2024/05/01"),
}
EMPTY = dict.fromkeys(RAW)


@pytest.mark.asyncio
async def test_list_decodes_in_the_referenced_type_only_with_the_option(env: Env) -> None:
    t = env.declared()
    on = [_derived(r) async for r in t.records.list(display_formula_ref=True)]
    assert on == [TYPED_LIST, EMPTY]
    for flag in (None, False):
        off = [_derived(r) async for r in t.records.list(display_formula_ref=flag)]
        assert off == [RAW, EMPTY]


@pytest.mark.asyncio
async def test_list_pages_decode_with_the_option(env: Env) -> None:
    t = env.declared()
    pages = [p async for p in t.records.list(display_formula_ref=True, page_size=1).pages()]
    assert [[_derived(r) for r in p.items] for p in pages] == [[TYPED_LIST], [EMPTY]]


@pytest.mark.asyncio
async def test_get_decodes_in_the_referenced_type_only_with_the_option(env: Env) -> None:
    t = env.declared()
    on = await t.records.get(env.record_id, display_formula_ref=True)
    # get returns numbers as numbers; the budget lookup is still undeclared, so raw
    assert _derived(on) == {**TYPED_LIST, "Project budget": [1200, 5]}
    off = await t.records.get(env.record_id)
    assert _derived(off) == RAW


@pytest.mark.asyncio
async def test_search_and_batch_get_have_no_option_and_stay_raw(env: Env) -> None:
    t = env.declared()
    searched = [_derived(r) async for r in t.records.search()]
    assert searched == [RAW, EMPTY]
    got = await t.records.batch_get([env.record_id])
    assert [_derived(r) for r in got.records] == [RAW]


class TaskView(RecordModel):
    name: Annotated[str, Field("Name")]
    stage: Annotated[RefValue | None, Field("Project stage")] = None
    due: Annotated[RefValue | None, Field("Due copy")] = None
    budget: Annotated[Any, Field("Project budget")] = None


class LooseView(RecordModel):
    name: Annotated[str, Field("Name")]
    stage: Annotated[Any, Field("Project stage")] = None
    due: Annotated[Any, Field("Due copy")] = None


@pytest.mark.asyncio
async def test_models_decode_with_the_option(env: Env) -> None:
    t = env.declared()
    listed = [v async for v in t.records.list(model=TaskView, display_formula_ref=True)]
    first = listed[0]
    assert type(first) is TaskView
    assert first.stage == TYPED_LIST["Project stage"]
    assert first.due == RefValue(type=5, value=MAY_1)
    assert first.budget == ["1200", "5"]
    assert (listed[1].stage, listed[1].due) == (None, None)

    got = await t.records.get(env.record_id, model=TaskView, display_formula_ref=True)
    assert (got.stage, got.due, got.budget) == (first.stage, first.due, [1200, 5])

    # Without the option the cells are raw: a RefValue attribute does not fit
    # (checked before any record request), an Any attribute gets the raw value.
    with pytest.raises(FieldValueError, match="does not fit"):
        await t.records.get(env.record_id, model=TaskView)
    loose = await t.records.get(env.record_id, model=LooseView)
    assert (loose.stage, loose.due) == (RAW["Project stage"], RAW["Due copy"])
    searched = [v async for v in t.records.search(model=LooseView)]
    assert (searched[0].stage, searched[0].due) == (RAW["Project stage"], RAW["Due copy"])


@pytest.mark.asyncio
async def test_undeclared_lookups_stay_raw_until_declared(env: Env) -> None:
    t = env.table()  # no references: only the formula is known
    plain = await t.records.get(env.record_id, display_formula_ref=True)
    assert plain.fields["Project stage"] == ["Build", "Ship"]
    assert plain.fields["Due copy"] == RefValue(type=5, value=MAY_1)

    t.records.schema.set_references({"Project stage": 3, "Project budget": 2})
    assert dict(t.records.schema.references) == {"Project stage": 3, "Project budget": 2}
    typed = await t.records.get(env.record_id, display_formula_ref=True)
    assert typed.fields["Project stage"] == RefValue(type=3, value=["Build", "Ship"])
    assert typed.fields["Project budget"] == RefValue(type=2, value=[1200, 5])
    listed = [r async for r in t.records.list(display_formula_ref=True)]
    assert listed[0].fields["Project budget"] == RefValue(type=2, value=[1200, 5])


@pytest.mark.asyncio
async def test_a_declared_reference_wins_over_the_formula_expression(env: Env) -> None:
    t = env.table(references={"Due copy": 2})  # say the formula shows a number
    got = await t.records.get(env.record_id, display_formula_ref=True)
    assert got.fields["Due copy"] == RefValue(type=2, value=MAY_1_MS)


@pytest.mark.asyncio
async def test_app_handles_pass_references(env: Env) -> None:
    t = env.client.app(APP).table(TASKS, references={"Project labels": 4})
    got = await t.records.get(env.record_id, display_formula_ref=True)
    assert got.fields["Project labels"] == RefValue(type=4, value=["x", "y", "z"])


@pytest.mark.asyncio
async def test_references_naming_no_derived_field_are_reported(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    t = env.table(references={"Project stag": 3, "Name": 1})
    with caplog.at_level(logging.WARNING, logger="bitable_async.records"):
        await t.records.schema.codec()
    (message,) = [r.getMessage() for r in caplog.records if "references" in r.getMessage()]
    assert "'Name', 'Project stag'" in message


def test_bad_references_are_rejected_when_the_handle_is_built(env: Env) -> None:
    with pytest.raises(TypeError, match="references"):
        env.table(references={"Project stage": "Stage"})  # type: ignore[dict-item]
