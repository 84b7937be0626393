"""Retry: the pure decision, the bounded loop, and the transport's use of both."""

from __future__ import annotations

import random

import aiohttp
import anyio
import pytest
from aiohttp import web
from aioresponses_compat import aioresponses
from transport_support import (
    ANY_URL,
    FakeProvider,
    FakeTime,
    all_calls,
    envelope,
    make_transport,
)

from bitable_async._transport import Transport
from bitable_async.config import ClientConfig, RateLimitConfig, RetryConfig
from bitable_async.errors import (
    BadRequestError,
    BitableError,
    ConnectionFailedError,
    DataNotReadyError,
    InternalServerError,
    LimitExceededError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
    WriteConflictError,
    error_for_code,
    error_for_status,
)
from bitable_async.retry import backoff_ceiling, retry_call, retry_delay

CFG = RetryConfig(max_attempts=5, base=0.5, cap=8.0)
RECORDS = "/open-apis/bitable/v1/apps/bascnAPP/tables/tblT/records"

RETRIED_ALWAYS = [1254290, 99991400, 1254291, 1254607, 1254036]
RETRIED_IF_IDEMPOTENT = [1255040, 1254002, 1255001, 1255002, 1255005]
NEVER_RETRIED = [
    1254000, 1254003, 1254030, 1254060, 1254606,  # bad request
    1254302, 1254304, 99991672,  # permission
    1254040, 1254043, 1254045,  # not found
    1254037, 1255006,  # idempotency
    1254103, 1254104, 1254105,  # limits
    99991661, 99991663, 99991668, 99991677,  # tokens (the transport replays 99991663)
]  # fmt: skip


def rng() -> random.Random:
    return random.Random(1234)


# -- the pure decision -----------------------------------------------------------


@pytest.mark.parametrize("code", RETRIED_ALWAYS)
@pytest.mark.parametrize("idempotent", [True, False])
def test_rejections_are_retried_for_every_request(code: int, idempotent: bool) -> None:
    exc = error_for_code(code, "busy", http_status=200)
    assert retry_delay(exc, 0, CFG, rng(), idempotent=idempotent) is not None


@pytest.mark.parametrize("code", RETRIED_IF_IDEMPOTENT)
def test_unknown_outcome_codes_need_idempotency(code: int) -> None:
    exc = error_for_code(code, "internal", http_status=200)
    assert exc.outcome_unknown
    assert retry_delay(exc, 0, CFG, rng(), idempotent=True) is not None
    assert retry_delay(exc, 0, CFG, rng(), idempotent=False) is None


@pytest.mark.parametrize("code", NEVER_RETRIED)
def test_fatal_codes_are_never_retried(code: int) -> None:
    exc = error_for_code(code, "fatal", http_status=400)
    assert retry_delay(exc, 0, CFG, rng(), idempotent=True) is None


@pytest.mark.parametrize(
    "exc",
    [
        error_for_status(502, "bad gateway"),
        ServerError("5xx", http_status=500),
        TransportError("reset"),
        RequestTimeoutError("timeout"),
    ],
)
def test_5xx_timeouts_and_dropped_connections_need_idempotency(exc: BitableError) -> None:
    assert retry_delay(exc, 0, CFG, rng(), idempotent=True) is not None
    assert retry_delay(exc, 0, CFG, rng(), idempotent=False) is None


def test_a_failed_connection_sent_nothing_so_it_is_always_retried() -> None:
    exc = ConnectionFailedError("refused")
    assert retry_delay(exc, 0, CFG, rng(), idempotent=False) is not None


@pytest.mark.parametrize(
    "exc", [ValueError("x"), KeyError("k"), BadRequestError("b"), LimitExceededError("l")]
)
def test_other_errors_are_not_retried(exc: BaseException) -> None:
    assert retry_delay(exc, 0, CFG, rng()) is None


def test_the_attempt_bound() -> None:
    exc = error_for_code(1254290, "rate")
    delays = [retry_delay(exc, n, CFG, rng()) for n in range(7)]
    assert all(d is not None for d in delays[:4])
    assert delays[4:] == [None, None, None]


