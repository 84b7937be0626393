"""Token endpoints (supplement.md) and the ``/__emulator`` admin endpoints."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from aiohttp import web

from . import control
from . import errors as E
from .config import AppCredential
from .errors import ApiError
from .middleware import json_response
from .runtime import Runtime, runtime


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(await request.read() or b"{}")
    except E.JSON_DECODE_ERRORS:
        raise ApiError(E.APP_ID_INVALID, "request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(E.APP_ID_INVALID, "request body must be a JSON object")
    return value


def _token_answer(key: str, token: str, expire: int) -> web.Response:
    return json_response({"code": 0, "msg": "ok", key: token, "expire": expire})


async def _credential(request: web.Request, endpoint: str
                      ) -> tuple[Runtime, dict[str, Any], AppCredential]:
    """Count a token fetch, read the body and check its ``app_id`` / ``app_secret``."""
    rt = runtime(request)
    rt.stats.token_fetch(endpoint)
    body = await _body(request)
    return rt, body, rt.tokens.credential(body.get("app_id"), body.get("app_secret"))


async def _self_built(request: web.Request, kind: Literal["tenant", "app"]) -> web.Response:
    """Issue a ``kind`` access token to a self-built app (marketplace apps are refused)."""
    rt, _, cred = await _credential(request, f"{kind}_access_token/internal")
    if cred.marketplace:
        raise ApiError(E.APP_ID_INVALID, "a marketplace app must use the app_ticket flow")
    token, expire = rt.tokens.issue(kind, cred.app_id)
    return _token_answer(f"{kind}_access_token", token, expire)


async def tenant_internal(request: web.Request) -> web.StreamResponse:
    """POST /auth/v3/tenant_access_token/internal (self-built app)."""
    return await _self_built(request, "tenant")


async def app_internal(request: web.Request) -> web.StreamResponse:
    """POST /auth/v3/app_access_token/internal (self-built app)."""
    return await _self_built(request, "app")


async def app_marketplace(request: web.Request) -> web.StreamResponse:
    """POST /auth/v3/app_access_token (marketplace app, needs app_ticket)."""
    rt, body, cred = await _credential(request, "app_access_token")
    if not rt.tokens.ticket_valid(cred.app_id, body.get("app_ticket")):
        raise ApiError(E.APP_TICKET_INVALID, "app_ticket is invalid")
    token, expire = rt.tokens.issue("app", cred.app_id)
    return _token_answer("app_access_token", token, expire)


async def tenant_marketplace(request: web.Request) -> web.StreamResponse:
    """POST /auth/v3/tenant_access_token (marketplace app: app_access_token + tenant_key)."""
    rt = runtime(request)
    rt.stats.token_fetch("tenant_access_token")
    body = await _body(request)
    app_token = body.get("app_access_token")
    if not isinstance(app_token, str):
        raise ApiError(E.APP_TOKEN_INVALID)
    issued = rt.tokens.lookup(app_token, ("app",), E.APP_TOKEN_INVALID)
    cred = rt.tokens.apps[issued.app_id]
    tenant_key = body.get("tenant_key")
    if not cred.marketplace or tenant_key not in cred.tenant_keys:
        raise ApiError(E.TENANT_KEY_INVALID, "tenant_key is invalid")
    token, expire = rt.tokens.issue("tenant", cred.app_id, str(tenant_key))
    return _token_answer("tenant_access_token", token, expire)


async def ticket_resend(request: web.Request) -> web.StreamResponse:
    """POST /auth/v3/app_ticket/resend: a new ticket (read it via the admin API)."""
    rt, _, cred = await _credential(request, "app_ticket/resend")
    rt.tokens.new_ticket(cred.app_id)
    return json_response({"code": 0, "msg": "ok"})


async def admin_stats(request: web.Request) -> web.StreamResponse:
    """GET /__emulator/stats: every counter as JSON."""
    rt = runtime(request)
    return json_response(rt.stats.snapshot(rt.state))


async def admin_reset(request: web.Request) -> web.StreamResponse:
    """POST /__emulator/reset ``{"stats": true, "data": false, "rate_limits": true}``."""
    body = await _body(request)
    control.reset(runtime(request), stats=bool(body.get("stats", True)),
                  data=bool(body.get("data", False)),
                  rate_limits=bool(body.get("rate_limits", True)))
    return json_response({"code": 0, "msg": "ok"})


async def admin_config(request: web.Request) -> web.StreamResponse:
    """POST /__emulator/config: change knobs (see ``control.configure``)."""
    try:
        control.configure(runtime(request), await _body(request))
    except (ValueError, TypeError) as exc:
        return json_response({"code": 1, "msg": str(exc)}, 400)
    return json_response({"code": 0, "msg": "ok"})


async def admin_revoke(request: web.Request) -> web.StreamResponse:
    """POST /__emulator/revoke_tokens ``{"app_id": optional}``."""
    body = await _body(request)
    n = runtime(request).tokens.revoke(body.get("app_id"))
    return json_response({"code": 0, "msg": "ok", "revoked": n})


async def admin_ticket(request: web.Request) -> web.StreamResponse:
    """GET /__emulator/app_ticket?app_id=...: the newest app_ticket of a marketplace app."""
    ticket = runtime(request).tokens.ticket(request.query.get("app_id", ""))
    return json_response({"code": 0 if ticket else 1, "app_ticket": ticket})


def add_routes(router: web.UrlDispatcher, prefix: str) -> None:
    """Register token and admin routes.

    Args:
        router: the application's router.
        prefix: path prefix of the open API (``/open-apis``).
    """
    a = prefix + "/auth/v3"
    router.add_post(a + "/tenant_access_token/internal", tenant_internal)
    router.add_post(a + "/app_access_token/internal", app_internal)
    router.add_post(a + "/app_access_token", app_marketplace)
    router.add_post(a + "/tenant_access_token", tenant_marketplace)
    router.add_post(a + "/app_ticket/resend", ticket_resend)
    router.add_get("/__emulator/stats", admin_stats)
    router.add_post("/__emulator/reset", admin_reset)
    router.add_post("/__emulator/config", admin_config)
    router.add_post("/__emulator/revoke_tokens", admin_revoke)
    router.add_get("/__emulator/app_ticket", admin_ticket)
