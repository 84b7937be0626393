"""``bitable-async demo``: 20,000 typed records through the per-table writer, then read back.

By default it starts the emulator in this process (no account, no network)
with a modeled service time, creates a table with one field of every writable
type, loads generated records from 8 concurrent producers (each a
:func:`~bitable_async.bulk.bulk_insert` stream into the same table's writer)
under a live progress bar, reads everything back through the typed iterator,
checks the count and a sample of typed values, and reports records/s, HTTP
calls, retries, and the server's own counts of conflicts and token fetches.
The exit status is 1 when a check fails (count, duplicates, values, conflicts).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from typing import Any

import anyio.to_thread
import click

from bitable_async.bulk import BulkProgress, BulkSummary, bulk_insert
from bitable_async.cli.common import (
    Connection,
    connection,
    connection_options,
    make_progress,
    open_client,
    run,
    stderr_console,
)
from bitable_async.cli.demo_data import (
    DEMO_USERS,
    KEY,
    DemoContext,
    demo_fields,
    expected_row,
    mismatches,
    sample_indexes,
)
from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig
from bitable_async.handles import TableHandle
from bitable_async.models.fields import FieldSchema, TextField

__all__ = ["DemoOptions", "DemoReport", "demo_command", "run_demo"]


@dataclass(frozen=True)
class DemoOptions:
    """The demo's settings (see ``bitable-async demo --help``)."""

    records: int = 20_000
    producers: int = 8
    service_time: float = 0.02
    service_time_per_record: float = 0.00002
    rate_limits: bool = True
    samples: int = 200
    progress: bool = True
    conn: Connection | None = None
    app_token: str | None = None
    person_ids: tuple[str, ...] = ()
    keep_tables: bool = False


@dataclass
class DemoReport:
    """What the demo measured; ``ok`` says whether every check passed."""

    mode: str
    records: int
    producers: int
    written: int = 0
    failed: int = 0
    load_seconds: float = 0.0
    records_per_second: float = 0.0
    read_back: int = 0
    read_seconds: float = 0.0
    duplicates: int = 0
    spot_checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    http_calls: int = 0
    write_requests: int = 0
    retries: int = 0
    server_conflicts: int | None = None
    server_token_fetches: int | None = None
    client_token_fetches: int = 0
    table_id: str = ""

    @property
    def ok(self) -> bool:
        """True when the count, uniqueness, values and conflicts are all right."""
        return (
            self.read_back == self.records
            and self.written == self.records
            and self.duplicates == 0
            and not self.mismatches
            and not self.server_conflicts
        )


