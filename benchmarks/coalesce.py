"""Workload 3: 1,000 concurrent single-record creates on one table.

Ours: ``client.table(app, table).records.create(fields)`` from 1,000 coroutines at
once -- the table's writer coalesces them into batch_create calls. lark-oapi:
``client.bitable.v1.app_table_record.acreate(...)`` from 1,000 coroutines at once
(``asyncio.gather``), one request per record, as its users write it.

The emulator runs the ingest model (a write holds the table for 0.2 s + 1.6 ms
per record; 10 QPS per write endpoint); the HTTP write calls are counted by
the emulator, and the rows that landed are read from its stats.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from benchmarks._common import (
    Emu,
    Figure,
    Options,
    Section,
    endpoint_requests,
    lark_client,
    lark_warm,
    log,
    perf,
    ratios,
    write_service_emu,
)
from benchmarks.bench_ingest import APP_TOKEN, seed_file, table_id
from bitable_async.client import BitableClient

SERVICE, PER_RECORD = 0.2, 0.0016
WRITES = ("app_table_record.create", "app_table_record.batch_create")


async def ours(emu: Emu, n: int) -> dict[str, Any]:
    """n concurrent ``records.create`` calls through a default client."""
    async with BitableClient(emu.app_id, emu.app_secret, base_url=emu.base_url) as client:
        await client.request("GET", f"/open-apis/bitable/v1/apps/{APP_TOKEN}")  # warm up
        emu.reset(data=True)
        records = client.table(APP_TOKEN, table_id(0)).records
        t0 = perf()
        got = await asyncio.gather(
            *(records.create({"Key": f"c-{i}", "N": i}) for i in range(n)), return_exceptions=True
        )
        seconds = perf() - t0
    failed = Counter(type(g).__name__ for g in got if isinstance(g, BaseException))
    return {"seconds": seconds, "failed": sum(failed.values()), "kinds": dict(failed)}


async def lark(emu: Emu, lc: Any, n: int) -> dict[str, Any]:
    """n concurrent lark-oapi ``acreate`` calls (one request each)."""
    from lark_oapi.api.bitable.v1 import AppTableRecord, CreateAppTableRecordRequest

    await lark_warm(lc, APP_TOKEN)
    emu.reset(data=True)

    async def one(i: int) -> int:
        req = (
            CreateAppTableRecordRequest.builder()
            .app_token(APP_TOKEN)
            .table_id(table_id(0))
            .request_body(AppTableRecord.builder().fields({"Key": f"l-{i}", "N": i}).build())
            .build()
        )
        resp = await lc.bitable.v1.app_table_record.acreate(req)
        return int(resp.code)

    t0 = perf()
    codes = await asyncio.gather(*(one(i) for i in range(n)))
    seconds = perf() - t0
    by_code = Counter(codes)
    return {"seconds": seconds, "failed": n - by_code.get(0, 0), "codes": dict(by_code)}


def run(opts: Options) -> Section:
    """Interleave ours and lark-oapi ``opts.runs`` times."""
    n = 100 if opts.quick else 1000
    keys = ("seconds", "writes", "stored", "failed", "conflicts", "rate_limited")
    res: dict[str, dict[str, list[float]]] = {w: {k: [] for k in keys} for w in ("ours", "lark")}
    with write_service_emu(seed_file(1), SERVICE, PER_RECORD) as emu:
        lc = lark_client(emu)
        for i in range(opts.runs):
            for who in ("ours", "lark"):
                got = asyncio.run(ours(emu, n) if who == "ours" else lark(emu, lc, n))
                st = emu.stats()
                row = res[who]
                row["seconds"].append(got["seconds"])
                row["writes"].append(endpoint_requests(st, *WRITES))
                row["stored"].append(st["records_stored"][table_id(0)])
                row["failed"].append(got["failed"])
                row["conflicts"].append(st["total"]["conflicts"])
                row["rate_limited"].append(st["total"]["rate_limited"])
            log(
                f"  coalesce run {i + 1}/{opts.runs}: ours {res['ours']['seconds'][-1]:.2f} s "
                f"/ {res['ours']['writes'][-1]:.0f} writes / {res['ours']['stored'][-1]:.0f} "
                f"stored; lark {res['lark']['seconds'][-1]:.2f} s / "
                f"{res['lark']['writes'][-1]:.0f} writes / {res['lark']['stored'][-1]:.0f} "
                f"stored"
            )
    o, lk = res["ours"], res["lark"]
    sec = Section("coalesce", 3, f"Coalescing: {n:,} concurrent single-record creates")
    sec.setup = (
        f"One emulator table; a write holds the table for {SERVICE} s + {PER_RECORD * 1000:g} "
        "ms per record (1254291 to a concurrent write), 10 QPS per write endpoint (1254290 "
        f"above). Each run: {n:,} coroutines start at once (asyncio.gather); ours, then "
        "lark-oapi, the table emptied before each. Ours: `client.table(app, table)"
        ".records.create({...})` through a client with default settings. lark-oapi: "
        "`client.bitable.v1.app_table_record.acreate(...)` per record, no retry (lark-oapi "
        "has none). HTTP write calls are the emulator's request counts on "
        "records.create + records.batch_create; rows stored are read from the emulator."
    )
    sec.figures = [
        Figure("ours: wall time", "s", o["seconds"], digits=2),
        Figure("ours: HTTP write calls", "calls", o["writes"]),
        Figure("ours: rows stored", "rows", o["stored"]),
        Figure("ours: failed creates", "creates", o["failed"]),
        Figure(
            "ours: conflicts at the server",
            "1254291",
            o["conflicts"],
            "== 0",
            lambda v: v == 0,
            every=True,
        ),
        Figure("lark-oapi: wall time", "s", lk["seconds"], digits=2),
        Figure("lark-oapi: HTTP write calls", "calls", lk["writes"]),
        Figure("lark-oapi: rows stored", "rows", lk["stored"]),
        Figure("lark-oapi: failed creates", "creates", lk["failed"]),
        Figure("lark-oapi: conflicts at the server", "1254291", lk["conflicts"]),
        Figure("lark-oapi: rate-limited at the server", "1254290", lk["rate_limited"]),
        Figure("lark-oapi wall time / ours", "x", ratios(lk["seconds"], o["seconds"]), digits=1),
    ]
    m, r = sec.m, sec.r
    sec.meaning = (
        f"Our writer turned {n:,} concurrent creates into {m('ours: HTTP write calls')} "
        f"HTTP write calls (range {r('ours: HTTP write calls')}) and stored "
        f"{m('ours: rows stored')} rows with {m('ours: failed creates')} failures and "
        f"{m('ours: conflicts at the server')} conflicts, in {m('ours: wall time')} s "
        f"(range {r('ours: wall time')}). lark-oapi sent {m('lark-oapi: HTTP write calls')} "
        f"calls and stored {m('lark-oapi: rows stored')} row(s): "
        f"{m('lark-oapi: failed creates')} creates failed "
        f"({m('lark-oapi: conflicts at the server')} with 1254291 write conflict, "
        f"{m('lark-oapi: rate-limited at the server')} with 1254290 rate limit), and the "
        f"burst took {m('lark-oapi: wall time')} s, {m('lark-oapi wall time / ours')}x ours; "
        "a caller using lark-oapi would need its own retry, back-off and serialization to "
        "get all rows in, and would then pay the table's service time once per record."
    )
    return sec
