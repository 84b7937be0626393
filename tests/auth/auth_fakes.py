"""Fakes for the auth tests: a token endpoint (TokenFetcher), clocks, backends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
import anyio.lowlevel

from bitable_async.errors import error_for_code

SECRET = "s3cr3t-app-secret-value"
TENANT_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
APP_PATH = "/open-apis/auth/v3/app_access_token/internal"
ISV_APP_PATH = "/open-apis/auth/v3/app_access_token"
ISV_TENANT_PATH = "/open-apis/auth/v3/tenant_access_token"
RESEND_PATH = "/open-apis/auth/v3/app_ticket/resend"


async def instant_sleep(_seconds: float) -> None:
    """A sleep that only yields to the event loop (lease polls without wall time)."""
    await anyio.lowlevel.checkpoint()


class FakeClock:
    """Epoch seconds that only move when told to."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeTokenEndpoint:
    """A TokenFetcher answering like the Feishu token endpoints, counting calls.

    Tokens are numbered per path so every fetch yields a distinct value. Set
    ``gate`` to hold fetches in flight; set ``codes`` to answer with error codes.
    """

    def __init__(self, *, expire: float = 7200, gate: anyio.Event | None = None) -> None:
        self.expire = expire
        self.gate = gate
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.codes: dict[str, list[int]] = {}  # path -> codes to answer with, in turn
        self.issued: list[str] = []

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.calls if p == path)

    async def __call__(self, path: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        self.calls.append((path, dict(body)))
        n = self.count(path)
        await anyio.lowlevel.checkpoint()  # let every other coroutine run into the cache miss
        if self.gate is not None:
            await self.gate.wait()
        pending = self.codes.get(path)
        if pending:
            code = pending.pop(0)
            raise error_for_code(code, "fake failure", http_status=400, method="POST", path=path)
        if path == TENANT_PATH:
            return self._token("tenant_access_token", f"t-internal-{n}")
        if path == APP_PATH:
            return self._token("app_access_token", f"a-internal-{n}")
        if path == ISV_APP_PATH:
            assert body["app_ticket"], "app_ticket must be sent"
            return self._token("app_access_token", f"a-isv-{n}")
        if path == ISV_TENANT_PATH:
            return self._token("tenant_access_token", f"t-{body['tenant_key']}-{n}")
        if path == RESEND_PATH:
            return {"code": 0, "msg": "ok"}
        raise AssertionError(f"unexpected path {path}")

    def _token(self, field: str, value: str) -> dict[str, Any]:
        self.issued.append(value)
        return {"code": 0, "msg": "ok", field: value, "expire": self.expire}
