"""Shared pieces of the benchmark harness: figures, sections, the emulator process, lark-oapi.

Everything that talks to the emulator's admin API uses the standard library
(``urllib``) so that it never shares a connection pool with a client under test.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bitable_async.emulator.server import EmulatorProcess

# ----------------------------------------------------------------- figures


@dataclass
class Figure:
    """One measured quantity: a value per run, summarised as min / median / max.

    Attributes:
        name: what was measured (shown in the tables).
        unit: unit of the values.
        values: one value per run, in run order.
        target: the target as text (e.g. ">= 0.95"), or None.
        check: predicate deciding whether the target is met (on the median).
        digits: decimals to print (None = chosen from the magnitude).
        every: apply ``check`` to every run's value instead of the median
            (for counts that must hold in every run, e.g. 0 conflicts).
    """

    name: str
    unit: str
    values: list[float]
    target: str | None = None
    check: Callable[[float], bool] | None = None
    digits: int | None = None
    every: bool = False

    @property
    def min(self) -> float:
        """Smallest value."""
        return min(self.values)

    @property
    def median(self) -> float:
        """Median value."""
        return statistics.median(self.values)

    @property
    def max(self) -> float:
        """Largest value."""
        return max(self.values)

    @property
    def met(self) -> bool | None:
        """Whether the median (or every value) meets the target (None without a target)."""
        if self.check is None or not self.values:
            return None
        if self.every:
            return all(self.check(v) for v in self.values)
        return bool(self.check(self.median))

    def fmt(self, value: float) -> str:
        """Format one value with this figure's precision."""
        if self.digits is not None:
            return f"{value:,.{self.digits}f}"
        a = abs(value)
        if a >= 100 or value == int(value):
            return f"{value:,.0f}"
        if a >= 10:
            return f"{value:.1f}"
        if a >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"

    def verdict(self) -> str:
        """``met`` / ``MISSED`` / empty."""
        met = self.met
        return "" if met is None else ("met" if met else "MISSED")


@dataclass
class Section:
    """The result of one workload.

    Attributes:
        key: short name used by ``--only``.
        number: the workload's number in issue 7.
        title: heading.
        setup: how the workload was run (markdown).
        figures: the measured figures.
        meaning: "what this means", written from the figures (markdown).
        analysis: profile or diagnostic output for missed targets (markdown).
        seconds: wall time the workload took.
        time_note: qualifies ``seconds`` (e.g. shared by two sections).
    """

    key: str
    number: int
    title: str
    setup: str = ""
    figures: list[Figure] = field(default_factory=list)
    meaning: str = ""
    analysis: str = ""
    seconds: float = 0.0
    time_note: str = ""

    def fig(self, name: str) -> Figure:
        """The figure called ``name``."""
        for f in self.figures:
            if f.name == name:
                return f
        raise KeyError(name)

    def m(self, name: str) -> str:
        """The formatted median of figure ``name``."""
        f = self.fig(name)
        return f.fmt(f.median)

    def r(self, name: str) -> str:
        """The formatted range ``min-max`` of figure ``name``."""
        f = self.fig(name)
        return f"{f.fmt(f.min)}-{f.fmt(f.max)}"


@dataclass
class Options:
    """Harness options shared by the workloads.

    Attributes:
        runs: runs per figure (each run measures A and B interleaved).
        quick: smaller loads for a smoke run.
        redis_url: Redis for the cross-process token workload.
    """

    runs: int = 5
    quick: bool = False
    redis_url: str = "redis://127.0.0.1:6379/0"


def ratios(a: Iterable[float], b: Iterable[float]) -> list[float]:
    """Per-run ratios ``a[i] / b[i]`` (runs measured side by side)."""
    return [x / y if y else float("inf") for x, y in zip(a, b, strict=True)]


def log(msg: str) -> None:
    """Progress line on stderr (stdout carries the tables)."""
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------- machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """A description of the machine and the software versions."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 0
    return {
        "nproc": f"{usable} usable ({os.cpu_count()} online)",
        "memory": f"{_mem_total_gib():.1f} GiB",
        "cpu": _cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "packages": ", ".join(
            f"{d} {_version(d)}"
            for d in ("msgspec", "aiohttp", "anyio", "redis", "lark-oapi", "httpx")
        ),
    }


def loadavg() -> str:
    """The 1 / 5 / 15 minute load averages."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "n/a"


# ---------------------------------------------------------------- emulator


