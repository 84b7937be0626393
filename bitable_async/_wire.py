"""What goes on and comes off the wire, without the network: encode and decode.

Pure helpers used by :mod:`bitable_async._transport`: query and body
encoding, the raw response record, envelope decoding with the cached typed
decoders, and the mapping of an unusable body or a non-zero ``code`` to the
exception from :mod:`bitable_async.errors`. Nothing here imports aiohttp, so
every rule is unit-testable on plain bytes.

Error messages built here never quote a response body (a token endpoint's
body holds a token); they name the status, content type and length only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec

from bitable_async.errors import (
    APIError,
    BitableError,
    ConfigurationError,
    ResponseDecodeError,
    error_for_code,
    error_for_status,
)
from bitable_async.models.envelope import Envelope, envelope_decoder, status_decoder

__all__ = [
    "JSON_CONTENT_TYPE",
    "LOG_ID_HEADER",
    "RESET_HEADER",
    "QueryValue",
    "RawResponse",
    "Response",
    "TransportStats",
    "decode_envelope",
    "decode_token_body",
    "encode_body",
    "encode_query",
    "is_idempotent",
    "normalise_path",
    "parse_reset",
]

T = TypeVar("T")

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
LOG_ID_HEADER = "X-Tt-Logid"
RESET_HEADER = "x-ogw-ratelimit-reset"

QueryScalar = str | int | float | bool
QueryValue = QueryScalar | Sequence[QueryScalar] | None
"""A query parameter: a scalar, a list (sent as repeated keys) or ``None`` (omitted)."""

_SAFE_METHODS = frozenset({"GET", "HEAD"})
_encoder = msgspec.json.Encoder()
_token_body_decoder: msgspec.json.Decoder[dict[str, Any]] = msgspec.json.Decoder(dict[str, Any])


@dataclass(frozen=True)
class Response(Generic[T]):
    """A successful (``code == 0``) response.

    Attributes:
        data: the envelope's ``data`` decoded as the requested type (``None``
            when the body had no ``data`` and no type was requested).
        code: always ``0``.
        msg: the server's message.
        http_status: the HTTP status.
        log_id: the ``X-Tt-Logid`` header, to quote to support.
        headers: the response headers (case-insensitive mapping).
    """

    data: T
    code: int
    msg: str
    http_status: int
    log_id: str | None
    headers: Mapping[str, str] = field(repr=False)


@dataclass
class TransportStats:
    """Cheap counters of what the transport did.

    Attributes:
        http_calls: HTTP requests sent (token fetches and replays included).
        retries: retries after an error (sleeps taken by the retry loop).
        token_fetches: HTTP requests to token endpoints.
        token_replays: requests replayed after 99991663 / 99991664.
        calls_by_class: HTTP requests per endpoint class (``"none"`` when no
            class was given).
        retries_by_class: retries per endpoint class.
        errors_by_code: API errors (non-zero ``code``) seen, per code.
    """

    http_calls: int = 0
    retries: int = 0
    token_fetches: int = 0
    token_replays: int = 0
    calls_by_class: dict[str, int] = field(default_factory=dict)
    retries_by_class: dict[str, int] = field(default_factory=dict)
    errors_by_code: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RawResponse:
    """A fully read HTTP response (its connection already released).

    Attributes:
        status: the HTTP status.
        body: the body bytes.
        headers: the response headers.
        log_id: the ``X-Tt-Logid`` header.
        retry_after: seconds from ``x-ogw-ratelimit-reset``, if sent.
        elapsed: seconds from sending to the end of the body.
    """

    status: int
    body: bytes = field(repr=False)  # token endpoint bodies carry tokens
    headers: Mapping[str, str] = field(repr=False)
    log_id: str | None
    retry_after: float | None
    elapsed: float


def _scalar(key: str, value: object) -> str:
    # bool first: it is a subclass of int.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    raise ConfigurationError(
        f"query parameter {key!r} must be str, int, float, bool or a list of them, "
        f"got {type(value).__name__}"
    )


def encode_query(query: Mapping[str, QueryValue] | None) -> list[tuple[str, str]]:
    """Turn a query mapping into ``(key, value)`` pairs as the API expects them.

    Booleans become ``true`` / ``false``, numbers their decimal form, lists
    repeated keys, and ``None`` values are left out. (``field_names`` of
    list-records is a JSON-array *string*; the resource layer encodes it.)

    Args:
        query: the parameters, or ``None``.

    Returns:
        The pairs in order.

    Raises:
        ConfigurationError: a value has an unsupported type.
    """
    pairs: list[tuple[str, str]] = []
    if not query:
        return pairs
    for key, value in query.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((key, _scalar(key, item)) for item in value)
        else:
            pairs.append((key, _scalar(key, value)))
    return pairs


def normalise_path(path: str) -> str:
    """Check an API path and prefix ``/open-apis`` when it is missing.

    Args:
        path: e.g. ``/open-apis/bitable/v1/apps/{app_token}`` or ``/bitable/v1/...``.

    Returns:
        The path starting with ``/open-apis/``.

    Raises:
        ConfigurationError: no leading slash, or a query string in the path.
    """
    if not path.startswith("/"):
        raise ConfigurationError(f"path must start with '/', got {path!r}")
    if "?" in path or "#" in path:
        raise ConfigurationError("path must not contain a query string; pass query=... instead")
    if not path.startswith("/open-apis/"):
        path = "/open-apis" + path
    return path


def parse_reset(value: str | None) -> float | None:
    """Parse ``x-ogw-ratelimit-reset`` (seconds); ``None`` when absent or malformed."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def encode_body(body: Any) -> bytes | None:
    """Encode a request body with the one shared msgspec encoder.

    Args:
        body: ``None``, pre-encoded JSON bytes, or any msgspec-encodable object.

    Returns:
        The bytes to send, or ``None`` for no body.

    Raises:
        ConfigurationError: the body cannot be encoded.
    """
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    try:
        return _encoder.encode(body)
    except (TypeError, msgspec.EncodeError) as exc:
        raise ConfigurationError(f"request body cannot be encoded as JSON: {exc}") from None


