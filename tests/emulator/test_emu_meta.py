"""Apps, tables, dashboards, views, forms, fields, roles, members, aPaaS, media, admin."""

from __future__ import annotations

import json

import aiohttp
import pytest
from emu_support import Client

from bitable_async.emulator import Emulator


@pytest.mark.asyncio
async def test_app_and_tables(client: Client) -> None:
    app = await client.call("GET", client.app)
    assert set(app.data["app"]) == {"app_token", "name", "revision", "is_advanced"}
    assert (await client.call("PUT", client.app, json={"name": "bad/name"})).code == 1254031
    upd = await client.call("PUT", client.app, json={"name": "Renamed"})
    assert upd.data["app"]["name"] == "Renamed"
    made = await client.call("POST", f"{client.app}/tables", json={"table": {"name": "T2"}})
    tid = made.data["table_id"]
    assert (await client.call("POST", f"{client.app}/tables",
                              json={"table": {"name": "T2"}})).code == 1254013
    batch = await client.call("POST", f"{client.app}/tables/batch_create",
                              json={"tables": [{"name": "T3"}, {"name": "T4"}]})
    assert len(batch.data["table_ids"]) == 2
    listed = await client.call("GET", f"{client.app}/tables", params={"page_size": "2"})
    assert listed.data["total"] == 4
    assert listed.data["has_more"] is True
    renamed = await client.call("PATCH", f"{client.app}/tables/{tid}", json={"name": " T2b "})
    assert renamed.data == {"name": "T2b"}
    assert (await client.call("DELETE", f"{client.app}/tables/{tid}")).data == {}
    gone = await client.call("POST", f"{client.app}/tables/batch_delete",
                             json={"table_ids": batch.data["table_ids"]})
    assert gone.code == 0
    last = await client.call("DELETE", f"{client.app}/tables/{client.emu.table_id}")
    assert last.code == 1254034


@pytest.mark.asyncio
async def test_dashboards(client: Client) -> None:
    listed = await client.call("GET", f"{client.app}/dashboards")
    assert "total" not in listed.data
    (dash,) = listed.data["dashboards"]
    url = f"{client.app}/dashboards/{dash['block_id']}/copy"
    copied = await client.call("POST", url, json={"name": "Copy"})
    assert copied.data["name"] == "Copy"
    assert copied.data["block_id"].startswith("blk")
    assert (await client.call("POST", url, json={"name": "Copy"})).code == 1254039
    assert (await client.call("POST", url, json={"name": "[x]"})).code == 1254038
    missing = f"{client.app}/dashboards/blkNope/copy"
    assert (await client.call("POST", missing, json={"name": "Z"})).code == 1254050


@pytest.mark.asyncio
async def test_tables_plus_dashboards_are_at_most_100(client: Client) -> None:
    # Seed 000 (1254100): tables + dashboards <= 100 per base; the demo base starts with
    # one table and one dashboard, so 98 more tables fill it.
    tables, base = f"{client.app}/tables", client.emu.state.apps[client.emu.app_token]
    over = await client.call("POST", f"{tables}/batch_create",
                             json={"tables": [{"name": f"T{i}"} for i in range(99)]})
    assert over.code == 1254100
    assert len(base.tables) == 1  # all-or-nothing
    full = await client.call("POST", f"{tables}/batch_create",
                             json={"tables": [{"name": f"T{i}"} for i in range(98)]})
    assert full.code == 0
    assert len(base.tables) + len(base.dashboards) == 100
    assert (await client.call("POST", tables, json={"table": {"name": "one more"}})).code == \
        1254100
    (dash,) = (await client.call("GET", f"{client.app}/dashboards")).data["dashboards"]
    copy = f"{client.app}/dashboards/{dash['block_id']}/copy"
    assert (await client.call("POST", copy, json={"name": "Copy"})).code == 1254100
    dropped = full.data["table_ids"][0]
    assert (await client.call("DELETE", f"{tables}/{dropped}")).code == 0
    assert (await client.call("POST", copy, json={"name": "Copy"})).code == 0
    assert (await client.call("POST", tables, json={"table": {"name": "one more"}})).code == \
        1254100
    assert len(base.tables) + len(base.dashboards) == 100


