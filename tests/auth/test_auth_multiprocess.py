"""A fleet of 4 OS processes sharing one Redis makes exactly ONE token fetch at cold start.

The token endpoint is a tiny aiohttp.web server in this process, on 127.0.0.1.
It holds the one fetch open until the three other processes report that they
are waiting on the refresh lease, so the lease (not luck) is what is tested.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from aiohttp import web

CHILD = Path(__file__).with_name("fleet_child.py")
PROCESSES = 4
REQUESTS_PER_PROCESS = 25
TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"


class FakeOpenPlatform:
    def __init__(self) -> None:
        self.token_fetches = 0
        self.token_bodies: list[dict[str, object]] = []
        self.release = asyncio.Event()
        self.issued: set[str] = set()
        self.on_fetch: Callable[[], None] = lambda: None

    async def token(self, request: web.Request) -> web.Response:
        self.token_fetches += 1
        self.on_fetch()
        self.token_bodies.append(await request.json())
        token = f"t-fleet-{self.token_fetches}"
        self.issued.add(token)
        await self.release.wait()
        return web.json_response(
            {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200}
        )

    async def app(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        if token not in self.issued:
            return web.json_response({"code": 99991663, "msg": "invalid token"}, status=400)
        return web.json_response({"code": 0, "msg": "ok", "data": {"seen": token}})


@pytest.mark.asyncio
async def test_four_processes_one_token_fetch(redis_url: str, redis_prefix: str) -> None:
    platform = FakeOpenPlatform()
    web_app = web.Application()
    web_app.router.add_post(TOKEN_PATH, platform.token)
    web_app.router.add_get("/open-apis/bitable/v1/apps/{app_token}", platform.app)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base_url = f"http://127.0.0.1:{port}"
    children: list[asyncio.subprocess.Process] = []
    output: list[list[str]] = [[] for _ in range(PROCESSES)]
    changed = asyncio.Event()

    async def read_lines(i: int, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            output[i].append(raw.decode().strip())
            changed.set()

    async def until(predicate: Callable[[], bool]) -> None:
        while not predicate():
            changed.clear()
            await changed.wait()

    def saying(word: str) -> int:
        return sum(word in lines for lines in output)

    try:
        with anyio.fail_after(60):
            for _ in range(PROCESSES):
                children.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        str(CHILD),
                        base_url,
                        redis_url,
                        redis_prefix,
                        str(REQUESTS_PER_PROCESS),
                        stdin=asyncio.subprocess.PIPE,
                        stdout=asyncio.subprocess.PIPE,
                    )
                )
            readers = [asyncio.ensure_future(read_lines(i, p)) for i, p in enumerate(children)]
            await until(lambda: saying("READY") == PROCESSES)
            for proc in children:  # start them together
                assert proc.stdin is not None
                proc.stdin.write(b"GO\n")
                await proc.stdin.drain()
            # One process holds the lease and the (blocked) fetch; the others wait on it.
            platform.on_fetch = changed.set
            await until(lambda: saying("WAITING") == PROCESSES - 1 or platform.token_fetches > 1)
            assert platform.token_fetches == 1
            platform.release.set()
            codes = [await p.wait() for p in children]
            await asyncio.gather(*readers)
    finally:
        platform.release.set()  # never leave a handler blocked (cleanup would wait for it)
        for proc in children:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await runner.cleanup()
    assert codes == [0] * PROCESSES
    results = [
        json.loads(line.removeprefix("RESULT "))
        for lines in output
        for line in lines
        if line.startswith("RESULT ")
    ]
    assert len(results) == PROCESSES
    assert all(seen == ["t-fleet-1"] * REQUESTS_PER_PROCESS for seen in results)
    assert platform.token_fetches == 1
    assert platform.token_bodies == [{"app_id": "cli_fleet", "app_secret": "fleet-secret-value"}]
