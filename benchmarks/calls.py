"""Workload 5: call overhead -- small reads per second at 50 in flight.

The read is ``GET /open-apis/bitable/v1/apps/:app_token`` (app.get: a ~200 byte
answer), against the emulator with its rate limits off, through:

* ours: ``client.app(token).meta.get()`` (typed result, auth, retry policy,
  error mapping; client-side rate limiting switched off, everything else default);
* bare: one shared ``aiohttp.ClientSession`` with a fixed Authorization header,
  ``resp.read()`` and ``msgspec.json.decode`` (no typing, no error handling);
* lark-oapi: ``client.bitable.v1.app.aget(GetAppRequest...)``.

Each run drives each client for a fixed time with 50 worker coroutines
(ours, bare, lark, ours, bare, lark ...) and counts completed reads.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import msgspec

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
)
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, ConnectionLimits, RateLimitConfig

IN_FLIGHT = 50


async def drive(call: Callable[[], Awaitable[Any]], seconds: float) -> tuple[float, float]:
    """Run ``call`` from ``IN_FLIGHT`` coroutines for ``seconds``.

    Returns:
        (calls per second, this process's CPU µs per call).
    """
    done = 0
    stop = perf() + seconds
    c0 = time.process_time()

    async def worker() -> None:
        nonlocal done
        while perf() < stop:
            await call()
            done += 1

    t0 = perf()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return done / (perf() - t0), (time.process_time() - c0) / max(done, 1) * 1e6


def _group(file: str) -> str:
    for key, label in (
        ("bitable_async", "bitable_async"),
        ("aiohttp", "aiohttp"),
        ("yarl", "yarl / multidict"),
        ("multidict", "yarl / multidict"),
        ("asyncio", "asyncio event loop"),
        ("benchmarks", "benchmark driver"),
    ):
        if key in file:
            return label
    return "C functions (sockets, msgspec, ...)" if file == "~" else "other Python"


async def profile_groups(calls: dict[str, Callable[[], Awaitable[Any]]], seconds: float) -> str:
    """cProfile each client for ``seconds`` at 50 in flight; own time per read by package."""
    import cProfile
    import pstats

    table: dict[str, dict[str, float]] = {}
    top: list[tuple[str, float]] = []
    for name, call in calls.items():
        prof = cProfile.Profile()
        prof.enable()
        rate, _ = await drive(call, seconds)
        prof.disable()
        done = rate * seconds
        raw: dict[Any, Any] = pstats.Stats(prof).stats  # type: ignore[attr-defined]
        for (file, line, fn), (_cc, _nc, tt, _ct, _callers) in raw.items():
            group = table.setdefault(_group(file), {})
            group[name] = group.get(name, 0.0) + tt / done * 1e6
            if name == "ours" and "bitable_async" in file:
                top.append((f"`{fn}` ({file.rsplit('/work/main/', 1)[-1]}:{line})",
                            tt / done * 1e6))
    names = list(calls)
    lines = [
        "cProfile of each client for "
        f"{seconds:g} s at {IN_FLIGHT} in flight: own time per read by package, µs "
        "(the profiler inflates every figure; compare the columns):",
        "",
        "| package | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for group, row in sorted(table.items(), key=lambda kv: -kv[1].get("ours", 0.0)):
        lines.append(f"| {group} | " + " | ".join(f"{row.get(n, 0.0):.1f}" for n in names) + " |")
    lines.append(
        "| **total** | "
        + " | ".join(f"**{sum(r.get(n, 0.0) for r in table.values()):.1f}**" for n in names)
        + " |"
    )
    top.sort(key=lambda t: -t[1])
    lines += ["", "Our own functions with the most own time per read (µs):", ""]
    lines += [f"* {fn}: {us:.1f}" for fn, us in top[:8]]
    return "\n".join(lines)


async def measure(emu: Emu, opts: Options, profile_text: list[str]) -> dict[str, list[float]]:
    """Interleave ours / bare / lark for ``opts.runs`` runs."""
    from lark_oapi.api.bitable.v1 import GetAppRequest

    app_token = emu.info["app_token"]
    seconds = 0.5 if opts.quick else 2.0
    ours_client = BitableClient(
        emu.app_id,
        emu.app_secret,
        base_url=emu.base_url,
        config=ClientConfig(rate_limit=RateLimitConfig(enabled=False)),
    )
    meta = ours_client.app(app_token).meta
    session = aiohttp.ClientSession()
    url = f"{emu.base_url}/open-apis/bitable/v1/apps/{app_token}"
    headers = {"Authorization": f"Bearer {emu.token()}"}
    decoder = msgspec.json.Decoder()
    lc = lark_client(emu)

    async def ours() -> None:
        await meta.get()

    async def bare() -> None:
        async with session.get(url, headers=headers) as resp:
            body = await resp.read()
        if decoder.decode(body)["code"] != 0:
            raise RuntimeError(body)

    async def lark() -> None:
        resp = await lc.bitable.v1.app.aget(GetAppRequest.builder().app_token(app_token).build())
        if not resp.success():
            raise RuntimeError(f"{resp.code} {resp.msg}")

    out: dict[str, list[float]] = {
        k: [] for k in ("ours", "bare", "lark", "ours_cpu", "bare_cpu", "lark_cpu")
    }
    try:
        await ours()
        await bare()
        await lark_warm(lc, app_token)
        for i in range(opts.runs):
            for name, fn in (("ours", ours), ("bare", bare), ("lark", lark)):
                rate, cpu = await drive(fn, seconds)
                out[name].append(rate)
                out[f"{name}_cpu"].append(cpu)
            log(
                f"  calls run {i + 1}/{opts.runs}: ours {out['ours'][-1]:.0f}/s, "
                f"bare {out['bare'][-1]:.0f}/s, lark {out['lark'][-1]:.0f}/s"
            )
        if statistics.median(out["ours"]) < 0.85 * statistics.median(out["bare"]):
            profile_text.append(await profile_groups({"ours": ours, "bare": bare}, seconds))
    finally:
        await ours_client.aclose()
        await session.close()
    return out


def run(opts: Options) -> Section:
    """Start the emulator without rate limits and measure."""
    with Emu(None, "--no-rate-limits") as emu:
        profile_text: list[str] = []
        res = asyncio.run(measure(emu, opts, profile_text))
    limits = ConnectionLimits()
    sec = Section("calls", 5, "Call overhead: small reads at 50 in flight")
    sec.setup = (
        "`GET /open-apis/bitable/v1/apps/:app_token` (app.get) against the emulator "
        "(demo base, `--no-rate-limits`, no service time). Each run drives each client for "
        f"{0.5 if opts.quick else 2.0} s with {IN_FLIGHT} coroutines looping on the call, "
        "in the order ours, bare, lark-oapi; the figure is completed reads per second. "
        "Ours: `client.app(token).meta.get()` with client-side rate limiting off and "
        f"otherwise the default config (connection pool limit {limits.limit}, "
        f"{limits.limit_per_host or 'no separate limit'} per host), typed `App` result. "
        "Bare: one shared "
        "`aiohttp.ClientSession()` (aiohttp's default pool: 100 connections), a fixed "
        "Authorization header, `resp.read()` + `msgspec.json.decode`. lark-oapi: "
        "`client.bitable.v1.app.aget(...)` (a new `httpx.AsyncClient`, so a new "
        "connection, per call). The emulator shares the machine's 2 cores with the client."
    )
    sec.figures = [
        Figure("ours: reads/s", "1/s", res["ours"]),
        Figure("bare aiohttp + msgspec: reads/s", "1/s", res["bare"]),
        Figure("lark-oapi: reads/s", "1/s", res["lark"]),
        Figure(
            "ours / bare aiohttp",
            "x",
            ratios(res["ours"], res["bare"]),
            ">= 0.85",
            lambda m: m >= 0.85,
            digits=2,
        ),
        Figure("ours / lark-oapi", "x", ratios(res["ours"], res["lark"]), digits=1),
        Figure("ours: client CPU per read", "µs", res["ours_cpu"]),
        Figure("bare aiohttp: client CPU per read", "µs", res["bare_cpu"]),
        Figure("lark-oapi: client CPU per read", "µs", res["lark_cpu"]),
        Figure(
            "ours / bare aiohttp, client CPU per read",
            "x",
            ratios(res["ours_cpu"], res["bare_cpu"]),
            digits=2,
        ),
    ]
    m, r = sec.m, sec.r
    ok = sec.fig("ours / bare aiohttp").met
    sec.meaning = (
        f"With 50 reads in flight our client completes {m('ours: reads/s')} reads/s (median; "
        f"{r('ours: reads/s')}) against {m('bare aiohttp + msgspec: reads/s')} for a bare "
        f"shared aiohttp session: {m('ours / bare aiohttp')}x per run (range "
        f"{r('ours / bare aiohttp')}), which {'meets' if ok else 'misses'} the >= 0.85x "
        "target. Auth, the retry loop, error mapping and typed decoding therefore cost "
        f"{'little' if ok else 'a measurable share'} next to the HTTP round trip on "
        f"127.0.0.1. lark-oapi completes {m('lark-oapi: reads/s')} reads/s: ours is "
        f"{m('ours / lark-oapi')}x faster (range {r('ours / lark-oapi')}x), mostly because "
        "lark-oapi opens a new HTTP client and connection for every call "
        f"({m('lark-oapi: client CPU per read')} µs of client CPU per read). Per read, our "
        f"client process spent {m('ours: client CPU per read')} µs of CPU against "
        f"{m('bare aiohttp: client CPU per read')} µs for the bare session "
        f"({m('ours / bare aiohttp, client CPU per read')}x): with client and emulator "
        "sharing two cores, that CPU is what sets the difference in reads/s."
    )
    sec.analysis = "\n\n".join(profile_text)
    return sec
