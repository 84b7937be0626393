"""pytest plugin (entry point ``bitable_emulator``): fixtures running a local emulator.

Fixtures:

* ``bitable_emulator_config`` - the ``EmulatorConfig`` used (override it in your
  ``conftest.py`` to change knobs or seeds).
* ``bitable_emulator`` - a running ``EmulatorThread`` (own event loop, works with
  sync and async tests): ``.base_url``, ``.app_id``, ``.app_secret``,
  ``.app_token``, ``.table_id``, ``.stats()``, ``.configure(...)``.

Importing this module is cheap: the emulator is imported only when a fixture runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def bitable_emulator_config() -> Any:
    """The configuration of ``bitable_emulator``: one app, the demo base.

    Returns:
        an ``EmulatorConfig`` (rate limits off so tests are not throttled).
    """
    from bitable_async.emulator.config import EmulatorConfig, demo_seed

    return EmulatorConfig(seed_apps=[demo_seed()], rate_limits_enabled=False)


@pytest.fixture
def bitable_emulator(bitable_emulator_config: Any) -> Iterator[Any]:
    """A running emulator in a background thread, stopped after the test.

    Yields:
        an ``EmulatorThread`` seeded with a base holding table "Tasks".
    """
    from bitable_async.emulator.server import EmulatorThread

    emu = EmulatorThread(bitable_emulator_config).start()
    try:
        yield emu
    finally:
        emu.stop()
