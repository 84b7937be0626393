"""Benchmarks of bitable-async against lark-oapi and against the emulator's limits.

Run everything (from the repository root, venv active)::

    python -m benchmarks                 # all workloads, rewrites benchmarks/RESULTS.md
    python -m benchmarks --quick --only import --no-write    # smoke run

One module per workload (``ingest``, ``coalesce``, ``codec_compare``, ``calls``,
``tokens``, ``imports``, ``streaming``); shared helpers in ``_common``; the
RESULTS.md writer in ``_report``. The older single-purpose scripts
``bench_codecs.py`` and ``bench_ingest.py`` still run on their own and are
imported here for their data builders and load functions.
"""
