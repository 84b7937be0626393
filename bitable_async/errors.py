"""The exception tree and the ONE table from response ``code`` to exception class.

Feishu reports most failures with HTTP 200 and a non-zero ``code`` in the body,
and documents the same code with different HTTP statuses on different pages
(see ``errors.md``). The SDK therefore classifies on ``code`` only; the HTTP
status is kept on the exception for diagnostics.

Every error carries ``code``, ``msg``, ``http_status``, ``log_id``, ``method``
and ``path`` -- never an access token or an app secret. ``path`` is the API
path without the query string.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

__all__ = [
    "CODE_TABLE",
    "APIError",
    "AppTicketMissingError",
    "AuthError",
    "BadRequestError",
    "BitableError",
    "CodeInfo",
    "ConfigurationError",
    "ConnectionFailedError",
    "DataNotReadyError",
    "ErrorClass",
    "FieldValueError",
    "IdempotencyError",
    "InternalServerError",
    "InvalidFieldValueError",
    "LimitExceededError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseDecodeError",
    "ServerError",
    "ServiceBusyError",
    "ServiceTimeoutError",
    "TransportError",
    "WriteConflictError",
    "error_for_code",
    "error_for_status",
]


class ErrorClass(enum.Enum):
    """How a client should react to a code (the ``Class`` column of errors.md)."""

    RETRY = "retry"
    """Transient: retry after backoff."""
    BAD_REQUEST = "bad_request"
    """Fatal: fix the named parameter."""
    PERMISSION = "permission"
    """Fatal for this caller: permission or identifier not found."""
    IDEMPOTENCY = "idempotency"
    """The ``client_token`` is malformed or conflicts."""
    LIMIT = "limit"
    """A documented limit was exceeded: split or reduce the request."""
    AUTH = "auth"
    """An access token is missing, invalid or expired."""


class BitableError(Exception):
    """Base class of every exception the SDK raises on purpose.

    Attributes:
        code: the response ``code`` (``None`` when no body could be decoded).
        msg: the response ``msg`` or a description of what went wrong.
        http_status: the HTTP status, ``None`` when no response arrived.
        log_id: the ``X-Tt-Logid`` response header, to quote to support.
        method: the HTTP method of the failed request.
        path: the API path of the failed request (no query string).
    """

    def __init__(
        self,
        msg: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        log_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(msg)
        self.msg = msg
        self.code = code
        self.http_status = http_status
        self.log_id = log_id
        self.method = method
        self.path = path
        self.retry_after = retry_after

    @property
    def outcome_unknown(self) -> bool:
        """True when the server may have applied the request before failing.

        A write that failed this way may only be retried with the same
        ``client_token`` (or when it is idempotent by nature).
        """
        return False

    def __str__(self) -> str:
        parts = []
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.http_status is not None:
            parts.append(f"http_status={self.http_status}")
        if self.method is not None and self.path is not None:
            parts.append(f"{self.method} {self.path}")
        if self.log_id:
            parts.append(f"log_id={self.log_id}")
        suffix = f" ({', '.join(parts)})" if parts else ""
        return f"{self.msg}{suffix}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(msg={self.msg!r}, code={self.code!r}, "
            f"http_status={self.http_status!r}, log_id={self.log_id!r}, "
            f"method={self.method!r}, path={self.path!r})"
        )


class ConfigurationError(BitableError, ValueError):
    """The client was configured or called in a way that cannot work."""


class FieldValueError(BitableError, ValueError):
    """A cell value cannot be encoded or decoded for its field, detected locally.

    Raised before any request is sent. The message names the record (index in
    the batch, or record id), the field, its type, what was expected and what
    was given.

    Attributes:
        record_index: position of the record in the input batch, if known.
        record_id: the record id, if known.
        field_name: the field's name, if known.
        field_type: the field's type name or code, if known.
        expected: what a valid value looks like.
        given: a short repr of the rejected value.
    """

    def __init__(
        self,
        msg: str,
        *,
        record_index: int | None = None,
        record_id: str | None = None,
        field_name: str | None = None,
        field_type: str | int | None = None,
        expected: str | None = None,
        given: str | None = None,
    ) -> None:
        self.record_index = record_index
        self.record_id = record_id
        self.field_name = field_name
        self.field_type = field_type
        self.expected = expected
        self.given = given
        where = []
        if record_index is not None:
            where.append(f"record {record_index}")
        if record_id is not None:
            where.append(f"record_id {record_id!r}")
        if field_name is not None:
            where.append(f"field {field_name!r}")
        if field_type is not None:
            where.append(f"type {field_type}")
        detail = msg
        if expected is not None:
            detail += f"; expected {expected}"
        if given is not None:
            detail += f"; given {given}"
        full = f"{', '.join(where)}: {detail}" if where else detail
        super().__init__(full)


class TransportError(BitableError):
    """No usable response: connection refused or reset, or an unreadable body."""

    @property
    def outcome_unknown(self) -> bool:
        # The request may have reached the server before the connection broke.
        return True


class RequestTimeoutError(TransportError):
    """The request timed out on the client side; the outcome is unknown."""


class ConnectionFailedError(TransportError):
    """No connection could be made (DNS, refused, connect timeout): nothing was sent."""

    @property
    def outcome_unknown(self) -> bool:
        # The request never left the client, so retrying cannot duplicate it.
        return False


class ResponseDecodeError(BitableError):
    """A success response (``code == 0``) whose ``data`` does not match the expected type.

    Not retried: the same request would get the same answer.
    """


class ServerError(BitableError):
    """HTTP 5xx or a non-JSON body (an HTML error page, a truncated body)."""

    @property
    def outcome_unknown(self) -> bool:
        return True


class APIError(BitableError):
    """The response body carried a non-zero ``code``."""

    error_class: ErrorClass = ErrorClass.BAD_REQUEST


class BadRequestError(APIError):
    """Fatal bad request (class B): fix the named parameter."""

    error_class = ErrorClass.BAD_REQUEST


class InvalidFieldValueError(BadRequestError):
    """The server rejected a cell value (1254060-1254072)."""


class PermissionDeniedError(APIError):
    """No permission (class P): advanced permissions, scopes, attachments."""

    error_class = ErrorClass.PERMISSION


class NotFoundError(PermissionDeniedError):
    """An app, table, view, record, field, role or member does not exist."""


class LimitExceededError(APIError):
    """A documented limit was exceeded (class L): split or reduce the request."""

    error_class = ErrorClass.LIMIT


class IdempotencyError(APIError):
    """The ``client_token`` is malformed (1254037) or conflicts (1255006)."""

    error_class = ErrorClass.IDEMPOTENCY


class AuthError(APIError):
    """An access token is missing, malformed, invalid or expired."""

    error_class = ErrorClass.AUTH


class AppTicketMissingError(AuthError):
    """A marketplace app has no app_ticket stored yet, so it cannot get an access token.

    Raised locally by :class:`~bitable_async.auth.MarketplaceAuth` (``code`` is
    ``None``) after it asked the platform to resend the ticket; the ticket
    arrives as an ``app_ticket`` event, to be passed to ``set_app_ticket``.
    """


class ServiceBusyError(APIError):
    """A transient rejection: the server did not apply the request; retry later."""

    error_class = ErrorClass.RETRY


class RateLimitError(ServiceBusyError):
    """Too many requests (1254290, 99991400); ``retry_after`` from the reset header."""


class WriteConflictError(ServiceBusyError):
    """1254291: another write to the same table was in progress."""


class DataNotReadyError(ServiceBusyError):
    """1254607: an earlier change is still being processed."""


class InternalServerError(APIError):
    """A transient internal failure whose outcome is unknown (1254002, 1255xxx)."""

    error_class = ErrorClass.RETRY

    @property
    def outcome_unknown(self) -> bool:
        return True


class ServiceTimeoutError(InternalServerError):
    """1255040: the server timed out; a write may or may not have been applied."""


@dataclass(frozen=True)
class CodeInfo:
    """One row of the code table.

    Attributes:
        exc: the exception class raised for the code.
        name: the documented name.
        retries: how many times a request failing with this code may be retried
            (``None`` = as many as the retry policy allows, ``0`` = never).
    """

    exc: type[APIError]
    name: str
    retries: int | None = 0

    @property
    def retryable(self) -> bool:
        """Whether the retry loop may retry this code at all."""
        return self.retries is None or self.retries > 0


def _rows() -> dict[int, CodeInfo]:
    B, NF, P, L = BadRequestError, NotFoundError, PermissionDeniedError, LimitExceededError
    rows: dict[int, CodeInfo] = {
        # class B: bad request
        1254000: CodeInfo(B, "WrongRequestJson"),
        1254001: CodeInfo(B, "WrongRequestBody"),
        1254003: CodeInfo(B, "WrongBaseToken"),
        1254004: CodeInfo(B, "WrongTableId"),
        1254005: CodeInfo(B, "WrongViewId"),
        1254006: CodeInfo(B, "WrongRecordId"),
        1254007: CodeInfo(B, "EmptyValue"),
        1254008: CodeInfo(B, "EmptyView"),
        1254009: CodeInfo(B, "WrongFieldId"),
        1254010: CodeInfo(B, "ReqConvError"),
        1254011: CodeInfo(B, "PageSizeInvalid"),
        1254012: CodeInfo(B, "NotSupportFieldOrView"),
        1254013: CodeInfo(B, "TableNameDuplicated"),
        1254014: CodeInfo(B, "FieldNameDuplicated"),
        1254015: CodeInfo(B, "FieldTypeValueNotMatch"),
        1254016: CodeInfo(B, "InvalidSort"),
        1254018: CodeInfo(B, "InvalidFilter"),
        1254019: CodeInfo(B, "InvalidViewType"),
        1254020: CodeInfo(B, "ViewNameDuplicated"),
        1254021: CodeInfo(B, "EmptyViewName"),
        1254022: CodeInfo(B, "InvalidViewName"),
        1254023: CodeInfo(B, "LastViewDeleteForbidden"),
        1254024: CodeInfo(B, "InvalidFieldNames"),
        1254026: CodeInfo(B, "EmptyOptionName"),
        1254028: CodeInfo(B, "EmptyFieldName"),
        1254029: CodeInfo(B, "InvalidFieldName"),
        1254030: CodeInfo(B, "TooLargeResponse/InvalidPageToken"),
        1254031: CodeInfo(B, "InvalidAppName"),
        1254032: CodeInfo(B, "InvalidRoleName"),
        1254033: CodeInfo(B, "RoleNameDuplicated"),
        1254034: CodeInfo(B, "LastTableDeleteForbidden"),
        1254038: CodeInfo(B, "InvalidDashboardName"),
        1254039: CodeInfo(B, "DashboardNameDuplicated"),
        1254070: CodeInfo(B, "ActionValidateFailed"),
        1254606: CodeInfo(B, "DataNotChange"),
        2320001: CodeInfo(B, "ParamInvalid"),
        99991661: CodeInfo(AuthError, "AuthorizationMissing"),
        # class P: permission / not found
        1254027: CodeInfo(P, "UploadAttachNotAllowed"),
        1254040: CodeInfo(NF, "BaseTokenNotFound"),
        1254041: CodeInfo(NF, "TableIdNotFound"),
        1254042: CodeInfo(NF, "ViewIdNotFound"),
        1254043: CodeInfo(NF, "RecordIdNotFound"),
        1254044: CodeInfo(NF, "FieldIdNotFound"),
        1254045: CodeInfo(NF, "FieldNameNotFound"),
        1254047: CodeInfo(NF, "RoleIdNotFound"),
        1254048: CodeInfo(NF, "MemberNotFound"),
        1254049: CodeInfo(NF, "FormFieldNotFound"),
        1254050: CodeInfo(NF, "SourceBlockNotFound"),
        1254301: CodeInfo(P, "OperationTypeError"),
        1254302: CodeInfo(P, "RolePermNotAllow"),
        1254303: CodeInfo(P, "AttachPermNotAllow"),
        1254304: CodeInfo(P, "EditionPermNotAllow"),
        99991672: CodeInfo(P, "ApiScopeMissing"),
        # class I: idempotency
        1254037: CodeInfo(IdempotencyError, "InvalidClientToken"),
        1255006: CodeInfo(IdempotencyError, "ClientTokenConflict"),
        # class L: limits
        1254100: CodeInfo(L, "TableExceedLimit"),
        1254101: CodeInfo(L, "ViewExceedLimit"),
        1254102: CodeInfo(L, "FileExceedLimit"),
        1254103: CodeInfo(L, "RecordExceedLimit"),
        1254104: CodeInfo(L, "RecordAddOnceExceedLimit"),
        1254105: CodeInfo(L, "ColumnExceedLimit"),
        1254106: CodeInfo(L, "AttachExceedLimit"),
        1254107: CodeInfo(L, "FilterLengthExceedLimit"),
        1254108: CodeInfo(L, "SortLengthExceedLimit"),
        1254109: CodeInfo(L, "FormulaTableSizeExceedLimit"),
        1254110: CodeInfo(L, "RoleExceedLimit"),
        1254111: CodeInfo(L, "MemberExceedLimit"),
        1254130: CodeInfo(L, "TooLargeCell"),
        # class R: transient rejections (not applied) -- retry freely
        1254290: CodeInfo(RateLimitError, "TooManyRequest", None),
        99991400: CodeInfo(RateLimitError, "FrequencyLimit", None),
        1254291: CodeInfo(WriteConflictError, "WriteConflict", None),
        1254607: CodeInfo(DataNotReadyError, "DataNotReady", None),
        1254036: CodeInfo(ServiceBusyError, "BitableCopying", None),
        # class R: transient internal failures (outcome unknown) -- bounded
        1254002: CodeInfo(InternalServerError, "Fail", 3),
        1254200: CodeInfo(InternalServerError, "InternalError", 3),
        1255001: CodeInfo(InternalServerError, "InternalError", 3),
        1255002: CodeInfo(InternalServerError, "RpcError", 3),
        1255003: CodeInfo(InternalServerError, "MarshalError", 1),
        1255004: CodeInfo(InternalServerError, "UmMarshalError", 1),
        1255005: CodeInfo(InternalServerError, "ConvError", 1),
        1255040: CodeInfo(ServiceTimeoutError, "RequestTimeout", None),
        # auth: the transport drops the token and replays once
        99991663: CodeInfo(AuthError, "TenantAccessTokenInvalid"),
        99991664: CodeInfo(AuthError, "AppAccessTokenInvalid"),
        99991668: CodeInfo(AuthError, "UserAccessTokenInvalid"),
        99991677: CodeInfo(AuthError, "UserAccessTokenExpired"),
    }
    conv = [
        "TextFieldConvFail",
        "NumberFieldConvFail",
        "SingleSelectFieldConvFail",
        "MultiSelectFieldConvFail",
        "DatetimeFieldConvFail",
        "CheckboxFieldConvFail",
        "UserFieldConvFail",
        "LinkFieldConvFail",
        "URLFieldConvFail",
        "AttachFieldConvFail",
    ]
    for offset, name in enumerate(conv):
        rows[1254060 + offset] = CodeInfo(InvalidFieldValueError, name)
    rows[1254072] = CodeInfo(InvalidFieldValueError, "PhoneFieldConvFail")
    prop = [
        "TextFieldPropertyError",
        "NumberFieldPropertyError",
        "SingleSelectFieldPropertyError",
        "MultiSelectFieldPropertyError",
        "DateFieldPropertyError",
        "CheckboxFieldPropertyError",
        "UserFieldPropertyError",
        "URLFieldPropertyError",
        "AttachFieldPropertyError",
        "LinkFieldPropertyError",
        "LookUpFieldPropertyError",
        "FormulaFieldPropertyError",
        "DuplexLinkFieldPropertyError",
        "CreatedTimeFieldPropertyError",
        "ModifiedTimeFieldPropertyError",
        "CreatedUserFieldPropertyError",
        "ModifiedUserFieldPropertyError",
    ]
    for offset, name in enumerate(prop):
        rows[1254080 + offset] = CodeInfo(B, name)
    return rows


CODE_TABLE: Mapping[int, CodeInfo] = _rows()
"""The one table from response ``code`` to exception class, name and retry budget."""

#: Codes meaning "the cached access token is no longer valid": drop it and replay once.
TOKEN_INVALID_CODES = frozenset({99991663, 99991664})


def error_for_code(
    code: int,
    msg: str,
    *,
    http_status: int | None = None,
    log_id: str | None = None,
    method: str | None = None,
    path: str | None = None,
    retry_after: float | None = None,
) -> APIError:
    """Build the exception for a non-zero response ``code``.

    Args:
        code: the body's ``code``.
        msg: the body's ``msg``.
        http_status: the HTTP status of the response.
        log_id: the ``X-Tt-Logid`` header.
        method: the request method.
        path: the request path (no query string).
        retry_after: seconds to wait, from ``x-ogw-ratelimit-reset``.

    Returns:
        An instance of the class the code table names; unknown codes give
        :class:`ServerError`-like :class:`InternalServerError` for HTTP 5xx and
        :class:`BadRequestError` otherwise, so nothing unknown is retried forever.
    """
    info = CODE_TABLE.get(code)
    exc: type[APIError]
    if info is not None:
        exc = info.exc
    elif http_status is not None and http_status >= 500:
        exc = InternalServerError
    else:
        exc = BadRequestError
    return exc(
        msg,
        code=code,
        http_status=http_status,
        log_id=log_id,
        method=method,
        path=path,
        retry_after=retry_after,
    )


def error_for_status(
    http_status: int,
    msg: str,
    *,
    log_id: str | None = None,
    method: str | None = None,
    path: str | None = None,
    retry_after: float | None = None,
) -> BitableError:
    """Build the exception for a response whose body carries no usable ``code``.

    Used only when the body is not a JSON envelope (an HTML error page, a
    truncated or empty body); errors.md says to fall back to the HTTP status
    then.

    Args:
        http_status: the HTTP status of the response.
        msg: a description of the unusable body (never the body itself).
        log_id: the ``X-Tt-Logid`` header.
        method: the request method.
        path: the request path (no query string).
        retry_after: seconds to wait, from ``x-ogw-ratelimit-reset``.

    Returns:
        :class:`ServerError` for 5xx, :class:`RateLimitError` for 429,
        :class:`AuthError` for 401, :class:`PermissionDeniedError` for 403,
        :class:`NotFoundError` for 404, :class:`BadRequestError` for other
        4xx, and :class:`TransportError` otherwise (a 2xx body that could not
        be read completely).
    """
    exc: type[BitableError]
    if http_status >= 500:
        exc = ServerError
    elif http_status == 429:
        exc = RateLimitError
    elif http_status == 401:
        exc = AuthError
    elif http_status == 403:
        exc = PermissionDeniedError
    elif http_status == 404:
        exc = NotFoundError
    elif http_status >= 400:
        exc = BadRequestError
    else:
        exc = TransportError
    return exc(
        msg,
        http_status=http_status,
        log_id=log_id,
        method=method,
        path=path,
        retry_after=retry_after,
    )


def code_info(code: int | None) -> CodeInfo | None:
    """Look a code up in :data:`CODE_TABLE` (``None`` when unknown or absent)."""
    if code is None:
        return None
    return CODE_TABLE.get(code)


# ---------------------------------------------------------------- JSON decoding

JSON_DECODE_ERRORS: tuple[type[Exception], ...] = (msgspec.DecodeError, UnicodeError)
"""What decoding outside JSON with msgspec raises when the input cannot be read.

``msgspec.DecodeError`` (``ValidationError`` included) covers malformed JSON and
values of the wrong type, but msgspec lets a ``UnicodeDecodeError`` through
for invalid UTF-8 inside a string or an object key (when it decodes the
string: into ``str``, ``Any``, dict keys ...; never into ``msgspec.Raw``), and
a ``UnicodeEncodeError`` for ``str`` input holding lone surrogates. Every
decode of bytes that come from outside catches this tuple, not
``DecodeError`` alone. Fallbacks taken on ``msgspec.ValidationError`` take
them on ``UnicodeError`` too (the slower path reads the value as far as it can).
"""


def decode_failure(exc: BaseException) -> str:
    """Say why a JSON decode failed, naming invalid UTF-8 as such.

    Args:
        exc: one of :data:`JSON_DECODE_ERRORS` (any exception is accepted).

    Returns:
        ``"invalid UTF-8 (...)"`` for a ``UnicodeError``, else ``str(exc)``.
    """
    if isinstance(exc, UnicodeError):
        return f"invalid UTF-8 ({exc})"
    return str(exc)
