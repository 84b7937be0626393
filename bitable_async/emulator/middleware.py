"""The request pipeline: log ID, auth, rate limits, faults, table write gates, stats."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiohttp import web

from . import errors as E
from .endpoints import BY_NAME, TABLE_READ, TABLE_WRITE, Endpoint
from .errors import ApiError
from .faults import HTML_502, FaultDecision
from .ratelimit import reset_header
from .runtime import (
    COMMITTED,
    DECODED_BODY,
    RECORDS_WRITTEN,
    TOKEN,
    Runtime,
    new_logid,
    runtime,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOGID = "X-Tt-Logid"


def json_response(payload: Any, status: int = 200,
                  headers: dict[str, str] | None = None) -> web.Response:
    """Return a JSON response encoded with msgspec.

    Args:
        payload: the JSON value.
        status: HTTP status.
        headers: extra response headers.
    """
    return web.Response(body=msgspec.json.encode(payload), status=status,
                        content_type="application/json", charset="utf-8", headers=headers)


def envelope(data: Any) -> web.Response:
    """Return the success envelope ``{"code": 0, "msg": "success", "data": data}``."""
    return json_response({"code": 0, "msg": "success", "data": data})


_ENVELOPE_HEAD = b'{"code":0,"msg":"success","data":'


def envelope_of_encoded(data_json: bytes) -> web.Response:
    """Return the success envelope around an already encoded ``data``.

    The bytes are the same as ``envelope(data)`` sends when ``data_json`` is
    ``msgspec.json.encode(data)``.

    Args:
        data_json: the JSON of ``data``.
    """
    return web.Response(body=_ENVELOPE_HEAD + data_json + b"}", content_type="application/json",
                        charset="utf-8")


def error_response(exc: ApiError) -> web.Response:
    """Return the error body ``{"code", "msg", "data": {}}`` for an ``ApiError``."""
    body = {"code": exc.code, "msg": exc.msg, "data": {}}
    return json_response(body, exc.status, dict(exc.headers))


def _fault_response(decision: FaultDecision) -> tuple[web.Response, int]:
    if decision.kind == "5xx_json":
        return error_response(ApiError(E.INTERNAL, "InternalError", status=500)), E.INTERNAL
    if decision.kind == "not_ready":
        return error_response(ApiError(E.NOT_READY)), E.NOT_READY
    if decision.kind == "html_502":
        return web.Response(text=HTML_502, status=502, content_type="text/html"), -502
    return web.Response(text="Service Unavailable", status=503), -503


async def _record_count(request: web.Request) -> int:
    try:
        body = msgspec.json.decode(await request.read()) if request.can_read_body else None
    except E.JSON_DECODE_ERRORS:
        return 1
    if body is not None:
        request[DECODED_BODY] = body  # body_json reuses it instead of decoding again
    records = body.get("records") if isinstance(body, dict) else None
    return len(records) if isinstance(records, list) else 1


async def _run_table_write(rt: Runtime, request: web.Request, handler: Handler,
                           app_token: str, table_id: str) -> web.StreamResponse:
    if not rt.gates.try_enter(app_token, table_id):
        raise ApiError(E.WRITE_CONFLICT, "Write conflict: another write on this table is in "
                       "progress")
    try:
        service = rt.config.write_service_time
        if rt.config.write_service_time_per_record:
            service += rt.config.write_service_time_per_record * await _record_count(request)
        if service > 0:
            await rt.config.sleep(service)
        await rt.gates.wait_hold(table_id)
        async with rt.gates.commit_turn():
            return await handler(request)
    finally:
        rt.gates.leave(app_token, table_id)


async def _bitable(rt: Runtime, request: web.Request, handler: Handler,
                   ep: Endpoint) -> web.StreamResponse:
    app_token = request.match_info.get("app_token", "")
    table_id = request.match_info.get("table_id")
    rt.stats.request(ep.name, table_id)
    code = -1
    try:
        token = rt.tokens.authenticate(request.headers.get("Authorization"))
        request[TOKEN] = token
        if rt.config.rate_limits_enabled:
            wait = rt.limiter.check(token.app_id, ep.name, rt.limits_for(ep))
            if wait is not None:
                raise ApiError(E.RATE_LIMITED, "request trigger frequency limit",
                               headers={"x-ogw-ratelimit-reset": reset_header(wait)})
        decision = rt.faults.decide(ep.name, ep.is_write)
        if decision.latency > 0:
            await rt.config.sleep(decision.latency)
        if decision.kind is not None and decision.kind != "drop":
            rt.stats.fault(rt.next_seq(), ep.name, table_id, decision.kind)
            fault, code = _fault_response(decision)
            return fault
        resp: web.StreamResponse
        if ep.kind == TABLE_WRITE and table_id:
            resp = await _run_table_write(rt, request, handler, app_token, table_id)
        else:
            if (ep.kind == TABLE_READ and table_id and rt.config.read_conflicts
                    and rt.gates.busy(app_token, table_id)):
                raise ApiError(E.NOT_READY, "Data not ready, please try again later")
            resp = await handler(request)
        code = 0
        if decision.kind == "drop":
            rt.stats.fault(rt.next_seq(), ep.name, table_id, "drop")
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=499, text="dropped")
        return resp
    except ApiError as exc:
        code = exc.code
        return error_response(exc)
    finally:
        if code != -1:
            write = ep.is_write and bool(request.get(COMMITTED, True))
            rt.stats.outcome(ep.name, table_id, code, write=write,
                             records=int(request.get(RECORDS_WRITTEN, 0)))


@web.middleware
async def pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The emulator's single middleware (see module docstring).

    Args:
        request: the request.
        handler: the route handler.

    Returns:
        the handler's response, or the error / fault answer in its place.
    """
    rt = runtime(request)
    logid = new_logid()
    route = request.match_info.route
    name = route.name or ""
    ep = BY_NAME.get(name)
    resp: web.StreamResponse
    try:
        if ep is not None:
            resp = await _bitable(rt, request, handler, ep)
        else:
            try:
                resp = await handler(request)
            except web.HTTPNotFound:
                resp = json_response({"code": 404, "msg": "404 page not found"}, 404)
            except web.HTTPMethodNotAllowed:
                resp = json_response({"code": 405, "msg": "method not allowed"}, 405)
            except ApiError as exc:
                resp = error_response(exc)
    except ApiError as exc:
        resp = error_response(exc)
    resp.headers[LOGID] = logid
    return resp
