"""The ``Runtime``: one emulator's state and services, plus request helpers."""

from __future__ import annotations

import base64
import binascii
import itertools
import secrets
from typing import Any

import msgspec
from aiohttp import web

from . import errors as E
from .auth import IssuedToken, TokenStore
from .cells import WriteContext
from .config import EmulatorConfig
from .endpoints import PAGE_CAPS, Endpoint
from .errors import ApiError
from .faults import FaultInjector
from .gate import TableGates
from .model import BaseApp, EmulatorState, IdFactory, TableState
from .ratelimit import RateLimiter
from .shapes import Mode, ReadContext
from .stats import Stats


class Runtime:
    """Everything one emulator instance owns.

    Args:
        config: the configuration (kept by reference; knobs may be changed at runtime).
    """

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.state = EmulatorState(IdFactory(config.id_seed))
        self.tokens = TokenStore(config.apps, config.clock, config.token_ttl,
                                 config.token_renew_window)
        self.stats = Stats()
        self.limiter = RateLimiter(config.clock)
        self.faults = FaultInjector(config.faults)
        self.gates = TableGates()
        self._seq = itertools.count(1)

    def next_seq(self) -> int:
        """Return the next request sequence number."""
        return next(self._seq)

    def now_ms(self) -> int:
        """Return the clock as integer milliseconds."""
        return int(self.config.clock() * 1000)

    def limits_for(self, ep: Endpoint) -> list[tuple[int, float]]:
        """Return the ``(calls, window)`` caps of an endpoint."""
        qps = self.config.qps_overrides.get(ep.name)
        if qps is None:
            qps = ep.qps or (self.config.default_write_qps if ep.is_write
                             else self.config.default_read_qps)
        limits = [(qps, 1.0)]
        if ep.qpm:
            limits.append((ep.qpm, 60.0))
        return limits

    def write_context(self, base: BaseApp) -> WriteContext:
        """Return the context for validating writes into ``base``."""
        return WriteContext(base, self.state.media, self.config.duplex_link_writable,
                            self.config.strict_attachments)

    def read_context(self, request: web.Request, base: BaseApp, mode: Mode,
                     **kwargs: Any) -> ReadContext:
        """Return the context for rendering records of ``base``.

        Args:
            request: the request (its host becomes the base URL of links).
            base: the base.
            mode: which endpoint renders (``"list"``, ``"search"``, ``"get"`` ...).
            **kwargs: further ``ReadContext`` fields (``text_as_array`` ...).
        """
        return ReadContext(mode=mode, base=base, base_url=base_url(request),
                           users=self.config.users,
                           numbers_as_strings=self.config.numbers_as_strings_on_list, **kwargs)


RT: web.AppKey[Runtime] = web.AppKey("bitable_emulator_runtime", Runtime)
TOKEN: web.RequestKey[IssuedToken] = web.RequestKey("emulator_token", IssuedToken)
# False when an idempotent replay answered (nothing was written).
COMMITTED: web.RequestKey[bool] = web.RequestKey("emulator_committed", bool)
RECORDS_WRITTEN: web.RequestKey[int] = web.RequestKey("emulator_records_written", int)
# The JSON body already decoded from ``request.read()`` (by the write gate's record count).
DECODED_BODY: web.RequestKey[object] = web.RequestKey("emulator_decoded_body", object)


def runtime(request: web.Request) -> Runtime:
    """Return the runtime of the application serving ``request``."""
    return request.app[RT]


def request_base(request: web.Request) -> tuple[Runtime, BaseApp]:
    """Return the runtime and the base named by the ``{app_token}`` of the path.

    Raises:
        ApiError: 1254040 when the base does not exist.
    """
    rt = runtime(request)
    return rt, rt.state.app(request.match_info["app_token"])


def request_table(request: web.Request) -> tuple[Runtime, BaseApp, TableState]:
    """Return the runtime, base and table named by ``{app_token}`` / ``{table_id}``.

    Raises:
        ApiError: 1254040 / 1254041 when the base / table does not exist.
    """
    rt, base = request_base(request)
    return rt, base, base.table(request.match_info["table_id"])


def base_url(request: web.Request) -> str:
    """Return ``scheme://host:port`` as the client addressed it."""
    return f"{request.scheme}://{request.host}"


def new_logid() -> str:
    """Return a fresh log ID like the ``X-Tt-Logid`` header of the real service."""
    return "2024" + secrets.token_hex(14).upper()


