"""Record endpoints: list, get, search, batch_get, create, update, delete, batch_*."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import msgspec
from aiohttp import web

from . import errors as E
from . import filterbridge as FB
from . import properties as P
from .cells import WriteSchema, add_missing_options, normalize_fields
from .errors import ApiError
from .idempotency import idempotent_write
from .middleware import envelope
from .model import BaseApp, RecordState, TableState
from .runtime import (
    RECORDS_WRITTEN,
    TOKEN,
    Runtime,
    body_json,
    page_of,
    query_bool,
    request_page,
    request_table,
)
from .shapes import ReadContext, RecordRenderer, filter_mapping, render_record

MAX_FILTER = 2000
MAX_SORT = 1000


@functools.lru_cache(maxsize=1024)
def _actor_of_app(app_id: str) -> str:
    return "ou_" + hashlib.sha1(app_id.encode()).hexdigest()[:32]


def actor_id(request: web.Request) -> str:
    """Return the person ID that writes on behalf of the calling app."""
    token = request.get(TOKEN)
    return _actor_of_app(getattr(token, "app_id", "anonymous"))


def auto_fill_dates(table: TableState) -> list[str]:
    """Return the IDs of the table's date fields filled with the creation time.

    Args:
        table: the table.

    Returns:
        field IDs of type-5 fields whose property sets ``auto_fill``.
    """
    return [f.field_id for f in table.fields.values()
            if f.type == P.DATE and (f.property or {}).get("auto_fill")]


def new_record(rt: Runtime, who: str, table: TableState, cells: dict[str, Any],
               auto_fill: list[str] | None = None) -> RecordState:
    """Build a record (not yet stored) with automatic metadata.

    Args:
        rt: runtime (clock, IDs).
        who: person ID of the creator.
        table: the table (its serial counter advances).
        cells: field ID -> canonical value (None values are dropped).
        auto_fill: :func:`auto_fill_dates` of the table when the caller builds
            many records (computed here when None).

    Returns:
        the record.
    """
    now = rt.now_ms()
    table.serial_counter += 1
    clean = {k: v for k, v in cells.items() if v is not None}
    for fid in auto_fill_dates(table) if auto_fill is None else auto_fill:
        if fid not in clean:
            clean[fid] = now
    return RecordState(rt.state.ids.new("rec", 10), clean, now, now, who, who,
                       table.serial_counter)


def _apply(rt: Runtime, request: web.Request, rec: RecordState, cells: dict[str, Any]) -> None:
    for fid, value in cells.items():
        if value is None:
            rec.cells.pop(fid, None)
        else:
            rec.cells[fid] = value
    rec.modified_time = rt.now_ms()
    rec.modified_by = actor_id(request)


def _write_ctx(rt: Runtime, request: web.Request, base: BaseApp) -> ReadContext:
    return rt.read_context(request, base, "write")


def _records_list(body: dict[str, Any], max_batch: int) -> list[Any]:
    records = body.get("records")
    if not isinstance(records, list) or not records:
        raise ApiError(E.WRONG_BODY, "'records' must be a non-empty list")
    if len(records) > max_batch:
        raise ApiError(E.BATCH_LIMIT, f"at most {max_batch} records per call, got {len(records)}")
    return records


def _existing(table: TableState, index: int, record_id: Any) -> RecordState:
    if not isinstance(record_id, str) or record_id not in table.records:
        raise ApiError(E.RECORD_NOT_FOUND,
                       f"records[{index}]: record_id {record_id!r} not found")
    return table.records[record_id]


def _check_capacity(rt: Runtime, table: TableState, adding: int) -> None:
    limit = rt.config.max_records_per_table
    if len(table.records) + adding > limit:
        raise ApiError(E.RECORD_LIMIT, f"a table holds at most {limit} records")


async def create(request: web.Request) -> web.StreamResponse:
    """app_table_record.create (POST .../records)."""
    rt, base, table = request_table(request)
    write = await idempotent_write(request, rt, base.app_token, table.table_id, "record.create")
    if write.replayed is not None:
        return write.replayed
    _check_capacity(rt, table, 1)
    cells = normalize_fields(table, write.body.get("fields"), rt.write_context(base))
    rec = new_record(rt, actor_id(request), table, cells)
    table.records[rec.record_id] = rec
    add_missing_options(table, cells, rt.state.ids)
    data = {"record": render_record(table, rec, _write_ctx(rt, request, base), cells)}
    request[RECORDS_WRITTEN] = 1
    return write.answer(data)


async def batch_create(request: web.Request) -> web.StreamResponse:
    """app_table_record.batch_create (POST .../records/batch_create)."""
    rt, base, table = request_table(request)
    write = await idempotent_write(request, rt, base.app_token, table.table_id,
                                   "record.batch_create")
    if write.replayed is not None:
        return write.replayed
    records = _records_list(write.body, rt.config.max_batch)
    _check_capacity(rt, table, len(records))
    wctx = rt.write_context(base)
    schema = WriteSchema(table, wctx)
    all_cells = []
    for i, item in enumerate(records):
        fields = item.get("fields") if isinstance(item, dict) else None
        all_cells.append(normalize_fields(table, fields, wctx, f"records[{i}]", schema))
    renderer = RecordRenderer(table, _write_ctx(rt, request, base))
    who = actor_id(request)
    auto_fill = auto_fill_dates(table)
    out = []
    for cells in all_cells:
        rec = new_record(rt, who, table, cells, auto_fill)
        table.records[rec.record_id] = rec
        add_missing_options(table, cells, rt.state.ids)
        out.append(renderer.render(rec, cells))
    data = {"records": out}
    request[RECORDS_WRITTEN] = len(out)
    return write.answer(data)


async def update(request: web.Request) -> web.StreamResponse:
    """app_table_record.update (PUT .../records/:record_id); omitted fields are kept."""
    rt, base, table = request_table(request)
    rec = table.record(request.match_info["record_id"])
    body = await body_json(request)
    cells = normalize_fields(table, body.get("fields"), rt.write_context(base))
    _apply(rt, request, rec, cells)
    add_missing_options(table, cells, rt.state.ids)
    request[RECORDS_WRITTEN] = 1
    return envelope({"record": render_record(table, rec, _write_ctx(rt, request, base), cells)})


async def batch_update(request: web.Request) -> web.StreamResponse:
    """app_table_record.batch_update (POST .../records/batch_update), all-or-nothing."""
    rt, base, table = request_table(request)
    records = _records_list(await body_json(request), rt.config.max_batch)
    wctx = rt.write_context(base)
    schema = WriteSchema(table, wctx)
    staged = []
    for i, item in enumerate(records):
        rid = item.get("record_id") if isinstance(item, dict) else None
        staged.append((_existing(table, i, rid), normalize_fields(table, item.get("fields"), wctx,
                                                            f"records[{i}]", schema)))
    renderer = RecordRenderer(table, _write_ctx(rt, request, base))
    out = []
    for rec, cells in staged:
        _apply(rt, request, rec, cells)
        add_missing_options(table, cells, rt.state.ids)
        out.append(renderer.render(rec, cells))
    request[RECORDS_WRITTEN] = len(out)
    return envelope({"records": out})


def _unlink(base: BaseApp, table: TableState, gone: set[str]) -> None:
    for other in base.tables.values():
        links = [f.field_id for f in other.fields.values()
                 if f.type in (P.LINK, P.DUPLEX)
                 and (f.property or {}).get("table_id") == table.table_id]
        for rec in other.records.values() if links else ():
            for fid in links:
                ids = rec.cells.get(fid)
                if ids and gone.intersection(ids):
                    rec.cells[fid] = [i for i in ids if i not in gone]


async def delete(request: web.Request) -> web.StreamResponse:
    """app_table_record.delete (DELETE .../records/:record_id)."""
    _, base, table = request_table(request)
    rec = table.record(request.match_info["record_id"])
    del table.records[rec.record_id]
    _unlink(base, table, {rec.record_id})
    request[RECORDS_WRITTEN] = 1
    return envelope({"deleted": True, "record_id": rec.record_id})


async def batch_delete(request: web.Request) -> web.StreamResponse:
    """app_table_record.batch_delete (POST .../records/batch_delete), all-or-nothing."""
    rt, base, table = request_table(request)
    ids = _records_list(await body_json(request), rt.config.max_batch)
    for i, rid in enumerate(ids):
        _existing(table, i, rid)
    unique = list(dict.fromkeys(ids))
    for rid in unique:
        del table.records[rid]
    _unlink(base, table, set(unique))
    request[RECORDS_WRITTEN] = len(unique)
    return envelope({"records": [{"deleted": True, "record_id": r} for r in unique]})


def _field_ids(table: TableState, names: Any, code: int = E.INVALID_FIELD_NAMES) -> list[str]:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ApiError(code, "field_names must be a list of field names")
    out = []
    for n in names:
        f = table.field_by_name(n)
        if f is None:
            raise ApiError(code, f"field_names: no field named {n!r}")
        out.append(f.field_id)
    return out


def _json_param(raw: str, code: int, what: str) -> Any:
    try:
        return msgspec.json.decode(raw.encode())
    except E.JSON_DECODE_ERRORS:
        raise ApiError(code, f"{what} must be a JSON array string") from None


def _select(rt: Runtime, table: TableState, pred: FB.Predicate | None,
            sorter: Any) -> list[RecordState]:
    records = list(table.records.values())
    if pred is None and sorter is None:
        return records
    pairs = [(filter_mapping(table, r, rt.config.users), r) for r in records]
    if pred is not None:
        pairs = [(m, r) for m, r in pairs if pred(m)]
    if sorter is None:
        return [r for _, r in pairs]
    by_id = {id(m): r for m, r in pairs}
    return [by_id[id(m)] for m in sorter([m for m, _ in pairs])]


async def list_records(request: web.Request) -> web.StreamResponse:
    """app_table_record.list (GET .../records) with filter / sort / field_names."""
    rt, base, table = request_table(request)
    q = request.query
    types = table.field_types()
    if q.get("view_id"):
        table.view(q["view_id"])
    pred = None
    if q.get("filter"):
        if len(q["filter"]) > MAX_FILTER:
            raise ApiError(E.FILTER_TOO_LONG, f"filter longer than {MAX_FILTER} characters")
        pred = FB.formula_filter(q["filter"], types)
    sorter = None
    if q.get("sort"):
        if len(q["sort"]) > MAX_SORT:
            raise ApiError(E.SORT_TOO_LONG, f"sort longer than {MAX_SORT} characters")
        sort = _json_param(q["sort"], E.INVALID_SORT, "sort")
        if not isinstance(sort, list) or not all(isinstance(s, str) for s in sort):
            raise ApiError(E.INVALID_SORT, 'sort must be like ["Name DESC"]')

        def sorter(ms: list[Any]) -> list[Any]:
            return FB.sort_formula(ms, sort, types)
    only = None
    if q.get("field_names"):
        only = _field_ids(table, _json_param(q["field_names"], E.INVALID_FIELD_NAMES,
                                             "field_names"))
    size, offset = request_page(request, "app_table_record.list")
    rows = _select(rt, table, pred, sorter)
    ctx = rt.read_context(request, base, "list", text_as_array=query_bool(request,
                          "text_field_as_array"), automatic_fields=query_bool(
                          request, "automatic_fields"),
                          display_formula_ref=query_bool(request, "display_formula_ref"))
    page = page_of(rows, size, offset)
    renderer = RecordRenderer(table, ctx)
    page["items"] = [renderer.render(r, only) for r in page["items"]]
    return envelope(page)


async def search(request: web.Request) -> web.StreamResponse:
    """app_table_record.search (POST .../records/search)."""
    rt, base, table = request_table(request)
    body = await body_json(request, required=False)
    types = table.field_types()
    if body.get("view_id"):
        table.view(str(body["view_id"]))
    pred = FB.search_filter(body["filter"], types) if body.get("filter") else None
    sort = body.get("sort")
    if sort is not None and not isinstance(sort, list):
        raise ApiError(E.INVALID_SORT, "sort must be a list of {field_name, desc}")

    def sorter(ms: list[Any]) -> list[Any]:
        return FB.sort_search(ms, sort, types)
    only = _field_ids(table, body["field_names"]) if body.get("field_names") else None
    size, offset = request_page(request, "app_table_record.search")
    rows = _select(rt, table, pred, sorter if sort else None)
    ctx = rt.read_context(request, base, "search",
                          automatic_fields=bool(body.get("automatic_fields")))
    page = page_of(rows, size, offset)
    renderer = RecordRenderer(table, ctx)
    page["items"] = [renderer.render(r, only) for r in page["items"]]
    return envelope(page)


async def get(request: web.Request) -> web.StreamResponse:
    """app_table_record.get (GET .../records/:record_id)."""
    rt, base, table = request_table(request)
    rec = table.record(request.match_info["record_id"])
    ctx = rt.read_context(request, base, "get",
                          text_as_array=query_bool(request, "text_field_as_array"),
                          automatic_fields=query_bool(request, "automatic_fields"),
                          display_formula_ref=query_bool(request, "display_formula_ref"))
    return envelope({"record": render_record(table, rec, ctx)})


async def batch_get(request: web.Request) -> web.StreamResponse:
    """app_table_record.batch_get (POST .../records/batch_get), 1-100 IDs."""
    rt, base, table = request_table(request)
    body = await body_json(request)
    ids = body.get("record_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100 or not all(
            isinstance(i, str) for i in ids):
        raise ApiError(E.WRONG_BODY, "record_ids must be a list of 1-100 record IDs")
    ctx = rt.read_context(request, base, "batch_get",
                          automatic_fields=bool(body.get("automatic_fields")),
                          with_shared_url=bool(body.get("with_shared_url")))
    unique = list(dict.fromkeys(ids))
    found = [table.records[i] for i in unique if i in table.records]
    renderer = RecordRenderer(table, ctx)
    return envelope({
        "records": [renderer.render(r) for r in found],
        "forbidden_record_ids": [],
        "absent_record_ids": [i for i in unique if i not in table.records],
    })


def add_routes(router: web.UrlDispatcher, prefix: str) -> None:
    """Register the record routes (names match ``endpoints.ENDPOINTS``).

    Args:
        router: the application's router.
        prefix: path prefix of the open API (``/open-apis``).
    """
    t = prefix + "/bitable/v1/apps/{app_token}/tables/{table_id}/records"
    router.add_post(t + "/search", search, name="app_table_record.search")
    router.add_post(t + "/batch_get", batch_get, name="app_table_record.batch_get")
    router.add_post(t + "/batch_create", batch_create, name="app_table_record.batch_create")
    router.add_post(t + "/batch_update", batch_update, name="app_table_record.batch_update")
    router.add_post(t + "/batch_delete", batch_delete, name="app_table_record.batch_delete")
    router.add_get(t, list_records, name="app_table_record.list")
    router.add_post(t, create, name="app_table_record.create")
    router.add_get(t + "/{record_id}", get, name="app_table_record.get")
    router.add_put(t + "/{record_id}", update, name="app_table_record.update")
    router.add_delete(t + "/{record_id}", delete, name="app_table_record.delete")
