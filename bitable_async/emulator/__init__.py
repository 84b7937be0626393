"""A local Bitable server (aiohttp.web) for offline tests and benchmarks.

It implements the token endpoints, the 43 documented endpoints plus
records/search and Drive media, with the service's concurrency, rate-limit and
idempotency semantics and seeded fault injection. It is an independent
implementation: it imports nothing from the SDK outside this package, and since
``bitable_async`` resolves its own names lazily, importing or running the
emulator loads none of the SDK's client, transport or value codecs
(tests/emulator/test_emu_independence.py checks both).

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
        SeedLookup,
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
    "SeedLookup",
    "SeedTable",
    "demo_seed",
]

_WHERE = {
    "Emulator": "server",
    "EmulatorProcess": "server",
    "EmulatorThread": "server",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access.

    Args:
        name: the attribute looked up on the package.

    Returns:
        the public object.

    Raises:
        AttributeError: when ``name`` is not in ``__all__``.
    """
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f".{_WHERE.get(name, 'config')}", __name__)
    return getattr(module, name)


def __dir__() -> list[str]:
    """List the public names too, imported or not.

    Returns:
        the module's globals and every name of ``__all__``, sorted.
    """
    return sorted(set(globals()) | set(__all__))
