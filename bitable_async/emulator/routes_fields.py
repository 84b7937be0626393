"""Field endpoints: list, create (idempotent with client_token), update, delete."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import errors as E
from . import properties as P
from .cells import WriteContext, normalize_value
from .errors import ApiError
from .idempotency import idempotent_write
from .middleware import envelope
from .model import BaseApp, FieldDef, TableState
from .runtime import Runtime, body_json, list_page, request_table

MAX_FIELDS = 150


def _name(table: TableState, name: Any, skip: str | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ApiError(E.EMPTY_FIELD_NAME, "field_name is empty")
    if len(name) > 100:
        raise ApiError(E.INVALID_FIELD_NAME, "field_name longer than 100 characters")
    if any(f.name == name and f.field_id != skip for f in table.fields.values()):
        raise ApiError(E.FIELD_NAME_DUP, f"field name {name!r} already exists")
    return name


def _type(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(E.WRONG_BODY, "type must be an integer field type ID")
    return value


def create_field(rt: Runtime, base: BaseApp, table: TableState, name: Any, ftype: Any,
                 prop: Any) -> FieldDef:
    """Validate and add a field (and the back field of a two-way link).

    Args:
        rt: runtime.
        base: the base.
        table: the table.
        name: field name.
        ftype: type ID.
        prop: property object or None.

    Returns:
        the new field.

    Raises:
        ApiError: 1254028/1254029/1254014 name errors, 1254105 too many fields,
            1254012 / 1254080-1254096 type and property errors.
    """
    name = _name(table, name)
    t = _type(ftype)
    if len(table.fields) >= MAX_FIELDS:
        raise ApiError(E.FIELD_LIMIT, f"at most {MAX_FIELDS} fields per table")
    stored = P.normalize_property(t, prop, base=base, ids=rt.state.ids)
    field = FieldDef(rt.state.ids.new("fld", 7), name, t, stored)
    if t == P.DUPLEX and stored is not None:
        target = base.table(stored["table_id"])
        back_name = prop.get("back_field_name") if isinstance(prop, dict) else None
        back_name = _name(target, back_name or f"{table.name}-{name}")
        back = FieldDef(rt.state.ids.new("fld", 7), back_name, P.DUPLEX, {
            "multiple": True, "table_id": table.table_id, "table_name": table.name,
            "back_field_id": field.field_id, "back_field_name": name})
        stored["back_field_id"], stored["back_field_name"] = back.field_id, back_name
        target.fields[back.field_id] = back
    table.fields[field.field_id] = field
    return field


async def field_list(request: web.Request) -> web.StreamResponse:
    """app_table_field.list (GET .../fields)."""
    rt, _, table = request_table(request)
    if request.query.get("view_id"):
        table.view(request.query["view_id"])
    items = [f.as_json() for f in table.fields.values()]
    items.extend(rt.config.extra_field_entries.get(table.table_id, ()))
    return envelope(list_page(request, "app_table_field.list", items))


async def field_create(request: web.Request) -> web.StreamResponse:
    """app_table_field.create (POST .../fields), ``client_token`` makes it idempotent."""
    rt, base, table = request_table(request)
    write = await idempotent_write(request, rt, base.app_token, table.table_id, "field.create")
    if write.replayed is not None:
        return write.replayed
    body = write.body
    field = create_field(rt, base, table, body.get("field_name"), body.get("type"),
                         body.get("property"))
    data = {"field": field.as_json()}
    return write.answer(data)


def _convert_cells(table: TableState, field: FieldDef, ctx: WriteContext) -> None:
    for rec in table.records.values():
        value = rec.cells.get(field.field_id)
        if value is None:
            continue
        try:
            rec.cells[field.field_id] = normalize_value(field, value, ctx)
        except ApiError:
            rec.cells.pop(field.field_id, None)


async def field_update(request: web.Request) -> web.StreamResponse:
    """app_table_field.update (PUT .../fields/:field_id): full overwrite of the field."""
    rt, base, table = request_table(request)
    field = table.field(request.match_info["field_id"])
    body = await body_json(request)
    name = _name(table, body.get("field_name"), field.field_id)
    t = _type(body.get("type"))
    if (t == P.DUPLEX) != (field.type == P.DUPLEX):
        raise ApiError(E.NOT_SUPPORT_FIELD, "cannot convert to or from a two-way link")
    stored = P.normalize_property(t, body.get("property"), base=base, ids=rt.state.ids,
                                  old=field)
    if field.type == P.DUPLEX and stored is not None and field.property:
        for key in ("back_field_id", "back_field_name"):
            stored[key] = field.property.get(key)
    if (name, t, stored) == (field.name, field.type, field.property):
        raise ApiError(E.DATA_NOT_CHANGE, "DataNotChange")
    old_type = field.type
    field.name, field.type, field.property = name, t, stored
    if old_type != t and t not in P.READ_ONLY:
        ctx = rt.write_context(base)
        ctx.duplex_writable = True
        _convert_cells(table, field, ctx)
    if t in (P.SINGLE, P.MULTI):
        keep = {o["name"] for o in (stored or {}).get("options", [])}
        for rec in table.records.values():
            v = rec.cells.get(field.field_id)
            if isinstance(v, str) and v not in keep:
                rec.cells.pop(field.field_id)
            elif isinstance(v, list):
                rec.cells[field.field_id] = [x for x in v if x in keep]
    return envelope({"field": field.as_json()})


async def field_delete(request: web.Request) -> web.StreamResponse:
    """app_table_field.delete (DELETE .../fields/:field_id); the primary field stays."""
    _, base, table = request_table(request)
    field = table.field(request.match_info["field_id"])
    primary = table.primary_field()
    if primary is not None and primary.field_id == field.field_id:
        raise ApiError(E.NOT_SUPPORT_FIELD, "the primary (index) field cannot be deleted")
    del table.fields[field.field_id]
    for rec in table.records.values():
        rec.cells.pop(field.field_id, None)
    if field.type == P.DUPLEX and field.property:
        target = base.find_table(str(field.property.get("table_id")))
        back_id = field.property.get("back_field_id")
        if target is not None and back_id in target.fields:
            del target.fields[back_id]
            for rec in target.records.values():
                rec.cells.pop(back_id, None)
    return envelope({"field_id": field.field_id, "deleted": True})


def add_routes(router: web.UrlDispatcher, prefix: str) -> None:
    """Register the field routes.

    Args:
        router: the application's router.
        prefix: path prefix of the open API (``/open-apis``).
    """
    f = prefix + "/bitable/v1/apps/{app_token}/tables/{table_id}/fields"
    router.add_get(f, field_list, name="app_table_field.list")
    router.add_post(f, field_create, name="app_table_field.create")
    router.add_put(f + "/{field_id}", field_update, name="app_table_field.update")
    router.add_delete(f + "/{field_id}", field_delete, name="app_table_field.delete")
