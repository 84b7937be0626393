"""Fixtures of the CLI tests: the emulator (in a thread, over real HTTP) with known users."""

from __future__ import annotations

from typing import Any

import pytest

from bitable_async.emulator.config import EmulatorConfig, demo_seed

USERS = {
    "ou_alice": {"name": "Alice", "en_name": "Alice", "email": "alice@example.com"},
    "ou_bob": {"name": "Bob", "en_name": "Bob", "email": "bob@example.com"},
}


@pytest.fixture
def bitable_emulator_config() -> Any:
    """The demo base ("Tasks" table), two users, no rate limits."""
    return EmulatorConfig(seed_apps=[demo_seed()], rate_limits_enabled=False, users=USERS)