@pytest.mark.asyncio
async def test_views_and_forms(client: Client, emu: Emulator) -> None:
    views = f"{client.app}/tables/{emu.table_id}/views"
    (grid,) = (await client.call("GET", views)).data["items"]
    assert (await client.call("POST", views, json={"view_name": "K", "view_type": "pie"})
            ).code == 1254019
    assert (await client.call("POST", views, json={"view_name": grid["view_name"]})
            ).code == 1254020
    assert (await client.call("POST", views, json={"view_name": ""})).code == 1254021
    kanban = (await client.call("POST", views, json={"view_name": "K", "view_type": "kanban"}
                                )).data["view"]
    fields = (await client.call("GET", f"{client.app}/tables/{emu.table_id}/fields")
              ).data["items"]
    patched = await client.call("PATCH", f"{views}/{kanban['view_id']}", json={
        "view_name": "K2", "property": {"filter_info": {"conjunction": "and", "conditions": [
            {"field_id": fields[0]["field_id"], "operator": "is", "value": '["x"]'}]},
            "hidden_fields": [fields[1]["field_id"]]}})
    view = patched.data["view"]
    assert view["view_name"] == "K2"
    assert view["property"]["filter_info"]["conditions"][0]["field_type"] == 1
    got = await client.call("GET", f"{views}/{kanban['view_id']}")
    assert got.data["view"]["property"]["hidden_fields"] == [fields[1]["field_id"]]
    form = (await client.call("POST", views, json={"view_name": "F", "view_type": "form"})
            ).data["view"]
    furl = f"{client.app}/tables/{emu.table_id}/forms/{form['view_id']}"
    assert (await client.call("GET", furl)).data["form"]["shared_limit"] == "off"
    upd = await client.call("PATCH", furl, json={"shared": True, "shared_limit":
                                                 "tenant_editable", "description": "d"})
    assert upd.data["form"]["shared"] is True
    assert upd.data["form"]["shared_url"]
    questions = (await client.call("GET", f"{furl}/fields")).data
    assert questions["total"] == len(fields)
    second = questions["items"][1]["field_id"]
    moved = await client.call("PATCH", f"{furl}/fields/{second}",
                              json={"pre_field_id": "", "required": True, "title": "Q"})
    assert moved.data["field"] == {"pre_field_id": "", "title": "Q", "description": "",
                                   "required": True, "visible": True}
    assert (await client.call("PATCH", f"{furl}/fields/fldNope", json={"title": "x"})
            ).code == 1254049
    for v in (kanban, form):
        assert (await client.call("DELETE", f"{views}/{v['view_id']}")).code == 0
    assert (await client.call("DELETE", f"{views}/{grid['view_id']}")).code == 1254023


