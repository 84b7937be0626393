"""Emulator-backed helpers shared by the tests: an SDK client on a running emulator.

Tests that talk to the in-process emulator over HTTP on 127.0.0.1 build the
same client each time: the emulator's credentials and base URL, and the
client's own rate limiter off (the emulator decides what is limited).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig
from bitable_async.emulator.config import EmulatorConfig
from bitable_async.emulator.server import Emulator


class Reachable(Protocol):
    """What a client needs of a running emulator (in-process, thread or process)."""

    @property
    def app_id(self) -> str: ...

    @property
    def app_secret(self) -> str: ...

    @property
    def base_url(self) -> str: ...


def client_on(
    emu: Reachable, *, config: ClientConfig | None = None, **kwargs: Any
) -> BitableClient:
    """A client of ``emu`` with its own rate limiter off (not yet entered).

    ``config`` replaces the default ``ClientConfig(rate_limit=RateLimitConfig(enabled=False))``;
    any other keyword (``sleep=``, ``writer_config=`` ...) goes to :class:`BitableClient`.
    """
    if config is None:
        config = ClientConfig(rate_limit=RateLimitConfig(enabled=False))
    return BitableClient(emu.app_id, emu.app_secret, base_url=emu.base_url, config=config, **kwargs)


@asynccontextmanager
async def emulated_client(
    config: EmulatorConfig, **client_kwargs: Any
) -> AsyncIterator[tuple[Emulator, BitableClient]]:
    """Start an emulator from ``config`` and a client of it (see :func:`client_on`).

    Both are closed on exit, the client first.
    """
    async with Emulator(config) as emu, client_on(emu, **client_kwargs) as client:
        yield emu, client
