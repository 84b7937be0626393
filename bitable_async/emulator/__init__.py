"""A local Bitable server (aiohttp.web) for offline tests and benchmarks.

It implements the token endpoints, the 43 documented endpoints plus
records/search and Drive media, with the service's concurrency, rate-limit and
idempotency semantics and seeded fault injection. It is an independent
implementation: it imports nothing from the SDK outside this package.

Names are imported lazily so ``import bitable_async.emulator`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import (
        AppCredential,
        EmulatorConfig,
        FaultConfig,
        ManualClock,
        SeedApp,
        SeedField,
        SeedTable,
        demo_seed,
    )
    from .server import Emulator, EmulatorProcess, EmulatorThread

__all__ = [
    "AppCredential",
    "Emulator",
    "EmulatorConfig",
    "EmulatorProcess",
    "EmulatorThread",
    "FaultConfig",
    "ManualClock",
    "SeedApp",
    "SeedField",
    "SeedTable",
    "demo_seed",
]

_WHERE = {
    "Emulator": "server", "EmulatorProcess": "server", "EmulatorThread": "server",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(name)
    module = importlib.import_module(f".{_WHERE.get(name, 'config')}", __name__)
    return getattr(module, name)
