"""Build the aiohttp application of the emulator."""

from __future__ import annotations

from aiohttp import web

from . import (
    routes_auth,
    routes_fields,
    routes_forms,
    routes_misc,
    routes_records,
    routes_roles,
    routes_tables,
)
from .config import EmulatorConfig
from .middleware import pipeline
from .runtime import RT, Runtime
from .seed import apply_seeds

PREFIX = "/open-apis"


def build_application(config: EmulatorConfig | None = None) -> web.Application:
    """Create the emulator's ``web.Application`` with seeded state.

    Args:
        config: the configuration (defaults: one self-built app, no seeded bases).

    Returns:
        the application; its runtime is ``app[RT]``.

    Raises:
        ApiError: when the seeds are invalid.
    """
    rt = Runtime(config or EmulatorConfig())
    apply_seeds(rt, rt.config.seed_apps)
    app = web.Application(middlewares=[pipeline], client_max_size=64 * 1024 * 1024)
    app[RT] = rt
    for module in (routes_auth, routes_records, routes_fields, routes_tables, routes_forms,
                   routes_roles, routes_misc):
        module.add_routes(app.router, PREFIX)
    return app