def is_idempotent(method: str, query: Mapping[str, QueryValue] | None, opt_in: bool) -> bool:
    """Whether a request may be repeated after an error whose outcome is unknown.

    Args:
        method: the upper-case HTTP method.
        query: the query parameters (a non-empty ``client_token`` makes a write idempotent).
        opt_in: the caller's ``retry_unknown_outcome``.

    Returns:
        ``True`` for GET/HEAD, writes with a ``client_token``, or an opt-in.
    """
    if opt_in or method in _SAFE_METHODS:
        return True
    return bool(query and query.get("client_token"))


_NOT_UTF8 = "response body is not valid JSON (invalid UTF-8)"


def _unreadable(raw: RawResponse, method: str, path: str, what: str) -> BitableError:
    content_type = raw.headers.get("Content-Type", "unknown")
    msg = f"{what} (HTTP {raw.status}, content-type {content_type}, {len(raw.body)} bytes)"
    return error_for_status(
        raw.status,
        msg,
        log_id=raw.log_id,
        method=method,
        path=path,
        retry_after=raw.retry_after,
    )


def _api_error(raw: RawResponse, code: int, msg: str, method: str, path: str) -> APIError:
    return error_for_code(
        code,
        msg,
        http_status=raw.status,
        log_id=raw.log_id,
        method=method,
        path=path,
        retry_after=raw.retry_after,
    )


def _type_name(tp: Any) -> str:
    name = getattr(tp, "__name__", None)
    return name if isinstance(name, str) else repr(tp)


