"""Client-side rate limiter: documented caps as sliding windows, per key and class, fake clock."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transport_support import FakeTime

from bitable_async.config import EndpointClass, RateLimitConfig
from bitable_async.errors import ConfigurationError
from bitable_async.ratelimit import RateLimiter, window_shape

W, R, L = EndpointClass.WRITE, EndpointClass.READ, EndpointClass.LIST_RECORDS


#: The documented caps exactly (the defaults keep one slot of headroom below them).
DOCUMENTED = RateLimitConfig(
    write_qps=10.0, read_qps=20.0, list_records_qps=10.0, list_records_per_minute=1000.0
)


def doc(**changes: object) -> RateLimitConfig:
    """The documented caps with some settings changed."""
    return dataclasses.replace(DOCUMENTED, **changes)  # type: ignore[arg-type]


def limiter(config: RateLimitConfig | None = DOCUMENTED) -> tuple[RateLimiter, FakeTime]:
    fake = FakeTime(start=0.0)
    return RateLimiter(config, clock=fake.clock, sleep=fake.sleep), fake


def test_defaults_stay_just_under_the_documented_caps() -> None:
    cfg = RateLimitConfig()
    assert cfg.enabled
    assert cfg.limits_for(W) == ((9.5, 1.0),)
    assert cfg.limits_for(R) == ((19.0, 1.0),)
    assert cfg.limits_for(L) == ((9.5, 1.0), (950.0, 60.0))
    # Never more than the documented cap in any one-second window.
    rl, _ = limiter(cfg)
    for cls, cap in ((W, 10), (R, 20), (L, 10)):
        waits = [rl.reserve(cls) for _ in range(cap + 1)]
        assert waits.count(0.0) <= cap
        assert waits[-1] >= 1.0


@pytest.mark.parametrize(("cls", "cap"), [(W, 10), (R, 20), (L, 10)])
def test_the_first_n_go_at_once_then_the_window_slides(cls: EndpointClass, cap: int) -> None:
    rl, _ = limiter()
    waits = [rl.reserve(cls) for _ in range(cap + 2)]
    # No start-up spacing: N tables writing at once all start at once.
    assert waits == pytest.approx([0.0] * cap + [1.0, 1.0])


@pytest.mark.parametrize(("cls", "interval"), [(W, 0.1), (R, 0.05), (L, 0.1)])
def test_burst_one_spaces_every_request_by_the_rate(cls: EndpointClass, interval: float) -> None:
    rl, _ = limiter(doc(burst=1))
    waits = [rl.reserve(cls) for _ in range(5)]
    assert waits == pytest.approx([0.0, interval, 2 * interval, 3 * interval, 4 * interval])


def test_no_window_of_one_second_holds_more_than_the_cap() -> None:
    rl, fake = limiter()
    sent: list[float] = []
    for _ in range(55):
        sent.append(fake.now + rl.reserve(W))
    assert max(_most_in_any_window(sent, 1.0)) == 10
    assert sent[-1] == pytest.approx(5.0)  # 55 requests: 10 per second, no more, no less


def _most_in_any_window(admitted: list[float], period: float) -> list[int]:
    # Windows [t, t + period) starting at every admission; a hair of slack
    # for float rounding of the booked times.
    ts = sorted(admitted)
    return [sum(1 for u in ts if t <= u < t + period - 1e-7) for t in ts]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rate=st.sampled_from([1.0, 3.0, 9.5, 10.0, 20.0, 2.5, 0.5]),
    burst=st.sampled_from([None, 1, 2, 3, 50]),
    gaps=st.lists(
        st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=1.5)), min_size=1, max_size=120
    ),
)
def test_property_at_most_n_admissions_in_any_one_second_window(
    rate: float, burst: int | None, gaps: list[float]
) -> None:
    rl, fake = limiter(RateLimitConfig(write_qps=rate, burst=burst))
    admitted: list[float] = []
    for gap in gaps:
        fake.now += gap
        wait = rl.reserve(W)
        assert wait >= 0.0
        admitted.append(fake.now + wait)
    assert admitted == sorted(admitted)  # FIFO
    cap = math.ceil(rate)
    assert max(_most_in_any_window(admitted, 1.0)) <= cap
    # The long-run rate is the configured one: n admissions back to back take
    # at least (n - cap) / rate seconds after the first.
    n = len(admitted)
    if n > cap:
        assert admitted[-1] - admitted[0] >= (n - cap) / rate - 1e-6


@settings(max_examples=50, deadline=None)
@given(gaps=st.lists(st.floats(min_value=0.0, max_value=3.0), min_size=1, max_size=200))
def test_property_list_records_keeps_both_windows(gaps: list[float]) -> None:
    rl, fake = limiter(RateLimitConfig(list_records_qps=5.0, list_records_per_minute=30.0))
    admitted: list[float] = []
    for gap in gaps:
        fake.now += gap
        admitted.append(fake.now + rl.reserve(L))
    assert max(_most_in_any_window(admitted, 1.0)) <= 5
    assert max(_most_in_any_window(admitted, 60.0)) <= 30


def test_a_fractional_rate_keeps_the_ceiling_with_headroom() -> None:
    rl, _ = limiter(RateLimitConfig(write_qps=9.5))
    assert window_shape(9.5, 1.0) == (10, pytest.approx(10 / 9.5))
    waits = [rl.reserve(W) for _ in range(21)]
    assert waits[:10] == [0.0] * 10
    assert waits[10:20] == pytest.approx([10 / 9.5] * 10)
    assert waits[20] == pytest.approx(20 / 9.5)


def test_idle_time_restores_the_budget() -> None:
    rl, fake = limiter()
    for _ in range(10):
        rl.reserve(W)
    fake.now += 1.0
    assert [rl.reserve(W) for _ in range(10)] == [0.0] * 10
    assert rl.reserve(W) == pytest.approx(1.0)


def test_the_window_slides_it_is_not_a_fixed_second() -> None:
    rl, fake = limiter()
    fake.now = 0.5
    for _ in range(5):
        assert rl.reserve(W) == 0.0
    fake.now = 1.2
    for _ in range(5):
        assert rl.reserve(W) == 0.0
    # 10 in (0.5, 1.2]: the next may go only when the ones at 0.5 leave the window.
    assert fake.now + rl.reserve(W) == pytest.approx(1.5)


def test_keys_and_classes_are_independent() -> None:
    rl, _ = limiter(doc(burst=1))
    assert rl.reserve(W, "tenant-a") == 0.0
    assert rl.reserve(W, "tenant-b") == 0.0
    assert rl.reserve(R, "tenant-a") == 0.0
    assert rl.reserve(W, "tenant-a") == pytest.approx(0.1)


def test_burst_lets_the_first_requests_go_together() -> None:
    rl, _ = limiter(doc(burst=3))
    waits = [rl.reserve(W) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


def test_the_per_minute_limit_of_list_records_binds_when_it_is_the_tighter_one() -> None:
    rl, _ = limiter(RateLimitConfig(list_records_qps=1000.0, list_records_per_minute=60.0))
    waits = [rl.reserve(L) for _ in range(62)]
    assert waits == pytest.approx([0.0] * 60 + [60.0, 60.0])


def test_disabled_never_waits() -> None:
    rl, _ = limiter(RateLimitConfig(enabled=False))
    assert [rl.reserve(W) for _ in range(100)] == [0.0] * 100


@pytest.mark.asyncio
async def test_acquire_sleeps_with_the_injected_sleep_and_counts() -> None:
    rl, fake = limiter()
    for _ in range(12):
        await rl.acquire(W)
    # 10 at t=0; the 11th waits for the window; the 12th then goes with it.
    assert fake.sleeps == pytest.approx([1.0])
    assert fake.now == pytest.approx(1.0)
    assert rl.waits == 1
    assert rl.waited_seconds == pytest.approx(1.0)


@pytest.mark.asyncio
async def test_concurrent_acquirers_get_distinct_admissible_slots() -> None:
    fake = FakeTime(start=0.0)
    slots: list[float] = []
    rl = RateLimiter(DOCUMENTED, clock=fake.clock, sleep=lambda s: asyncio.sleep(0))

    async def one() -> None:
        slots.append(fake.now + await rl.acquire(R))

    await asyncio.gather(*(one() for _ in range(50)))
    slots.sort()
    assert slots == pytest.approx([0.0] * 20 + [1.0] * 20 + [2.0] * 10)


@pytest.mark.asyncio
async def test_concurrent_acquirers_with_burst_one_are_evenly_spaced() -> None:
    fake = FakeTime(start=0.0)
    slots: list[float] = []
    rl = RateLimiter(doc(burst=1), clock=fake.clock, sleep=lambda s: asyncio.sleep(0))

    async def one() -> None:
        slots.append(fake.now + await rl.acquire(R))

    await asyncio.gather(*(one() for _ in range(40)))
    slots.sort()
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert all(gap == pytest.approx(0.05) for gap in gaps)


def test_idle_keys_are_pruned_so_memory_stays_bounded() -> None:
    rl, fake = limiter()
    for round_ in range(12):
        for i in range(1000):
            rl.reserve(W, f"tenant-{round_}-{i}")
        fake.now += 10.0
    assert len(rl._buckets) <= 4000
    # A pruned key behaves like a fresh one; a live key is still limited.
    for _ in range(10):
        assert rl.reserve(W, "tenant-0-1") == 0.0
    assert rl.reserve(W, "tenant-0-1") == pytest.approx(1.0)


@pytest.mark.parametrize(
    "kwargs", [{"write_qps": 0}, {"read_qps": -1}, {"burst": 0}, {"list_records_per_minute": 0}]
)
def test_invalid_settings_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        RateLimitConfig(**kwargs)  # type: ignore[arg-type]