def test_per_code_budget_from_the_code_table() -> None:
    # 1255003 MarshalError: "retry once, then fatal"; 1254002: 3 retries.
    once = error_for_code(1255003, "marshal")
    assert retry_delay(once, 0, CFG, rng()) is not None
    assert retry_delay(once, 1, CFG, rng()) is None
    bounded = error_for_code(1254002, "fail")
    big = RetryConfig(max_attempts=10)
    assert [retry_delay(bounded, n, big, rng()) is not None for n in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_disabled_never_retries() -> None:
    exc = error_for_code(1254290, "rate")
    assert retry_delay(exc, 0, RetryConfig(enabled=False), rng()) is None


@pytest.mark.parametrize("attempt", range(6))
def test_full_jitter_range(attempt: int) -> None:
    exc = error_for_code(1254290, "rate")  # no minimum delay, no reset header
    cfg = RetryConfig(max_attempts=10, base=0.5, cap=8.0)
    ceiling = min(cfg.cap, cfg.base * 2**attempt)
    assert backoff_ceiling(attempt, cfg) == ceiling
    source = random.Random(attempt)
    samples = [retry_delay(exc, attempt, cfg, source) for _ in range(400)]
    values = [s for s in samples if s is not None]
    assert len(values) == 400
    assert all(0.0 <= v <= ceiling for v in values)
    # Full jitter spreads over the whole range, not just near the ceiling.
    assert min(values) < 0.1 * ceiling
    assert max(values) > 0.9 * ceiling


def test_no_jitter_gives_the_exponential_ceiling() -> None:
    exc = error_for_code(1254290, "rate")
    cfg = RetryConfig(max_attempts=10, base=0.5, cap=3.0, jitter=False)
    assert [retry_delay(exc, n, cfg, rng()) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_reset_header_is_the_minimum_delay_even_above_the_cap() -> None:
    exc = error_for_code(99991400, "frequency limit", retry_after=42.0)
    for attempt in range(4):
        delay = retry_delay(exc, attempt, CFG, rng())
        assert delay is not None
        assert delay >= 42.0


def test_an_absurd_reset_header_is_clamped_to_max_reset_wait() -> None:
    exc = error_for_code(1254290, "too many requests", retry_after=86_400.0)
    cfg = RetryConfig(base=0.001, cap=0.001, max_reset_wait=12.0)
    assert retry_delay(exc, 0, cfg, rng()) == 12.0


def test_timeout_code_has_a_public_class() -> None:
    exc = error_for_code(1255040, "request timed out")
    assert type(exc).__name__ == "ServiceTimeoutError"
    assert exc.outcome_unknown


@pytest.mark.parametrize("code", [1254291, 1254607, 1254036])
def test_busy_errors_wait_at_least_the_documented_spacing(code: int) -> None:
    exc = error_for_code(code, "busy")
    cfg = RetryConfig(base=0.001, cap=0.001, busy_min_delay=0.5)
    assert retry_delay(exc, 0, cfg, rng()) == 0.5


# -- the loop --------------------------------------------------------------------


@pytest.mark.asyncio
async def test_loop_retries_until_success_and_sleeps_between_tries() -> None:
    fake = FakeTime()
    tries: list[int] = []

    async def op(attempt: int) -> str:
        tries.append(attempt)
        if attempt < 2:
            raise WriteConflictError("conflict", code=1254291)
        return "done"

    result = await retry_call(
        op, config=CFG, sleep=fake.sleep, clock=fake.clock, rng=rng(), idempotent=False
    )
    assert result == "done"
    assert tries == [0, 1, 2]
    assert len(fake.sleeps) == 2
    assert all(s >= CFG.busy_min_delay for s in fake.sleeps)


@pytest.mark.asyncio
async def test_loop_stops_at_max_attempts_and_raises_the_last_error() -> None:
    fake = FakeTime()
    tries: list[int] = []

    async def op(attempt: int) -> None:
        tries.append(attempt)
        raise DataNotReadyError(f"not ready {attempt}", code=1254607)

    with pytest.raises(DataNotReadyError, match="not ready 4"):
        await retry_call(
            op, config=CFG, sleep=fake.sleep, clock=fake.clock, rng=rng(), idempotent=True
        )
    assert tries == [0, 1, 2, 3, 4]
    assert len(fake.sleeps) == 4


@pytest.mark.asyncio
async def test_loop_respects_the_total_deadline() -> None:
    fake = FakeTime()
    cfg = RetryConfig(max_attempts=100, base=1.0, cap=1.0, jitter=False, deadline=3.5)

    async def op(attempt: int) -> None:
        raise RateLimitError("rate", code=1254290)

    with pytest.raises(RateLimitError):
        await retry_call(
            op, config=cfg, sleep=fake.sleep, clock=fake.clock, rng=rng(), idempotent=True
        )
    assert fake.sleeps == [1.0, 1.0, 1.0]


@pytest.mark.asyncio
async def test_loop_never_retries_foreign_exceptions() -> None:
    fake = FakeTime()

    async def op(attempt: int) -> None:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        await retry_call(
            op, config=CFG, sleep=fake.sleep, clock=fake.clock, rng=rng(), idempotent=True
        )
    assert fake.sleeps == []


# -- through the transport -------------------------------------------------------


@pytest.mark.asyncio
async def test_rate_limit_then_success_honours_the_reset_header() -> None:
    transport, fake = make_transport(auth=FakeProvider(), retry=CFG)
    with aioresponses() as m:
        m.post(
            ANY_URL,
            status=429,
            payload=envelope(99991400, "request trigger frequency limit"),
            headers={"x-ogw-ratelimit-reset": "7", "X-Tt-Logid": "L1"},
        )
        m.post(ANY_URL, payload=envelope(data={"records": []}))
        resp = await transport.request("POST", RECORDS + "/batch_create", body={"records": []})
        assert all_calls(m) == 2
    assert resp.data == {"records": []}
    assert len(fake.sleeps) == 1
    assert fake.sleeps[0] >= 7.0
    assert transport.stats.retries == 1
    await transport.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("query", "opt_in", "expected_calls"),
    [
        (None, False, 1),  # a plain write: outcome unknown, not retried
        ({"client_token": "fe599b60-450f-46ff-b2ef-9f6675625b97"}, False, 3),
        (None, True, 3),  # the caller says it is idempotent
    ],
)
async def test_unknown_outcome_writes_are_retried_only_when_idempotent(
    query: dict[str, str] | None, opt_in: bool, expected_calls: int
) -> None:
    transport, _ = make_transport(auth=FakeProvider(), retry=RetryConfig(max_attempts=3))
    with aioresponses() as m:
        m.post(ANY_URL, status=504, payload=envelope(1255040, "timeout"), repeat=True)
        with pytest.raises(InternalServerError) as info:
            await transport.request(
                "POST",
                RECORDS + "/batch_create",
                query=query,
                body={"records": []},
                retry_unknown_outcome=opt_in,
            )
        assert all_calls(m) == expected_calls
    assert info.value.code == 1255040
    await transport.aclose()


@pytest.mark.asyncio
async def test_html_502_on_a_get_is_retried_up_to_the_bound() -> None:
    transport, fake = make_transport(auth=FakeProvider(), retry=RetryConfig(max_attempts=4))
    with aioresponses() as m:
        m.get(ANY_URL, status=502, body=b"<html>502</html>", content_type="text/html", repeat=True)
        with pytest.raises(ServerError):
            await transport.request("GET", RECORDS)
        assert all_calls(m) == 4
    assert len(fake.sleeps) == 3
    assert transport.stats.retries == 3
    await transport.aclose()


@pytest.mark.asyncio
async def test_write_conflict_on_a_plain_write_is_retried() -> None:
    transport, _ = make_transport(auth=FakeProvider(), retry=CFG)
    with aioresponses() as m:
        m.put(ANY_URL, payload=envelope(1254291, "Write conflict"))
        m.put(ANY_URL, payload=envelope(data={"record": {}}))
        await transport.request("PUT", RECORDS + "/rec1", body={"fields": {}})
        assert all_calls(m) == 2
    await transport.aclose()


@pytest.mark.asyncio
async def test_bad_request_is_not_retried() -> None:
    transport, fake = make_transport(auth=FakeProvider(), retry=CFG)
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope(1254018, "InvalidFilter"), repeat=True)
        with pytest.raises(BadRequestError):
            await transport.request("GET", RECORDS)
        assert all_calls(m) == 1
    assert fake.sleeps == []
    await transport.aclose()


