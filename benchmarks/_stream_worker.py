"""Child process of the streaming workload: iterate one table, report peak RSS.

``python -m benchmarks._stream_worker <info-json> <table_id>`` imports only
bitable_async (and the tiny ``benchmarks._mem``), walks every record of the
table with ``async for`` without keeping them, and prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from benchmarks._mem import peak_rss_kib, rss_kib
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig


async def walk(info: dict[str, str], table_id: str) -> dict[str, float]:
    """Iterate the whole table; return count, RSS before and peak RSS after."""
    config = ClientConfig(rate_limit=RateLimitConfig(enabled=False))
    async with BitableClient(
        info["app_id"], info["app_secret"], base_url=info["base_url"], config=config
    ) as client:
        table = client.table(info["app_token"], table_id)
        await table.refresh_schema()  # token + schema + connection before the baseline
        start_rss, start_peak = rss_kib(), peak_rss_kib()
        t0 = time.perf_counter()
        count = 0
        async for _record in table.records.list():
            count += 1
        seconds = time.perf_counter() - t0
        return {
            "count": count,
            "rss_start_kib": start_rss,
            "peak_start_kib": start_peak,
            "peak_kib": peak_rss_kib(),
            "seconds": seconds,
        }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(walk(json.loads(sys.argv[1]), sys.argv[2]))))
