"""A tiny fake Feishu open platform (aiohttp.web on 127.0.0.1) for auth tests.

Serves the self-built tenant token endpoint (counting fetches, optionally
holding them until ``release`` is set) and one authenticated GET that echoes
the token it saw.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import web

TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
APP_PATH = "/open-apis/bitable/v1/apps/{app_token}"


class FakeOpenPlatform:
    """State and handlers of the fake platform."""

    def __init__(self, *, hold_fetches: bool = False) -> None:
        self.token_fetches = 0
        self.token_bodies: list[dict[str, object]] = []
        self.release = asyncio.Event()
        if not hold_fetches:
            self.release.set()
        self.issued: set[str] = set()
        self.revoked: set[str] = set()  # answered with 99991663
        self.on_fetch: Callable[[], None] = lambda: None
        self.base_url = ""
        self.token_error: int | None = None  # answer token fetches with this code

    async def token(self, request: web.Request) -> web.Response:
        self.token_fetches += 1
        self.on_fetch()
        self.token_bodies.append(await request.json())
        if self.token_error is not None:
            return web.json_response({"code": self.token_error, "msg": "app secret invalid"})
        token = f"t-fleet-{self.token_fetches}"
        self.issued.add(token)
        await self.release.wait()
        return web.json_response(
            {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200}
        )

    async def app(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.issued or token in self.revoked:
            return web.json_response({"code": 99991663, "msg": "invalid token"}, status=400)
        return web.json_response({"code": 0, "msg": "ok", "data": {"seen": token}})


@asynccontextmanager
async def serve_platform(*, hold_fetches: bool = False) -> AsyncIterator[FakeOpenPlatform]:
    """Run a :class:`FakeOpenPlatform` on a free port; ``base_url`` is set on it."""
    platform = FakeOpenPlatform(hold_fetches=hold_fetches)
    web_app = web.Application()
    web_app.router.add_post(TOKEN_PATH, platform.token)
    web_app.router.add_get(APP_PATH, platform.app)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    platform.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield platform
    finally:
        platform.release.set()  # never leave a handler blocked (cleanup would wait for it)
        await runner.cleanup()
