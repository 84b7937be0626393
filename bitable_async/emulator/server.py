"""Run the emulator: in-process (async context manager), in a thread, or in a process."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from . import control
from .app import build_application
from .config import EmulatorConfig, FaultConfig, demo_seed
from .gate import WriteHold
from .model import EmulatorState
from .runtime import RT, Runtime

T = TypeVar("T")


class Emulator:
    """An emulator bound to ``config.host`` on a free port (or ``config.port``).

    Use ``async with Emulator(config) as emu:`` in tests. With no seeded base in
    the config, the demo base (one "Tasks" table of common field types) is seeded.

    Args:
        config: configuration; None = defaults plus the demo base.
    """

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        if not self.config.seed_apps:
            self.config.seed_apps = [demo_seed()]
        self._runner: web.AppRunner | None = None
        self._rt: Runtime | None = None
        self.port = 0

    async def start(self) -> None:
        """Bind and start serving.

        Raises:
            OSError: when the port cannot be bound.
        """
        app = build_application(self.config)
        self._rt = app[RT]
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else self.config.port

    async def close(self) -> None:
        """Stop serving and release the port."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    @property
    def runtime(self) -> Runtime:
        """The running runtime.

        Raises:
            RuntimeError: before ``start()``.
        """
        if self._rt is None:
            raise RuntimeError("the emulator is not started")
        return self._rt

    @property
    def state(self) -> EmulatorState:
        """The in-memory state (bases, tables, records)."""
        return self.runtime.state

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (the SDK appends ``/open-apis/...``)."""
        return f"http://{self.config.host}:{self.port}"

    @property
    def app_id(self) -> str:
        """App ID of the first configured developer app."""
        return self.config.apps[0].app_id

    @property
    def app_secret(self) -> str:
        """App secret of the first configured developer app."""
        return self.config.apps[0].app_secret

    @property
    def app_token(self) -> str:
        """Token of the first seeded base."""
        return next(iter(self.state.apps))

    @property
    def table_id(self) -> str:
        """ID of the first table of the first seeded base."""
        return next(iter(self.state.apps[self.app_token].tables))

    def stats(self) -> dict[str, Any]:
        """Return every counter (see ``Stats.snapshot``)."""
        return self.runtime.stats.snapshot(self.state)

    def reset(self, *, stats: bool = True, data: bool = False, rate_limits: bool = True) -> None:
        """Reset counters, rate-limit windows and optionally all data (see ``control.reset``).

        Args:
            stats: zero every counter.
            data: drop all stored state (bases, files, aPaaS records, idempotency
                keys) and re-apply the seeds.
            rate_limits: forget the rate-limit windows.
        """
        control.reset(self.runtime, stats=stats, data=data, rate_limits=rate_limits)

    def configure(self, **changes: Any) -> None:
        """Change knobs at runtime (see ``control.configure``).

        Raises:
            ValueError: for an unknown setting.
        """
        control.configure(self.runtime, changes)

    def set_faults(self, faults: FaultConfig | None = None, **knobs: Any) -> None:
        """Replace the fault knobs (re-seeding the fault RNG).

        Args:
            faults: a full ``FaultConfig``; or None to build one from ``knobs``.
            **knobs: ``FaultConfig`` fields.
        """
        control.configure(self.runtime, {"faults": faults or FaultConfig(**knobs)})

    def revoke_tokens(self, app_id: str | None = None) -> int:
        """Revoke every issued token (of one app, or all).

        Args:
            app_id: limit to this app; None = all apps.

        Returns:
            the number of tokens revoked.
        """
        return self.runtime.tokens.revoke(app_id)

    def app_ticket(self, app_id: str) -> str | None:
        """Return the newest app_ticket of a marketplace app.

        Args:
            app_id: the app.

        Returns:
            the ticket, or None when the app has none.
        """
        return self.runtime.tokens.ticket(app_id)

    def hold_writes(self, table_id: str) -> WriteHold:
        """Hold the next writes to ``table_id`` inside their critical section.

        Must be called on the emulator's event loop. Release with ``hold.release()``.

        Returns:
            the hold; ``await hold.entered.wait()`` to know a write is in progress.
        """
        hold = WriteHold(table_id)
        self.runtime.gates.holds[table_id] = hold
        return hold

    def put_apaas_records(self, namespace: str, object_api_name: str,
                          records: list[dict[str, Any]]) -> None:
        """Seed aPaaS object records (each needs an ``_id``).

        Args:
            namespace: the aPaaS application namespace.
            object_api_name: the object's API name.
            records: the records, appended to those already stored.
        """
        self.state.apaas.setdefault((namespace, object_api_name), []).extend(records)


class EmulatorThread:
    """An ``Emulator`` running on its own event loop in a daemon thread.

    For blocking third-party clients and for tests on any event loop.

    Args:
        config: configuration (see ``Emulator``).
    """

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.emulator = Emulator(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="bitable-emulator")

    def start(self) -> EmulatorThread:
        """Start the thread and wait until the server listens."""
        self._thread.start()
        self.call(self.emulator.start())
        return self

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine on the emulator's loop and return its result.

        Args:
            coro: the coroutine.
            timeout: seconds to wait for the result.

        Returns:
            the coroutine's result.

        Raises:
            TimeoutError: when it takes longer than ``timeout``; any exception
                the coroutine raises is raised here.
        """
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a plain callable on the emulator's loop (thread-safe access to state).

        Args:
            fn: the callable.
            *args: its positional arguments.
            **kwargs: its keyword arguments.

        Returns:
            what ``fn`` returns.
        """
        async def wrapper() -> Any:
            return fn(*args, **kwargs)
        return self.call(wrapper())

    def stop(self) -> None:
        """Stop the server and the thread."""
        if self._thread.is_alive():
            self.call(self.emulator.close())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> EmulatorThread:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Base URL of the server."""
        return self.emulator.base_url

    @property
    def app_id(self) -> str:
        """App ID of the first developer app."""
        return self.emulator.app_id

    @property
    def app_secret(self) -> str:
        """App secret of the first developer app."""
        return self.emulator.app_secret

    @property
    def app_token(self) -> str:
        """Token of the first seeded base."""
        return str(self.run(lambda: self.emulator.app_token))

    @property
    def table_id(self) -> str:
        """First table of the first seeded base."""
        return str(self.run(lambda: self.emulator.table_id))

    def stats(self) -> dict[str, Any]:
        """Return every counter."""
        return dict(self.run(self.emulator.stats))

    def configure(self, **changes: Any) -> None:
        """Change knobs at runtime (see ``Emulator.configure``)."""
        self.run(self.emulator.configure, **changes)

    def reset(self, **kwargs: bool) -> None:
        """Reset counters / data (see ``Emulator.reset``)."""
        self.run(self.emulator.reset, **kwargs)

    def revoke_tokens(self, app_id: str | None = None) -> int:
        """Revoke issued tokens."""
        return int(self.run(self.emulator.revoke_tokens, app_id))