@pytest.mark.asyncio
async def test_fields_property_validation(client: Client, emu: Emulator) -> None:
    url = f"{client.app}/tables/{emu.table_id}/fields"
    ok = await client.call("POST", url, json={"field_name": "Sel", "type": 3, "property": {
        "options": [{"name": "a"}, {"name": "b"}, {"name": "c", "color": 5}, {"name": "d"}]}})
    opts = ok.data["field"]["property"]["options"]
    assert [o["color"] for o in opts] == [0, 1, 5, 6]
    fid = ok.data["field"]["field_id"]
    assert (await client.call("POST", url, json={"field_name": "Sel", "type": 1})).code == \
        1254014
    assert (await client.call("POST", url, json={"field_name": "", "type": 1})).code == 1254028
    assert (await client.call("POST", url, json={"field_name": "E", "type": 3, "property": {
        "options": [{"name": ""}]}})).code == 1254026
    assert (await client.call("POST", url, json={"field_name": "N", "type": 2, "property": {
        "formatter": "0.000000"}})).code == 1254081
    assert (await client.call("POST", url, json={"field_name": "L", "type": 18, "property": {
        "table_id": "tblNope"}})).code == 1254089
    assert (await client.call("POST", url, json={"field_name": "Z", "type": 19})).code == \
        1254012
    # Full overwrite: keep "a" renamed, drop the rest, add "z".
    upd = await client.call("PUT", f"{url}/{fid}", json={"field_name": "Sel", "type": 3,
                                                         "property": {"options": [
                                                             {**opts[0], "name": "a++"},
                                                             {"name": "z"}]}})
    assert [o["name"] for o in upd.data["field"]["property"]["options"]] == ["a++", "z"]
    same = upd.data["field"]
    assert (await client.call("PUT", f"{url}/{fid}", json={
        "field_name": same["field_name"], "type": 3, "property": same["property"]})
            ).code == 1254606
    assert (await client.call("DELETE", f"{url}/{fid}")).data == {"field_id": fid,
                                                                  "deleted": True}
    assert (await client.call("DELETE", f"{url}/{fid}")).code == 1254044
    duplex = await client.call("POST", url, json={"field_name": "Both", "type": 21,
                                                  "property": {"table_id": emu.table_id}})
    assert duplex.data["field"]["property"]["back_field_name"] == "Tasks-Both"
    assert (await client.call("POST", client.records, json={"fields": {"Both": []}})
            ).code == 1254015


@pytest.mark.asyncio
async def test_roles_and_members(client: Client, emu: Emulator) -> None:
    roles = f"{client.app}/roles"
    body = {"role_name": "r1", "table_roles": [{"table_id": emu.table_id, "table_perm": 2,
                                                "rec_rule": {"conditions": [
                                                    {"field_name": "Status", "operator": "is",
                                                     "value": ["optX"]}]}}],
            "block_roles": []}
    assert (await client.call("POST", roles, json=body)).code == 1254301
    await client.call("PUT", client.app, json={"is_advanced": True})
    role = (await client.call("POST", roles, json=body)).data["role"]
    assert (await client.call("POST", roles, json=body)).code == 1254033
    listed = (await client.call("GET", roles)).data
    assert listed["total"] == 1
    cond = listed["items"][0]["table_roles"][0]["rec_rule"]["conditions"][0]
    assert cond["field_type"] == 3
    upd = await client.call("PUT", f"{roles}/{role['role_id']}", json={**body,
                                                                     "role_name": "r2"})
    tr = upd.data["role"]["table_roles"][0]
    assert upd.data["role"]["role_name"] == "r2"
    assert tr["addrecords_perm"] is True
    members = f"{roles}/{role['role_id']}/members"
    assert (await client.call("POST", members, json={"member_id": "ou_a"})).code == 0
    await client.call("POST", f"{members}/batch_create", json={"member_list": [
        {"type": "chat_id", "id": "oc_b"}, {"type": "open_id", "id": "ou_c"}]})
    items = (await client.call("GET", members)).data["items"]
    assert [m["member_type"] for m in items] == ["user", "chat", "user"]
    assert (await client.call("DELETE", f"{members}/ou_a")).code == 0
    assert (await client.call("DELETE", f"{members}/ou_a")).code == 1254048
    assert (await client.call("POST", f"{members}/batch_delete", json={"member_list": [
        {"type": "chat_id", "id": "oc_b"}]})).code == 0
    assert (await client.call("DELETE", f"{roles}/{role['role_id']}")).code == 0
    assert (await client.call("DELETE", f"{roles}/{role['role_id']}")).code == 1254047


