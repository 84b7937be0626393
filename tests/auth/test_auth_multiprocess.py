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
from fake_platform import FakeOpenPlatform, serve_platform

CHILD = Path(__file__).with_name("fleet_child.py")
PROCESSES = 4
REQUESTS_PER_PROCESS = 25


@pytest.mark.asyncio
async def test_four_processes_one_token_fetch(redis_url: str, redis_prefix: str) -> None:
    async with serve_platform(hold_fetches=True) as platform:
        await _run_fleet(platform, redis_url, redis_prefix)


async def _run_fleet(platform: FakeOpenPlatform, redis_url: str, redis_prefix: str) -> None:
    base_url = platform.base_url
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
            await until(
                lambda: (
                    (saying("WAITING") == PROCESSES - 1 and platform.token_fetches == 1)
                    or platform.token_fetches > 1
                )
            )
            assert platform.token_fetches == 1
            assert saying("WAITING") == PROCESSES - 1
            platform.release.set()
            codes = [await p.wait() for p in children]
            await asyncio.gather(*readers)
    finally:
        platform.release.set()  # never leave a handler blocked
        for proc in children:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
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
