"""``python -m benchmarks``: run every workload, print a table, rewrite RESULTS.md.

Options::

    --quick            small loads and 2 runs (smoke test; figures not meaningful);
                       writes no markdown unless --out is given
    --only a,b         run only these workloads (keys below); writes no markdown
                       unless --out is given
    --runs N           runs per figure (default 5)
    --out PATH         write the markdown here (default benchmarks/RESULTS.md)
    --no-write         print only

Workload keys: ingest (1 and 2), coalesce (3), codec (4), calls (5),
tokens (6), import (7), stream (8).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import importlib.util
import os
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._common import Options, Section, loadavg, log, machine
from benchmarks._report import markdown, text_table

# Execution order: cheap CPU-bound workloads first, the long ingest last.
WORKLOADS: dict[str, str] = {
    "import": "benchmarks.imports",
    "codec": "benchmarks.codec_compare",
    "calls": "benchmarks.calls",
    "tokens": "benchmarks.tokens",
    "stream": "benchmarks.streaming",
    "coalesce": "benchmarks.coalesce",
    "ingest": "benchmarks.ingest",
}

DEFAULT_OUT = Path(__file__).with_name("RESULTS.md")


def _check_deps() -> None:
    missing = []
    for mod in ("lark_oapi", "redis"):
        # find_spec, not import: importing lark_oapi here would cost seconds.
        if importlib.util.find_spec(mod) is None:
            missing.append(mod)
    if missing:
        sys.exit(
            f"missing {', '.join(missing)}: install the bench extra first "
            "(pip install -e '.[bench]'); the harness installs nothing itself"
        )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small loads, 2 runs (smoke test)")
    p.add_argument("--only", default="", help=f"comma-separated subset of {','.join(WORKLOADS)}")
    p.add_argument("--runs", type=int, default=None, help="runs per figure (default 5; quick 2)")
    p.add_argument("--out", type=Path, default=None, help="markdown output (default RESULTS.md)")
    p.add_argument("--no-write", action="store_true", help="do not write any markdown file")
    p.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="Redis for the cross-process token workload (default $REDIS_URL or local)",
    )
    args = p.parse_args(argv)
    keys = [k.strip() for k in args.only.split(",") if k.strip()] or list(WORKLOADS)
    unknown = [k for k in keys if k not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    args.keys = [k for k in WORKLOADS if k in keys]
    if args.runs is None:
        args.runs = 2 if args.quick else 5
    if args.runs < 1:
        p.error("--runs must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the selected workloads; returns the exit status."""
    args = parse(argv)
    _check_deps()
    opts = Options(runs=args.runs, quick=args.quick, redis_url=args.redis_url)
    if set(args.keys) - {"import", "stream"}:
        # lark_oapi loads ~11,000 modules. Import it once, up front, and freeze that heap:
        # otherwise every full garbage collection during a measurement (of ours or of
        # lark-oapi) walks those objects and adds pauses that belong to neither.
        importlib.import_module("lark_oapi")
        gc.collect()
        gc.freeze()
    started = dt.datetime.now(dt.timezone.utc)
    load_start = loadavg()
    t0 = time.perf_counter()
    log(f"benchmarks: {', '.join(args.keys)}; {opts.runs} runs; load average {load_start}")
    sections: list[Section] = []
    for key in args.keys:
        log(f"[{key}] ...")
        w0 = time.perf_counter()
        runner: Callable[[Options], Section | list[Section]] = importlib.import_module(
            WORKLOADS[key]
        ).run
        got = runner(opts)
        produced = got if isinstance(got, list) else [got]
        for s in produced:
            s.seconds = time.perf_counter() - w0
            if len(produced) > 1:
                s.time_note = f" (sections {', '.join(str(p.number) for p in produced)} together)"
        sections.extend(produced)
        log(f"[{key}] done in {time.perf_counter() - w0:.0f} s")
    seconds = time.perf_counter() - t0
    load_end = loadavg()
    sections.sort(key=lambda s: s.number)
    print(text_table(sections))
    print(f"\nload average: start {load_start}, end {load_end}; {seconds:.0f} s in total")

    out: Path | None = args.out
    if out is None and not args.no_write and not args.only and not args.quick:
        out = DEFAULT_OUT
    if out is not None and not args.no_write:
        command = "python -m benchmarks" + "".join(
            f" {shlex.quote(a)}" for a in (sys.argv[1:] if argv is None else argv)
        )
        out.write_text(
            markdown(
                sections,
                command=command,
                machine=machine(),
                load_start=load_start,
                load_end=load_end,
                started=started,
                seconds=seconds,
                runs=opts.runs,
            ),
            encoding="utf-8",
        )
        log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
