"""The emulator's own error type and the codes it answers with.

The emulator never imports the SDK's error table: it is an independent oracle.
"""

from __future__ import annotations

import msgspec

# What msgspec raises for a request body it cannot read: DecodeError, and a
# UnicodeDecodeError (which it does not wrap) for invalid UTF-8 inside a string
# or key. The emulator keeps its own tuple rather than the SDK's.
JSON_DECODE_ERRORS: tuple[type[Exception], ...] = (msgspec.DecodeError, UnicodeError)

# Gateway / auth codes (supplement.md).
AUTH_HEADER_MISSING = 99991661
TOKEN_INVALID = 99991663
APP_TOKEN_INVALID = 99991664
# Token endpoint codes (documented-looking; not in the seeds).
APP_SECRET_INVALID = 10014
APP_ID_INVALID = 10003
APP_TICKET_INVALID = 10012
TENANT_KEY_INVALID = 10013

WRONG_JSON = 1254000
WRONG_BODY = 1254001
WRONG_BASE_TOKEN = 1254003
PAGE_SIZE_INVALID = 1254011
NOT_SUPPORT_FIELD = 1254012
TABLE_NAME_DUP = 1254013
FIELD_NAME_DUP = 1254014
TYPE_VALUE_MISMATCH = 1254015
INVALID_SORT = 1254016
INVALID_FILTER = 1254018
INVALID_VIEW_TYPE = 1254019
VIEW_NAME_DUP = 1254020
EMPTY_VIEW_NAME = 1254021
INVALID_VIEW_NAME = 1254022
LAST_VIEW = 1254023
INVALID_FIELD_NAMES = 1254024
EMPTY_OPTION_NAME = 1254026
EMPTY_FIELD_NAME = 1254028
INVALID_FIELD_NAME = 1254029
INVALID_PAGE_TOKEN = 1254030
INVALID_APP_NAME = 1254031
INVALID_ROLE_NAME = 1254032
ROLE_NAME_DUP = 1254033
LAST_TABLE = 1254034
BAD_CLIENT_TOKEN = 1254037
INVALID_DASHBOARD_NAME = 1254038
DASHBOARD_NAME_DUP = 1254039
BASE_NOT_FOUND = 1254040
TABLE_NOT_FOUND = 1254041
VIEW_NOT_FOUND = 1254042
RECORD_NOT_FOUND = 1254043
FIELD_NOT_FOUND = 1254044
FIELD_NAME_NOT_FOUND = 1254045
ROLE_NOT_FOUND = 1254047
MEMBER_NOT_FOUND = 1254048
FORM_FIELD_NOT_FOUND = 1254049
BLOCK_NOT_FOUND = 1254050
TEXT_CONV = 1254060
NUMBER_CONV = 1254061
SINGLE_SELECT_CONV = 1254062
MULTI_SELECT_CONV = 1254063
DATE_CONV = 1254064
CHECKBOX_CONV = 1254065
USER_CONV = 1254066
LINK_CONV = 1254067
URL_CONV = 1254068
ATTACH_CONV = 1254069
PHONE_CONV = 1254072
TABLE_LIMIT = 1254100
VIEW_LIMIT = 1254101
RECORD_LIMIT = 1254103
BATCH_LIMIT = 1254104
FIELD_LIMIT = 1254105
FILTER_TOO_LONG = 1254107
SORT_TOO_LONG = 1254108
ROLE_LIMIT = 1254110
MEMBER_LIMIT = 1254111
CELL_TOO_LARGE = 1254130
RATE_LIMITED = 1254290
WRITE_CONFLICT = 1254291
OPERATION_TYPE = 1254301
DATA_NOT_CHANGE = 1254606
NOT_READY = 1254607
INTERNAL = 1255001
CLIENT_TOKEN_CONFLICT = 1255006
APAAS_PARAM_INVALID = 2320001
MEDIA_PARAM_INVALID = 1061002
MEDIA_NOT_FOUND = 1061044

_NAMES: dict[int, str] = {
    AUTH_HEADER_MISSING: "Missing access token for authorization.",
    TOKEN_INVALID: "Invalid access token for authorization.",
    APP_TOKEN_INVALID: "app access token invalid",
    APP_SECRET_INVALID: "app secret invalid",
    APP_ID_INVALID: "app_id is invalid",
    APP_TICKET_INVALID: "app_ticket is invalid",
    TENANT_KEY_INVALID: "tenant_key is invalid",
    WRONG_JSON: "WrongRequestJson",
    WRONG_BODY: "WrongRequestBody",
    NOT_SUPPORT_FIELD: "NotSupportFieldOrView",
    TYPE_VALUE_MISMATCH: "FieldTypeValueNotMatch",
    INVALID_SORT: "InvalidSort",
    INVALID_FILTER: "InvalidFilter",
    INVALID_PAGE_TOKEN: "InvalidPageToken",
    BAD_CLIENT_TOKEN: "Invalid client token, make sure that it complies with the specification.",
    BASE_NOT_FOUND: "BaseTokenNotFound",
    TABLE_NOT_FOUND: "TableIdNotFound",
    VIEW_NOT_FOUND: "ViewIdNotFound",
    RECORD_NOT_FOUND: "RecordIdNotFound",
    FIELD_NOT_FOUND: "FieldIdNotFound",
    FIELD_NAME_NOT_FOUND: "FieldNameNotFound",
    RATE_LIMITED: "TooManyRequest",
    WRITE_CONFLICT: "Write conflict",
    NOT_READY: "Data not ready, please try again later",
    INTERNAL: "InternalError",
    CLIENT_TOKEN_CONFLICT: (
        "Client token conflict, please generate a new client token and try again."
    ),
}

# HTTP status per code; the real service is inconsistent, clients must branch on `code`.
_STATUS: dict[int, int] = {
    AUTH_HEADER_MISSING: 400,
    TOKEN_INVALID: 400,
    APP_TOKEN_INVALID: 400,
    RATE_LIMITED: 429,
    WRITE_CONFLICT: 200,
    NOT_READY: 400,
    INTERNAL: 500,
    BASE_NOT_FOUND: 404,
    TABLE_NOT_FOUND: 404,
    VIEW_NOT_FOUND: 404,
    RECORD_NOT_FOUND: 404,
    FIELD_NOT_FOUND: 404,
    FIELD_NAME_NOT_FOUND: 200,
    ROLE_NOT_FOUND: 404,
    MEMBER_NOT_FOUND: 404,
    FORM_FIELD_NOT_FOUND: 404,
    BLOCK_NOT_FOUND: 404,
    LAST_TABLE: 403,
}


class ApiError(Exception):
    """A Bitable error answer: ``{"code": code, "msg": msg}`` with an HTTP status.

    Args:
        code: the business error code.
        msg: human-readable message; defaults to the documented name.
        status: HTTP status; defaults to a per-code choice.
        headers: extra response headers (e.g. ``x-ogw-ratelimit-reset``).
    """

    def __init__(
        self,
        code: int,
        msg: str | None = None,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.msg = msg or _NAMES.get(code, "error")
        self.status = status if status is not None else _STATUS.get(code, 400)
        self.headers = headers or {}
        super().__init__(f"{code}: {self.msg}")
