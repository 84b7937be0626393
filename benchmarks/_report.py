"""Printing the results table and writing RESULTS.md."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from benchmarks._common import Figure, Section

NOTES = Path(__file__).with_name("NOTES.md")


def _row(f: Figure) -> tuple[str, str, str, str, str, str, str]:
    return (
        f.name,
        f.fmt(f.min),
        f.fmt(f.median),
        f.fmt(f.max),
        f.unit,
        (f.target or "") + (" (every run)" if f.target and f.every else ""),
        f.verdict(),
    )


def text_table(sections: list[Section]) -> str:
    """The plain-text table printed at the end of a run."""
    head = ("figure", "min", "median", "max", "unit", "target", "verdict")
    rows: list[tuple[str, ...]] = []
    for s in sections:
        rows.append((f"[{s.number}] {s.title}", "", "", "", "", "", ""))
        rows.extend(("  " + r[0], *r[1:]) for r in map(_row, s.figures))
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    out = []
    for r in [head, *rows]:
        cells = [
            r[i].ljust(widths[i]) if i in (0, 4, 5, 6) else r[i].rjust(widths[i])
            for i in range(len(head))
        ]
        out.append("  ".join(cells).rstrip())
        if r is head:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _md_table(figures: list[Figure]) -> list[str]:
    lines = [
        "| figure | min | median | max | unit | target | verdict |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for r in map(_row, figures):
        verdict = f"**{r[6]}**" if r[6] == "MISSED" else r[6]
        lines.append(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} | {verdict} |")
    return lines


def markdown(
    sections: list[Section],
    *,
    command: str,
    machine: dict[str, str],
    load_start: str,
    load_end: str,
    started: dt.datetime,
    seconds: float,
    runs: int,
) -> str:
    """The full RESULTS.md text."""
    out = [
        "# Benchmark results",
        "",
        "This file is written by the benchmark harness; rerun the command below to",
        "reproduce it (it rewrites this file). Do not edit the figures by hand.",
        "",
        "## How these figures were made",
        "",
        "```sh",
        command,
        "```",
        "",
        f"* Started {started.strftime('%Y-%m-%d %H:%M UTC')}; the whole run took "
        f"{seconds / 60:.1f} minutes.",
        f"* Machine: {machine['nproc']} CPUs, {machine['memory']} memory, "
        f"{machine['cpu']}; {machine['os']}.",
        f"* Python {machine['python']}; {machine['packages']}.",
        f"* Load average (1 / 5 / 15 min) at start: {load_start}; at end: {load_end}. "
        "The machine is shared with other engineers' test runs, so absolute figures "
        "move from run to run; the ratios are what to read.",
        f"* Every figure is min / median / max over {runs} runs (more where a section "
        "says so). Every comparison is a ratio computed per run from A and B measured "
        "one after the other in that run (A B A B ...), then summarised; verdicts "
        "use the median, except targets marked 'every run'.",
        "* The emulator (`python -m bitable_async.emulator`) runs in a separate "
        "process on 127.0.0.1, started by the harness for each workload with the "
        "knobs given in its section.",
        "",
        "## Targets",
        "",
        "| # | figure | target | median (min - max) | verdict |",
        "|---|---|---|---|---|",
    ]
    for s in sections:
        for f in s.figures:
            if f.target:
                verdict = f"**{f.verdict()}**" if f.met is False else f.verdict()
                out.append(
                    f"| {s.number} | {f.name} | {f.target} {f.unit}"
                    f"{' (every run)' if f.every else ''} | "
                    f"{f.fmt(f.median)} ({f.fmt(f.min)} - {f.fmt(f.max)}) | {verdict} |"
                )
    for s in sorted(sections, key=lambda s: s.number):
        out += ["", f"## {s.number}. {s.title}", "", s.setup, "", *_md_table(s.figures)]
        out += ["", f"**What this means.** {s.meaning}"]
        if s.analysis:
            out += ["", s.analysis]
        out += ["", f"_Workload wall time: {s.seconds:.0f} s{s.time_note}._"]
    if NOTES.exists():
        out += ["", NOTES.read_text(encoding="utf-8").strip()]
    return "\n".join(out) + "\n"
