"""Per-table write gates: one write in progress per table, never queued."""

from __future__ import annotations

import asyncio
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
