"""Smoke test of the benchmark harness (``python -m benchmarks``).

Runs one small workload end to end -- the emulator in its own process, a
child interpreter per measurement, the results table -- with ``--quick`` and
``--no-write``. It asserts that the harness runs and prints its table, never
any timing, and that RESULTS.md is left alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def test_quick_run_prints_the_table_and_writes_only_where_told(tmp_path: Path) -> None:
    before = RESULTS.read_bytes() if RESULTS.exists() else None
    target = tmp_path / "results.md"
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "stream", "--runs", "1",
         "--out", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0].split()[:4] == ["figure", "min", "median", "max"]
    assert any(line.startswith("[8] Streaming") for line in lines)
    ratio = next(line for line in lines if "peak RSS 2,000 / peak RSS 100" in line)
    assert ratio.rstrip().endswith(("met", "MISSED"))
    # the markdown went to --out, and RESULTS.md was left alone
    assert (RESULTS.read_bytes() if RESULTS.exists() else None) == before
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results")
    assert "python -m benchmarks --quick --only stream --runs 1 --out" in text
    assert "## 8. Streaming" in text
    assert "Load average" in text


def test_unknown_workload_is_rejected() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "nope", "--no-write"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "unknown workload" in out.stderr