def _fetch_stats_sync(base_url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(base_url + "/__emulator/stats", timeout=5) as resp:
            data: dict[str, Any] = json.loads(resp.read())
            return data
    except (OSError, ValueError):
        return None  # not an emulator (or unreachable): the server's counts are unknown


def _counts(stats: dict[str, Any] | None) -> tuple[int, int] | None:
    if stats is None:
        return None
    return int(stats["total"]["conflicts"]), sum(stats["token_fetches"].values())


async def _first_field(handle: TableHandle) -> FieldSchema:
    async for f in handle.fields.list():
        return f  # the primary field comes first
    raise click.ClickException(f"table {handle.table_id} has no fields")


async def _setup(
    client: BitableClient, app_token: str, opts: DemoOptions, person_ids: tuple[str, ...]
) -> tuple[TableHandle, DemoContext, list[str]]:
    app = client.app(app_token)
    suffix = time.strftime("%H%M%S")
    targets = await app.tables.create(f"Demo targets {suffix}")
    th = client.table(app_token, targets.table_id)
    primary = (await _first_field(th)).field_name
    linked = await th.records.batch_create([{primary: f"target {i}"} for i in range(10)])
    main = await app.tables.create(f"Demo {suffix}")
    mh = client.table(app_token, main.table_id)
    first = await _first_field(mh)
    if first.field_name != KEY and first.field_id:
        await mh.fields.update(first.field_id, TextField(field_name=KEY))
    for schema in demo_fields(targets.table_id):
        await mh.fields.create(schema)
    await mh.refresh_schema()
    attachment = await app.attachments.upload(b"hello from bitable-async", file_name="hello.txt")
    ctx = DemoContext(
        link_ids=tuple(r.record_id for r in linked if r.record_id),
        attachment=attachment,
        person_ids=person_ids,
    )
    return mh, ctx, [targets.table_id, main.table_id]


async def _load(
    mh: TableHandle, ctx: DemoContext, opts: DemoOptions
) -> tuple[list[BulkSummary], float]:
    n, producers = opts.records, opts.producers
    done = [0] * producers
    with make_progress(stderr_console(), enabled=opts.progress) as bar:
        task = bar.add_task(f"{producers} producers -> 1 writer", total=n, rate="")
        started = time.monotonic()

        async def producer(p: int) -> BulkSummary:
            lo, hi = p * n // producers, (p + 1) * n // producers

            def on_progress(prog: BulkProgress) -> None:
                done[p] = prog.written + prog.failed
                total = sum(done)
                rate = total / max(time.monotonic() - started, 1e-9)
                bar.update(task, completed=total, rate=f"{rate:,.0f} rec/s")

            rows = (expected_row(i, ctx) for i in range(lo, hi))
            return await bulk_insert(mh, rows, progress=on_progress)

        summaries = await asyncio.gather(*(producer(p) for p in range(producers)))
        elapsed = time.monotonic() - started
    return list(summaries), elapsed


async def _read_back(
    mh: TableHandle, ctx: DemoContext, opts: DemoOptions, report: DemoReport
) -> None:
    wanted = set(sample_indexes(opts.records, opts.samples))
    seen: set[int] = set()
    started = time.monotonic()
    async for rec in mh.records.search(page_size=500):
        report.read_back += 1
        key = rec.fields.get(KEY)
        try:
            n = int(str(key).removeprefix("row-"))
        except ValueError:
            report.mismatches.append(f"unexpected record {rec.record_id}: key {key!r}")
            continue
        if n in seen:
            report.duplicates += 1
        seen.add(n)
        if n in wanted:
            report.spot_checked += 1
            report.mismatches.extend(mismatches(n, rec, ctx))
    report.read_seconds = time.monotonic() - started


async def run_demo(opts: DemoOptions) -> DemoReport:
    """Run the demo and measure it.

    Args:
        opts: the settings; ``opts.conn`` None = an in-process emulator.

    Returns:
        The report (``report.ok`` tells whether every check passed).

    Raises:
        BitableError: a call failed for good.
        click.UsageError: remote mode without an app token.
    """
    async with contextlib.AsyncExitStack() as stack:
        if opts.conn is None:
            from bitable_async.emulator import Emulator, EmulatorConfig, SeedApp

            emu = await stack.enter_async_context(
                Emulator(
                    EmulatorConfig(
                        seed_apps=[SeedApp(name="Demo Base")],
                        users=DEMO_USERS,
                        write_service_time=opts.service_time,
                        write_service_time_per_record=opts.service_time_per_record,
                        rate_limits_enabled=opts.rate_limits,
                    )
                )
            )
            conn = Connection(emu.base_url, emu.app_id, emu.app_secret)
            app_token: str = emu.app_token
            person_ids = tuple(DEMO_USERS)
            mode = "emulator in-process"
        else:
            if not opts.app_token:
                raise click.UsageError("--base-url needs --app-token (the Bitable to write into)")
            conn, app_token, person_ids = opts.conn, opts.app_token, opts.person_ids
            mode = f"server {conn.base_url}"
        before = _counts(await anyio.to_thread.run_sync(_fetch_stats_sync, conn.base_url))
        cfg = ClientConfig(rate_limit=RateLimitConfig(enabled=opts.rate_limits))
        client = await stack.enter_async_context(open_client(conn, config=cfg))
        report = DemoReport(mode, opts.records, opts.producers)
        mh, ctx, created = await _setup(client, app_token, opts, person_ids)
        report.table_id = mh.table_id
        summaries, report.load_seconds = await _load(mh, ctx, opts)
        report.written = sum(s.written for s in summaries)
        report.failed = sum(s.failed for s in summaries)
        report.write_requests = sum(s.stats.requests for s in summaries)
        writer_retries = sum(s.retries for s in summaries)
        report.records_per_second = report.written / max(report.load_seconds, 1e-9)
        for s in summaries:
            report.mismatches.extend(f"row {f.index}: {f.reason}" for f in s.failures[:5])
        await _read_back(mh, ctx, opts, report)
        after = _counts(await anyio.to_thread.run_sync(_fetch_stats_sync, conn.base_url))
        if before is not None and after is not None:
            report.server_conflicts = after[0] - before[0]
            report.server_token_fetches = after[1] - before[1]
        stats = client.stats
        report.http_calls = stats.http_calls
        report.retries = stats.retries + writer_retries
        report.client_token_fetches = stats.token_fetches
        if opts.conn is not None and not opts.keep_tables:
            await client.app(app_token).tables.batch_delete(created)
    return report


def _print_report(report: DemoReport, opts: DemoOptions) -> None:
    def unknown(v: int | None) -> str:
        return "n/a (not an emulator)" if v is None else f"{v:,}"

    service = (
        f" (service time {opts.service_time * 1000:g} ms + "
        f"{opts.service_time_per_record * 1000:g} ms/record)"
        if opts.conn is None
        else ""
    )
    lines = [
        f"bitable-async demo: {report.records:,} records from {report.producers} producers "
        f"into one table, {report.mode}{service}",
        f"  load        {report.written:,} written, {report.failed:,} failed in "
        f"{report.load_seconds:.2f} s  ->  {report.records_per_second:,.0f} records/s",
        f"  HTTP calls  {report.http_calls:,} in all ({report.write_requests:,} batch writes "
        f"by the table's writer)",
        f"  retries     {report.retries:,}",
        f"  conflicts   {unknown(report.server_conflicts)} seen at the server (1254291)",
        f"  tokens      {unknown(report.server_token_fetches)} fetched at the server "
        f"({report.client_token_fetches} by this client)",
        f"  read back   {report.read_back:,} records through the typed iterator in "
        f"{report.read_seconds:.2f} s; {report.duplicates} duplicates; "
        f"{report.spot_checked} spot-checked field by field",
    ]
    lines.extend(f"  MISMATCH    {m}" for m in report.mismatches[:20])
    lines.append("OK" if report.ok else "FAILED")
    for line in lines:
        click.echo(line)


@click.command("demo")
@click.option(
    "--records", type=click.IntRange(1, 20_000), default=20_000, show_default=True,
    help="Records to load (a table holds at most 20,000).",
)
@click.option("--producers", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option(
    "--service-time", type=click.FloatRange(0), default=0.02, show_default=True,
    help="In-process emulator: seconds each write request takes.",
)
@click.option(
    "--service-time-per-record", type=click.FloatRange(0), default=0.00002, show_default=True,
    help="In-process emulator: extra seconds per record of a batch.",
)
@click.option(
    "--rate-limits/--no-rate-limits", default=True,
    help="QPS caps at the emulator and in the client (default: on, as on the real service).",
)
@click.option("--samples", type=click.IntRange(0), default=200, show_default=True,
              help="Records checked field by field on read-back.")
@click.option("--progress/--no-progress", default=True, help="Show the live progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@connection_options
@click.option("--app-token", envvar="BITABLE_APP_TOKEN", default=None,
              help="With --base-url: the Bitable to create the demo tables in.")
@click.option("--person-id", "person_ids", multiple=True,
              help="With --base-url: user ids for the person field.")
@click.option("--keep-tables", is_flag=True, help="With --base-url: keep the demo tables.")
def demo_command(
    records: int,
    producers: int,
    service_time: float,
    service_time_per_record: float,
    rate_limits: bool,
    samples: int,
    progress: bool,
    as_json: bool,
    base_url: str | None,
    app_id: str | None,
    app_secret: str | None,
    redis_url: str | None,
    app_token: str | None,
    person_ids: tuple[str, ...],
    keep_tables: bool,
) -> None:
    """Load typed records through the per-table writer and read them back.

    Without --base-url it runs on an emulator started in this process: no
    account and no network needed. Exit status 1 when a check fails.
    """
    conn = None
    if base_url:
        conn = connection(base_url, app_id, app_secret, redis_url)
    opts = DemoOptions(
        records=records, producers=min(producers, records), service_time=service_time,
        service_time_per_record=service_time_per_record, rate_limits=rate_limits,
        samples=samples, progress=progress, conn=conn, app_token=app_token,
        person_ids=person_ids, keep_tables=keep_tables,
    )
    report = run(run_demo(opts))
    if as_json:
        click.echo(json.dumps({**asdict(report), "ok": report.ok}))
    else:
        _print_report(report, opts)
    if not report.ok:
        raise SystemExit(1)