@pytest.mark.asyncio
async def test_retries_can_be_turned_off() -> None:
    transport, fake = make_transport(auth=FakeProvider(), retry=RetryConfig(enabled=False))
    with aioresponses() as m:
        m.get(ANY_URL, payload=envelope(1254290, "TooManyRequest"), repeat=True)
        with pytest.raises(RateLimitError):
            await transport.request("GET", RECORDS)
        assert all_calls(m) == 1
    assert fake.sleeps == []
    await transport.aclose()


@pytest.mark.asyncio
async def test_the_response_is_released_before_sleeping() -> None:
    """With a one-connection pool, a request made while the retry loop sleeps must
    not wait for a connection: the failed response was read and released first."""
    hits: list[str] = []

    async def records(request: web.Request) -> web.Response:
        hits.append("records")
        if len(hits) == 1:
            return web.json_response({"code": 1254290, "msg": "TooManyRequest"})
        return web.json_response({"code": 0, "msg": "ok", "data": {"n": len(hits)}})

    async def ping(request: web.Request) -> web.Response:
        hits.append("ping")
        return web.json_response({"code": 0, "msg": "ok", "data": "pong"})

    app = web.Application()
    app.router.add_get(RECORDS, records)
    app.router.add_get("/open-apis/ping", ping)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1))
    fake = FakeTime()
    during_sleep: list[object] = []
    transport: Transport

    async def sleep(seconds: float) -> None:
        # Deadlock guard only: if the connection were still held this would hang.
        with anyio.fail_after(30):
            during_sleep.append(await transport.request("GET", "/open-apis/ping", auth=False))
        await fake.sleep(seconds)

    transport = Transport(
        ClientConfig(
            base_url=f"http://127.0.0.1:{port}",
            rate_limit=RateLimitConfig(enabled=False),
        ),
        session=session,
        auth=FakeProvider(),
        sleep=sleep,
        clock=fake.clock,
    )
    try:
        resp = await transport.request("GET", RECORDS)
        assert resp.data == {"n": 3}
        assert hits == ["records", "ping", "records"]
        assert len(during_sleep) == 1
    finally:
        await transport.aclose()
        await session.close()
        await runner.cleanup()
