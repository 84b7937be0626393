"""Per-table write gates: one write in progress per table, never queued.

Besides the gates, :meth:`TableGates.commit_turn` runs the CPU part of table
writes (validation, storing, rendering) one per event-loop iteration. Writes
to different tables model independent servers, but the emulator runs them on
one event loop: when the service times of several tables end together, asyncio
would run all their commits back to back in one iteration, without reading
the sockets in between. A table whose answer went out first could then not
even start its next request until every other commit was done, so concurrent
tables lost the sum of everyone's commit time per write and stayed in phase.
Taking turns lets the loop accept new requests between two commits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class WriteHold:
    """Holds writes to one table inside their critical section (for tests).

    While a hold is active, a write to its table marks the table busy, sets
    ``entered`` and waits for ``release()`` before committing. Create it with
    ``Emulator.hold_writes(table_id)`` on the emulator's event loop.
    """

    table_id: str
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        """Let the held write (and later ones) proceed."""
        self.released.set()


class TableGates:
    """Tracks which tables have a write in progress."""

    def __init__(self) -> None:
        self._busy: set[tuple[str, str]] = set()
        self.holds: dict[str, WriteHold] = {}
        self._turn: asyncio.Lock | None = None
        self._turn_loop: asyncio.AbstractEventLoop | None = None

    @contextlib.asynccontextmanager
    async def commit_turn(self) -> AsyncIterator[None]:
        """Hold the commit turn: one table write's CPU work per loop iteration.

        The holder first yields once, so the loop polls its sockets (new
        requests start) before the commit runs; commits queued meanwhile go
        in FIFO order, each after its own poll. See the module docstring.

        Yields:
            nothing; the commit runs inside the ``async with`` block.
        """
        loop = asyncio.get_running_loop()
        if self._turn is None or self._turn_loop is not loop:
            self._turn, self._turn_loop = asyncio.Lock(), loop
        async with self._turn:
            await asyncio.sleep(0)
            yield

    def busy(self, app_token: str, table_id: str) -> bool:
        """Return True while a write on that table is in progress.

        Args:
            app_token: the base.
            table_id: the table.
        """
        return (app_token, table_id) in self._busy

    def try_enter(self, app_token: str, table_id: str) -> bool:
        """Mark the table busy.

        Args:
            app_token: the base.
            table_id: the table.

        Returns:
            False when it already was busy (nothing changes then).
        """
        key = (app_token, table_id)
        if key in self._busy:
            return False
        self._busy.add(key)
        return True

    def leave(self, app_token: str, table_id: str) -> None:
        """Mark the table idle.

        Args:
            app_token: the base.
            table_id: the table.
        """
        self._busy.discard((app_token, table_id))

    async def wait_hold(self, table_id: str) -> None:
        """Block on an active hold for this table, if any."""
        hold = self.holds.get(table_id)
        if hold is not None and not hold.released.is_set():
            hold.entered.set()
            await hold.released.wait()
