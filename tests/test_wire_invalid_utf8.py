"""A response body with invalid UTF-8 in a string or key is an unreadable body.

msgspec raises ``UnicodeDecodeError`` (not ``msgspec.DecodeError``) for such
bytes; through the transport they must give the same typed error as any other
body that is not JSON: ``TransportError`` for a 2xx, ``ServerError`` for a 5xx.
"""

from __future__ import annotations

import msgspec
import pytest
from aioresponses_compat import aioresponses
from transport_support import ANY_URL, BASE, FakeProvider, all_calls, make_transport

from bitable_async.config import RetryConfig
from bitable_async.errors import BitableError, ServerError, TransportError

NO_RETRY = RetryConfig(enabled=False)
APP_PATH = "/open-apis/bitable/v1/apps/bascnAPP"
TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"


class App(msgspec.Struct):
    app_token: str


class AppData(msgspec.Struct):
    app: App


BODIES = {
    # invalid UTF-8 in a string the envelope decodes (msg)
    "msg": b'{"code":0,"msg":"ok\x80","data":{}}',
    # in an object key of data (decoded as Any)
    "key": b'{"code":0,"msg":"ok","data":{"\xff\xfe":1}}',
    # in a value of data, an encoded surrogate (not UTF-8 either)
    "surrogate": b'{"code":0,"msg":"ok","data":{"a":["\xed\xa0\x80"]}}',
}


def _check(exc: BitableError, exc_type: type[BitableError], status: int, body: bytes) -> None:
    assert type(exc) is exc_type
    assert exc.http_status == status
    assert exc.code is None
    assert exc.log_id == "L-8"
    assert "invalid UTF-8" in str(exc)
    assert f"{len(body)} bytes" in str(exc)
    assert exc.__cause__ is None
    assert exc.__suppress_context__


@pytest.mark.asyncio
@pytest.mark.parametrize("where", sorted(BODIES))
@pytest.mark.parametrize(("status", "exc_type"), [(200, TransportError), (502, ServerError)])
async def test_a_body_with_invalid_utf8_is_an_unreadable_body(
    where: str, status: int, exc_type: type[BitableError]
) -> None:
    body = BODIES[where]
    transport, _ = make_transport(auth=FakeProvider(), retry=NO_RETRY)
    with aioresponses() as m:
        m.get(
            ANY_URL,
            status=status,
            body=body,
            content_type="application/json",
            headers={"X-Tt-Logid": "L-8"},
        )
        with pytest.raises(BitableError) as info:
            await transport.request("GET", APP_PATH)
    _check(info.value, exc_type, status, body)
    assert (info.value.method, info.value.path) == ("GET", APP_PATH)
    await transport.aclose()


@pytest.mark.asyncio
async def test_invalid_utf8_met_by_the_code_and_msg_fallback_is_an_unreadable_body() -> None:
    """data does not fit AppData (ValidationError first); the {code, msg} read then meets msg."""
    body = b'{"data":{"app":1},"code":0,"msg":"\x80"}'
    transport, _ = make_transport(auth=FakeProvider(), retry=NO_RETRY)
    with aioresponses() as m:
        m.get(ANY_URL, body=body, content_type="application/json", headers={"X-Tt-Logid": "L-8"})
        with pytest.raises(BitableError) as info:
            await transport.request("GET", APP_PATH, response_type=AppData)
    _check(info.value, TransportError, 200, body)
    await transport.aclose()


@pytest.mark.asyncio
async def test_a_token_body_with_invalid_utf8_is_an_unreadable_body() -> None:
    body = b'{"code":0,"msg":"ok","tenant_access_token":"t-secret\x80","expire":7200}'
    transport, _ = make_transport(retry=NO_RETRY)
    with aioresponses() as m:
        m.post(
            BASE + TOKEN_PATH,
            body=body,
            content_type="application/json",
            headers={"X-Tt-Logid": "L-8"},
        )
        with pytest.raises(BitableError) as info:
            await transport.fetch_token(TOKEN_PATH, {"app_id": "cli_1", "app_secret": "s3cr3t"})
        assert all_calls(m) == 1
    _check(info.value, TransportError, 200, body)
    assert "t-secret" not in str(info.value)
    assert "t-secret" not in repr(info.value)
    await transport.aclose()