class Emu:
    """The emulator in a separate process (``python -m bitable_async.emulator``).

    Each instance gets its own developer app id, because lark-oapi caches
    tokens process-wide by app id and the next emulator would not know them.

    Args:
        seed: seed document (``{"bases": [...]}``) or None for the demo base.
        seed_path: an existing seed file instead of ``seed``.
        args: extra emulator command-line arguments.
    """

    def __init__(
        self, seed: dict[str, Any] | None = None, *args: str, seed_path: str | None = None
    ) -> None:
        self.app_id = f"cli_bench{uuid.uuid4().hex[:10]}"
        self.app_secret = f"bench-secret-{uuid.uuid4().hex[:8]}"
        self._tmp: str | None = None
        extra = list(args)
        if seed is not None:
            fd, self._tmp = tempfile.mkstemp(suffix=".json", prefix="bench-seed-")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(seed, f, ensure_ascii=False)
            seed_path = self._tmp
        if seed_path is not None:
            extra = ["--seed-file", seed_path, *extra]
        self._proc = EmulatorProcess(
            *extra, "--app-id", self.app_id, "--app-secret", self.app_secret
        )

    def __enter__(self) -> Emu:
        self._proc.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._proc.stop()
        if self._tmp is not None:
            os.unlink(self._tmp)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self._proc.base_url

    @property
    def info(self) -> dict[str, Any]:
        """The emulator's start-up banner (base_url, app_id, app_token, table_id ...)."""
        return self._proc.info

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the emulator process has used so far (Linux /proc)."""
        proc = getattr(self._proc, "_proc", None)  # the Popen inside EmulatorProcess
        if proc is None:
            return float("nan")
        try:
            with open(f"/proc/{proc.pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def admin(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET (no body) or POST an ``/__emulator/...`` admin endpoint."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base_url + path,
            data=data,
            method="GET" if body is None else "POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return dict(json.loads(resp.read()))

    def stats(self) -> dict[str, Any]:
        """Every counter of the emulator."""
        return self.admin("/__emulator/stats")

    def reset(self, *, data: bool = False) -> None:
        """Zero the counters and rate-limit windows (and re-seed the data when asked)."""
        self.admin("/__emulator/reset", {"stats": True, "data": data, "rate_limits": True})

    def configure(self, **changes: Any) -> None:
        """Change emulator knobs at run time."""
        out = self.admin("/__emulator/config", changes)
        if out.get("code") != 0:
            raise RuntimeError(f"emulator config {changes}: {out}")

    def token(self) -> str:
        """A tenant_access_token fetched with urllib (for bare-HTTP helpers)."""
        req = urllib.request.Request(
            self.base_url + "/open-apis/auth/v3/tenant_access_token/internal",
            data=json.dumps({"app_id": self.app_id, "app_secret": self.app_secret}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return str(json.loads(resp.read())["tenant_access_token"])

    def call(self, method: str, path: str, body: Any, token: str) -> dict[str, Any]:
        """One open-API call with urllib (setup only, never measured)."""
        req = urllib.request.Request(
            self.base_url + path,
            data=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
            method=method,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            out = dict(json.loads(resp.read()))
        if out.get("code") != 0:
            raise RuntimeError(f"{method} {path}: {out.get('code')} {out.get('msg')}")
        return out


@contextlib.contextmanager
def write_service_emu(seed_path: str, service: float, per_record: float) -> Iterator[Emu]:
    """The emulator seeded from ``seed_path`` with a write service time; the seed file is deleted.

    Args:
        seed_path: a seed file the caller wrote; it is removed when the block ends.
        service: seconds each write request holds its table (``--service-time``).
        per_record: extra seconds per record of a batch (``--service-time-per-record``).

    Yields:
        The started emulator (stopped on exit).
    """
    try:
        with Emu(
            None,
            "--service-time",
            str(service),
            "--service-time-per-record",
            str(per_record),
            seed_path=seed_path,
        ) as emu:
            yield emu
    finally:
        os.unlink(seed_path)


def token_fetches(stats: dict[str, Any]) -> int:
    """Token fetches the emulator served (all token endpoints)."""
    return int(sum(stats.get("token_fetches", {}).values()))


def endpoint_requests(stats: dict[str, Any], *names: str) -> int:
    """Requests that reached the given endpoints (each retry counts)."""
    eps = stats.get("endpoints", {})
    return int(sum(eps.get(n, {}).get("requests", 0) for n in names))


# ----------------------------------------------------------------- lark-oapi


def lark_client(emu: Emu) -> Any:
    """A lark-oapi client pointed at the emulator, built as its README shows."""
    import lark_oapi as lark

    return (
        lark.Client.builder()
        .app_id(emu.app_id)
        .app_secret(emu.app_secret)
        .domain(emu.base_url)
        .log_level(lark.LogLevel.ERROR)
        .build()
    )


async def lark_warm(lc: Any, app_token: str) -> None:
    """Fetch lark-oapi's token and make one call, outside any measured window."""
    from lark_oapi.api.bitable.v1 import GetAppRequest

    resp = await lc.bitable.v1.app.aget(GetAppRequest.builder().app_token(app_token).build())
    if not resp.success():
        raise RuntimeError(f"lark-oapi warm-up failed: {resp.code} {resp.msg}")


def perf() -> float:
    """The clock every workload uses."""
    return time.perf_counter()


# ----------------------------------------------------------------- profiles


def profile_table(fn: Callable[[], object], repeat: int, title: str, top: int = 8) -> str:
    """cProfile ``fn`` called ``repeat`` times; markdown table of the top functions by own time.

    Args:
        fn: the call to profile.
        repeat: how many calls to profile.
        title: caption line above the table.
        top: how many rows.

    Returns:
        Markdown: the caption and a table (function, calls per call of ``fn``,
        own ms per call of ``fn``, share of the total own time).
    """
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(repeat):
        fn()
    prof.disable()
    st = pstats.Stats(prof)
    raw: dict[Any, Any] = st.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values()) or 1.0
    rows = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    lines = [
        title,
        "",
        "| function | calls per call | own ms per call | share of own time |",
        "|---|---:|---:|---:|",
    ]
    for (file, line, name), (_cc, nc, tt, _ct, _callers) in rows:
        where = file.rsplit("/site-packages/", 1)[-1].rsplit("/work/main/", 1)[-1]
        label = f"`{name}` ({where}:{line})" if line else f"`{name}`"
        lines.append(
            f"| {label} | {nc / repeat:,.0f} | {tt / repeat * 1000:.2f} | {tt / total:.0%} |"
        )
    return "\n".join(lines)
