"""Runtime reconfiguration and reset, shared by the Python API and the admin HTTP routes."""

from __future__ import annotations

import dataclasses
from typing import Any

from .config import FaultConfig
from .model import EmulatorState, IdFactory
from .runtime import Runtime
from .seed import apply_seeds

SETTABLE = frozenset({
    "token_ttl", "token_renew_window", "write_service_time", "write_service_time_per_record",
    "read_conflicts", "rate_limits_enabled", "qps_overrides", "default_write_qps",
    "default_read_qps", "max_batch", "max_records_per_table", "max_tables_per_app",
    "page_size_caps", "numbers_as_strings_on_list", "duplex_link_writable",
    "strict_attachments", "users", "extra_field_entries",
})


def configure(rt: Runtime, changes: dict[str, Any]) -> None:
    """Change knobs of a running emulator.

    Args:
        rt: the runtime.
        changes: config attribute -> new value; ``faults`` may be a ``FaultConfig``
            or a dict of its fields (replacing the fault knobs and re-seeding).

    Raises:
        ValueError: for an unknown or non-settable key.
    """
    for key, value in changes.items():
        if key == "faults":
            faults = value if isinstance(value, FaultConfig) else FaultConfig(**dict(value))
            if isinstance(faults.endpoints, list):
                faults = dataclasses.replace(faults, endpoints=tuple(faults.endpoints))
            rt.config.faults = faults
            rt.faults.configure(faults)
        elif key in SETTABLE:
            setattr(rt.config, key, value)
        else:
            raise ValueError(f"unknown or read-only emulator setting {key!r}")
    rt.tokens.ttl = rt.config.token_ttl
    rt.tokens.renew_window = rt.config.token_renew_window


def reset(rt: Runtime, *, stats: bool = True, data: bool = False,
          rate_limits: bool = True) -> None:
    """Reset parts of a running emulator.

    Args:
        rt: the runtime.
        stats: zero the counters.
        data: drop every base, file and idempotency key and re-apply the seeds.
        rate_limits: forget the rate-limit windows.
    """
    if stats:
        rt.stats.reset()
    if rate_limits:
        rt.limiter.reset()
    if data:
        rt.state = EmulatorState(IdFactory(rt.config.id_seed))
        apply_seeds(rt, rt.config.seed_apps)
