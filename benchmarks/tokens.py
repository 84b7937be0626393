"""Workload 6: token fetches at cold start, and the hot-path cost of a cached token.

Cold start, one process: a fresh client (in-memory cache) and 1,000 coroutines
each making one read (app.get); the emulator counts the token fetches it served.

Cold start, 4 processes x 250: four fresh interpreters (``python -m
benchmarks.tokens worker ...``) share a ``RedisTokenCache`` under a prefix new
to the run; each builds its client, reports ready, and on the parent's "go"
starts 250 concurrent reads. Again the emulator counts the fetches.

Hot path: ns per ``await client.auth.get_token()`` once the token is cached, with
the in-memory cache and with ``RedisTokenCache`` (its in-process L1 copy), next
to lark-oapi's ``TokenManager.get_self_tenant_token(config)`` (synchronous).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from benchmarks._common import (
    Emu,
    Figure,
    Options,
    Section,
    lark_client,
    lark_warm,
    log,
    perf,
    ratios,
    token_fetches,
)
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig

ROOT = Path(__file__).resolve().parent.parent
NO_LIMIT = ClientConfig(rate_limit=RateLimitConfig(enabled=False))


def _client(info: dict[str, Any], cache: Any = None) -> BitableClient:
    return BitableClient(
        info["app_id"],
        info["app_secret"],
        base_url=info["base_url"],
        token_cache=cache,
        config=NO_LIMIT,
    )


async def _reads(client: BitableClient, app_token: str, n: int) -> float:
    meta = client.app(app_token).meta
    t0 = perf()
    await asyncio.gather(*(meta.get() for _ in range(n)))
    return perf() - t0


# ------------------------------------------------------------ worker process


async def _worker(info: dict[str, Any], redis_url: str, prefix: str, n: int) -> None:
    import redis.asyncio as aioredis

    from cache_backends.redis import RedisTokenCache

    rds = aioredis.Redis.from_url(redis_url)
    try:
        async with _client(info, RedisTokenCache(rds, prefix=prefix)) as client:
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
            seconds = await _reads(client, info["app_token"], n)
            print(json.dumps({"fetches": client.stats.token_fetches, "seconds": seconds}))
    finally:
        await rds.aclose()


def worker_main(argv: list[str]) -> None:
    """Entry point of one worker process: ``worker <info-json> <redis-url> <prefix> <n>``."""
    info, redis_url, prefix, n = json.loads(argv[0]), argv[1], argv[2], int(argv[3])
    asyncio.run(_worker(info, redis_url, prefix, n))


def fleet(emu: Emu, info: dict[str, Any], redis_url: str, procs: int, each: int) -> dict[str, Any]:
    """Run one cross-process cold start; return fetch counts and the slowest worker's time."""
    prefix = f"bench{uuid.uuid4().hex[:12]}"
    cmd = [sys.executable, "-m", "benchmarks.tokens", "worker", json.dumps(info), redis_url]
    ps = [
        subprocess.Popen(
            [*cmd, prefix, str(each)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(procs)
    ]
    try:
        for p in ps:
            assert p.stdout is not None
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("token worker failed to start")
        emu.reset()
        for p in ps:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in ps]
    finally:
        for p in ps:
            if p.poll() is None:
                p.kill()
                p.wait()
    _drop_keys(redis_url, prefix)
    return {
        "server": token_fetches(emu.stats()),
        "client": sum(o["fetches"] for o in outs),
        "seconds": max(o["seconds"] for o in outs),
    }


def _drop_keys(redis_url: str, prefix: str) -> None:
    import redis

    r = redis.Redis.from_url(redis_url)
    try:
        keys = list(r.scan_iter(match=f"{prefix}:*"))
        if keys:
            r.delete(*keys)
    finally:
        r.close()


def redis_ok(url: str) -> bool:
    """Whether Redis answers PING at ``url``."""
    import redis

    try:
        r = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            return bool(r.ping())
        finally:
            r.close()
    except Exception:
        return False


# -------------------------------------------------------------- in-process


async def cold_one(emu: Emu, info: dict[str, Any], n: int) -> dict[str, Any]:
    """One cold start in this process: a fresh client, ``n`` concurrent reads."""
    emu.reset()
    async with _client(info) as client:
        seconds = await _reads(client, info["app_token"], n)
        fetched = client.stats.token_fetches
    return {"server": token_fetches(emu.stats()), "client": fetched, "seconds": seconds}


async def hot_paths(info: dict[str, Any], redis_url: str | None, calls: int) -> dict[str, float]:
    """ns per cached-token lookup: ours (memory, Redis L1) and lark-oapi's."""
    from lark_oapi.core.token.manager import TokenManager

    out: dict[str, float] = {}
    async with _client(info) as mem:
        auth = mem.auth
        assert auth is not None
        await auth.get_token()
        t0 = perf()
        for _ in range(calls):
            await auth.get_token()
        out["memory"] = (perf() - t0) / calls * 1e9
    if redis_url is not None:
        import redis.asyncio as aioredis

        from cache_backends.redis import RedisTokenCache

        rds = aioredis.Redis.from_url(redis_url)
        prefix = f"benchhot{uuid.uuid4().hex[:10]}"
        try:
            async with _client(info, RedisTokenCache(rds, prefix=prefix)) as red:
                auth = red.auth
                assert auth is not None
                await auth.get_token()
                t0 = perf()
                for _ in range(calls):
                    await auth.get_token()
                out["redis"] = (perf() - t0) / calls * 1e9
        finally:
            await rds.aclose()
            _drop_keys(redis_url, prefix)
    conf = info["lark_config"]
    TokenManager.get_self_tenant_token(conf)
    t0 = perf()
    for _ in range(calls):
        TokenManager.get_self_tenant_token(conf)
    out["lark"] = (perf() - t0) / calls * 1e9
    return out


def run(opts: Options) -> Section:
    """Interleave the two cold starts and the hot-path loops ``opts.runs`` times."""
    n_one = 100 if opts.quick else 1000
    procs, each = (2, 25) if opts.quick else (4, 250)
    calls = 20_000 if opts.quick else 100_000
    use_redis = redis_ok(opts.redis_url)
    res: dict[str, list[float]] = {
        k: []
        for k in (
            "one_server",
            "one_client",
            "one_s",
            "fleet_server",
            "fleet_client",
            "fleet_s",
            "hot_memory",
            "hot_redis",
            "hot_lark",
        )
    }
    with Emu(None, "--no-rate-limits") as emu:
        info = {
            "app_id": emu.app_id,
            "app_secret": emu.app_secret,
            "base_url": emu.base_url,
            "app_token": emu.info["app_token"],
        }
        lc = lark_client(emu)
        asyncio.run(lark_warm(lc, info["app_token"]))
        for i in range(opts.runs):
            one = asyncio.run(cold_one(emu, info, n_one))
            res["one_server"].append(one["server"])
            res["one_client"].append(one["client"])
            res["one_s"].append(one["seconds"])
            line = f"  tokens run {i + 1}/{opts.runs}: 1 process: {one['server']} fetch(es)"
            if use_redis:
                fl = fleet(emu, info, opts.redis_url, procs, each)
                res["fleet_server"].append(fl["server"])
                res["fleet_client"].append(fl["client"])
                res["fleet_s"].append(fl["seconds"])
                line += f"; {procs} processes: {fl['server']} fetch(es)"
            hot = asyncio.run(
                hot_paths(
                    {**info, "lark_config": lc._config},
                    opts.redis_url if use_redis else None,
                    calls,
                )
            )
            for k, v in hot.items():
                res[f"hot_{k}"].append(v)
            log(line + f"; hot path {hot['memory']:.0f} ns")
    sec = Section("tokens", 6, "Tokens: cold-start fetches and the cached-token hot path")
    sec.setup = (
        "Emulator with the demo base and `--no-rate-limits`; clients with client-side rate "
        f"limiting off. One process: a fresh `BitableClient` (in-memory cache) and {n_one:,} "
        "coroutines each making one app.get call at once. "
        + (
            f"{procs} processes x {each}: {procs} fresh interpreters share a "
            "`RedisTokenCache` under a key prefix new to the run "
            f"(Redis at {opts.redis_url}); each builds its client, reports ready, and on the "
            f"parent's signal starts {each} concurrent app.get calls. "
            if use_redis
            else f"Redis was not reachable at {opts.redis_url}: the cross-process case was "
            "skipped. "
        )
        + "Fetches are counted by the emulator (all token endpoints) after resetting its "
        f"counters. Hot path: {calls:,} sequential `await client.auth.get_token()` calls "
        "once the token is cached (memory cache; RedisTokenCache, whose in-process L1 "
        "serves the hot path), next to lark-oapi's synchronous "
        "`TokenManager.get_self_tenant_token(config)` cache lookup. The three cases are "
        "interleaved within each run."
    )
    one = lambda m: m == 1  # noqa: E731
    figs = [
        Figure(f"1 process x {n_one}: token fetches at the server", "fetches",
               res["one_server"], "== 1", one, every=True),
        Figure(f"1 process x {n_one}: wall time of the burst", "ms",
               [s * 1000 for s in res["one_s"]]),
    ]
    if use_redis:
        figs += [
            Figure(f"{procs} processes x {each} (Redis): token fetches at the server",
                   "fetches", res["fleet_server"], "== 1", one, every=True),
            Figure(f"{procs} processes x {each} (Redis): fetches reported by the clients",
                   "fetches", res["fleet_client"]),
            Figure(f"{procs} processes x {each} (Redis): wall time of the slowest process",
                   "ms", [s * 1000 for s in res["fleet_s"]]),
        ]
    figs += [
        Figure("hot path: ours, memory cache", "ns/call", res["hot_memory"]),
    ]
    if use_redis:
        figs.append(Figure("hot path: ours, RedisTokenCache (L1)", "ns/call", res["hot_redis"]))
    figs += [
        Figure("hot path: lark-oapi TokenManager (sync)", "ns/call", res["hot_lark"]),
        Figure("hot path: ours memory / lark-oapi", "x",
               ratios(res["hot_memory"], res["hot_lark"]), digits=2),
    ]
    sec.figures = figs
    m, r = sec.m, sec.r
    parts = [
        f"A cold client hit by {n_one:,} concurrent calls fetched "
        f"{m(figs[0].name)} token(s) per run (range {r(figs[0].name)}); "
    ]
    if use_redis:
        fl = sec.fig(f"{procs} processes x {each} (Redis): token fetches at the server")
        parts.append(
            f"{procs} cold processes x {each} calls sharing Redis caused {m(fl.name)} fetch(es) "
            f"at the server per run (range {r(fl.name)}), so the refresh lease "
            + ("kept it to one fetch for the fleet. " if fl.met else "did not keep it to one. ")
        )
    parts.append(
        f"Once cached, getting the token costs {m('hot path: ours, memory cache')} ns per call "
        "with the memory cache"
        + (
            f" and {m('hot path: ours, RedisTokenCache (L1)')} ns with RedisTokenCache (no "
            "Redis round trip while the L1 copy is fresh)"
            if use_redis
            else ""
        )
        + f", against {m('hot path: lark-oapi TokenManager (sync)')} ns for lark-oapi's "
        f"synchronous lookup ({m('hot path: ours memory / lark-oapi')}x); either is "
        "negligible next to an HTTP call (see workload 5)."
    )
    sec.meaning = "".join(parts)
    return sec


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker_main(sys.argv[2:])
    else:
        sys.exit("usage: python -m benchmarks.tokens worker <info> <redis-url> <prefix> <n>")
