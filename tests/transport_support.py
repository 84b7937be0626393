"""Fakes shared by the transport, retry, client and secret-leak tests."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Mapping
from typing import Any

import msgspec

from bitable_async._transport import Transport
from bitable_async.auth.base import TokenFetcher
from bitable_async.config import ClientConfig, RateLimitConfig, RetryConfig

BASE = "http://bitable.test"
ANY_URL = re.compile(r"^http://bitable\.test/.*$")


class FakeTime:
    """A clock that only moves when something sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class FakeProvider:
    """A TokenProvider issuing t-fake-1, t-fake-2 ... and counting fetches."""

    def __init__(self) -> None:
        self.fetches = 0
        self.invalidated: list[str] = []
        self.tenant_keys: list[str | None] = []
        self.fetcher: TokenFetcher | None = None
        self._token: str | None = None

    async def get_token(self, *, tenant_key: str | None = None) -> str:
        self.tenant_keys.append(tenant_key)
        if self._token is None:
            self.fetches += 1
            self._token = f"t-fake-{self.fetches}"
        return self._token

    async def invalidate(self, token: str, *, tenant_key: str | None = None) -> None:
        self.invalidated.append(token)
        if self._token == token:
            self._token = None

    def bind(self, fetcher: TokenFetcher) -> None:
        self.fetcher = fetcher


def make_config(
    *,
    retry: RetryConfig | None = None,
    rate_limit: RateLimitConfig | None = None,
) -> ClientConfig:
    """A config for BASE with retries on (or as given) and no rate limit by default."""
    return ClientConfig(
        base_url=BASE,
        retry=retry or RetryConfig(),
        rate_limit=rate_limit or RateLimitConfig(enabled=False),
    )


def make_transport(
    *,
    retry: RetryConfig | None = None,
    rate_limit: RateLimitConfig | None = None,
    auth: Any = None,
    time: FakeTime | None = None,
    seed: int = 7,
) -> tuple[Transport, FakeTime]:
    """A Transport on BASE with a fake clock and a seeded jitter source."""
    fake = time or FakeTime()
    transport = Transport(
        make_config(retry=retry, rate_limit=rate_limit),
        auth=auth,
        sleep=fake.sleep,
        clock=fake.clock,
        rng=random.Random(seed),
    )
    return transport, fake


def envelope(code: int = 0, msg: str = "success", data: Any = None) -> dict[str, Any]:
    """A response body."""
    body: dict[str, Any] = {"code": code, "msg": msg}
    if data is not None:
        body["data"] = data
    return body


def calls(mocked: Any) -> list[tuple[str, Any, Mapping[str, Any]]]:
    """Every request aioresponses saw, as (method, url, kwargs), grouped by (method, url)."""
    return [
        (method, url, req.kwargs) for (method, url), reqs in mocked.requests.items() for req in reqs
    ]


def all_calls(mocked: Any) -> int:
    """How many requests aioresponses saw."""
    return sum(len(reqs) for reqs in mocked.requests.values())


def decode_body(kwargs: Mapping[str, Any]) -> Any:
    """The JSON body a request sent (bytes in ``data``)."""
    data = kwargs["data"]
    assert isinstance(data, bytes)
    return msgspec.json.decode(data)
