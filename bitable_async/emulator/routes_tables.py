"""App, table, dashboard, view, form and form-question endpoints."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from . import errors as E
from .errors import ApiError
from .middleware import envelope
from .model import BaseApp, FieldDef, FormState, TableState, ViewDef
from .runtime import Runtime, body_json, list_page, request_base, request_table

_BAD_NAME = re.compile(r"[\[\]:\\/?*]")
"""Characters a base or table name may not hold."""
_BRACKETS = re.compile(r"[\[\]]")
"""Characters a view or dashboard name may not hold."""
VIEW_TYPES = ("grid", "kanban", "gallery", "gantt", "form")
MAX_VIEWS = 200


def _table_name(base: BaseApp, name: Any) -> str:
    """Return the stripped table name, checked against the naming rule and the base."""
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100 or \
            _BAD_NAME.search(name):
        raise ApiError(E.WRONG_BODY, f"invalid table name {name!r}")
    clean = name.strip()
    if any(t.name == clean for t in base.tables.values()):
        raise ApiError(E.TABLE_NAME_DUP, f"table name {clean!r} already exists")
    return clean


def check_block_room(rt: Runtime, base: BaseApp, adding: int) -> None:
    """Refuse to grow a base past its limit of tables plus dashboards.

    The sources disagree on 1254100 (limits.md §1, errors.md): 001's error table says
    300 tables, while 000 says tables plus dashboards are at most 100 per base, and
    A.2/003's limits table says 100 tables. Two sources against one say 100, and only
    000 says what is counted, so the emulator counts tables and dashboards together
    against ``max_tables_per_app`` (default 100); the stricter reading also keeps code
    tested here safe on the real service.

    Args:
        rt: runtime (for the configured limit).
        base: the base that would grow.
        adding: how many tables or dashboards the request adds.

    Raises:
        ApiError: 1254100 when the base would hold more than the limit.
    """
    limit = rt.config.max_tables_per_app
    if len(base.tables) + len(base.dashboards) + adding > limit:
        raise ApiError(E.TABLE_LIMIT, f"at most {limit} tables plus dashboards per base")


def new_table(rt: Runtime, base: BaseApp, name: Any, table_id: str | None = None,
              fields: list[FieldDef] | None = None) -> TableState:
    """Create a table with a primary text field and a grid view.

    Args:
        rt: runtime.
        base: the base.
        name: table name (1-100 chars, none of ``[ ] : \\ / ? *``).
        table_id: fixed ID, or None to generate one.
        fields: initial fields (default: one text field "Text").

    Returns:
        the new table (already added to ``base``).

    Raises:
        ApiError: 1254001 bad name, 1254013 duplicate name, 1254100 too many tables
            plus dashboards.
    """
    name = _table_name(base, name)
    check_block_room(rt, base, 1)
    ids = rt.state.ids
    if table_id:
        ids.reserve(table_id)
    table = TableState(table_id or ids.new("tbl", 13), name)
    for f in fields if fields is not None else [FieldDef(ids.new("fld", 7), "Text", 1)]:
        table.fields[f.field_id] = f
    view = ViewDef(ids.new("vew", 7), "Grid View", "grid")
    table.views[view.view_id] = view
    base.tables[table.table_id] = table
    base.revision += 1
    return table


async def app_get(request: web.Request) -> web.StreamResponse:
    """app.get (GET /bitable/v1/apps/:app_token)."""
    _, base = request_base(request)
    return envelope({"app": {"app_token": base.app_token, "name": base.name,
                             "revision": base.revision, "is_advanced": base.is_advanced}})


async def app_update(request: web.Request) -> web.StreamResponse:
    """app.update (PUT /bitable/v1/apps/:app_token); name and is_advanced are optional."""
    _, base = request_base(request)
    body = await body_json(request)
    name = body.get("name")
    if name is not None:
        if not isinstance(name, str) or len(name) > 100 or _BAD_NAME.search(name):
            raise ApiError(E.INVALID_APP_NAME,
                           "app name: at most 100 chars, none of ? / \\ * : [ ]")
        base.name = name
    adv = body.get("is_advanced")
    if adv is not None:
        if not isinstance(adv, bool):
            raise ApiError(E.WRONG_BODY, "is_advanced must be a boolean")
        base.is_advanced = adv
    base.revision += 1
    return envelope({"app": {"app_token": base.app_token, "name": base.name,
                             "is_advanced": base.is_advanced}})


async def table_list(request: web.Request) -> web.StreamResponse:
    """app_table.list (GET .../tables)."""
    _, base = request_base(request)
    items = [{"table_id": t.table_id, "revision": t.revision, "name": t.name}
             for t in base.tables.values()]
    return envelope(list_page(request, "app_table.list", items))


async def table_create(request: web.Request) -> web.StreamResponse:
    """app_table.create (POST .../tables), body ``{"table": {"name"}}``."""
    rt, base = request_base(request)
    body = await body_json(request)
    spec = body.get("table")
    if not isinstance(spec, dict):
        raise ApiError(E.WRONG_BODY, "'table' must be an object with a name")
    table = new_table(rt, base, spec.get("name"))
    return envelope({"table_id": table.table_id})


async def table_batch_create(request: web.Request) -> web.StreamResponse:
    """app_table.batch_create (POST .../tables/batch_create), all-or-nothing."""
    rt, base = request_base(request)
    specs = (await body_json(request)).get("tables")
    if not isinstance(specs, list) or not specs or not all(isinstance(s, dict) for s in specs):
        raise ApiError(E.WRONG_BODY, "'tables' must be a non-empty list of {name}")
    names = [s.get("name") for s in specs]
    if len(set(map(str, names))) != len(names):
        raise ApiError(E.TABLE_NAME_DUP, "duplicate table names in the request")
    check_block_room(rt, base, len(names))
    for n in names:
        if not isinstance(n, str) or any(t.name == n.strip() for t in base.tables.values()):
            raise ApiError(E.TABLE_NAME_DUP if isinstance(n, str) else E.WRONG_BODY,
                           f"invalid or duplicate table name {n!r}")
    ids = [new_table(rt, base, n).table_id for n in names]
    return envelope({"table_ids": ids})


async def table_update(request: web.Request) -> web.StreamResponse:
    """app_table.update (PATCH .../tables/:table_id); empty or same name is a no-op."""
    _, base, table = request_table(request)
    name = (await body_json(request)).get("name")
    if isinstance(name, str) and name.strip() and name.strip() != table.name:
        table.name = _table_name(base, name)
        table.revision += 1
    return envelope({"name": table.name})


def _drop_tables(base: BaseApp, ids: list[str]) -> None:
    for tid in ids:
        base.table(tid)
    if len(set(ids)) >= len(base.tables):
        raise ApiError(E.LAST_TABLE, "The last table cannot be deleted.")
    for tid in set(ids):
        del base.tables[tid]
    base.revision += 1


async def table_delete(request: web.Request) -> web.StreamResponse:
    """app_table.delete (DELETE .../tables/:table_id)."""
    _, base = request_base(request)
    _drop_tables(base, [request.match_info["table_id"]])
    return envelope({})


async def table_batch_delete(request: web.Request) -> web.StreamResponse:
    """app_table.batch_delete (POST .../tables/batch_delete)."""
    _, base = request_base(request)
    ids = (await body_json(request)).get("table_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ApiError(E.WRONG_BODY, "'table_ids' must be a non-empty list of table IDs")
    _drop_tables(base, ids)
    return envelope({})


async def dashboard_list(request: web.Request) -> web.StreamResponse:
    """app_dashboard.list (GET .../dashboards): key ``dashboards``, no ``total``."""
    _, base = request_base(request)
    items = [{"block_id": k, "name": v} for k, v in base.dashboards.items()]
    return envelope(list_page(request, "app_dashboard.list", items, key="dashboards",
                              total=False))


async def dashboard_copy(request: web.Request) -> web.StreamResponse:
    """app_dashboard.copy (POST .../dashboards/:block_id/copy); 1254100 when the base is full."""
    rt, base = request_base(request)
    if request.match_info["block_id"] not in base.dashboards:
        raise ApiError(E.BLOCK_NOT_FOUND, "Source block is not found.")
    name = (await body_json(request)).get("name")
    if not isinstance(name, str) or not name or len(name) > 100 or _BRACKETS.search(name):
        raise ApiError(E.INVALID_DASHBOARD_NAME,
                       "Invalid name, make sure that it complies with the specification.")
    if name in base.dashboards.values():
        raise ApiError(E.DASHBOARD_NAME_DUP, "Duplicated name, use another name instead.")
    check_block_room(rt, base, 1)
    block_id = rt.state.ids.new("blk", 13)
    base.dashboards[block_id] = name
    return envelope({"block_id": block_id, "name": name})


def _view_json(v: ViewDef, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"view_id": v.view_id, "view_name": v.name, "view_type": v.view_type}
    if full:
        prop = v.property or {}
        out["property"] = {"filter_info": prop.get("filter_info"),
                           "hidden_fields": prop.get("hidden_fields")}
    return out


def _view_name(table: TableState, name: Any, skip: str | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ApiError(E.EMPTY_VIEW_NAME, "view_name is empty")
    if len(name) > 100 or _BRACKETS.search(name):
        raise ApiError(E.INVALID_VIEW_NAME, f"invalid view name {name!r}")
    if any(v.name == name and v.view_id != skip for v in table.views.values()):
        raise ApiError(E.VIEW_NAME_DUP, f"view name {name!r} already exists")
    return name


async def view_list(request: web.Request) -> web.StreamResponse:
    """app_table_view.list (GET .../views)."""
    _, _, table = request_table(request)
    items = [_view_json(v, False) for v in table.views.values()]
    return envelope(list_page(request, "app_table_view.list", items))


async def view_get(request: web.Request) -> web.StreamResponse:
    """app_table_view.get (GET .../views/:view_id)."""
    _, _, table = request_table(request)
    return envelope({"view": _view_json(table.view(request.match_info["view_id"]), True)})


async def view_create(request: web.Request) -> web.StreamResponse:
    """app_table_view.create (POST .../views); view_type defaults to grid."""
    rt, _, table = request_table(request)
    body = await body_json(request)
    name = _view_name(table, body.get("view_name"))
    vtype = body.get("view_type") or "grid"
    if vtype not in VIEW_TYPES:
        raise ApiError(E.INVALID_VIEW_TYPE, f"view_type must be one of {VIEW_TYPES}")
    if len(table.views) >= MAX_VIEWS:
        raise ApiError(E.VIEW_LIMIT, f"at most {MAX_VIEWS} views per table")
    view = ViewDef(rt.state.ids.new("vew", 7), name, str(vtype))
    table.views[view.view_id] = view
    if vtype == "form":
        table.forms[view.view_id] = FormState(name=name)
    return envelope({"view": _view_json(view, False)})


async def view_update(request: web.Request) -> web.StreamResponse:
    """app_table_view.update (PATCH .../views/:view_id), incremental."""
    rt, _, table = request_table(request)
    view = table.view(request.match_info["view_id"])
    body = await body_json(request)
    if body.get("view_name") is not None:
        view.name = _view_name(table, body["view_name"], view.view_id)
    prop = body.get("property")
    if isinstance(prop, dict):
        info = prop.get("filter_info")
        if isinstance(info, dict):
            conds = info.get("conditions") or []
            if not isinstance(conds, list) or len(conds) > 50:
                raise ApiError(E.WRONG_BODY, "filter_info.conditions: a list of at most 50")
            stored = []
            for c in conds:
                f = table.field(str(c.get("field_id"))) if isinstance(c, dict) else None
                if f is None or not isinstance(c.get("operator"), str):
                    raise ApiError(E.WRONG_BODY, "each condition needs field_id and operator")
                stored.append({"condition_id": rt.state.ids.new("con", 7), "field_id": f.field_id,
                               "field_type": f.type, "operator": c["operator"],
                               "value": c.get("value")})
            view.property["filter_info"] = {"condition_omitted": None, "conditions": stored,
                                            "conjunction": info.get("conjunction", "and")}
        if "hidden_fields" in prop:
            hidden = prop["hidden_fields"]
            if hidden is not None:
                if not isinstance(hidden, list) or len(hidden) > 100:
                    raise ApiError(E.WRONG_BODY, "hidden_fields: a list of at most 100 field IDs")
                for fid in hidden:
                    table.field(str(fid))
            view.property["hidden_fields"] = hidden
    return envelope({"view": _view_json(view, True)})


async def view_delete(request: web.Request) -> web.StreamResponse:
    """app_table_view.delete (DELETE .../views/:view_id); the last view stays."""
    _, _, table = request_table(request)
    view = table.view(request.match_info["view_id"])
    if len(table.views) <= 1:
        raise ApiError(E.LAST_VIEW, "the last view cannot be deleted")
    del table.views[view.view_id]
    table.forms.pop(view.view_id, None)
    return envelope({})


def add_routes(router: web.UrlDispatcher, prefix: str) -> None:
    """Register app, table, dashboard and view routes.

    Args:
        router: the application's router.
        prefix: path prefix of the open API (``/open-apis``).
    """
    a = prefix + "/bitable/v1/apps/{app_token}"
    t = a + "/tables/{table_id}"
    router.add_get(a, app_get, name="app.get")
    router.add_put(a, app_update, name="app.update")
    router.add_post(a + "/tables/batch_create", table_batch_create, name="app_table.batch_create")
    router.add_post(a + "/tables/batch_delete", table_batch_delete, name="app_table.batch_delete")
    router.add_get(a + "/tables", table_list, name="app_table.list")
    router.add_post(a + "/tables", table_create, name="app_table.create")
    router.add_patch(t, table_update, name="app_table.update")
    router.add_delete(t, table_delete, name="app_table.delete")
    router.add_get(a + "/dashboards", dashboard_list, name="app_dashboard.list")
    router.add_post(a + "/dashboards/{block_id}/copy", dashboard_copy, name="app_dashboard.copy")
    router.add_get(t + "/views", view_list, name="app_table_view.list")
    router.add_post(t + "/views", view_create, name="app_table_view.create")
    router.add_get(t + "/views/{view_id}", view_get, name="app_table_view.get")
    router.add_patch(t + "/views/{view_id}", view_update, name="app_table_view.update")
    router.add_delete(t + "/views/{view_id}", view_delete, name="app_table_view.delete")
