"""One process of the fleet in test_auth_multiprocess.py (run as a script, not collected).

Builds a real BitableClient whose TenantTokenAuth keeps tokens in a shared
RedisTokenCache, prints READY, waits for a line on stdin, then makes N
concurrent requests and prints ``RESULT <json>`` with the tokens the server saw.
It prints WAITING the first time it polls another process's refresh lease.

Usage: python fleet_child.py BASE_URL REDIS_URL PREFIX N
"""

from __future__ import annotations

import asyncio
import json
import sys

import redis.asyncio as aioredis

from bitable_async.client import BitableClient
from cache_backends.redis import RedisTokenCache

APP_ID = "cli_fleet"
APP_SECRET = "fleet-secret-value"


async def main(base_url: str, redis_url: str, prefix: str, n: int) -> None:
    announced = False

    async def sleep(seconds: float) -> None:
        nonlocal announced
        if not announced:
            announced = True
            print("WAITING", flush=True)
        await asyncio.sleep(seconds)

    client_redis = aioredis.Redis.from_url(redis_url)
    await client_redis.ping()
    cache = RedisTokenCache(client_redis, prefix, sleep=sleep, lease_poll_interval=0.01)
    async with BitableClient(APP_ID, APP_SECRET, base_url=base_url, token_cache=cache) as client:
        print("READY", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        replies = await asyncio.gather(
            *(client.request("GET", "/open-apis/bitable/v1/apps/bascnFLEET") for _ in range(n))
        )
    await client_redis.aclose()
    print("RESULT " + json.dumps([reply["seen"] for reply in replies]), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
