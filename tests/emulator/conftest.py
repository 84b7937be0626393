"""Fixtures for the emulator's own tests: an in-process emulator and a raw client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from emu_support import Client

from bitable_async.emulator import Emulator, EmulatorConfig, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_config(clock: ManualClock) -> Callable[..., EmulatorConfig]:
    def factory(**kw: Any) -> EmulatorConfig:
        kw.setdefault("clock", clock)
        kw.setdefault("rate_limits_enabled", False)
        return EmulatorConfig(**kw)
    return factory


@pytest.fixture
def config(make_config: Callable[..., EmulatorConfig]) -> EmulatorConfig:
    return make_config()


@pytest_asyncio.fixture
async def emu(config: EmulatorConfig) -> AsyncIterator[Emulator]:
    async with Emulator(config) as running:
        yield running


@pytest_asyncio.fixture
async def client(emu: Emulator) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession() as session:
        c = Client(emu, session)
        await c.login()
        yield c