async def body_json(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    """Decode the JSON object body of a request.

    Args:
        request: the request.
        required: when False an empty body yields ``{}``.

    Returns:
        the decoded object.

    Raises:
        ApiError: 1254000 for malformed JSON, 1254001 when it is not an object.
    """
    raw = await request.read()
    if not raw.strip():
        if required:
            raise ApiError(E.WRONG_BODY, "request body is empty")
        return {}
    if DECODED_BODY in request:
        value = request.pop(DECODED_BODY)  # once: a second call decodes afresh
    else:
        try:
            value = msgspec.json.decode(raw)
        except E.JSON_DECODE_ERRORS:
            raise ApiError(E.WRONG_JSON, "request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(E.WRONG_BODY, "request body must be a JSON object")
    return value


def query_bool(request: web.Request, name: str) -> bool:
    """Return a boolean query parameter (``true`` / ``1``).

    Args:
        request: the request.
        name: the parameter (absent = False).
    """
    return request.query.get(name, "").lower() in ("true", "1")


def encode_page_token(offset: int) -> str:
    """Return an opaque page token for an offset."""
    return "pt" + base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def decode_page_token(token: str | None) -> int:
    """Return the offset of a page token (0 when absent).

    Raises:
        ApiError: 1254030 when the token was not issued by the emulator.
    """
    if not token:
        return 0
    try:
        raw = token[2:] + "=" * (-len(token[2:]) % 4)
        text = base64.urlsafe_b64decode(raw.encode()).decode()
        if not token.startswith("pt") or not text.startswith("o"):
            raise ValueError(token)
        return int(text[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(E.INVALID_PAGE_TOKEN, "page_token is invalid") from None


def page_params(rt: Runtime, endpoint: str, size: Any, token: Any,
                default: int = 20) -> tuple[int, int]:
    """Validate ``page_size`` / ``page_token`` and clamp the size to the endpoint's cap.

    Args:
        rt: runtime (for cap overrides).
        endpoint: endpoint name.
        size: page_size as sent (str, int or None).
        token: page_token as sent.
        default: page size when absent.

    Returns:
        (page_size, offset).

    Raises:
        ApiError: 1254011 for a page size <= 0 or not a number, 1254030 for a bad token.
    """
    if size is None or size == "":
        n = default
    else:
        try:
            n = int(size)
        except (TypeError, ValueError):
            raise ApiError(E.PAGE_SIZE_INVALID, "Page size must greater than 0.") from None
        if n <= 0:
            raise ApiError(E.PAGE_SIZE_INVALID, "Page size must greater than 0.")
    cap = rt.config.page_size_caps.get(endpoint, PAGE_CAPS.get(endpoint, 500))
    return min(n, cap), decode_page_token(token if isinstance(token, str) else None)


def page_of(items: list[Any], size: int, offset: int, key: str = "items",
            total: bool = True) -> dict[str, Any]:
    """Slice a list into the documented page shape.

    Args:
        items: every matching item.
        size: page size.
        offset: start offset.
        key: name of the list key (``items`` or ``dashboards``).
        total: include ``total``.

    Returns:
        ``{key, has_more, page_token?, total?}``; ``page_token`` only when ``has_more``.
    """
    chunk = items[offset:offset + size]
    has_more = offset + size < len(items)
    out: dict[str, Any] = {key: chunk, "has_more": has_more}
    if has_more:
        out["page_token"] = encode_page_token(offset + size)
    if total:
        out["total"] = len(items)
    return out


def request_page(request: web.Request, endpoint: str) -> tuple[int, int]:
    """Validate the ``page_size`` / ``page_token`` query parameters (see :func:`page_params`).

    Args:
        request: the request.
        endpoint: endpoint name (for its page-size cap).

    Returns:
        (page_size, offset).

    Raises:
        ApiError: 1254011 for a bad page size, 1254030 for a bad token.
    """
    return page_params(runtime(request), endpoint, request.query.get("page_size"),
                       request.query.get("page_token"))


def list_page(request: web.Request, endpoint: str, items: list[Any], key: str = "items",
              total: bool = True) -> dict[str, Any]:
    """Answer a list endpoint: one page of ``items`` chosen by the query parameters.

    Args:
        request: the request (``page_size`` / ``page_token``).
        endpoint: endpoint name (for its page-size cap).
        items: every item, in order.
        key: name of the list key (``items`` or ``dashboards``).
        total: include ``total``.

    Returns:
        the page, as :func:`page_of` shapes it.

    Raises:
        ApiError: 1254011 for a bad page size, 1254030 for a bad token.
    """
    size, offset = request_page(request, endpoint)
    return page_of(items, size, offset, key, total)
