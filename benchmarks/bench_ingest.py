"""Ingest throughput of the table writer against the emulator in a separate process.

Measures records/s of ``bulk_insert`` for one table and for N tables written
in parallel, each as a ratio of the emulator's theoretical limit in the same
run. The emulator models a serial table: every write holds the table for
``service + per_record * n`` seconds, and the developer app may call
``batch_create`` at most ``qps`` times per second (sliding window). So the
limit in records/s is::

    min(tables * batch / (service + per_record * batch), qps * batch)

The script also measures an *ideal client* (pre-encoded bodies sent back to
back per table, no writer, same transport and rate limiter) so the SDK's own
overhead can be told apart from the emulator's and HTTP's. Each load also
prints the CPU time per batch request of this process (``time.process_time``)
and of the emulator process (Linux ``/proc``), which are steadier than wall
time on a shared machine.

Run from the repository root with the venv active::

    python benchmarks/bench_ingest.py                # defaults below
    python benchmarks/bench_ingest.py --redis-url redis://127.0.0.1:6379/0   # + lease
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bitable_async.bulk import bulk_insert
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig
from bitable_async.emulator.server import EmulatorProcess

APP_TOKEN = "bascnIngestBench01"


def table_id(i: int) -> str:
    """Id of the i-th table of the benchmark base."""
    return f"tblIngest{i:04d}"


def seed_file(tables: int) -> str:
    """Write the emulator seed (one base, ``tables`` tables) to a temp file."""
    seed = {
        "bases": [
            {
                "name": "Ingest",
                "app_token": APP_TOKEN,
                "tables": [
                    {
                        "name": f"T{i}",
                        "table_id": table_id(i),
                        "fields": [{"name": "Key", "type": 1}, {"name": "N", "type": 2}],
                    }
                    for i in range(tables)
                ],
            }
        ]
    }
    fd, path = tempfile.mkstemp(suffix=".json", prefix="bench-ingest-")
    with os.fdopen(fd, "w") as f:
        json.dump(seed, f)
    return path


@dataclass
class Run:
    """One measured load."""

    label: str
    tables: int
    rows: int
    seconds: float
    requests: int
    retries: int
    conflicts: int

    @property
    def rate(self) -> float:
        """Records per second."""
        return self.rows / self.seconds


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid``; NaN off Linux."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def limit(tables: int, batch: int, service: float, per_record: float, qps: float) -> float:
    """The emulator's theoretical records/s for ``tables`` serial tables."""
    per_table = batch / (service + per_record * batch)
    return min(tables * per_table, qps * batch)


def make_client(base_url: str, info: dict[str, Any], write_qps: float, lease: Any) -> BitableClient:
    """An SDK client with its default writer settings and the write rate limit."""
    return BitableClient(
        info["app_id"],
        info["app_secret"],
        base_url=base_url,
        config=ClientConfig(rate_limit=RateLimitConfig(write_qps=write_qps)),
        write_lease=lease,
    )


async def sdk_load(client: BitableClient, tables: int, rows_per_table: int, tag: str) -> Run:
    """bulk_insert into ``tables`` tables at once through the client's writers."""

    def rows(t: int) -> Any:
        return ({"Key": f"{tag}-{t}-{i}", "N": i} for i in range(rows_per_table))

    writers = [client.table(APP_TOKEN, table_id(t)).writer for t in range(tables)]
    start = time.perf_counter()
    summaries = await asyncio.gather(*(bulk_insert(w, rows(t)) for t, w in enumerate(writers)))
    seconds = time.perf_counter() - start
    assert all(s.failed == 0 for s in summaries), [str(s) for s in summaries]
    return Run(
        "SDK bulk_insert",
        tables,
        sum(s.written for s in summaries),
        seconds,
        sum(s.stats.requests for s in summaries),
        sum(s.retries for s in summaries),
        sum(s.conflicts for s in summaries),
    )


