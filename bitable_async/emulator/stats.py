"""Counters the emulator keeps so tests and benchmarks can assert server-side facts."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from .model import EmulatorState


@dataclass
class Counters:
    """One row of counters (per endpoint, per table, or the total)."""

    requests: int = 0
    ok: int = 0
    errors: int = 0
    writes_committed: int = 0
    records_written: int = 0
    conflicts: int = 0
    not_ready: int = 0
    rate_limited: int = 0
    faults_injected: int = 0


class Stats:
    """Thread-safe request counters, keyed by endpoint and by table."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self.total = Counters()
            self.endpoints: dict[str, Counters] = defaultdict(Counters)
            self.tables: dict[str, Counters] = defaultdict(Counters)
            self.token_fetches: dict[str, int] = defaultdict(int)
            self.codes: dict[int, int] = defaultdict(int)
            self.faults: list[tuple[int, str, str]] = []

    def _rows(self, endpoint: str, table_id: str | None) -> list[Counters]:
        rows = [self.total, self.endpoints[endpoint]]
        if table_id:
            rows.append(self.tables[table_id])
        return rows

    def request(self, endpoint: str, table_id: str | None) -> None:
        """Count an arriving request.

        Args:
            endpoint: endpoint name.
            table_id: table concerned, if any.
        """
        with self._lock:
            for row in self._rows(endpoint, table_id):
                row.requests += 1

    def outcome(
        self, endpoint: str, table_id: str | None, code: int, *, write: bool, records: int
    ) -> None:
        """Count how a request ended (business ``code``; 0 = success).

        Args:
            endpoint: endpoint name.
            table_id: table concerned, if any.
            code: the response code.
            write: True for a write endpoint.
            records: records affected by a successful write.
        """
        with self._lock:
            self.codes[code] += 1
            for row in self._rows(endpoint, table_id):
                if code == 0:
                    row.ok += 1
                    if write:
                        row.writes_committed += 1
                        row.records_written += records
                else:
                    row.errors += 1
                row.conflicts += code == 1254291
                row.not_ready += code == 1254607
                row.rate_limited += code == 1254290

    def fault(self, seq: int, endpoint: str, table_id: str | None, kind: str) -> None:
        """Count an injected fault and log it as ``(seq, endpoint, kind)``.

        Args:
            seq: the request's sequence number.
            endpoint: endpoint name.
            table_id: table concerned, if any.
            kind: what was injected (e.g. ``"5xx_json"``, ``"drop"``).
        """
        with self._lock:
            self.faults.append((seq, endpoint, kind))
            for row in self._rows(endpoint, table_id):
                row.faults_injected += 1

    def token_fetch(self, endpoint: str) -> None:
        """Count a token fetch on a token endpoint."""
        with self._lock:
            self.token_fetches[endpoint] += 1

    def snapshot(self, state: EmulatorState) -> dict[str, Any]:
        """Return a JSON-able copy of every counter plus records stored per table.

        Args:
            state: the emulator state (for ``records_stored``).

        Returns:
            ``{"total", "endpoints", "tables", "token_fetches", "codes",
            "faults", "records_stored"}``.
        """
        with self._lock:
            stored = {
                t.table_id: len(t.records) for a in state.apps.values() for t in a.tables.values()
            }
            return {
                "total": asdict(self.total),
                "endpoints": {k: asdict(v) for k, v in self.endpoints.items()},
                "tables": {k: asdict(v) for k, v in self.tables.items()},
                "token_fetches": dict(self.token_fetches),
                "codes": {str(k): v for k, v in self.codes.items()},
                "faults": [list(f) for f in self.faults],
                "records_stored": stored,
            }
