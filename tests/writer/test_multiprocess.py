"""Several OS processes writing through the Redis lease, against one emulator over HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from writer_e2e import APP_TOKEN, client_for, registry_for, seed, table_id

from bitable_async.bulk import bulk_insert
from bitable_async.emulator.server import EmulatorThread
from bitable_async.writing.redis_lease import RedisLeaseBackend

WORKER = Path(__file__).with_name("lease_worker.py")


class StrictClock:
    """Wall time that moves forward by at least 1 ms per reading.

    The emulator stamps each record's ``created_time`` in whole milliseconds
    from its clock; with this clock no two stamps are equal, so the stamps
    give the exact order in which the emulator committed rows -- across tables.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0.0

    def __call__(self) -> float:
        with self._lock:
            self._last = max(time.time(), self._last + 0.001)
            return self._last


@pytest.fixture
def emulator() -> Iterator[EmulatorThread]:
    emu = EmulatorThread(seed(4, write_service_time=0.002, clock=StrictClock())).start()
    try:
        yield emu
    finally:
        emu.stop()


def spawn(emu: EmulatorThread, redis_url: str, prefix: str, **spec: Any) -> subprocess.Popen[str]:
    full = {
        "base_url": emu.base_url,
        "app_id": emu.app_id,
        "app_secret": emu.app_secret,
        "app_token": APP_TOKEN,
        "redis_url": redis_url,
        "prefix": prefix,
        **spec,
    }
    return subprocess.Popen(
        [sys.executable, str(WORKER), json.dumps(full)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(proc: subprocess.Popen[str]) -> tuple[dict[str, Any] | None, str]:
    """Wait for a worker: its JSON result (None when it failed) and a report for messages."""
    try:
        out, err = proc.communicate(timeout=100)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += "\n(killed by the test: no exit within 100 s)"
    report = f"exit={proc.returncode}\nstdout:\n{out}\nstderr:\n{err}"
    lines = out.strip().splitlines()
    parsed: dict[str, Any] | None = None
    if proc.returncode == 0 and lines:
        parsed = json.loads(lines[-1])
    return parsed, report


def result(proc: subprocess.Popen[str]) -> dict[str, Any]:
    parsed, report = finished(proc)
    assert parsed is not None, report
    return parsed


def commit_span(emu: EmulatorThread, tbl: str) -> tuple[int, int]:
    """The emulator's (first, last) commit stamp of a table's rows (ms, all distinct)."""

    def read() -> tuple[int, int]:
        stamps = [r.created_time for r in emu.emulator.state.table(APP_TOKEN, tbl).records.values()]
        return min(stamps), max(stamps)

    span: tuple[int, int] = emu.run(read)
    return span


def table_rows(emu: EmulatorThread, tbl: str) -> list[tuple[str, str, int]]:
    """(Key, Note, serial) of every row, read on the emulator's loop."""

    def read() -> list[tuple[str, str, int]]:
        t = emu.emulator.state.table(APP_TOKEN, tbl)
        ids = {f.name: f.field_id for f in t.fields.values()}
        return [
            (str(r.cells.get(ids["Key"])), str(r.cells.get(ids["Note"])), r.serial)
            for r in t.records.values()
        ]

    rows: list[tuple[str, str, int]] = emu.run(read)
    return rows


def test_four_processes_one_table_with_lease_all_rows_once(
    emulator: EmulatorThread, redis_url: str, redis_prefix: str
) -> None:
    barrier = {"key": f"{redis_prefix}:barrier", "n": 4}
    procs = [
        spawn(
            emulator,
            redis_url,
            redis_prefix,
            table_id=table_id(0),
            tag=f"p{i}",
            rows=2500,
            barrier=barrier,
            lease_max_hold=0.05,
        )
        for i in range(4)
    ]
    results = [result(p) for p in procs]
    stats = emulator.stats()
    keys = [k for k, _, _ in table_rows(emulator, table_id(0))]
    print(
        "\nsame table:",
        [(r["tag"], round(r["end"] - r["start"], 3)) for r in results],
        "conflicts:",
        stats["total"]["conflicts"],
    )
    assert all(r["written"] == 2500 and r["aborted"] is None for r in results)
    assert len(keys) == 10_000
    assert len(set(keys)) == 10_000
    assert stats["total"]["conflicts"] == 0


def test_four_processes_four_tables_overlap_in_time(
    emulator: EmulatorThread, redis_url: str, redis_prefix: str
) -> None:
    barrier = {"key": f"{redis_prefix}:barrier", "n": 4}
    procs = [
        spawn(
            emulator,
            redis_url,
            redis_prefix,
            table_id=table_id(i),
            tag=f"p{i}",
            rows=3000,
            chunk_size=250,
            barrier=barrier,
        )
        for i in range(4)
    ]
    results = [result(p) for p in procs]
    assert all(r["written"] == 3000 for r in results)
    # When the emulator committed each table's first and last row: stamps come
    # from one strictly increasing clock, so they order commits across tables.
    spans = [commit_span(emulator, table_id(i)) for i in range(4)]
    t0 = min(first for first, _ in spans)
    print(
        "\nfour tables, commit stamps (first, last), ms apart or more:",
        [(f - t0, last - t0) for f, last in spans],
    )
    # Every table's first write was committed before every other table's last
    # write: the four loads were in progress at the same time.
    for i, (first, _) in enumerate(spans):
        for j, (_, last) in enumerate(spans):
            if i != j:
                assert first < last, f"table {i} started after table {j} finished: {spans}"
    for i in range(4):
        assert len({k for k, _, _ in table_rows(emulator, table_id(i))}) == 3000
    assert emulator.stats()["total"]["conflicts"] == 0


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]


# Worker A's lease lifetime: long enough that a loaded machine never misses a
# renewal (renewed every ttl/3) while A writes its first chunk; B waits it out.
A_LEASE_TTL = 2.0


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to see a stopped process")
def test_paused_lease_holder_cannot_write_after_another_process_took_the_table(
    emulator: EmulatorThread, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    marker = tmp_path / f"paused-{uuid.uuid4().hex}"
    # A stops itself (SIGSTOP) as soon as its first chunk is committed: it then
    # holds the lease and cannot renew it. No timing decides when it pauses.
    a = spawn(
        emulator,
        redis_url,
        redis_prefix,
        table_id=table_id(1),
        tag="a",
        rows=1000,
        chunk_size=100,
        depth=1,
        pause_after=1,
        marker=str(marker),
        lease_ttl=A_LEASE_TTL,
        idle_grace=60.0,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() or _state(a.pid) != "T":
            if a.poll() is not None:
                pytest.fail(f"worker A exited before pausing:\n{finished(a)[1]}")
            if time.monotonic() > deadline:
                a.kill()
                pytest.fail(f"worker A never paused:\n{finished(a)[1]}")
            time.sleep(0.01)  # polling another process's state, not waiting on time
        assert marker.read_text() == "100"

        async def take_over() -> int:
            rds = aioredis.Redis.from_url(redis_url)
            client = client_for(emulator.base_url, emulator.app_id, emulator.app_secret)
            reg = registry_for(
                client,
                RedisLeaseBackend(rds, prefix=redis_prefix),
                lease_ttl=A_LEASE_TTL,
                lease_wait=A_LEASE_TTL * 15,  # well above A's lease: B waits it out
            )
            try:
                w = reg.writer(APP_TOKEN, table_id(1))
                rows = ({"Key": f"b-{i}", "N": i, "Note": "b"} for i in range(100))
                summary = await bulk_insert(w, rows)
            finally:
                await reg.aclose()
                await client.aclose()
                await rds.aclose()
            return summary.written

        assert asyncio.run(take_over()) == 100  # B waited out A's lease, then wrote
    except BaseException:
        if a.poll() is None:
            a.kill()  # a stopped process dies on SIGKILL too
        raise
    subprocess.run(["kill", "-CONT", str(a.pid)], check=True)
    ra, text = finished(a)
    assert ra is not None, text
    print("\nfencing: A ->", ra)
    assert ra["aborted"] == "LeaseLostError", text
    assert ra["written"] == 100, text
    rows = table_rows(emulator, table_id(1))
    a_serials = [s for _, note, s in rows if note == "a"]
    b_serials = [s for _, note, s in rows if note == "b"]
    assert len(a_serials) == 100
    assert len(b_serials) == 100
    assert max(a_serials) < min(b_serials)  # nothing from A after B took the table
