"""Advanced-permission endpoints: custom roles and role members (A.41-A.49)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import errors as E
from .errors import ApiError
from .middleware import envelope
from .model import BaseApp, RoleState
from .runtime import Runtime, body_json, list_page, request_base

MAX_ROLES = 30
MAX_MEMBERS = 200
MEMBER_ID_TYPES = {
    "open_id": "user", "union_id": "user", "user_id": "user", "chat_id": "chat",
    "department_id": "department", "open_department_id": "department",
}


def _base(request: web.Request) -> tuple[Runtime, BaseApp]:
    rt, base = request_base(request)
    if not base.is_advanced:
        raise ApiError(E.OPERATION_TYPE, "OperationTypeError: advanced permissions are off")
    return rt, base


def _role(request: web.Request) -> tuple[Runtime, BaseApp, RoleState]:
    rt, base = _base(request)
    role = base.roles.get(request.match_info["role_id"])
    if role is None:
        raise ApiError(E.ROLE_NOT_FOUND, "Role id is not found.")
    return rt, base, role


def _table_roles(base: BaseApp, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) > 100:
        raise ApiError(E.WRONG_BODY, "table_roles must be a list of at most 100")
    out = []
    for i, tr in enumerate(raw):
        if not isinstance(tr, dict) or tr.get("table_perm") not in (0, 1, 2, 4):
            raise ApiError(E.WRONG_BODY, f"table_roles[{i}].table_perm must be 0, 1, 2 or 4")
        table = None
        if tr.get("table_id"):
            table = base.table(str(tr["table_id"]))
        elif tr.get("table_name"):
            table = next((t for t in base.tables.values() if t.name == tr["table_name"]), None)
        if table is None:
            raise ApiError(E.TABLE_NOT_FOUND, f"table_roles[{i}]: table not found")
        item: dict[str, Any] = {"table_name": table.name, "table_id": table.table_id,
                                "table_perm": tr["table_perm"]}
        if tr["table_perm"] == 2:
            item["allow_add_record"] = bool(tr.get("allow_add_record", True))
            item["allow_delete_record"] = bool(tr.get("allow_delete_record", True))
        rule = tr.get("rec_rule")
        if isinstance(rule, dict):
            conds = []
            for c in rule.get("conditions") or []:
                fname = c.get("field_name", "") if isinstance(c, dict) else ""
                f = table.field_by_name(fname) if fname else None
                if fname and f is None:
                    raise ApiError(E.FIELD_NAME_NOT_FOUND, f"rec_rule field {fname!r} not found")
                conds.append({"field_name": fname, "field_type": f.type if f else 1003,
                              "operator": c.get("operator") or ("is" if c.get("value")
                                                                else "contains"),
                              "value": c.get("value") or None})
            item["rec_rule"] = {"conditions": conds, "conjunction": rule.get("conjunction",
                                                                            "and"),
                                "other_perm": rule.get("other_perm", 0)}
        if isinstance(tr.get("field_perm"), dict):
            item["field_perm"] = dict(tr["field_perm"])
        out.append(item)
    return out


def _block_roles(base: BaseApp, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) > 100:
        raise ApiError(E.WRONG_BODY, "block_roles must be a list of at most 100")
    out = []
    for i, br in enumerate(raw):
        if not isinstance(br, dict) or br.get("block_id") not in base.dashboards:
            raise ApiError(E.BLOCK_NOT_FOUND, f"block_roles[{i}]: block_id not found")
        out.append({"block_id": br["block_id"], "block_type": "dashboard",
                    "block_perm": br.get("block_perm", 0)})
    return out


def _role_body(base: BaseApp, body: dict[str, Any], skip: str | None) -> tuple[str, Any, Any]:
    name = body.get("role_name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ApiError(E.INVALID_ROLE_NAME, "role_name is invalid")
    if any(r.role_name == name and r.role_id != skip for r in base.roles.values()):
        raise ApiError(E.ROLE_NAME_DUP, "role_name is duplicated")
    return name, _table_roles(base, body.get("table_roles")), _block_roles(
        base, body.get("block_roles", []))


def _role_json(role: RoleState, with_id: bool, update_style: bool) -> dict[str, Any]:
    tables = []
    for tr in role.table_roles:
        item = dict(tr)
        if update_style and "allow_add_record" in item:
            item["addrecords_perm"] = item.pop("allow_add_record")
            item["deleterecords_perm"] = item.pop("allow_delete_record")
        tables.append(item)
    blocks = [{k: v for k, v in b.items() if not update_style or k != "block_type"}
              for b in role.block_roles]
    out: dict[str, Any] = {"role_name": role.role_name, "table_roles": tables,
                           "block_roles": blocks}
    if with_id:
        out = {"role_id": role.role_id, **out}
    return out


async def role_list(request: web.Request) -> web.StreamResponse:
    """app_role.list (GET .../roles)."""
    _, base = _base(request)
    items = [_role_json(r, True, False) for r in base.roles.values()]
    return envelope(list_page(request, "app_role.list", items))


async def role_create(request: web.Request) -> web.StreamResponse:
    """app_role.create (POST .../roles); returns the role (the spec documents no body)."""
    rt, base = _base(request)
    name, tables, blocks = _role_body(base, await body_json(request), None)
    if len(base.roles) >= MAX_ROLES:
        raise ApiError(E.ROLE_LIMIT, f"at most {MAX_ROLES} custom roles")
    role = RoleState(rt.state.ids.new("rol", 7), name, tables, blocks)
    base.roles[role.role_id] = role
    return envelope({"role": _role_json(role, True, False)})


async def role_update(request: web.Request) -> web.StreamResponse:
    """app_role.update (PUT .../roles/:role_id): full overwrite."""
    _, base, role = _role(request)
    role.role_name, role.table_roles, role.block_roles = _role_body(
        base, await body_json(request), role.role_id)
    return envelope({"role": _role_json(role, False, True)})


async def role_delete(request: web.Request) -> web.StreamResponse:
    """app_role.delete (DELETE .../roles/:role_id)."""
    _, base, role = _role(request)
    del base.roles[role.role_id]
    return envelope({})


def _member(id_type: Any, member_id: Any) -> dict[str, Any]:
    kind = MEMBER_ID_TYPES.get(id_type or "open_id") if isinstance(id_type, (str, type(None))) \
        else None
    if kind is None:
        raise ApiError(E.WRONG_BODY, f"member_id_type must be one of {sorted(MEMBER_ID_TYPES)}")
    if not isinstance(member_id, str) or not member_id:
        raise ApiError(E.WRONG_BODY, "member id is required")
    return {"member_type": kind, "member_name": f"{kind} {member_id[-6:]}",
            "member_en_name": f"{kind} {member_id[-6:]}", id_type or "open_id": member_id}


def _add_members(role: RoleState, members: list[dict[str, Any]]) -> None:
    new = {k: m for m in members for k in [_key(m)] if k not in role.members}
    if len(role.members) + len(new) > MAX_MEMBERS:
        raise ApiError(E.MEMBER_LIMIT, f"at most {MAX_MEMBERS} members per role")
    role.members.update(new)


def _key(member: dict[str, Any]) -> str:
    return next(str(v) for k, v in member.items() if k not in ("member_type", "member_name",
                                                             "member_en_name"))


def _member_list(body: dict[str, Any]) -> list[dict[str, Any]]:
    raw = body.get("member_list")
    if not isinstance(raw, list) or not raw or len(raw) > 100:
        raise ApiError(E.WRONG_BODY, "member_list must hold 1-100 {type, id}")
    return [_member(m.get("type") if isinstance(m, dict) else None,
                    m.get("id") if isinstance(m, dict) else None) for m in raw]


async def member_list(request: web.Request) -> web.StreamResponse:
    """app_role_member.list (GET .../roles/:role_id/members)."""
    _, _, role = _role(request)
    return envelope(list_page(request, "app_role_member.list", list(role.members.values())))


async def member_create(request: web.Request) -> web.StreamResponse:
    """app_role_member.create (POST .../roles/:role_id/members)."""
    _, _, role = _role(request)
    body = await body_json(request)
    _add_members(role, [_member(request.query.get("member_id_type"), body.get("member_id"))])
    return envelope({})


async def member_batch_create(request: web.Request) -> web.StreamResponse:
    """app_role_member.batch_create (POST .../members/batch_create), at most 100."""
    _, _, role = _role(request)
    _add_members(role, _member_list(await body_json(request)))
    return envelope({})


async def member_delete(request: web.Request) -> web.StreamResponse:
    """app_role_member.delete (DELETE .../members/:member_id)."""
    _, _, role = _role(request)
    mid = request.match_info["member_id"]
    if mid not in role.members:
        raise ApiError(E.MEMBER_NOT_FOUND, "MemberNotFound")
    del role.members[mid]
    return envelope({})


async def member_batch_delete(request: web.Request) -> web.StreamResponse:
    """app_role_member.batch_delete (POST .../members/batch_delete), all-or-nothing."""
    _, _, role = _role(request)
    keys = [_key(m) for m in _member_list(await body_json(request))]
    missing = [k for k in keys if k not in role.members]
    if missing:
        raise ApiError(E.MEMBER_NOT_FOUND, f"members not found: {missing[:5]}")
    for k in keys:
        role.members.pop(k, None)
    return envelope({})


def add_routes(router: web.UrlDispatcher, prefix: str) -> None:
    """Register role and member routes.

    Args:
        router: the application's router.
        prefix: path prefix of the open API (``/open-apis``).
    """
    r = prefix + "/bitable/v1/apps/{app_token}/roles"
    m = r + "/{role_id}/members"
    router.add_get(r, role_list, name="app_role.list")
    router.add_post(r, role_create, name="app_role.create")
    router.add_put(r + "/{role_id}", role_update, name="app_role.update")
    router.add_delete(r + "/{role_id}", role_delete, name="app_role.delete")
    router.add_post(m + "/batch_create", member_batch_create, name="app_role_member.batch_create")
    router.add_post(m + "/batch_delete", member_batch_delete, name="app_role_member.batch_delete")
    router.add_get(m, member_list, name="app_role_member.list")
    router.add_post(m, member_create, name="app_role_member.create")
    router.add_delete(m + "/{member_id}", member_delete, name="app_role_member.delete")