def decode_envelope(
    raw: RawResponse,
    data_type: Any,
    method: str,
    path: str,
    *,
    require_data: bool,
    decoder: msgspec.json.Decoder[Envelope[Any]] | None = None,
) -> Envelope[Any]:
    """Decode a body once into ``Envelope[data_type]``; raise the mapped error otherwise.

    Args:
        raw: the read response.
        data_type: the type of ``data`` (``Any`` for plain objects).
        method: the request method (for the error).
        path: the request path (for the error).
        require_data: raise :class:`ResponseDecodeError` when ``data`` is absent.
        decoder: ``envelope_decoder(data_type)`` when the caller already holds it.

    Returns:
        The envelope of a success (``code == 0``).

    Raises:
        APIError: the code table's class for a non-zero ``code``, whatever the status.
        ServerError: HTTP 5xx with an empty or non-JSON body.
        TransportError: a 2xx body that is empty, truncated or not JSON (invalid
            UTF-8 in a string or key included).
        BitableError: a 4xx with a non-JSON body (mapped by status).
        ResponseDecodeError: ``data`` of a success does not match ``data_type``.
    """
    body = raw.body
    if not body or body.isspace():
        raise _unreadable(raw, method, path, "empty response body")
    if decoder is None:
        decoder = envelope_decoder(data_type)
    try:
        envelope = decoder.decode(body)
    except msgspec.ValidationError:
        # data does not fit the requested type (error bodies rarely do), or the
        # body is JSON but not an envelope: read just code and msg.
        try:
            status = status_decoder().decode(raw.body)
        except UnicodeError:  # invalid UTF-8 in a string: msgspec does not wrap it
            raise _unreadable(raw, method, path, _NOT_UTF8) from None
        except msgspec.DecodeError:
            raise _unreadable(
                raw, method, path, "response body is JSON but not a {code, msg} envelope"
            ) from None
        if status.code != 0:
            raise _api_error(raw, status.code, status.msg, method, path) from None
        raise ResponseDecodeError(
            f"response data does not match {_type_name(data_type)}",
            code=0,
            http_status=raw.status,
            log_id=raw.log_id,
            method=method,
            path=path,
        ) from None
    except msgspec.DecodeError:
        raise _unreadable(
            raw, method, path, "response body is not valid JSON (truncated or not JSON)"
        ) from None
    except UnicodeError:  # invalid UTF-8 in a string: msgspec does not wrap it
        raise _unreadable(raw, method, path, _NOT_UTF8) from None
    except RecursionError:  # msgspec's guard against nesting deeper than the stack allows
        raise _unreadable(raw, method, path, "response body is nested too deeply") from None
    if envelope.code != 0:
        raise _api_error(raw, envelope.code, envelope.msg, method, path)
    if require_data and envelope.data is None:
        raise ResponseDecodeError(
            f"response has no data (expected {_type_name(data_type)})",
            code=0,
            http_status=raw.status,
            log_id=raw.log_id,
            method=method,
            path=path,
        )
    return envelope


def decode_token_body(raw: RawResponse, path: str) -> dict[str, Any]:
    """Decode a token endpoint's body, whose fields sit at the top level.

    Args:
        raw: the read response.
        path: the token endpoint (for the error).

    Returns:
        The whole decoded body of a success (``code == 0``).

    Raises:
        APIError: the mapped error for a non-zero ``code``.
        BitableError: an empty, non-JSON (invalid UTF-8 included) or code-less
            body (mapped by status).
    """
    if not raw.body.strip():
        raise _unreadable(raw, "POST", path, "empty response body")
    try:
        decoded = _token_body_decoder.decode(raw.body)
    except UnicodeError:  # invalid UTF-8 in a string: msgspec does not wrap it
        raise _unreadable(raw, "POST", path, _NOT_UTF8) from None
    except (msgspec.DecodeError, RecursionError):
        raise _unreadable(raw, "POST", path, "token response is not a JSON object") from None
    code = decoded.get("code")
    if not isinstance(code, int) or isinstance(code, bool):
        raise _unreadable(raw, "POST", path, "token response has no integer code")
    if code != 0:
        msg = decoded.get("msg")
        raise _api_error(raw, code, msg if isinstance(msg, str) else "", "POST", path)
    return decoded
