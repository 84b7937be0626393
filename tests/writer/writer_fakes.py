"""In-memory fakes for the writer unit tests: a table executor and a fake time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bitable_async.errors import (
    BitableError,
    IdempotencyError,
    InvalidFieldValueError,
    NotFoundError,
    RequestTimeoutError,
)


class FakeTime:
    """A clock and a sleep that advances it; sleeping yields to the loop once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


Fault = Callable[[str, Sequence[Any]], "BitableError | None"]


@dataclass
class Call:
    """One request the fake received."""

    kind: str
    size: int
    token: str | None
    table_id: str


@dataclass
class FakeTable:
    """A table with all-or-nothing batch semantics and a client_token memory.

    ``faults`` is a list consumed one entry per request: None (behave), an
    error to raise before committing, or ``("after", error)`` to commit and
    then raise (a response lost after commit). ``bad_value`` marks a value
    the server rejects with 1254061. ``yields`` makes each request yield to
    the loop so overlapping requests would be visible.
    """

    table_id: str = "tbl1"
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    faults: list[Any] = field(default_factory=list)
    bad_value: Any = "BAD"
    yields: int = 2
    in_flight: int = 0
    overlaps: int = 0
    tokens: dict[str, tuple[Any, list[dict[str, Any]]]] = field(default_factory=dict)
    shared: dict[str, int] | None = None  # cross-table in-flight counter (per-app lanes)
    _n: int = 0

    async def _enter(self) -> None:
        self.in_flight += 1
        if self.in_flight > 1:
            self.overlaps += 1
        if self.shared is not None:
            self.shared["now"] = self.shared.get("now", 0) + 1
            self.shared["max"] = max(self.shared.get("max", 0), self.shared["now"])
        for _ in range(self.yields):
            await asyncio.sleep(0)

    def _leave(self) -> None:
        self.in_flight -= 1
        if self.shared is not None:
            self.shared["now"] -= 1

    def _fault(self) -> tuple[bool, BitableError | None]:
        if not self.faults:
            return False, None
        f = self.faults.pop(0)
        if isinstance(f, tuple):
            return True, f[1]
        return False, f

    def _check_values(self, recs: Sequence[Mapping[str, Any]]) -> None:
        for r in recs:
            for v in r.values():
                if v == self.bad_value:
                    raise InvalidFieldValueError("NumberFieldConvFail", code=1254061)

    def _new_id(self) -> str:
        self._n += 1
        return f"rec{self.table_id}{self._n:06d}"

    async def batch_create(
        self, records: Sequence[Mapping[str, Any]], *, client_token: str
    ) -> Sequence[Mapping[str, Any]]:
        self.calls.append(Call("create", len(records), client_token, self.table_id))
        await self._enter()
        try:
            after, err = self._fault()
            if err is not None and not after:
                raise err
            body = [dict(r) for r in records]
            if client_token in self.tokens:
                prev_body, prev_out = self.tokens[client_token]
                if prev_body != body:
                    raise IdempotencyError("Client token conflict", code=1255006)
                if err is not None:
                    raise err
                return prev_out
            self._check_values(records)
            out = []
            for r in body:
                rid = self._new_id()
                self.rows[rid] = r
                out.append({"record_id": rid, "fields": r})
            self.tokens[client_token] = (body, out)
            if err is not None:
                raise err
            return out
        finally:
            self._leave()

    async def batch_update(
        self, records: Sequence[tuple[str, Mapping[str, Any]]]
    ) -> Sequence[Mapping[str, Any]]:
        self.calls.append(Call("update", len(records), None, self.table_id))
        await self._enter()
        try:
            after, err = self._fault()
            if err is not None and not after:
                raise err
            for rid, _ in records:
                if rid not in self.rows:
                    raise NotFoundError("RecordIdNotFound", code=1254043)
            self._check_values([f for _, f in records])
            out = []
            for rid, f in records:
                self.rows[rid].update(f)
                out.append({"record_id": rid, "fields": dict(self.rows[rid])})
            if err is not None:
                raise err
            return out
        finally:
            self._leave()

    async def batch_delete(self, record_ids: Sequence[str]) -> Sequence[Mapping[str, Any]]:
        self.calls.append(Call("delete", len(record_ids), None, self.table_id))
        await self._enter()
        try:
            after, err = self._fault()
            if err is not None and not after:
                raise err
            for rid in record_ids:
                if rid not in self.rows:
                    raise NotFoundError("RecordIdNotFound", code=1254043)
            for rid in record_ids:
                del self.rows[rid]
            if err is not None:
                raise err
            return [{"record_id": rid, "deleted": True} for rid in record_ids]
        finally:
            self._leave()

    async def existing_ids(self, record_ids: Sequence[str]) -> set[str]:
        return {rid for rid in record_ids if rid in self.rows}


def timeout() -> RequestTimeoutError:
    """A client-side timeout: outcome unknown."""
    return RequestTimeoutError("timed out")