@pytest.mark.asyncio
async def test_apaas_pair(client: Client, emu: Emulator) -> None:
    emu.put_apaas_records("pkg__c", "book", [
        {"_id": "1", "book_name": "a", "book_count": "5"},
        {"_id": "2", "book_name": "b", "book_count": "7"}])
    base = "/open-apis/apaas/v1/applications/pkg__c/objects/book/records"
    cond = {"index": "1", "operator": "equal",
            "left": {"type": "metadataVariable", "settings": json.dumps(
                {"fieldPath": [{"fieldApiName": "book_name", "objectApiName": "book"}]})},
            "right": {"type": "constant", "settings": json.dumps({"data": "b"})}}
    q = await client.call("POST", f"{base}/batch_query", json={
        "select": ["book_name"], "filter": {"conditions": [cond], "logic_expression": "1"},
        "need_total_count": True})
    assert json.loads(q.data["items"]) == [{"_id": "2", "book_name": "b"}]
    assert q.data["total"] == 1
    paged = await client.call("POST", f"{base}/batch_query", json={
        "select": ["book_name"], "page_size": 1, "use_page_token": True,
        "order_by": [{"field": "book_count", "direction": "DESC"}]})
    assert json.loads(paged.data["items"])[0]["_id"] == "2"
    assert paged.data["next_page_token"]
    upd = await client.call("PATCH", f"{base}/batch_update", json={"records": json.dumps(
        [{"_id": "1", "book_count": "6"}, {"_id": "9", "book_count": "1"}])})
    assert [i["success"] for i in upd.data["items"]] == [True, False]
    assert (await client.call("POST", f"{base}/batch_query", json={"select": "x"})
            ).body["code"] == 2320001


@pytest.mark.asyncio
async def test_media_upload_download_and_attachment_cell(client: Client, emu: Emulator) -> None:
    form = aiohttp.FormData()
    form.add_field("file_name", "hello.txt")
    form.add_field("parent_type", "bitable_file")
    form.add_field("parent_node", emu.app_token)
    form.add_field("size", "5")
    form.add_field("file", b"hello", filename="hello.txt", content_type="text/plain")
    up = await client.call("POST", "/open-apis/drive/v1/medias/upload_all", data=form)
    token = up.data["file_token"]
    created = await client.call("POST", client.records,
                                json={"fields": {"Files": [{"file_token": token}]}})
    assert created.data["record"]["fields"]["Files"] == [{"file_token": token}]
    rid = created.data["record"]["record_id"]
    cell = (await client.call("GET", f"{client.records}/{rid}")).data["record"]["fields"]["Files"]
    assert cell[0]["name"] == "hello.txt"
    assert cell[0]["size"] == 5
    assert cell[0]["type"] == "text/plain"
    assert cell[0]["url"].startswith(emu.base_url)
    async with client.session.get(cell[0]["url"], headers={
            "Authorization": f"Bearer {client.token}"}) as resp:
        assert await resp.read() == b"hello"


@pytest.mark.asyncio
async def test_logid_on_every_response_and_admin_http(client: Client, emu: Emulator) -> None:
    for method, path in (("GET", client.app), ("GET", "/open-apis/nope"),
                         ("GET", "/__emulator/stats")):
        reply = await client.call(method, path)
        assert reply.headers["X-Tt-Logid"]
    unauth = await client.call("GET", client.app, headers={"Authorization": ""})
    assert unauth.headers["X-Tt-Logid"]
    stats = (await client.call("GET", "/__emulator/stats")).body
    assert stats["endpoints"]["app.get"]["requests"] == 2
    cfg = await client.call("POST", "/__emulator/config",
                            json={"rate_limits_enabled": True, "qps_overrides": {"app.get": 1},
                                  "faults": {"seed": 3}})
    assert cfg.body["code"] == 0
    await client.call("GET", client.app)
    assert (await client.call("GET", client.app)).code == 1254290
    assert (await client.call("POST", "/__emulator/config", json={"bogus": 1})).status == 400
    await client.call("POST", "/__emulator/reset", json={"stats": True, "data": True})
    after = (await client.call("GET", "/__emulator/stats")).body
    assert after["total"]["requests"] == 0
    assert after["records_stored"] == {emu.table_id: 0}
    revoked = await client.call("POST", "/__emulator/revoke_tokens", json={})
    assert revoked.body["revoked"] >= 1
