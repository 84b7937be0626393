"""The one code table: every documented code maps to its class whatever the HTTP status."""

from __future__ import annotations

import pytest
from aioresponses_compat import aioresponses
from transport_support import ANY_URL, FakeProvider, envelope, make_transport

from bitable_async._wire import RawResponse, decode_envelope
from bitable_async.errors import (
    CODE_TABLE,
    AuthError,
    BadRequestError,
    BitableError,
    DataNotReadyError,
    ErrorClass,
    IdempotencyError,
    InternalServerError,
    InvalidFieldValueError,
    LimitExceededError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ServiceBusyError,
    TransportError,
    WriteConflictError,
    error_for_code,
    error_for_status,
)
from bitable_async.retry import is_retryable

PATH = "/open-apis/bitable/v1/apps/bascnAPP/tables/tblT/records"
# HTTP 200 (old pages) and the 4xx/5xx statuses newer pages document for the same codes.
STATUSES = (200, 400, 403, 404, 429, 500, 504)

# errors.md section 3, by class (a sample of each block plus every special code).
EXPECTED_CLASS: dict[int, type[BitableError]] = {
    1254000: BadRequestError,
    1254001: BadRequestError,
    1254003: BadRequestError,
    1254030: BadRequestError,
    1254606: BadRequestError,
    2320001: BadRequestError,
    1254060: InvalidFieldValueError,
    1254066: InvalidFieldValueError,
    1254069: InvalidFieldValueError,
    1254072: InvalidFieldValueError,
    1254080: BadRequestError,
    1254096: BadRequestError,
    1254027: PermissionDeniedError,
    1254301: PermissionDeniedError,
    1254302: PermissionDeniedError,
    1254304: PermissionDeniedError,
    99991672: PermissionDeniedError,
    1254040: NotFoundError,
    1254041: NotFoundError,
    1254045: NotFoundError,
    1254050: NotFoundError,
    1254037: IdempotencyError,
    1255006: IdempotencyError,
    1254100: LimitExceededError,
    1254104: LimitExceededError,
    1254130: LimitExceededError,
    1254290: RateLimitError,
    99991400: RateLimitError,
    1254291: WriteConflictError,
    1254607: DataNotReadyError,
    1254036: ServiceBusyError,
    1254002: InternalServerError,
    1255001: InternalServerError,
    1255005: InternalServerError,
    1255040: InternalServerError,
    99991661: AuthError,
    99991663: AuthError,
    99991664: AuthError,
    99991668: AuthError,
    99991677: AuthError,
}


def raw(status: int, body: bytes, log_id: str | None = "LOG-1") -> RawResponse:
    return RawResponse(
        status=status,
        body=body,
        headers={"Content-Type": "application/json"},
        log_id=log_id,
        retry_after=None,
        elapsed=0.0,
    )


def test_the_table_covers_every_documented_code() -> None:
    documented = {
        *range(1254000, 1254011),
        1254011, 1254012, 1254013, 1254014, 1254015, 1254016, 1254018, 1254019, 1254020,
        1254021, 1254022, 1254023, 1254024, 1254026, 1254027, 1254028, 1254029, 1254030,
        1254031, 1254032, 1254033, 1254034, 1254036, 1254037, 1254038, 1254039,
        *range(1254040, 1254046), 1254047, 1254048, 1254049, 1254050,
        *range(1254060, 1254070), 1254070, 1254072, *range(1254080, 1254097),
        *range(1254100, 1254112), 1254130, 1254200, 1254290, 1254291,
        1254301, 1254302, 1254303, 1254304, 1254606, 1254607,
        *range(1255001, 1255007), 1255040, 2320001, 99991672,
        # supplement.md gateway codes
        99991400, 99991661, 99991663, 99991664, 99991668, 99991677,
    }  # fmt: skip
    assert documented - set(CODE_TABLE) == set()


@pytest.mark.parametrize(("code", "exc_type"), sorted(EXPECTED_CLASS.items()))
def test_expected_classes(code: int, exc_type: type[BitableError]) -> None:
    assert issubclass(CODE_TABLE[code].exc, exc_type)


