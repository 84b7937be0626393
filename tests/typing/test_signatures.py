"""Public signatures pinned with ``assert_type``: checked by ``mypy --strict`` and run by pytest.

Every call below runs against the emulator, so the file is also a smoke test
of each public method; mypy checks that each result has exactly the pinned type.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest
import pytest_asyncio

from bitable_async.batching import BatchError, ChunkFailure, ChunkResult, ChunkSpan
from bitable_async.bulk import BulkSummary, bulk_insert, bulk_update, bulk_upsert
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig
from bitable_async.emulator import Emulator, EmulatorConfig, demo_seed
from bitable_async.events import (
    DecodedRecordAction,
    FieldChangedEvent,
    OtherEvent,
    RecordChangedEvent,
    decode_event,
)
from bitable_async.handles import AppHandle, TableHandle
from bitable_async.models.apaas import ApaasBatchQueryResult, ApaasRecordResult
from bitable_async.models.app import App
from bitable_async.models.dashboard import Dashboard
from bitable_async.models.fields import FieldSchema, NumberField
from bitable_async.models.form import Form, FormField
from bitable_async.models.member import MemberRef, RoleMember
from bitable_async.models.record import Record
from bitable_async.models.role import Role, TableRole
from bitable_async.models.table import Table
from bitable_async.models.view import View
from bitable_async.pagination import Page, PageIterator, PagesIterator
from bitable_async.resources import (
    AppResource,
    AttachmentsResource,
    BatchGetResult,
    DashboardsResource,
    DeletedField,
    DeletedRecord,
    FieldsResource,
    FormsResource,
    MembersResource,
    RecordsResource,
    RolesResource,
    TablesResource,
    ViewsResource,
)
from bitable_async.resources.apaas import ApaasRecordsResource
from bitable_async.values.model import Field, RecordModel
from bitable_async.values.record_codec import RecordCodec
from bitable_async.values.types import Attachment
from bitable_async.writer import TableWriter, WriteOptions

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type


async def _no_sleep(_: float) -> None:
    return None


@pytest_asyncio.fixture
async def handles() -> AsyncIterator[tuple[Emulator, BitableClient]]:
    config = EmulatorConfig(seed_apps=[demo_seed()], rate_limits_enabled=False)
    async with (
        Emulator(config) as emu,
        BitableClient(
            emu.app_id,
            emu.app_secret,
            base_url=emu.base_url,
            config=ClientConfig(rate_limit=RateLimitConfig(enabled=False)),
            sleep=_no_sleep,
        ) as client,
    ):
        yield emu, client


@pytest.mark.asyncio
async def test_app_level_signatures(handles: tuple[Emulator, BitableClient]) -> None:
    emu, client = handles
    app = assert_type(client.app(emu.app_token), AppHandle)
    assert_type(app.meta, AppResource)
    assert_type(app.tables, TablesResource)
    assert_type(app.dashboards, DashboardsResource)
    assert_type(app.roles, RolesResource)
    assert_type(app.attachments, AttachmentsResource)

    assert isinstance(assert_type(await app.meta.get(), App), App)
    assert_type(await app.meta.update(name="n", is_advanced=True), App)

    tables = assert_type(app.tables.list(page_size=10), PageIterator[Table])
    first = assert_type(await tables.__anext__(), Table)
    assert isinstance(first, Table)
    pages = assert_type(app.tables.list().pages(), PagesIterator[Table])
    assert_type(await pages.__anext__(), Page[Table])
    assert_type(tables.page_token, str | None)
    assert_type(tables.next_page_token, str | None)
    assert_type(tables.resume_token, str | None)
    assert_type(await app.tables.list().collect(limit=1), list[Table])
    created = assert_type(await app.tables.create("T"), Table)
    assert_type(await app.tables.batch_create(["T2"]), list[str])
    assert_type(await app.tables.update(created.table_id, name="T3"), str)
    assert_type(await app.tables.delete(created.table_id), None)

    dash = assert_type(await app.dashboards.list().collect(), list[Dashboard])
    assert_type(await app.dashboards.copy(dash[0].block_id, name="D2"), Dashboard)

    role = assert_type(
        await app.roles.create("R", table_roles=[TableRole(table_id=emu.table_id, table_perm=1)]),
        Role,
    )
    assert role.role_name == "R"
    roles = assert_type(await app.roles.list().collect(), list[Role])
    role_id = roles[0].role_id or ""
    perms = [TableRole(table_id=emu.table_id, table_perm=2)]
    assert_type(await app.roles.update(role_id, role_name="R2", table_roles=perms), Role)
    members = assert_type(app.roles.members(role_id), MembersResource)
    assert_type(members.list(), PageIterator[RoleMember])
    assert_type(await members.create("ou_alice", member_id_type="open_id"), None)
    assert_type(await members.delete("ou_alice", member_id_type="open_id"), None)
    assert_type(await members.batch_create([MemberRef(id="ou_bob"), "ou_carol"]), None)
    assert_type(await members.batch_delete(["ou_bob", MemberRef(id="ou_carol")]), None)
    assert_type(await app.roles.delete(role_id), None)
    spare = assert_type(await app.tables.batch_create(["T4", "T5"]), list[str])
    assert_type(await app.tables.batch_delete(spare), None)

    attachment = assert_type(await app.attachments.upload(b"x", file_name="x.txt"), Attachment)
    assert_type(await app.attachments.download(attachment), bytes)

    apaas = assert_type(client.apaas("ns", "obj"), ApaasRecordsResource)
    assert_type(await apaas.batch_query(["_id"]), ApaasBatchQueryResult)
    assert_type(apaas.query(["_id"]), PageIterator[dict[str, Any]])
    assert_type(await apaas.batch_update([{"_id": "1"}]), list[ApaasRecordResult])


@pytest.mark.asyncio
async def test_table_level_signatures(handles: tuple[Emulator, BitableClient]) -> None:
    emu, client = handles
    t = assert_type(client.table(emu.app_token, emu.table_id), TableHandle)
    assert_type(t.records, RecordsResource)
    assert_type(t.fields, FieldsResource)
    assert_type(t.views, ViewsResource)
    assert_type(t.forms, FormsResource)
    assert_type(await t.refresh_schema(), RecordCodec)
    assert_type(await t.records.codec(), RecordCodec)

    rec = assert_type(await t.records.create({"Name": "a"}), Record)
    rid = rec.record_id or ""
    assert_type(await t.records.get(rid), Record)
    assert_type(await t.records.update(rid, {"Count": 1}), Record)
    assert_type(t.records.list(view_id=None, page_size=1), PageIterator[Record])
    assert_type(
        t.records.search(filter={"conjunction": "and", "conditions": []}), PageIterator[Record]
    )
    assert_type(await t.records.batch_get([rid]), BatchGetResult)
    assert_type(await t.records.batch_get([rid]), BatchGetResult[Record])
    many = assert_type(await t.records.batch_create([{"Name": "b"}]), list[Record])
    assert_type(
        await t.records.batch_update([(many[0].record_id or "", {"Name": "c"})]), list[Record]
    )
    assert_type(await t.records.batch_delete([many[0].record_id or ""]), list[DeletedRecord])
    assert_type(await t.records.delete(rid), DeletedRecord)

    assert_type(t.fields.list(), PageIterator[FieldSchema])
    field = assert_type(await t.fields.create(NumberField(field_name="P")), FieldSchema)
    assert_type(
        await t.fields.update(field.field_id or "", NumberField(field_name="Q")), FieldSchema
    )
    assert_type(await t.fields.delete(field.field_id or ""), DeletedField)

    view = assert_type(await t.views.create("V", view_type="form"), View)
    assert_type(await t.views.get(view.view_id), View)
    assert_type(t.views.list(), PageIterator[View])
    assert_type(await t.forms.get(view.view_id), Form)
    assert_type(await t.forms.update(view.view_id, name="F"), Form)
    questions = assert_type(await t.forms.list_fields(view.view_id).collect(), list[FormField])
    assert_type(
        await t.forms.update_field(view.view_id, questions[0].field_id or "", required=True),
        FormField,
    )
    assert_type(await t.views.update(view.view_id, view_name="V2"), View)
    assert_type(await t.views.delete(view.view_id), None)


class Task(RecordModel):
    name: Annotated[str | None, Field("Name")] = None
    count: Annotated[int | None, Field("Count")] = None


@pytest.mark.asyncio
async def test_identity_models_coalescing_and_bulk_signatures(
    handles: tuple[Emulator, BitableClient],
) -> None:
    emu, client = handles
    t = assert_type(
        client.table(emu.app_token, emu.table_id, tenant_key=None, user_access_token=None),
        TableHandle,
    )
    app = assert_type(client.app(emu.app_token, tenant_key=None), AppHandle)
    assert_type(app.table(emu.table_id), TableHandle)
    assert_type(t.tenant_key, str | None)
    assert_type(t.user_access_token, str | None)
    assert_type(t.write_options, WriteOptions)

    # Coalesced by default, single-record endpoints on request; models accepted.
    rec = assert_type(await t.records.create({"Name": "m"}, coalesce=True), Record)
    # A model in, the same model class out (decoded from the server's answer).
    made = assert_type(await t.records.create(Task(name="n"), coalesce=False), Task)
    assert isinstance(made, Task)
    assert_type(await t.records.create(Task(name="n2")), Task)
    rid = rec.record_id or ""
    assert_type(await t.records.update(rid, Task(count=2)), Task)
    assert_type(await t.records.update(rid, Task(count=2), coalesce=False), Task)
    assert_type(await t.records.batch_create([Task(name="o")]), list[Task])
    assert_type(await t.records.batch_update([(rid, Task(count=2))]), list[Task])
    assert_type(await t.records.batch_update({rid: Task(count=2)}), list[Task])
    assert_type(await t.records.batch_update({rid: {"Count": 2}}), list[Record])
    mixed = await t.records.batch_create([Task(name="o"), {"Name": "p"}])
    assert_type(mixed, list[Record | RecordModel])
    assert [type(m) for m in mixed] == [Task, Record]

    # model= turns every read into the user's model type.
    assert_type(t.records.list(model=Task), PageIterator[Task])
    assert_type(t.records.search(model=Task), PageIterator[Task])
    task = assert_type(await t.records.get(rid, model=Task), Task)
    assert task.count == 2
    assert_type(await t.records.list(model=Task).collect(), list[Task])
    got = assert_type(await t.records.batch_get([rid], model=Task), BatchGetResult[Task])
    assert_type(got.records, list[Task])
    assert [type(g) for g in got.records] == [Task]
    assert_type(await t.records.delete(rid, coalesce=True), DeletedRecord)

    # Bulk: a TableHandle (typed rows, its identity) or a TableWriter (wire rows).
    w = assert_type(t.writer, TableWriter)
    assert_type(await bulk_insert(t, [{"Name": "q"}, Task(name="r")]), BulkSummary)
    assert_type(await bulk_insert(w, [{"Name": "s"}]), BulkSummary)
    assert_type(await bulk_update(t, [(rid, {"Name": "t"})]), BulkSummary)
    assert_type(await bulk_upsert(t, [{"Name": "u"}], key="Name"), BulkSummary)


async def _rejected_by_mypy_only(client: BitableClient) -> None:  # never run
    # ``warn_unused_ignores`` (strict) makes each ignore below an assertion:
    # if mypy stopped rejecting the call, the unused ignore would fail the build.
    await bulk_insert(client, [])  # type: ignore[arg-type]
    await bulk_insert("tblXXXX", [])  # type: ignore[arg-type]
    client.table("app", "tbl", "tenant")  # type: ignore[call-arg]


def test_error_and_event_signatures() -> None:
    span = ChunkSpan(0, 0, 1)
    from bitable_async.errors import BitableError

    err = BatchError(
        committed=[ChunkResult(span, ["x"])],
        failed=ChunkFailure(ChunkSpan(1, 1, 2), BitableError("boom", code=1)),
        not_sent=[],
        total=2,
    )
    assert_type(err.committed, tuple[ChunkResult[Any], ...])
    assert_type(err.failed, ChunkFailure)
    assert_type(err.not_sent, tuple[ChunkSpan, ...])
    assert_type(err.committed_count, int)
    assert err.code == 1

    event = assert_type(
        decode_event({"header": {"event_type": "x"}}),
        RecordChangedEvent | FieldChangedEvent | OtherEvent,
    )
    assert isinstance(event, OtherEvent)
    if isinstance(event, RecordChangedEvent):
        assert_type(event.event.decode(), list[DecodedRecordAction])


def test_this_file_passes_mypy_strict() -> None:
    """Run mypy --strict on this file: a signature change breaks the build here."""
    mypy_api = pytest.importorskip("mypy.api")
    from pathlib import Path

    here = Path(__file__)
    root = here.parents[2]
    stdout, stderr, status = mypy_api.run(
        ["--strict", "--config-file", str(root / "pyproject.toml"), str(here)]
    )
    assert status == 0, stdout + stderr
