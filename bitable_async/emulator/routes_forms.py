"""Form endpoints: form get/update and form questions list/update (A.25-A.28)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import errors as E
from .errors import ApiError
from .middleware import envelope
from .model import FormState, TableState
from .runtime import Runtime, body_json, list_page, request_table

SHARED_LIMITS = ("off", "tenant_editable", "anyone_editable")


def _form(request: web.Request) -> tuple[Runtime, TableState, str, FormState]:
    rt, _, table = request_table(request)
    form_id = request.match_info["form_id"]
    form = table.forms.get(form_id)
    if form is None:
        raise ApiError(E.VIEW_NOT_FOUND, f"form {form_id!r} not found")
    return rt, table, form_id, form


def _form_json(request: web.Request, form_id: str, form: FormState) -> dict[str, Any]:
    return {"name": form.name, "description": form.description, "shared": form.shared,
            "shared_url": f"{request.scheme}://{request.host}/share/base/shr{form_id}",
            "shared_limit": form.shared_limit, "submit_limit_once": form.submit_limit_once}


def _questions(table: TableState, form: FormState) -> list[dict[str, Any]]:
    order = [fid for fid in form.order if fid in table.fields]
    order += [fid for fid in table.fields if fid not in order]
    out = []
    for fid in order:
        q = {"field_id": fid, "title": table.fields[fid].name, "description": "",
             "required": False, "visible": True}
        q.update(form.questions.get(fid, {}))
        out.append(q)
    return out


async def form_get(request: web.Request) -> web.StreamResponse:
    """app_table_form.get (GET .../forms/:form_id)."""
    _, _, form_id, form = _form(request)
    return envelope({"form": _form_json(request, form_id, form)})


async def form_update(request: web.Request) -> web.StreamResponse:
    """app_table_form.update (PATCH .../forms/:form_id); every key optional."""
    _, _, form_id, form = _form(request)
    body = await body_json(request)
    for key, kind in (("name", str), ("description", str), ("shared", bool),
                      ("submit_limit_once", bool)):
        if body.get(key) is not None:
            if not isinstance(body[key], kind):
                raise ApiError(E.WRONG_BODY, f"{key} must be a {kind.__name__}")
            setattr(form, key, body[key])
    if body.get("shared_limit") is not None:
        if body["shared_limit"] not in SHARED_LIMITS:
            raise ApiError(E.WRONG_BODY, f"shared_limit must be one of {SHARED_LIMITS}")
        form.shared_limit = body["shared_limit"]
    return envelope({"form": _form_json(request, form_id, form)})


async def form_field_list(request: web.Request) -> web.StreamResponse:
    """app_table_form_field.list (GET .../forms/:form_id/fields)."""
    _, table, _, form = _form(request)
    return envelope(list_page(request, "app_table_form_field.list", _questions(table, form)))


async def form_field_update(request: web.Request) -> web.StreamResponse:
    """app_table_form_field.update (PATCH .../forms/:form_id/fields/:field_id)."""
    _, table, _, form = _form(request)
    fid = request.match_info["field_id"]
    if fid not in table.fields:
        raise ApiError(E.FORM_FIELD_NOT_FOUND, "Form field is not found.")
    body = await body_json(request)
    changes: dict[str, Any] = {}
    for key, kind in (("title", str), ("description", str), ("required", bool),
                      ("visible", bool)):
        if body.get(key) is not None:
            if not isinstance(body[key], kind):
                raise ApiError(E.WRONG_BODY, f"{key} must be a {kind.__name__}")
            changes[key] = body[key]
    if changes.get("visible") is False and len(changes) > 1:
        raise ApiError(E.WRONG_BODY, "when visible is false no other attribute may be updated")
    pre = body.get("pre_field_id")
    order = [q["field_id"] for q in _questions(table, form)]
    if pre is not None:
        if pre != "" and pre not in table.fields:
            raise ApiError(E.FORM_FIELD_NOT_FOUND, "pre_field_id is not a form question")
        order.remove(fid)
        order.insert(0 if pre == "" else order.index(pre) + 1, fid)
        form.order = order
    form.questions.setdefault(fid, {}).update(changes)
    q = next(q for q in _questions(table, form) if q["field_id"] == fid)
    idx = [x["field_id"] for x in _questions(table, form)].index(fid)
    prev = "" if idx == 0 else _questions(table, form)[idx - 1]["field_id"]
    return envelope({"field": {"pre_field_id": prev, "title": q["title"],
                               "description": q["description"], "required": q["required"],
                               "visible": q["visible"]}})


def add_routes(router: web.UrlDispatcher, prefix: str) -> None:
    """Register the form routes.

    Args:
        router: the application's router.
        prefix: path prefix of the open API (``/open-apis``).
    """
    f = prefix + "/bitable/v1/apps/{app_token}/tables/{table_id}/forms/{form_id}"
    router.add_get(f, form_get, name="app_table_form.get")
    router.add_patch(f, form_update, name="app_table_form.update")
    router.add_get(f + "/fields", form_field_list, name="app_table_form_field.list")
    router.add_patch(f + "/fields/{field_id}", form_field_update,
                     name="app_table_form_field.update")
