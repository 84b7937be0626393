"""aPaaS record endpoints (002/004) and Drive media upload/download (supplement.md)."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from . import errors as E
from .errors import ApiError
from .middleware import envelope, json_response
from .model import MediaFile
from .runtime import RECORDS_WRITTEN, body_json, decode_page_token, encode_page_token, runtime

MAX_MEDIA = 20 * 1024 * 1024


def _apaas_error(msg: str) -> ApiError:
    return ApiError(E.APAAS_PARAM_INVALID, f"param is invalid: {msg}", status=400)


def _settings(side: Any) -> Any:
    try:
        return json.loads(side["settings"]) if isinstance(side, dict) else None
    except (KeyError, TypeError, ValueError):
        raise _apaas_error("condition settings must be a JSON string") from None


def _condition(cond: Any) -> tuple[str, Any]:
    left = _settings(cond.get("left") if isinstance(cond, dict) else None)
    right = _settings(cond.get("right") if isinstance(cond, dict) else None)
    try:
        field = left["fieldPath"][-1]["fieldApiName"]
        value = right["data"]
    except (KeyError, IndexError, TypeError):
        raise _apaas_error("condition needs left.fieldPath and right.data") from None
    if cond.get("operator") not in ("equal", "notEqual"):
        raise _apaas_error(f"unsupported operator {cond.get('operator')!r}")
    return str(field), value


def _logic(expr: str, results: dict[str, bool]) -> bool:
    tokens = re.findall(r"\(|\)|\w+", expr.lower())
    pos = 0

    def atom() -> bool:
        nonlocal pos
        tok = tokens[pos] if pos < len(tokens) else ""
        pos += 1
        if tok == "(":
            value = disjunction()
            pos += 1
            return value
        return results.get(tok, True)

    def conjunction() -> bool:
        nonlocal pos
        value = atom()
        while pos < len(tokens) and tokens[pos] == "and":
            pos += 1
            value = atom() and value
        return value

    def disjunction() -> bool:
        nonlocal pos
        value = conjunction()
        while pos < len(tokens) and tokens[pos] == "or":
            pos += 1
            value = conjunction() or value
        return value

    return disjunction() if tokens else all(results.values())


def _matches(rec: dict[str, Any], filt: Any) -> bool:
    if not isinstance(filt, dict) or not filt.get("conditions"):
        return True
    results: dict[str, bool] = {}
    for cond in filt["conditions"]:
        field, value = _condition(cond)
        hit = str(rec.get(field)) == str(value)
        results[str(cond.get("index", len(results) + 1))] = (
            hit if cond["operator"] == "equal" else not hit)
    return _logic(str(filt.get("logic_expression") or ""), results)


def _order_key(field: str) -> Any:
    def key(rec: dict[str, Any]) -> tuple[bool, str]:
        return rec.get(field) is None, str(rec.get(field, ""))
    return key


async def batch_query(request: web.Request) -> web.StreamResponse:
    """apaas.application_object_record.batch_query: ``items`` is a JSON string."""
    rt = runtime(request)
    body = await body_json(request)
    select = body.get("select")
    if not isinstance(select, list) or not all(isinstance(s, str) for s in select):
        raise _apaas_error("select must be a list of field API names")
    size = body.get("page_size", 500)
    if not isinstance(size, int) or not 0 < size <= 500:
        raise _apaas_error("page_size must be 1-500")
    key = (request.match_info["namespace"], request.match_info["object_api_name"])
    rows = [r for r in rt.state.apaas.get(key, []) if _matches(r, body.get("filter"))]
    for order in reversed(body.get("order_by") or []):
        if not isinstance(order, dict) or not isinstance(order.get("field"), str):
            raise _apaas_error("order_by entries need a field")
        rows.sort(key=_order_key(order["field"]),
                  reverse=str(order.get("direction", "ASC")).upper() == "DESC")
    if body.get("use_page_token"):
        offset = decode_page_token(body.get("page_token"))
    else:
        offset = body.get("offset", 0)
        if not isinstance(offset, int) or offset < 0:
            raise _apaas_error("offset must be >= 0")
    chunk = rows[offset:offset + size]
    items = [{k: r.get(k) for k in ["_id", *select] if k in r} for r in chunk]
    has_more = offset + size < len(rows)
    data: dict[str, Any] = {"items": json.dumps(items, ensure_ascii=False), "has_more": has_more}
    if body.get("need_total_count"):
        data["total"] = len(rows)
    if has_more and body.get("use_page_token"):
        data["next_page_token"] = encode_page_token(offset + size)
    return envelope(data)


async def batch_update(request: web.Request) -> web.StreamResponse:
    """apaas.application_object_record.batch_update: ``records`` is a JSON string."""
    rt = runtime(request)
    raw = (await body_json(request)).get("records")
    try:
        records = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        records = None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise _apaas_error("records must be a JSON string of a list of objects")
    if len(records) > 500:
        raise _apaas_error("at most 500 records")
    key = (request.match_info["namespace"], request.match_info["object_api_name"])
    by_id = {str(r.get("_id")): r for r in rt.state.apaas.get(key, [])}
    items = []
    for rec in records:
        rid = str(rec.get("_id", ""))
        target = by_id.get(rid)
        if target is None:
            items.append({"success": False, "id": rid, "errors": [
                {"code": "k_ec_000004", "message": "record not found", "sub_code": "",
                 "fields": ["_id"]}]})
            continue
        target.update({k: v for k, v in rec.items() if k != "_id"})
        items.append({"success": True, "id": rid, "errors": []})
    request[RECORDS_WRITTEN] = sum(1 for i in items if i["success"])
    return envelope({"items": items})


async def upload_all(request: web.Request) -> web.StreamResponse:
    """Drive media upload_all (multipart): returns ``data.file_token``."""
    rt = runtime(request)
    if not request.content_type.startswith("multipart/"):
        raise ApiError(E.MEDIA_PARAM_INVALID, "multipart/form-data expected")
    form = await request.post()
    upload = form.get("file")
    data: bytes | None = upload.file.read() if isinstance(upload, web.FileField) else None
    if data is None:
        raise ApiError(E.MEDIA_PARAM_INVALID, "the 'file' part is missing")
    raw_name = form.get("file_name")
    name = raw_name if isinstance(raw_name, str) and raw_name else str(
        getattr(upload, "filename", "") or "file")
    if form.get("parent_type") not in ("bitable_file", "bitable_image"):
        raise ApiError(E.MEDIA_PARAM_INVALID, "parent_type must be bitable_file or bitable_image")
    parent = str(form.get("parent_node") or "")
    rt.state.app(parent)
    size = form.get("size")
    if isinstance(size, str) and size != str(len(data)):
        raise ApiError(E.MEDIA_PARAM_INVALID, f"size {size} does not match {len(data)} bytes")
    if len(data) > MAX_MEDIA:
        raise ApiError(E.MEDIA_PARAM_INVALID, "files over 20 MB need the chunked upload")
    token = rt.state.ids.new("box", 24)
    mime = getattr(upload, "content_type", None) or "application/octet-stream"
    rt.state.media[token] = MediaFile(token, name, len(data), mime, data, parent)
    return envelope({"file_token": token})


async def download(request: web.Request) -> web.StreamResponse:
    """Drive media download: the uploaded bytes."""
    rt = runtime(request)
    media = rt.state.media.get(request.match_info["file_token"])
    if media is None:
        return json_response({"code": E.MEDIA_NOT_FOUND, "msg": "file not found"}, 404)
    return web.Response(body=media.data, content_type=media.mime, headers={
        "Content-Disposition": f'attachment; filename="{media.name}"'})


def add_routes(router: web.UrlDispatcher, prefix: str) -> None:
    """Register aPaaS and Drive media routes.

    Args:
        router: the application's router.
        prefix: path prefix of the open API (``/open-apis``).
    """
    ap = prefix + "/apaas/v1/applications/{namespace}/objects/{object_api_name}/records"
    router.add_post(ap + "/batch_query", batch_query,
                    name="apaas.application_object_record.batch_query")
    router.add_patch(ap + "/batch_update", batch_update,
                     name="apaas.application_object_record.batch_update")
    router.add_post(prefix + "/drive/v1/medias/upload_all", upload_all,
                    name="drive.media.upload_all")
    router.add_get(prefix + "/drive/v1/medias/{file_token}/download", download,
                   name="drive.media.download")
