"""Client-side rate limiter: documented caps, per key and class, with a fake clock."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from transport_support import FakeTime

from bitable_async.config import EndpointClass, RateLimitConfig
from bitable_async.errors import ConfigurationError
from bitable_async.ratelimit import RateLimiter

W, R, L = EndpointClass.WRITE, EndpointClass.READ, EndpointClass.LIST_RECORDS


def limiter(config: RateLimitConfig | None = None) -> tuple[RateLimiter, FakeTime]:
    fake = FakeTime(start=0.0)
    return RateLimiter(config, clock=fake.clock, sleep=fake.sleep), fake


def test_defaults_match_the_documented_caps() -> None:
    cfg = RateLimitConfig()
    assert cfg.enabled
    assert cfg.limits_for(W) == ((10.0, 1.0),)
    assert cfg.limits_for(R) == ((20.0, 1.0),)
    assert cfg.limits_for(L) == ((10.0, 1.0), (1000.0, 60.0))


@pytest.mark.parametrize(("cls", "interval"), [(W, 0.1), (R, 0.05), (L, 0.1)])
def test_reservations_at_one_instant_are_spaced_by_the_rate(
    cls: EndpointClass, interval: float
) -> None:
    rl, _ = limiter()
    waits = [rl.reserve(cls) for _ in range(5)]
    assert waits == pytest.approx([0.0, interval, 2 * interval, 3 * interval, 4 * interval])


def test_no_window_of_one_second_holds_more_than_the_cap() -> None:
    rl, fake = limiter()
    sent: list[float] = []
    for _ in range(55):
        sent.append(fake.now + rl.reserve(W))
    for start in sent:
        in_window = [t for t in sent if start <= t < start + 1.0 - 1e-9]
        assert len(in_window) <= 10


def test_idle_time_restores_the_budget() -> None:
    rl, fake = limiter()
    rl.reserve(W)
    rl.reserve(W)
    fake.now += 5.0
    assert rl.reserve(W) == 0.0


def test_keys_and_classes_are_independent() -> None:
    rl, _ = limiter()
    assert rl.reserve(W, "tenant-a") == 0.0
    assert rl.reserve(W, "tenant-b") == 0.0
    assert rl.reserve(R, "tenant-a") == 0.0
    assert rl.reserve(W, "tenant-a") == pytest.approx(0.1)


def test_burst_lets_the_first_requests_go_together() -> None:
    rl, _ = limiter(RateLimitConfig(burst=3))
    waits = [rl.reserve(W) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


def test_the_per_minute_limit_of_list_records_binds_when_it_is_the_tighter_one() -> None:
    rl, _ = limiter(RateLimitConfig(list_records_qps=1000.0, list_records_per_minute=60.0))
    waits = [rl.reserve(L) for _ in range(4)]
    assert waits == pytest.approx([0.0, 1.0, 2.0, 3.0])


def test_disabled_never_waits() -> None:
    rl, _ = limiter(RateLimitConfig(enabled=False))
    assert [rl.reserve(W) for _ in range(100)] == [0.0] * 100


@pytest.mark.asyncio
async def test_acquire_sleeps_with_the_injected_sleep_and_counts() -> None:
    rl, fake = limiter()
    for _ in range(3):
        await rl.acquire(W)
    assert fake.sleeps == pytest.approx([0.1, 0.1])
    assert fake.now == pytest.approx(0.2)
    assert rl.waits == 2
    assert rl.waited_seconds == pytest.approx(0.2)


@pytest.mark.asyncio
async def test_concurrent_acquirers_get_distinct_spaced_slots() -> None:
    fake = FakeTime(start=0.0)
    slots: list[float] = []
    rl = RateLimiter(clock=fake.clock, sleep=lambda s: asyncio.sleep(0))

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
    assert len(rl._tat) <= 4000
    # A pruned key behaves like a fresh one; a live key is still limited.
    assert rl.reserve(W, "tenant-0-1") == 0.0
    assert rl.reserve(W, "tenant-0-1") == pytest.approx(0.1)


@pytest.mark.parametrize(
    "kwargs", [{"write_qps": 0}, {"read_qps": -1}, {"burst": 0}, {"list_records_per_minute": 0}]
)
def test_invalid_settings_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        RateLimitConfig(**kwargs)  # type: ignore[arg-type]