async def ideal_load(client: BitableClient, tables: int, rows_per_table: int, batch: int) -> Run:
    """Pre-encoded batches sent back to back per table (no writer): the achievable limit."""
    import uuid

    import msgspec

    from bitable_async.config import EndpointClass

    async def one(t: int) -> int:
        path = f"/open-apis/bitable/v1/apps/{APP_TOKEN}/tables/{table_id(t)}/records/batch_create"
        bodies = [
            msgspec.json.encode(
                {
                    "records": [
                        {"fields": {"Key": f"ideal-{t}-{j}-{i}", "N": i}} for i in range(batch)
                    ]
                }
            )
            for j in range(rows_per_table // batch)
        ]
        for body in bodies:
            await client.transport.request(
                "POST",
                path,
                query={"client_token": str(uuid.uuid4())},
                body=body,
                endpoint_class=EndpointClass.WRITE,
            )
        return len(bodies)

    start = time.perf_counter()
    calls = await asyncio.gather(*(one(t) for t in range(tables)))
    seconds = time.perf_counter() - start
    done = sum(calls) * batch
    return Run("ideal client", tables, done, seconds, sum(calls), 0, 0)


async def measure(
    args: argparse.Namespace,
    base_url: str,
    info: dict[str, Any],
    reset: Callable[[], None],
    server_stats: Callable[[], dict[str, Any]],
    server_cpu: Callable[[], float],
) -> list[tuple[Run, float]]:
    """Run ideal and SDK loads for 1 and N tables; return (run, theoretical limit)."""
    lease = None
    rds: Any = None
    if args.redis_url:
        import redis.asyncio as aioredis

        from bitable_async.writing.redis_lease import RedisLeaseBackend

        rds = aioredis.Redis.from_url(args.redis_url)
        lease = RedisLeaseBackend(rds, prefix=f"bench-{os.getpid()}")
    out: list[tuple[Run, float]] = []
    for tables, rows in ((1, args.rows_one), (args.tables, args.rows_many)):
        lim = limit(tables, args.batch, args.service, args.per_record, args.qps)
        jobs: list[Callable[[BitableClient], Awaitable[Run]]] = [
            functools.partial(ideal_load, tables=tables, rows_per_table=rows, batch=args.batch),
            functools.partial(sdk_load, tables=tables, rows_per_table=rows, tag=f"sdk{tables}"),
        ]
        for job in jobs:
            reset()
            async with make_client(base_url, info, args.client_qps, lease) as client:
                # Warm up the token and the connection outside the measured window.
                await client.request("GET", f"/open-apis/bitable/v1/apps/{APP_TOKEN}")
                cpu0, emu0 = time.process_time(), server_cpu()
                run = await job(client)
                cpu = time.process_time() - cpu0
                emu_cpu = server_cpu() - emu0
            stats = await asyncio.to_thread(server_stats)
            stored = sum(stats["records_stored"].values())
            run.conflicts = stats["total"]["conflicts"]
            out.append((run, lim))
            print(
                f"  {run.label:<16} tables={run.tables} rows={run.rows:>6} "
                f"{run.rate:>8.0f} rec/s  limit {lim:>7.0f}  ratio {run.rate / lim:.3f}  "
                f"requests={run.requests} retries={run.retries} "
                f"server: conflicts={run.conflicts} rate_limited={stats['total']['rate_limited']} "
                f"stored={stored} cpu/request: client {cpu / run.requests * 1000:.1f} ms, "
                f"emulator {emu_cpu / run.requests * 1000:.1f} ms",
                flush=True,
            )
    if rds is not None:
        await rds.aclose()
    return out


def main() -> None:
    """Parse arguments, start the emulator process, print the figures."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--service", type=float, default=0.2, help="seconds per write (base)")
    p.add_argument("--per-record", type=float, default=0.0016, help="extra seconds per record")
    p.add_argument("--qps", type=float, default=10.0, help="emulator batch_create cap per app")
    p.add_argument("--client-qps", type=float, default=9.5, help="client-side write limit")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--tables", type=int, default=8)
    p.add_argument("--rows-one", type=int, default=5_000, help="rows for the 1-table run")
    p.add_argument("--rows-many", type=int, default=5_000, help="rows per table, N-table run")
    p.add_argument("--redis-url", default=None, help="also hold a Redis lease per table")
    args = p.parse_args()

    seed = seed_file(args.tables)
    emu = EmulatorProcess(
        "--seed-file",
        seed,
        "--service-time",
        str(args.service),
        "--service-time-per-record",
        str(args.per_record),
    ).start()
    try:
        import urllib.request

        def reset() -> None:
            req = urllib.request.Request(
                emu.base_url + "/__emulator/reset",
                data=json.dumps({"stats": True, "data": True, "rate_limits": True}).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            try:
                urllib.request.urlopen(req, timeout=10).read()
            except OSError:
                time.sleep(1.1)  # no reset endpoint: let the rate-limit window drain

        print(
            f"emulator: service {args.service}s + {args.per_record}s/record, "
            f"batch_create cap {args.qps}/s per app; batch {args.batch}; "
            f"client write limit {args.client_qps}/s; "
            f"lease: {'redis' if args.redis_url else 'none'}",
            flush=True,
        )
        pid = emu._proc.pid if emu._proc is not None else -1  # the child's CPU, from /proc

        def emulator_cpu() -> float:
            return process_cpu(pid)

        results = asyncio.run(
            measure(args, emu.base_url, emu.info, reset, emu.stats, emulator_cpu)
        )
        for run, lim in results:
            if run.label.startswith("SDK"):
                ideal = next(
                    r for r, _ in results if r.label == "ideal client" and r.tables == run.tables
                )
                ratio, vs_ideal = run.rate / lim, run.rate / ideal.rate
                print(
                    f"RESULT tables={run.tables}: {run.rate:.0f} rec/s = {ratio:.3f} of the "
                    f"theoretical limit ({lim:.0f}), {vs_ideal:.3f} of the ideal client"
                )
    finally:
        emu.stop()
        os.unlink(seed)


if __name__ == "__main__":
    main()
