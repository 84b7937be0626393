"""Several OS processes writing through the Redis lease, against one emulator over HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
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


@pytest.fixture
def emulator() -> Iterator[EmulatorThread]:
    emu = EmulatorThread(seed(4, write_service_time=0.002)).start()
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
        [sys.executable, str(WORKER), json.dumps(full)], stdout=subprocess.PIPE, text=True
    )


def result(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    parsed: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return parsed


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
    t0 = min(r["start"] for r in results)
    print(
        "\nfour tables (start, end) relative:",
        [(r["tag"], round(r["start"] - t0, 3), round(r["end"] - t0, 3)) for r in results],
    )
    assert all(r["written"] == 3000 for r in results)
    # Every load started before any other finished: the four intervals overlap.
    assert max(r["start"] for r in results) < min(r["end"] for r in results)
    for i in range(4):
        assert len({k for k, _, _ in table_rows(emulator, table_id(i))}) == 3000
    assert emulator.stats()["total"]["conflicts"] == 0


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to see a stopped process")
def test_paused_lease_holder_cannot_write_after_another_process_took_the_table(
    emulator: EmulatorThread, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    marker = tmp_path / f"paused-{uuid.uuid4().hex}"
    a = spawn(
        emulator,
        redis_url,
        redis_prefix,
        table_id=table_id(1),
        tag="a",
        rows=1000,
        chunk_size=100,
        depth=1,
        pause_after=2,
        marker=str(marker),
        lease_ttl=0.2,
        idle_grace=60.0,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() or _state(a.pid) != "T":
        assert time.monotonic() < deadline, "worker A never paused"
        assert a.poll() is None, "worker A exited early"
        time.sleep(0.01)

    async def take_over() -> int:
        rds = aioredis.Redis.from_url(redis_url)
        client = client_for(emulator.base_url, emulator.app_id, emulator.app_secret)
        reg = registry_for(client, RedisLeaseBackend(rds, prefix=redis_prefix), lease_ttl=0.2)
        w = reg.writer(APP_TOKEN, table_id(1))
        rows = ({"Key": f"b-{i}", "N": i, "Note": "b"} for i in range(100))
        summary = await bulk_insert(w, rows)
        await reg.aclose()
        await client.aclose()
        await rds.aclose()
        return summary.written

    assert asyncio.run(take_over()) == 100  # B waited out A's lease, then wrote
    subprocess.run(["kill", "-CONT", str(a.pid)], check=True)
    ra = result(a)
    print("\nfencing: A ->", ra)
    assert ra["aborted"] == "LeaseLostError"
    assert ra["written"] == 200
    rows = table_rows(emulator, table_id(1))
    a_serials = [s for _, note, s in rows if note == "a"]
    b_serials = [s for _, note, s in rows if note == "b"]
    assert len(a_serials) == 200
    assert len(b_serials) == 100
    assert max(a_serials) < min(b_serials)  # nothing from A after B took the table