@pytest.mark.parametrize("code", sorted(CODE_TABLE))
def test_every_code_maps_to_its_class_under_every_status(code: int) -> None:
    info = CODE_TABLE[code]
    body = f'{{"code":{code},"msg":"{info.name}","data":{{}}}}'.encode()
    for status in STATUSES:
        with pytest.raises(BitableError) as caught:
            decode_envelope(raw(status, body), object, "POST", PATH, require_data=False)
        exc = caught.value
        assert type(exc) is info.exc, (code, status)
        assert (exc.code, exc.msg, exc.http_status) == (code, info.name, status)
        assert (exc.log_id, exc.method, exc.path) == ("LOG-1", "POST", PATH)


@pytest.mark.asyncio
@pytest.mark.parametrize("code", sorted(CODE_TABLE))
async def test_every_code_through_the_transport_at_200_and_an_error_status(code: int) -> None:
    info = CODE_TABLE[code]
    transport, _ = make_transport(auth=FakeProvider())
    # Retry loop on, but the replay / retry paths must not change the class.
    with aioresponses() as m:
        for status in (200, 500 if info.retryable else 400):
            m.get(
                ANY_URL,
                status=status,
                payload=envelope(code, info.name),
                headers={"X-Tt-Logid": f"LOG-{status}"},
                repeat=True,
            )
            with pytest.raises(BitableError) as caught:
                await transport.request("GET", PATH)
            exc = caught.value
            assert type(exc) is info.exc
            assert exc.code == code
            assert exc.http_status == status
            assert exc.log_id == f"LOG-{status}"
            assert exc.method == "GET"
            assert exc.path == PATH
            m.clear()
    await transport.aclose()


@pytest.mark.parametrize(
    ("status", "exc_type"), [(200, BadRequestError), (500, InternalServerError)]
)
def test_unknown_codes_fall_back_safely(status: int, exc_type: type[BitableError]) -> None:
    exc = error_for_code(4242, "new code", http_status=status)
    assert type(exc) is exc_type


@pytest.mark.parametrize(
    ("status", "exc_type"),
    [
        (502, ServerError),
        (503, ServerError),
        (429, RateLimitError),
        (401, AuthError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (418, BadRequestError),
        (200, TransportError),
    ],
)
def test_error_for_status(status: int, exc_type: type[BitableError]) -> None:
    exc = error_for_status(status, "unreadable", log_id="L", method="GET", path="/p")
    assert type(exc) is exc_type
    assert exc.code is None
    assert exc.http_status == status


def test_str_and_repr_carry_the_context() -> None:
    exc = error_for_code(
        1254291, "Write conflict", http_status=200, log_id="2024LOG", method="POST", path=PATH
    )
    text = str(exc)
    for part in ("Write conflict", "code=1254291", "http_status=200", f"POST {PATH}", "2024LOG"):
        assert part in text
    assert "WriteConflictError(" in repr(exc)
    assert "2024LOG" in repr(exc)


@pytest.mark.parametrize("code", sorted(CODE_TABLE))
def test_retryability_follows_the_errors_md_class(code: int) -> None:
    info = CODE_TABLE[code]
    exc = error_for_code(code, info.name, http_status=200)
    retryable = is_retryable(exc, 0, idempotent=True)
    if isinstance(exc, (ServiceBusyError, InternalServerError)):
        assert exc.error_class is ErrorClass.RETRY
        assert retryable
    else:
        assert exc.error_class is not ErrorClass.RETRY
        assert not retryable


def test_outcome_unknown_flags() -> None:
    assert error_for_code(1255040, "timeout").outcome_unknown
    assert error_for_code(1254002, "fail").outcome_unknown
    assert not error_for_code(1254290, "rate").outcome_unknown
    assert not error_for_code(1254291, "conflict").outcome_unknown
    assert error_for_status(502, "bad gateway").outcome_unknown


@pytest.mark.parametrize(("status", "exc_type"), [(200, TransportError), (502, ServerError)])
def test_a_body_nested_deeper_than_the_stack_is_an_unreadable_body(
    status: int, exc_type: type[BitableError]
) -> None:
    """msgspec refuses very deep nesting with RecursionError; it must not escape as such."""
    body = b'{"code":0,"msg":"ok","data":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(exc_type) as caught:
        decode_envelope(raw(status, body), object, "GET", PATH, require_data=False)
    assert "nested too deeply" in str(caught.value)
    assert caught.value.log_id == "LOG-1"
