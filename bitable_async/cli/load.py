"""``bitable-async import``: load CSV / JSONL into a table, schema-aware, with a full report.

Rows are read a batch at a time (:mod:`.sources`), converted per field type
(:mod:`.convert`), and streamed into :func:`bitable_async.bulk.bulk_insert` or
:func:`~bitable_async.bulk.bulk_upsert` through the table's writer. Every row
that does not land -- unparsable line, bad cell, value refused by the codec or
by the server -- is listed with its line number and reason; the exit status is
1 when any row was rejected (0 with ``--allow-rejects``).
"""

from __future__ import annotations

import sys
import time
from array import array
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timezone, tzinfo
from typing import IO, Any

import anyio.to_thread
import click

from bitable_async.bulk import BulkAbortedError, BulkProgress, BulkSummary, bulk_insert, bulk_upsert
from bitable_async.cli.common import (
    Connection,
    make_progress,
    open_client,
    resolve_table,
    run,
    stderr_console,
    table_command_options,
)
from bitable_async.cli.convert import RowConverter, RowRejected, UnknownColumnsError
from bitable_async.cli.sources import (
    Format,
    count_rows,
    format_for,
    open_source,
    read_header,
    read_rows,
    stdin_source,
)
from bitable_async.errors import FieldValueError

__all__ = ["ImportReport", "import_command"]


@dataclass
class ImportReport:
    """What an import did.

    Attributes:
        summary: the bulk run's summary (None if it did not start).
        rejected: (line, reason) of every row that did not land, in line order.
        ignored: ignored column -> why.
        aborted: the error that stopped the run, if any.
    """

    summary: BulkSummary | None = None
    rejected: list[tuple[int, str]] = field(default_factory=list)
    ignored: dict[str, str] = field(default_factory=dict)
    aborted: str | None = None


def _tz(name: str) -> tzinfo:
    if name.upper() in ("UTC", "Z"):
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {name!r}", param_hint="--tz") from None


