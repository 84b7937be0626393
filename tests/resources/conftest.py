"""Fixtures of the resource tests: a client on a fake base URL, and a request recorder."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import pytest_asyncio
from aioresponses_compat import CallbackResult, aioresponses

from bitable_async.auth.base import TokenFetcher
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig, RetryConfig

BASE = "http://bitable.test"


class StaticAuth:
    """A token provider that always answers the same token (no token endpoint)."""

    def __init__(self, token: str = "t-static") -> None:
        self.token = token

    async def get_token(self, *, tenant_key: str | None = None) -> str:
        return self.token

    async def invalidate(self, token: str, *, tenant_key: str | None = None) -> None:
        return None

    def bind(self, fetcher: TokenFetcher) -> None:
        return None


@dataclass
class Sent:
    """One request the fake server received."""

    method: str
    path: str
    query: list[tuple[str, str]]
    body: bytes | None
    headers: dict[str, str]

    def json(self) -> Any:
        assert self.body is not None, f"{self.method} {self.path} sent no body"
        return json.loads(self.body)

    @property
    def query_dict(self) -> dict[str, str]:
        return dict(self.query)


Responder = Callable[[Sent], Any]


@dataclass
class FakeServer:
    """Records every request and answers with ``responder(sent)`` (a JSON body)."""

    responder: Responder
    sent: list[Sent] = field(default_factory=list)

    def callback(self, method: str) -> Callable[..., CallbackResult]:
        def cb(url: Any, **kwargs: Any) -> CallbackResult:
            parts = urlsplit(str(url))
            query = parse_qsl(parts.query, keep_blank_values=True)
            params = kwargs.get("params")
            if params and not query:
                query = [(str(k), str(v)) for k, v in params]
            data = kwargs.get("data")
            sent = Sent(method, parts.path, query, data, dict(kwargs.get("headers") or {}))
            self.sent.append(sent)
            payload = self.responder(sent)
            if isinstance(payload, bytes):
                return CallbackResult(
                    status=200, body=payload, content_type="application/octet-stream"
                )
            return CallbackResult(
                status=200, body=json.dumps(payload), content_type="application/json"
            )

        return cb


def ok(data: Any = None) -> dict[str, Any]:
    """A success envelope."""
    return {"code": 0, "msg": "success", "data": {} if data is None else data}


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with aioresponses() as m:
        yield m


@pytest.fixture
def serve(mocked: aioresponses) -> Callable[[Responder], FakeServer]:
    """Install a fake server answering every method on the fake base URL."""

    def install(responder: Responder) -> FakeServer:
        server = FakeServer(responder)
        pattern = re.compile(re.escape(BASE) + r"/.*")
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            mocked.add(pattern, method=method, callback=server.callback(method), repeat=True)
        return server

    return install


@pytest_asyncio.fixture
async def client() -> AsyncIterator[BitableClient]:
    """A client on the fake base URL: static token, no retries, no client rate limit."""
    config = ClientConfig(
        base_url=BASE,
        retry=RetryConfig(enabled=False),
        rate_limit=RateLimitConfig(enabled=False),
    )
    async with BitableClient(auth=StaticAuth(), config=config) as c:
        yield c
