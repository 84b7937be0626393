"""One OS process bulk-loading a table through the Redis-leased writer (test helper).

Usage: ``python lease_worker.py '<json spec>'``; prints one JSON line with the
start/end wall-clock timestamps of its load and its summary.
"""

from __future__ import annotations

import asyncio
import faulthandler
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).parent))

from writer_e2e import client_for, registry_for

from bitable_async.bulk import BulkAbortedError, BulkProgress, bulk_insert
from bitable_async.writing.redis_lease import RedisLeaseBackend


async def main(spec: dict[str, Any]) -> dict[str, Any]:
    rds = aioredis.Redis.from_url(spec["redis_url"])
    client = client_for(spec["base_url"], spec["app_id"], spec["app_secret"])
    registry = registry_for(
        client,
        RedisLeaseBackend(rds, prefix=spec["prefix"]),
        lease_ttl=spec.get("lease_ttl", 2.0),
        lease_max_hold=spec.get("lease_max_hold", 5.0),
        idle_grace=spec.get("idle_grace", 0.05),
    )
    writer = registry.writer(spec["app_token"], spec["table_id"])
    tag = spec["tag"]
    pause_after = spec.get("pause_after")
    settled = 0

    def progress(p: BulkProgress) -> None:
        nonlocal settled
        settled += 1
        if pause_after is not None and settled == pause_after:
            Path(spec["marker"]).write_text(str(p.written))
            os.kill(os.getpid(), signal.SIGSTOP)  # "paused" while holding the lease

    barrier = spec.get("barrier")
    if barrier:  # start all processes together
        await rds.incr(barrier["key"])
        while int(await rds.get(barrier["key"]) or 0) < barrier["n"]:  # noqa: ASYNC110
            await asyncio.sleep(0.002)  # polling another process's counter
    rows = ({"Key": f"{tag}-{i}", "N": i, "Note": tag} for i in range(spec["rows"]))
    out: dict[str, Any] = {"tag": tag, "pid": os.getpid(), "start": time.time()}
    try:
        summary = await bulk_insert(
            writer,
            rows,
            chunk_size=spec.get("chunk_size", 500),
            depth=spec.get("depth", 2),
            progress=progress,
        )
        out.update(
            written=summary.written,
            failed=summary.failed,
            conflicts=summary.conflicts,
            requests=summary.stats.requests,
            aborted=None,
        )
    except BulkAbortedError as exc:
        out.update(
            written=exc.summary.written, failed=exc.summary.failed, aborted=type(exc.cause).__name__
        )
    out["end"] = time.time()
    await registry.aclose()
    await client.aclose()
    await rds.aclose()
    return out


if __name__ == "__main__":
    # A worker that hangs dumps every thread's stack to stderr and exits, so
    # the test reports where it was stuck instead of timing out blind.
    faulthandler.dump_traceback_later(90, exit=True)
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))), flush=True)