class EmulatorProcess:
    """The emulator in a child process (``python -m bitable_async.emulator``).

    Args:
        *args: extra command-line arguments (e.g. ``"--seed-file", "seed.json"``).
    """

    def __init__(self, *args: str) -> None:
        self._args = list(args)
        self._proc: subprocess.Popen[str] | None = None
        self._dir: str | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> EmulatorProcess:
        """Start the process and wait until it is ready.

        The JSON banner on stdout says when the server listens; the connection info
        (app secret unmasked, even one passed with ``--app-secret``) is read from a
        ready file in a private temporary directory.

        Raises:
            RuntimeError: when the process exits before it is ready.
        """
        self._dir = tempfile.mkdtemp(prefix="bitable-emulator-")
        ready = os.path.join(self._dir, "ready.json")
        cmd = [sys.executable, "-m", "bitable_async.emulator", "--port", "0", "--json",
               "--ready-file", ready, *self._args]
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line or not os.path.exists(ready):
            self.stop()
            raise RuntimeError("the emulator process exited before it was ready")
        with open(ready, encoding="utf-8") as f:
            self.info = dict(json.load(f))
        return self

    @property
    def base_url(self) -> str:
        """Base URL of the server."""
        return str(self.info["base_url"])

    def stats(self) -> dict[str, Any]:
        """Fetch ``/__emulator/stats`` over HTTP."""
        with urllib.request.urlopen(self.base_url + "/__emulator/stats", timeout=10) as resp:
            return dict(json.loads(resp.read()))

    def stop(self) -> None:
        """Terminate the process."""
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
