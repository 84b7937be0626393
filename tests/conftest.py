"""Shared fixtures: a real Redis server (never a fake) and helpers to run private ones.

Redis is found in this order: ``REDIS_URL``; ``127.0.0.1:6379`` if it answers;
a ``redis-server`` started on a free port for the session. Without any of them
the Redis tests are skipped with a clear reason -- except when ``CI`` is set,
where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel
import pytest
import pytest_asyncio
import redis
import redis.asyncio as aioredis

from cache_backends import TokenCache
from cache_backends.memory import MemoryTokenCache
from cache_backends.redis import RedisTokenCache


def no_redis(reason: str) -> None:
    """Skip (or, under CI, fail) a test that needs a Redis server."""
    if os.environ.get("CI"):
        pytest.fail(f"Redis required under CI: {reason}")
    pytest.skip(f"no Redis server available: {reason}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def redis_answers(url: str) -> bool:
    """Whether a Redis server answers PING at ``url`` (blocking; fixtures only)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


@dataclass
class RedisServer:
    """A private ``redis-server`` process (no persistence) on 127.0.0.1."""

    port: int
    proc: subprocess.Popen[bytes] | None = None
    workdir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="bitable-redis-"))

    @property
    def url(self) -> str:
        """The server's URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait (bounded) until it answers PING."""
        binary = shutil.which("redis-server")
        if binary is None:
            no_redis("redis-server is not installed")
            return
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):  # process start-up, at most ~10 s
            if redis_answers(self.url):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        no_redis(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Kill the server (abruptly, like a crash) and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a reachable Redis server for the whole session."""
    env = os.environ.get("REDIS_URL")
    if env:
        if not redis_answers(env):
            no_redis(f"REDIS_URL={env!r} does not answer PING")
        yield env
        return
    default = "redis://127.0.0.1:6379/0"
    if redis_answers(default):
        yield default
        return
    server = RedisServer(free_port())
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix unique to the test, so tests never see each other's keys."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest_asyncio.fixture
async def redis_client(redis_url: str, redis_prefix: str) -> AsyncIterator[aioredis.Redis]:
    """An async client on the session Redis; the test's keys are deleted afterwards."""
    client = aioredis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    try:
        yield client
    finally:
        keys = [key async for key in client.scan_iter(match=f"{redis_prefix}:*", count=500)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
def redis_server_factory() -> Iterator[Callable[[], RedisServer]]:
    """Start private redis-servers (e.g. to kill one mid-test); all are stopped at teardown."""
    servers: list[RedisServer] = []

    def start() -> RedisServer:
        server = RedisServer(free_port())
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()
        shutil.rmtree(server.workdir, ignore_errors=True)


async def _instant_sleep(_seconds: float) -> None:
    await anyio.lowlevel.checkpoint()  # lease polls yield to the loop but take no wall time


@pytest_asyncio.fixture(params=["memory", "redis"])
async def cache_factory(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], TokenCache]]:
    """Makes token caches that share one store, once per backend (memory, Redis).

    Memory: the same instance every time. Redis: a new ``RedisTokenCache`` each
    time (as another process would build) on the same server and prefix.
    """
    if request.param == "memory":
        shared = MemoryTokenCache()
        yield lambda: shared
        return
    # Sync fixtures only: an async fixture cannot be requested dynamically.
    url: str = request.getfixturevalue("redis_url")
    prefix: str = request.getfixturevalue("redis_prefix")
    client = aioredis.Redis.from_url(url)
    try:
        yield lambda: RedisTokenCache(client, prefix, sleep=_instant_sleep)
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