@click.command("import")
@table_command_options
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default=None,
    help="Input format (default: from the file extension, else csv).",
)
@click.option(
    "--upsert-key",
    "upsert_keys",
    multiple=True,
    metavar="FIELD",
    help="Update rows whose key matches an existing record, create the rest "
    "(repeat for a composite key).",
)
@click.option("--sep", default=";", show_default=True, help="Separator of list values in a cell.")
@click.option("--delimiter", default=",", show_default=True, help="CSV delimiter.")
@click.option(
    "--tz", "tz_name", default="UTC", show_default=True, help="Time zone of dates without offset."
)
@click.option("--ignore-column", multiple=True, metavar="NAME", help="Skip this column.")
@click.option(
    "--attachment-tokens", is_flag=True, help="Attachment columns hold Drive file tokens."
)
@click.option(
    "--allow-rejects", is_flag=True, help="Exit with status 0 even when rows were rejected."
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
def import_command(
    conn: Connection,
    app_token: str,
    table: str,
    source: str,
    fmt: str | None,
    upsert_keys: tuple[str, ...],
    sep: str,
    delimiter: str,
    tz_name: str,
    ignore_column: tuple[str, ...],
    attachment_tokens: bool,
    allow_rejects: bool,
    progress: bool,
) -> None:
    """Load a CSV or JSONL file into a table.

    Cells are converted by field type: numbers, dates (ISO 8601 or ms),
    checkboxes (true/false/1/0/yes/no), multi-select, persons and links
    separated by --sep, hyperlinks, locations ('lng,lat'). Every rejected row is
    listed with its line number and reason; the exit status is 1 when rows were
    rejected (unless --allow-rejects).
    """
    in_fmt = format_for(source, fmt)
    options = _Options(
        in_fmt,
        upsert_keys,
        sep,
        delimiter,
        _tz(tz_name),
        ignore_column,
        attachment_tokens,
        progress,
    )
    if source == "-":
        report = run(_import(conn, app_token, table, stdin_source(), None, options))
    else:
        try:
            f = open_source(source)
        except OSError as exc:
            raise click.FileError(source, hint=exc.strerror or str(exc)) from None
        with f:
            report = run(_import(conn, app_token, table, f, source, options))
    _print_report(report, source)
    if report.aborted is not None or (report.rejected and not allow_rejects):
        sys.exit(1)


@dataclass(frozen=True)
class _Options:
    fmt: Format
    upsert_keys: tuple[str, ...]
    sep: str
    delimiter: str
    tz: tzinfo
    ignore: tuple[str, ...]
    attachment_tokens: bool
    progress: bool


async def _import(
    conn: Connection,
    app_token: str,
    table: str,
    f: IO[str],
    path: str | None,
    opts: _Options,
) -> ImportReport:
    report = ImportReport()
    console = stderr_console()
    async with open_client(conn) as client:
        handle = await resolve_table(client, app_token, table)
        codec = await handle.records.codec()
        conv = RowConverter(
            codec,
            sep=opts.sep,
            tz=opts.tz,
            attachment_tokens=opts.attachment_tokens,
            ignore=opts.ignore,
        )
        csv_reader = None
        if opts.fmt == "csv":
            try:
                header, csv_reader = await read_header(f, opts.delimiter)
            except ValueError as exc:  # bytes that are not UTF-8
                raise click.UsageError(str(exc)) from None
            dupes = sorted({c for c in header if header.count(c) > 1})
            if dupes:
                raise click.UsageError(f"duplicate column(s) {', '.join(map(repr, dupes))}")
            try:
                conv.check_columns(header)
            except UnknownColumnsError as exc:
                raise click.UsageError(str(exc)) from None
            for key in opts.upsert_keys:
                if key not in header or conv.plan(key) is None:
                    raise click.UsageError(f"--upsert-key {key!r} is not a writable column")
        total = None
        if path is not None:
            total = await anyio.to_thread.run_sync(count_rows, path, opts.fmt, opts.delimiter)

        lines = array("Q")  # input position -> line number (8 bytes a row)
        rejected = report.rejected

        async def rows() -> AsyncIterator[dict[str, Any]]:
            async for item in read_rows(f, opts.fmt, csv_reader):
                if item.data is None:
                    rejected.append((item.line, item.error or "unreadable"))
                    continue
                try:
                    row = conv.convert(item.data)
                except RowRejected as exc:
                    rejected.append((item.line, str(exc)))
                    continue
                lines.append(item.line)
                yield row

        started = time.monotonic()
        with make_progress(console, enabled=opts.progress) as bar:
            task = bar.add_task(f"import {handle.table_id}", total=total, rate="")

            def on_progress(p: BulkProgress) -> None:
                rate = p.written / max(time.monotonic() - started, 1e-9)
                done = p.written + p.failed + len(rejected)
                bar.update(task, completed=done, rate=f"{rate:,.0f} rec/s")

            summary: BulkSummary | None = None
            try:
                if opts.upsert_keys:
                    summary = await bulk_upsert(
                        handle,
                        rows(),
                        key=opts.upsert_keys,
                        progress=on_progress,
                        max_failures=sys.maxsize,
                    )
                else:
                    summary = await bulk_insert(
                        handle, rows(), progress=on_progress, max_failures=sys.maxsize
                    )
            except BulkAbortedError as exc:
                summary = exc.summary
                report.aborted = str(exc)
            bar.update(task, completed=summary.written + summary.failed + len(rejected))
        report.summary = summary
        for failure in summary.failures:
            line = lines[failure.index] if failure.index < len(lines) else 0
            rejected.append((line, _reason(failure.error)))
        rejected.sort(key=lambda r: r[0])
        report.ignored = dict(conv.ignored)
    return report


def _reason(error: BaseException) -> str:
    # The bulk loader numbers rows by stream position; the report shows line numbers instead.
    text = str(error)
    index = getattr(error, "record_index", None)
    if isinstance(error, FieldValueError) and index is not None:
        text = text.replace(f"record {index}, ", "", 1).replace(f"record {index}: ", "", 1)
    return f"{type(error).__name__}: {text}"


def _print_report(report: ImportReport, source: str) -> None:
    s = report.summary
    where = "standard input" if source == "-" else source
    if s is not None:
        extra = f", {s.merged} merged by key" if s.merged else ""
        click.echo(
            f"imported {where}: {s.written} written ({s.created} created, {s.updated} updated), "
            f"{len(report.rejected)} rejected{extra}; {s.stats.requests} write requests, "
            f"{s.stats.retries} retries, {s.elapsed:.2f} s"
        )
    for column, why in report.ignored.items():
        click.echo(f"ignored column {column!r}: {why}")
    if report.rejected:
        click.echo(f"rejected rows ({len(report.rejected)}):")
        for line, reason in report.rejected:
            click.echo(f"  line {line}: {reason}")
    if report.aborted is not None:
        read = f" after reading {s.rows_read} rows" if s is not None else ""
        click.echo(
            f"stopped{read}: {report.aborted}; the rows of the failed request and every later "
            "row were not imported",
            err=True,
        )
