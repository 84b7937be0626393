"""Workload 8: peak memory while streaming 500 vs 20,000 records.

Two tables of the same schema hold 500 and 20,000 records (the emulator's
per-table maximum), written once with plain batch_create calls. Each run starts
one fresh interpreter per table (``benchmarks._stream_worker``; 500 first, then
20,000) that walks the whole table with ``async for record in
table.records.list()`` (pages of 100, nothing kept) and reports its peak RSS
(``VmHWM``) and its RSS before the walk.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks._common import Emu, Figure, Options, Section, log, ratios

ROOT = Path(__file__).resolve().parent.parent
APP = "bascnStreamBench01"
SMALL, BIG = "tblStreamSmall01", "tblStreamBig0001"
FIELDS = [
    {"name": "Key", "type": 1},
    {"name": "N", "type": 2},
    {"name": "Note", "type": 1},
    {"name": "Done", "type": 7},
    {"name": "Due", "type": 5},
    {"name": "Tags", "type": 4, "property": {"options": [{"name": "a"}, {"name": "b"}]}},
]


def seed() -> dict[str, Any]:
    """The streaming base: two empty tables."""
    tables = [
        {"name": name, "table_id": tid, "fields": FIELDS}
        for name, tid in (("Small", SMALL), ("Big", BIG))
    ]
    return {"bases": [{"name": "Stream", "app_token": APP, "tables": tables}]}


def fill(emu: Emu, table_id: str, n: int) -> None:
    """Write ``n`` records with plain batch_create calls (setup, not measured)."""
    token = emu.token()
    path = f"/open-apis/bitable/v1/apps/{APP}/tables/{table_id}/records/batch_create"
    for start in range(0, n, 500):
        rows = [
            {
                "fields": {
                    "Key": f"key-{i:06d}",
                    "N": i,
                    "Note": f"record number {i} of the streaming benchmark",
                    "Done": i % 2 == 0,
                    "Due": 1_700_000_000_000 + i * 60_000,
                    "Tags": ["a", "b"][: 1 + i % 2],
                }
            }
            for i in range(start, min(n, start + 500))
        ]
        emu.call("POST", path, {"records": rows}, token)


def walk(info: dict[str, str], table_id: str) -> dict[str, float]:
    """One fresh interpreter walking ``table_id``."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks._stream_worker", json.dumps(info), table_id],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(opts: Options) -> Section:
    """Fill both tables, then interleave the two walks ``opts.runs`` times."""
    small_n, big_n = (100, 2_000) if opts.quick else (500, 20_000)
    small: list[dict[str, float]] = []
    big: list[dict[str, float]] = []
    with Emu(seed(), "--no-rate-limits") as emu:
        fill(emu, SMALL, small_n)
        fill(emu, BIG, big_n)
        info = {
            "app_id": emu.app_id,
            "app_secret": emu.app_secret,
            "base_url": emu.base_url,
            "app_token": APP,
        }
        for i in range(opts.runs):
            small.append(walk(info, SMALL))
            big.append(walk(info, BIG))
            if small[-1]["count"] != small_n or big[-1]["count"] != big_n:
                raise RuntimeError(f"walked {small[-1]['count']} / {big[-1]['count']} records")
            log(
                f"  stream run {i + 1}/{opts.runs}: peak {small[-1]['peak_kib'] / 1024:.1f} MiB "
                f"for {small_n}, {big[-1]['peak_kib'] / 1024:.1f} MiB for {big_n}"
            )

    def peak(rows: list[dict[str, float]]) -> list[float]:
        return [r["peak_kib"] / 1024 for r in rows]

    def growth(rows: list[dict[str, float]]) -> list[float]:
        return [(r["peak_kib"] - r["rss_start_kib"]) / 1024 for r in rows]

    s, b = f"{small_n:,}", f"{big_n:,}"
    sec = Section("stream", 8, "Streaming: peak RSS for 500 vs 20,000 records")
    sec.setup = (
        f"Two emulator tables (`--no-rate-limits`) with {s} and {b} records of 6 fields "
        "(text, number, text, checkbox, date, multi-select), written once before "
        "measuring. Each run starts a fresh interpreter per table "
        f"(`python -m benchmarks._stream_worker`; {s} then {b}) that builds a client "
        "(client-side rate limiting off), fetches the schema, then walks every record "
        "with `async for record in table.records.list()` (pages of 100, nothing kept). "
        "Peak RSS is the process's `VmHWM` after the walk; 'growth' is peak minus the RSS "
        "just before the walk."
    )
    sec.figures = [
        Figure(f"peak RSS, {s} records", "MiB", peak(small), digits=1),
        Figure(f"peak RSS, {b} records", "MiB", peak(big), digits=1),
        Figure(
            f"peak RSS {b} / peak RSS {s}",
            "x",
            ratios(peak(big), peak(small)),
            "<= 1.5",
            lambda m: m <= 1.5,
            digits=3,
        ),
        Figure(f"growth during the walk, {s} records", "MiB", growth(small), digits=1),
        Figure(f"growth during the walk, {b} records", "MiB", growth(big), digits=1),
        Figure(f"walk time, {b} records", "s", [r["seconds"] for r in big], digits=2),
        Figure(
            f"records/s while walking {b}",
            "1/s",
            [big_n / r["seconds"] for r in big],
        ),
    ]
    m, r = sec.m, sec.r
    ratio = sec.fig(f"peak RSS {b} / peak RSS {s}")
    sec.meaning = (
        f"Walking {b} records peaks at {m(f'peak RSS, {b} records')} MiB against "
        f"{m(f'peak RSS, {s} records')} MiB for {s}: {m(ratio.name)}x (per-run range "
        f"{r(ratio.name)}), {'within' if ratio.met else 'above'} the <= 1.5x target. "
        f"The walk itself adds {m(f'growth during the walk, {b} records')} MiB for {b} "
        f"records and {m(f'growth during the walk, {s} records')} MiB for {s}: memory "
        "stays flat because the iterator holds one page at a time and the caller keeps "
        f"nothing. The walk runs at {m(f'records/s while walking {b}')} records/s "
        "(pages of 100 from the emulator on the same 2 cores)."
    )
    return sec
