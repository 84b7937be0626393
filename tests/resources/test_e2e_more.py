"""End-to-end: roles and members, forms, aPaaS records, formula filters, attachment files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from emulated_support import client_on

from bitable_async.batching import BatchError
from bitable_async.client import BitableClient
from bitable_async.emulator import Emulator, EmulatorConfig, demo_seed
from bitable_async.errors import PermissionDeniedError
from bitable_async.models.apaas import ApaasCondition, ApaasCriterion, ApaasOperand, ApaasOrderBy
from bitable_async.models.member import MemberRef
from bitable_async.models.role import BlockRole, TableRole


async def _no_sleep(_: float) -> None:
    return None


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(seed_apps=[demo_seed()], rate_limits_enabled=False)) as e:
        yield e


@pytest_asyncio.fixture
async def bc(emu: Emulator) -> AsyncIterator[BitableClient]:
    async with client_on(emu, sleep=_no_sleep) as client:
        yield client


@pytest.mark.asyncio
async def test_roles_and_members(emu: Emulator, bc: BitableClient) -> None:
    app = bc.app(emu.app_token)
    with pytest.raises(PermissionDeniedError) as off:
        await app.roles.create("r", table_roles=[TableRole(table_id=emu.table_id, table_perm=1)])
    assert off.value.code == 1254301  # advanced permissions are off
    await app.meta.update(is_advanced=True)

    dashboards = [d async for d in app.dashboards.list()]
    role = await app.roles.create(
        "Readers",
        table_roles=[TableRole(table_id=emu.table_id, table_perm=1)],
        block_roles=[BlockRole(block_id=dashboards[0].block_id, block_perm=1)],
    )
    roles = [r async for r in app.roles.list()]
    assert [r.role_name for r in roles] == ["Readers"]
    role_id = roles[0].role_id
    assert role_id
    assert role.role_name == "Readers"

    updated = await app.roles.update(
        role_id,
        role_name="Editors",
        table_roles=[TableRole(table_id=emu.table_id, table_perm=2, allow_add_record=False)],
    )
    assert updated.role_name == "Editors"
    assert updated.table_roles[0].table_perm == 2

    members = app.roles.members(role_id)
    await members.create("ou_one", member_id_type="open_id")
    # 150 members: two calls of 100 and 50.
    await members.batch_create(
        [f"ou_{i:03d}" for i in range(150)] + [MemberRef(id="oc_chat", type="chat_id")]
    )
    listed = [m async for m in members.list(page_size=40)]
    assert len(listed) == 152
    assert {m.chat_id for m in listed if m.member_type == "chat"} == {"oc_chat"}
    await members.delete("ou_one")
    await members.batch_delete([f"ou_{i:03d}" for i in range(150)])
    remaining = [m async for m in members.list()]
    assert [m.chat_id for m in remaining] == ["oc_chat"]

    await app.roles.delete(role_id)
    assert [r async for r in app.roles.list()] == []


@pytest.mark.asyncio
async def test_member_batches_report_failed_chunks(emu: Emulator, bc: BitableClient) -> None:
    app = bc.app(emu.app_token)
    await app.meta.update(is_advanced=True)
    await app.roles.create("R", table_roles=[TableRole(table_id=emu.table_id, table_perm=1)])
    (role,) = [r async for r in app.roles.list()]
    assert role.role_id
    members = app.roles.members(role.role_id)
    await app.roles.delete(role.role_id)  # every call now fails: the role is gone
    with pytest.raises(BatchError) as caught:
        await members.batch_create([f"ou_{i}" for i in range(250)])
    assert caught.value.committed == ()
    assert caught.value.failed.span.index == 0
    assert [(s.start, s.stop) for s in caught.value.not_sent] == [(100, 200), (200, 250)]


@pytest.mark.asyncio
async def test_forms_and_questions(emu: Emulator, bc: BitableClient) -> None:
    t = bc.table(emu.app_token, emu.table_id)
    form_view = await t.views.create("Signup", view_type="form")
    form_id = form_view.view_id
    form = await t.forms.update(
        form_id, name="Signup form", shared=True, shared_limit="anyone_editable"
    )
    assert form.name == "Signup form"
    assert form.shared is True
    assert (await t.forms.get(form_id)).shared_limit == "anyone_editable"

    questions = [q async for q in t.forms.list_fields(form_id, page_size=5)]
    assert [q.title for q in questions][:2] == ["Name", "Count"]
    changed = await t.forms.update_field(
        form_id, questions[1].field_id or "", title="How many?", required=True
    )
    assert changed.title == "How many?"
    again = [q async for q in t.forms.list_fields(form_id)]
    assert any(q.title == "How many?" and q.required for q in again)


@pytest.mark.asyncio
async def test_apaas_records(emu: Emulator, bc: BitableClient) -> None:
    emu.put_apaas_records(
        "package_test__c",
        "book",
        [
            {"_id": str(i), "book_name": f"b{i:02d}", "shelf": "A" if i % 2 else "B"}
            for i in range(25)
        ],
    )
    books = bc.apaas("package_test__c", "book")
    one = await books.batch_query(["book_name"], page_size=5, need_total_count=True)
    assert one.total == 25
    assert one.has_more is True
    assert one.items[0] == {"_id": "0", "book_name": "b00"}

    on_a = [
        r["book_name"]
        async for r in books.query(
            ["book_name"],
            filter=ApaasCriterion(
                conditions=[
                    ApaasCondition(
                        index="1",
                        left=ApaasOperand.field("shelf", "book"),
                        operator="equal",
                        right=ApaasOperand.constant("A"),
                    )
                ],
                logic_expression="1",
            ),
            order_by=[ApaasOrderBy(field="book_name", direction="DESC")],
            page_size=4,
        )
    ]
    assert on_a == [f"b{i:02d}" for i in range(23, 0, -2)]

    results = await books.batch_update(
        [{"_id": "1", "book_name": "renamed"}, {"_id": "999", "book_name": "x"}], chunk_size=1
    )
    assert [r.success for r in results] == [True, False]
    assert results[1].errors[0].code == "k_ec_000004"
    (first,) = [r async for r in books.query(["book_name"], page_size=500) if r["_id"] == "1"]
    assert first["book_name"] == "renamed"


@pytest.mark.asyncio
async def test_list_with_a_formula_filter_and_sort(emu: Emulator, bc: BitableClient) -> None:
    t = bc.table(emu.app_token, emu.table_id)
    await t.records.batch_create(
        {"Name": f"n{i}", "Count": i, "Status": "Done" if i % 2 else "Todo"} for i in range(20)
    )
    done = [
        r.fields["Count"]
        async for r in t.records.list(
            filter='AND(CurrentValue.[Status]="Done", CurrentValue.[Count]>10)',
            sort=["Count DESC"],
            field_names=["Count"],
            page_size=2,
        )
    ]
    assert done == [19, 17, 15, 13, 11]
    with pytest.raises(ValueError, match="at most 2000"):
        t.records.list(filter="x" * 2001)


@pytest.mark.asyncio
async def test_attachment_upload_from_a_path_and_download(
    emu: Emulator, bc: BitableClient, tmp_path: Path
) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    app = bc.app(emu.app_token)
    att = await app.attachments.upload(path, content_type="text/csv")
    assert att.name == "report.csv"
    assert att.size == 8
    t = bc.table(emu.app_token, emu.table_id)
    rec = await t.records.create({"Name": "with file", "Files": [att]})
    assert rec.record_id
    cell = (await t.records.get(rec.record_id)).fields["Files"]
    assert cell[0].name == "report.csv"
    assert await app.attachments.download(cell[0]) == b"a,b\n1,2\n"
    assert await app.attachments.download(att.file_token) == b"a,b\n1,2\n"


@pytest.mark.asyncio
async def test_filter_builders_drive_search_and_list(emu: Emulator, bc: BitableClient) -> None:
    from bitable_async.filters import CurrentValue, F, asc, desc

    t = bc.table(emu.app_token, emu.table_id)
    await t.records.batch_create(
        {"Name": f"n{i}", "Count": i, "Status": "Done" if i % 2 else "Todo"} for i in range(20)
    )
    searched = [
        r.fields["Count"]
        async for r in t.records.search(
            filter=(F("Status") == "Done") & (F("Count") > 10), sort=[desc("Count")]
        )
    ]
    assert searched == [19, 17, 15, 13, 11]
    listed = [
        r.fields["Count"]
        async for r in t.records.list(
            filter=(CurrentValue["Status"] == "Todo") & (CurrentValue["Count"] < 7),
            sort=[asc("Count")],
        )
    ]
    assert listed == [0, 2, 4, 6]
