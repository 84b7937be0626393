"""Transport: request shapes, envelope decoding, unusable bodies, auth flow, sessions."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
import msgspec
import pytest
from aioresponses_compat import CallbackResult, aioresponses
from transport_support import (
    ANY_URL,
    BASE,
    FakeProvider,
    all_calls,
    calls,
    decode_body,
    envelope,
    make_transport,
)
from yarl import URL

from bitable_async._transport import Transport
from bitable_async._wire import encode_query
from bitable_async.config import ClientConfig, RateLimitConfig, RetryConfig
from bitable_async.errors import (
    AuthError,
    BadRequestError,
    ConfigurationError,
    ConnectionFailedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ResponseDecodeError,
    ServerError,
    TransportError,
)

NO_RETRY = RetryConfig(enabled=False)
APP_PATH = "/open-apis/bitable/v1/apps/bascnAPP"


class App(msgspec.Struct):
    app_token: str
    name: str
    revision: int


class AppData(msgspec.Struct):
    app: App


# -- request shapes --------------------------------------------------------------


def test_encode_query_booleans_lists_and_none() -> None:
    pairs = encode_query(
        {"a": True, "b": False, "n": 5, "f": 1.5, "s": "x y", "l": ["p", "q"], "skip": None}
    )
    assert pairs == [
        ("a", "true"),
        ("b", "false"),
        ("n", "5"),
        ("f", "1.5"),
        ("s", "x y"),
        ("l", "p"),
        ("l", "q"),
    ]


def test_encode_query_rejects_other_types_naming_the_key() -> None:
    with pytest.raises(ConfigurationError, match="'view'"):
        encode_query({"view": {"nested": 1}})  # type: ignore[dict-item]


@pytest.mark.asyncio
async def test_get_shape_query_and_headers() -> None:
    provider = FakeProvider()
    transport, _ = make_transport(auth=provider)
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope(data={"ok": 1}))
        resp = await transport.request(
            "get",
            APP_PATH + "/tables",
            query={
                "text_field_as_array": True,
                "automatic_fields": False,
                "page_size": 100,
                "sort": ["a", "b"],
                "view_id": None,
            },
        )
        [(method, url, kwargs)] = calls(m)
    assert resp.data == {"ok": 1}
    assert method == "GET"
    assert url.path == "/open-apis/bitable/v1/apps/bascnAPP/tables"
    assert url.query.getall("text_field_as_array") == ["true"]
    assert url.query.getall("automatic_fields") == ["false"]
    assert url.query.getall("page_size") == ["100"]
    assert url.query.getall("sort") == ["a", "b"]
    assert "view_id" not in url.query
    headers = kwargs["headers"]
    assert headers["Authorization"] == "Bearer t-fake-1"
    assert headers["User-Agent"].startswith("bitable-async/")
    assert "Content-Type" not in headers
    assert kwargs["data"] is None
    await transport.aclose()


@pytest.mark.asyncio
async def test_post_body_is_bytes_with_json_content_type() -> None:
    transport, _ = make_transport(auth=FakeProvider())
    body = {"records": [{"fields": {"名称": "一", "n": 1.5, "ok": True}}]}
    with aioresponses() as m:
        m.post(ANY_URL, payload=envelope(data={"records": []}))
        await transport.request("POST", APP_PATH + "/tables/tbl1/records/batch_create", body=body)
        [(method, _, kwargs)] = calls(m)
    assert method == "POST"
    assert isinstance(kwargs["data"], bytes)
    assert kwargs["data"] == msgspec.json.encode(body)
    assert decode_body(kwargs) == body
    assert kwargs["headers"]["Content-Type"] == "application/json; charset=utf-8"
    await transport.aclose()


@pytest.mark.asyncio
async def test_preencoded_bytes_body_is_sent_unchanged() -> None:
    transport, _ = make_transport(auth=FakeProvider())
    with aioresponses() as m:
        m.post(ANY_URL, payload=envelope())
        await transport.request("POST", APP_PATH, body=b'{"x":1}')
        [(_, _, kwargs)] = calls(m)
    assert kwargs["data"] == b'{"x":1}'
    await transport.aclose()


@pytest.mark.asyncio
async def test_path_without_open_apis_prefix_is_prefixed() -> None:
    transport, _ = make_transport(auth=FakeProvider())
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope())
        await transport.request("GET", "/bitable/v1/apps/x")
        [(_, url, _)] = calls(m)
    assert url.path == "/open-apis/bitable/v1/apps/x"
    await transport.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "TRACE", "path": APP_PATH}, "method"),
        ({"method": "GET", "path": "open-apis/x"}, "start with"),
        ({"method": "GET", "path": APP_PATH + "?page_size=1"}, "query"),
        ({"method": "POST", "path": APP_PATH, "body": {"x": object()}}, "encoded"),
        ({"method": "GET", "path": APP_PATH, "query": {"x": object()}}, "'x'"),
    ],
)
async def test_bad_arguments_fail_before_any_request(kwargs: dict[str, Any], match: str) -> None:
    transport, _ = make_transport(auth=FakeProvider())
    with aioresponses() as m:
        with pytest.raises(ConfigurationError, match=match):
            await transport.request(**kwargs)
        assert all_calls(m) == 0
    await transport.aclose()


@pytest.mark.asyncio
async def test_auth_false_sends_no_authorization_and_no_token_is_fetched() -> None:
    provider = FakeProvider()
    transport, _ = make_transport(auth=provider)
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope())
        await transport.request("GET", APP_PATH, auth=False)
        [(_, _, kwargs)] = calls(m)
    assert "Authorization" not in kwargs["headers"]
    assert provider.fetches == 0
    await transport.aclose()


@pytest.mark.asyncio
async def test_no_credentials_is_a_configuration_error() -> None:
    transport, _ = make_transport()
    with aioresponses() as m, pytest.raises(ConfigurationError, match="user_access_token"):
        await transport.request("GET", APP_PATH)
    assert all_calls(m) == 0
    await transport.aclose()


# -- decoding ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_typed_response_and_log_id() -> None:
    transport, _ = make_transport(auth=FakeProvider())
    data = {"app": {"app_token": "bascnAPP", "name": "n", "revision": 3, "extra": [1]}}
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope(data=data), headers={"X-Tt-Logid": "LOG123"})
        resp = await transport.request("GET", APP_PATH, response_type=AppData)
    assert resp.data == AppData(app=App(app_token="bascnAPP", name="n", revision=3))
    assert resp.log_id == "LOG123"
    assert resp.http_status == 200
    assert resp.code == 0
    assert resp.headers["x-tt-logid"] == "LOG123"
    await transport.aclose()


@pytest.mark.asyncio
async def test_success_data_of_the_wrong_shape_is_a_decode_error_not_retried() -> None:
    transport, _ = make_transport(auth=FakeProvider())
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope(data={"app": {"name": 1}}), repeat=True)
        with pytest.raises(ResponseDecodeError) as info:
            await transport.request("GET", APP_PATH, response_type=AppData)
        assert all_calls(m) == 1
    assert info.value.code == 0
    assert "AppData" in str(info.value)
    await transport.aclose()


@pytest.mark.asyncio
async def test_missing_data_with_a_response_type_is_a_decode_error() -> None:
    transport, _ = make_transport(auth=FakeProvider())
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope())
        with pytest.raises(ResponseDecodeError, match="no data"):
            await transport.request("GET", APP_PATH, response_type=AppData)
    await transport.aclose()


@pytest.mark.asyncio
async def test_error_body_whose_data_does_not_fit_the_type_still_maps_the_code() -> None:
    transport, _ = make_transport(auth=FakeProvider(), retry=NO_RETRY)
    with aioresponses() as m:
        m.get(ANY_URL, status=404, payload=envelope(1254040, "BaseTokenNotFound", data={"x": 1}))
        with pytest.raises(NotFoundError) as info:
            await transport.request("GET", APP_PATH, response_type=AppData)
    assert info.value.code == 1254040
    assert info.value.http_status == 404
    await transport.aclose()


TRUNCATED = b'{"code":0,"msg":"success","data":{"items":[{"a'
HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "body", "content_type", "exc_type"),
    [
        (502, HTML_502, "text/html", ServerError),
        (500, b"", "text/plain", ServerError),
        (200, TRUNCATED, "application/json", TransportError),
        (200, b"", "application/json", TransportError),
        (200, b"[1, 2]", "application/json", TransportError),
        (429, b"Too Many Requests", "text/plain", RateLimitError),
        (404, b"<html>not found</html>", "text/html", NotFoundError),
        (403, b"<html>forbidden</html>", "text/html", PermissionDeniedError),
        (401, b"<html>no</html>", "text/html", AuthError),
        (400, b"<html>bad</html>", "text/html", BadRequestError),
    ],
)
async def test_unusable_bodies_map_by_status(
    status: int, body: bytes, content_type: str, exc_type: type[Exception]
) -> None:
    transport, _ = make_transport(auth=FakeProvider(), retry=NO_RETRY)
    with aioresponses() as m:
        m.get(
            ANY_URL,
            status=status,
            body=body,
            content_type=content_type,
            headers={"X-Tt-Logid": "L-9"},
        )
        with pytest.raises(exc_type) as info:
            await transport.request("GET", APP_PATH)
    exc = info.value
    assert type(exc) is exc_type
    assert not isinstance(exc, (msgspec.DecodeError, ValueError)) or isinstance(
        exc, ConfigurationError
    )
    assert exc.http_status == status  # type: ignore[attr-defined]
    assert exc.log_id == "L-9"  # type: ignore[attr-defined]
    assert exc.method == "GET"  # type: ignore[attr-defined]
    assert exc.path == APP_PATH  # type: ignore[attr-defined]
    assert exc.code is None  # type: ignore[attr-defined]
    # The body itself is never quoted (a token endpoint's body holds a token).
    if body:
        assert body.decode(errors="replace")[:20] not in str(exc)
    assert exc.__cause__ is None or not isinstance(exc.__cause__, msgspec.DecodeError)
    await transport.aclose()


# -- transport failures ----------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("raised", "exc_type"),
    [
        (asyncio.TimeoutError(), RequestTimeoutError),
        (aiohttp.ServerTimeoutError("read timed out"), RequestTimeoutError),
        (aiohttp.ServerDisconnectedError(), TransportError),
        (aiohttp.ClientPayloadError("truncated"), TransportError),
        (aiohttp.ClientOSError(104, "reset"), TransportError),
    ],
)
async def test_connection_errors_and_timeouts_are_typed(
    raised: Exception, exc_type: type[Exception]
) -> None:
    transport, _ = make_transport(auth=FakeProvider(), retry=NO_RETRY)
    with aioresponses() as m:
        m.get(ANY_URL, exception=raised)
        with pytest.raises(exc_type) as info:
            await transport.request("GET", APP_PATH)
    assert type(info.value) is exc_type
    assert info.value.path == APP_PATH  # type: ignore[attr-defined]
    assert info.value.outcome_unknown  # type: ignore[attr-defined]
    await transport.aclose()


@pytest.mark.asyncio
async def test_refused_connection_is_connection_failed_and_known_not_sent() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port now.
    transport = Transport(
        ClientConfig(base_url=f"http://127.0.0.1:{port}", retry=NO_RETRY),
        auth=FakeProvider(),
    )
    with pytest.raises(ConnectionFailedError) as info:
        await transport.request("GET", APP_PATH)
    assert not info.value.outcome_unknown
    assert info.value.http_status is None
    await transport.aclose()


# -- auth flow -------------------------------------------------------------------


@pytest.mark.asyncio
async def test_token_invalid_is_replayed_exactly_once_with_a_fresh_token() -> None:
    provider = FakeProvider()
    transport, fake = make_transport(auth=provider)
    seen: list[str] = []

    def handler(url: URL, **kwargs: Any) -> CallbackResult:
        seen.append(kwargs["headers"]["Authorization"])
        if len(seen) == 1:
            return CallbackResult(payload=envelope(99991663, "token invalid"))
        return CallbackResult(payload=envelope(data={"ok": True}))

    with aioresponses() as m:
        m.get(ANY_URL, callback=handler, repeat=True)
        resp = await transport.request("GET", APP_PATH)
    assert resp.data == {"ok": True}
    assert seen == ["Bearer t-fake-1", "Bearer t-fake-2"]
    assert provider.fetches == 2
    assert provider.invalidated == ["t-fake-1"]
    assert transport.stats.token_replays == 1
    assert transport.stats.retries == 0
    assert fake.sleeps == []
    await transport.aclose()


@pytest.mark.asyncio
async def test_token_invalid_twice_raises_after_one_replay() -> None:
    provider = FakeProvider()
    transport, _ = make_transport(auth=provider)
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope(99991663, "token invalid"), repeat=True)
        with pytest.raises(AuthError) as info:
            await transport.request("GET", APP_PATH)
        assert all_calls(m) == 2
    assert info.value.code == 99991663
    assert provider.fetches == 2
    assert provider.invalidated == ["t-fake-1"]
    await transport.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("code", [99991668, 99991677])
async def test_user_token_errors_are_fatal_and_never_touch_the_provider(code: int) -> None:
    provider = FakeProvider()
    transport, _ = make_transport(auth=provider)
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope(code, "user token invalid"), repeat=True)
        with pytest.raises(AuthError) as info:
            await transport.request("GET", APP_PATH, user_access_token="u-user-token")
        [(_, _, kwargs)] = calls(m)
    assert kwargs["headers"]["Authorization"] == "Bearer u-user-token"
    assert info.value.code == code
    assert provider.fetches == 0
    assert provider.invalidated == []
    await transport.aclose()


@pytest.mark.asyncio
async def test_user_token_rejected_as_tenant_token_is_not_replayed() -> None:
    provider = FakeProvider()
    transport, _ = make_transport(auth=provider)
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope(99991663, "invalid"), repeat=True)
        with pytest.raises(AuthError):
            await transport.request("GET", APP_PATH, user_access_token="u-1")
        assert all_calls(m) == 1
    assert provider.invalidated == []
    await transport.aclose()


@pytest.mark.asyncio
async def test_tenant_key_is_passed_to_the_provider() -> None:
    provider = FakeProvider()
    transport, _ = make_transport(auth=provider)
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope())
        await transport.request("GET", APP_PATH, tenant_key="tenant-42")
    assert provider.tenant_keys == ["tenant-42"]
    await transport.aclose()


# -- token fetcher ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_fetch_token_shape_and_top_level_fields() -> None:
    transport, _ = make_transport()
    token_url = BASE + "/open-apis/auth/v3/tenant_access_token/internal"
    with aioresponses() as m:
        m.post(
            token_url,
            payload={"code": 0, "msg": "ok", "tenant_access_token": "t-abc", "expire": 7200},
        )
        body = await transport.fetch_token(
            "/open-apis/auth/v3/tenant_access_token/internal",
            {"app_id": "cli_1", "app_secret": "s3cr3t"},
        )
        [(method, url, kwargs)] = calls(m)
    assert body["tenant_access_token"] == "t-abc"
    assert body["expire"] == 7200
    assert method == "POST"
    assert str(url) == token_url
    assert "Authorization" not in kwargs["headers"]
    assert kwargs["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert decode_body(kwargs) == {"app_id": "cli_1", "app_secret": "s3cr3t"}
    assert transport.stats.token_fetches == 1
    await transport.aclose()


@pytest.mark.asyncio
async def test_fetch_token_maps_error_codes_and_retries_transient_ones() -> None:
    transport, fake = make_transport()
    path = "/open-apis/auth/v3/tenant_access_token/internal"
    with aioresponses() as m:
        m.post(BASE + path, status=502, body=HTML_502, content_type="text/html")
        m.post(BASE + path, payload={"code": 10003, "msg": "invalid param"})
        with pytest.raises(BadRequestError) as info:
            await transport.fetch_token(path, {"app_id": "a", "app_secret": "b"})
        assert all_calls(m) == 2
    assert info.value.code == 10003
    assert len(fake.sleeps) == 1
    await transport.aclose()


# -- rate limiting and stats -----------------------------------------------------


@pytest.mark.asyncio
async def test_endpoint_class_applies_the_rate_limit_with_the_fake_clock() -> None:
    limits = RateLimitConfig(write_qps=10.0, burst=1)
    transport, fake = make_transport(auth=FakeProvider(), rate_limit=limits)
    with aioresponses() as m:
        m.post(ANY_URL, payload=envelope(), repeat=True)
        for _ in range(3):
            await transport.request("POST", APP_PATH, body={}, endpoint_class="write")
        m.get(ANY_URL, payload=envelope(), repeat=True)
        await transport.request("GET", APP_PATH)  # no class: not limited
    assert fake.sleeps == [pytest.approx(0.1), pytest.approx(0.1)]
    assert transport.stats.calls_by_class == {"write": 3, "none": 1}
    assert transport.stats.http_calls == 4
    await transport.aclose()


# -- sessions --------------------------------------------------------------------


@pytest.mark.asyncio
async def test_owned_session_is_closed_and_a_closed_transport_refuses_requests() -> None:
    transport, _ = make_transport(auth=FakeProvider())
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope())
        await transport.request("GET", APP_PATH)
        session = transport._session
        assert session is not None
        await transport.aclose()
        assert session.closed
        with pytest.raises(ConfigurationError, match="closed"):
            await transport.request("GET", APP_PATH)


@pytest.mark.asyncio
async def test_borrowed_session_is_used_and_left_open() -> None:
    async with aiohttp.ClientSession() as session:
        transport = Transport(ClientConfig(base_url=BASE), session=session, auth=FakeProvider())
        with aioresponses() as m:
            m.get(ANY_URL, payload=envelope(data=1))
            resp = await transport.request("GET", APP_PATH)
        assert resp.data == 1
        await transport.aclose()
        assert not session.closed
        assert "owns_session=False" in repr(transport)


# -- raw requests (Drive media) ---------------------------------------------------


@pytest.mark.asyncio
async def test_request_raw_returns_bytes_and_sends_the_given_content_type() -> None:
    provider = FakeProvider()
    transport, _ = make_transport(auth=provider)
    with aioresponses() as m:
        m.get(ANY_URL, status=200, body=b"\x89PNG...", content_type="image/png")
        raw = await transport.request_raw("GET", "/open-apis/drive/v1/medias/box1/download")
        m.post(ANY_URL, payload=envelope(data={"file_token": "box2"}))
        await transport.request_raw(
            "POST",
            "/open-apis/drive/v1/medias/upload_all",
            body=b"--b\r\n...",
            content_type="multipart/form-data; boundary=b",
        )
        posted = [c for c in calls(m) if c[0] == "POST"]
    assert raw.body == b"\x89PNG..."
    assert raw.status == 200
    assert posted[0][2]["headers"]["Content-Type"] == "multipart/form-data; boundary=b"
    assert posted[0][2]["headers"]["Authorization"] == "Bearer t-fake-1"
    await transport.aclose()


@pytest.mark.asyncio
async def test_request_raw_maps_errors_and_replays_a_rejected_token_once() -> None:
    provider = FakeProvider()
    transport, _ = make_transport(auth=provider, retry=NO_RETRY)
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope(99991663, "token invalid"))
        m.get(ANY_URL, body=b"file", content_type="application/octet-stream")
        raw = await transport.request_raw("GET", "/open-apis/drive/v1/medias/b/download")
        assert raw.body == b"file"
        assert provider.invalidated == ["t-fake-1"]
        m.get(ANY_URL, status=404, body=b"<html>gone</html>", content_type="text/html")
        with pytest.raises(NotFoundError):
            await transport.request_raw("GET", "/open-apis/drive/v1/medias/b/download")
        m.get(ANY_URL, payload=envelope(1254302, "Permission denied"))
        with pytest.raises(PermissionDeniedError):
            await transport.request_raw("GET", "/open-apis/drive/v1/medias/b/download")
    await transport.aclose()
