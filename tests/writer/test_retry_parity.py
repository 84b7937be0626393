"""The table writer's batch loop and the transport's loop follow ONE retry decision.

The same scripted HTTP answers are given to (a) a ``batch_create`` sent by the
transport with its own retries (the explicit ``records.batch_create`` path: a
``client_token`` makes it idempotent) and (b) the same batch sent by the table
writer (BatchSender over TransportExecutor, transport retries off). Both use
the same policy and a jitter source seeded alike; they must make the same
number of requests and wait the same times. Each case also pins what the
documented rules demand, including the points where the writer used to
differ (spacing after 1254291/1254607, the reset header beyond ``cap``, the
per-code budget of 1255003).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest
from aioresponses_compat import aioresponses
from transport_support import ANY_URL, FakeProvider, envelope, make_transport
from writer_fakes import FakeTime

from bitable_async.config import RetryConfig
from bitable_async.errors import BitableError, ConfigurationError
from bitable_async.writer import (
    OpKind,
    OutcomeUnknownError,
    WriterConfig,
    WriteRetryPolicy,
    WriterRegistry,
)
from bitable_async.writing.http import TransportExecutor

APP, TABLE = "bascnParity", "tblParity"
PATH = f"/open-apis/bitable/v1/apps/{APP}/tables/{TABLE}/records/batch_create"
TOKEN = "fe599b60-450f-46ff-b2ef-9f6675625b97"
ROWS = [{"Key": "a"}, {"Key": "b"}]
OK = envelope(data={"records": [{"record_id": f"rec{i}", "fields": r} for i, r in enumerate(ROWS)]})
SEED = 20240501


@dataclass(frozen=True)
class Answer:
    """One scripted HTTP answer."""

    payload: dict[str, Any]
    status: int = 200
    reset: str | None = None


def err(code: int, *, status: int = 200, reset: str | None = None) -> Answer:
    return Answer(envelope(code, f"scripted {code}"), status, reset)


def mock(m: aioresponses, script: list[Answer]) -> None:
    for a in script:
        headers = {"x-ogw-ratelimit-reset": a.reset} if a.reset else None
        m.post(ANY_URL, status=a.status, payload=a.payload, headers=headers)
    # Anything past the script would be a bug: make it loud.
    m.post(ANY_URL, status=200, payload=envelope(1254000, "past the script"), repeat=True)


def requests_made(m: aioresponses) -> int:
    return sum(len(v) for v in m.requests.values())


async def via_transport(policy: RetryConfig, script: list[Answer]) -> tuple[Any, list[float], int]:
    transport, fake = make_transport(auth=FakeProvider(), retry=policy, seed=SEED)
    with aioresponses() as m:
        mock(m, script)
        try:
            result: Any = await transport.request(
                "POST", PATH, query={"client_token": TOKEN}, body={"records": ROWS}
            )
        except BitableError as exc:
            result = exc
        sent = requests_made(m)
    await transport.aclose()
    return result, fake.sleeps, sent


async def via_writer(
    policy: WriteRetryPolicy, script: list[Answer]
) -> tuple[Any, list[float], int]:
    transport, _ = make_transport(auth=FakeProvider(), retry=RetryConfig(), seed=1)
    ft = FakeTime()
    cfg = WriterConfig(
        retry=policy,
        clock=ft.clock,
        sleep=ft.sleep,
        rng=random.Random(SEED),
        linger=0.0,
        idle_grace=0.0,
    )
    registry = WriterRegistry(cfg)
    writer = registry.writer(APP, TABLE, TransportExecutor(transport, APP, TABLE))
    with aioresponses() as m:
        mock(m, script)
        outcome = await writer.write_batch(OpKind.CREATE, ROWS)
        sent = requests_made(m)
    await registry.aclose()
    await transport.aclose()
    first = outcome[0]
    assert all(type(o) is type(first) for o in outcome)
    return first, ft.slept, sent


def policy(**kw: Any) -> WriteRetryPolicy:
    kw.setdefault("max_attempts", 8)
    kw.setdefault("base", 0.25)
    kw.setdefault("cap", 4.0)
    kw.setdefault("busy_min_delay", 0.75)
    kw.setdefault("shrink_after_not_ready", 0)
    return WriteRetryPolicy(**kw)


@pytest.mark.asyncio
async def test_rejections_are_spaced_and_the_reset_header_is_honoured_by_both_loops() -> None:
    script = [
        err(1254290, status=429, reset="30"),  # longer than cap: the server's wait wins
        err(1254291),  # write conflict: at least busy_min_delay
        err(1254607, status=400),  # data not ready: at least busy_min_delay
        Answer(OK),
    ]
    p = policy()
    t_result, t_sleeps, t_sent = await via_transport(p, script)
    w_result, w_sleeps, w_sent = await via_writer(p, script)

    assert t_sent == w_sent == 4
    assert w_sleeps == t_sleeps
    assert w_sleeps[0] == 30.0  # the writer used to clamp the reset wait to `cap` (4 s)
    assert all(d >= 0.75 for d in w_sleeps[1:])  # ... and to wait uniform(0, base * 2**n)
    assert t_result.data["records"][0]["record_id"] == "rec0"
    assert w_result["record_id"] == "rec0"


@pytest.mark.asyncio
async def test_a_code_budget_counts_that_code_only_in_both_loops() -> None:
    # 1255003 "retry once, then fatal": its one retry is not spent by the
    # write conflict before it (the transport used to stop at its first 1255003).
    script = [err(1254291), err(1255003), err(1255003), Answer(OK)]
    p = policy()
    t_result, t_sleeps, t_sent = await via_transport(p, script)
    w_result, w_sleeps, w_sent = await via_writer(p, script)

    assert t_sent == w_sent == 3
    assert w_sleeps == t_sleeps
    assert len(w_sleeps) == 2
    assert isinstance(t_result, BitableError)
    assert t_result.code == 1255003
    # The writer reports that a 1255003 attempt may have been applied.
    assert isinstance(w_result, OutcomeUnknownError)
    assert w_result.code == 1255003


@pytest.mark.parametrize(
    ("change", "script", "sent", "final"),
    [
        # max_attempts bounds both loops.
        ({"max_attempts": 3}, [err(1255040, status=504)] * 5, 3, 1255040),
        # enabled=False: no retry at all, in either loop.
        ({"enabled": False}, [err(1254291), Answer(OK)], 1, 1254291),
        # A larger busy_min_delay spaces both loops' retries after a conflict.
        ({"busy_min_delay": 3.0}, [err(1254291), err(1254291), Answer(OK)], 3, None),
        # No jitter: the plain exponential backoff in both.
        ({"jitter": False}, [err(1254290)] * 3 + [Answer(OK)], 4, None),
        # The deadline: no wait that would end past it (1 + 2 = 3 <= 3.5; + 4 > 3.5).
        (
            {"jitter": False, "base": 1.0, "busy_min_delay": 0.0, "deadline": 3.5},
            [err(1254290)] * 6,
            3,
            1254290,
        ),
    ],
    ids=["max_attempts", "enabled", "busy_min_delay", "jitter", "deadline"],
)
@pytest.mark.asyncio
async def test_a_retry_config_change_applies_to_both_loops(
    change: dict[str, Any], script: list[Answer], sent: int, final: int | None
) -> None:
    p = policy(**change)
    t_result, t_sleeps, t_sent = await via_transport(p, script)
    w_result, w_sleeps, w_sent = await via_writer(p, script)

    assert t_sent == w_sent == sent
    assert w_sleeps == t_sleeps
    assert len(w_sleeps) == sent - 1
    if final is None:
        assert w_result["record_id"] == "rec0"
        assert t_result.data["records"][0]["record_id"] == "rec0"
    else:
        assert isinstance(t_result, BitableError)
        assert isinstance(w_result, BitableError)
        assert t_result.code == w_result.code == final
    if change.get("busy_min_delay") == 3.0:
        assert all(d >= 3.0 for d in w_sleeps)
    if change.get("jitter") is False and "deadline" not in change:
        assert w_sleeps == [0.25, 0.5, 1.0]
    if "deadline" in change:
        assert w_sleeps == [1.0, 2.0]


def test_the_writer_policy_is_a_retry_config() -> None:
    p = WriteRetryPolicy()
    assert isinstance(p, RetryConfig)
    assert (p.max_attempts, p.base, p.cap, p.shrink_after_not_ready) == (8, 0.5, 10.0, 3)
    assert p.busy_min_delay == RetryConfig().busy_min_delay
    with pytest.raises(ConfigurationError, match="max_attempts"):
        WriteRetryPolicy(max_attempts=0)
    with pytest.raises(ConfigurationError, match="shrink_after_not_ready"):
        WriteRetryPolicy(shrink_after_not_ready=-1)
