"""``bitable-async export``: stream a table to CSV or JSONL with progress, in constant memory.

Records are read with ``records/search`` one page (up to 500) at a time, each
cell typed by the table's schema, rendered (:mod:`.render`) and written in a
worker thread before the next page is fetched.
"""

from __future__ import annotations

import contextlib
import csv
import sys
import time
from typing import IO, Any

import anyio.to_thread
import click
import msgspec

from bitable_async.cli.common import (
    Connection,
    make_progress,
    open_client,
    resolve_table,
    run,
    stderr_console,
    table_command_options,
)
from bitable_async.cli.render import PersonStyle, to_csv_cell, to_json_value
from bitable_async.cli.sources import format_for

__all__ = ["export_command"]


@click.command("export")
@table_command_options
@click.option(
    "-o",
    "--output",
    default="-",
    metavar="PATH",
    help="File to write; '-' (default) is standard output.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default=None,
    help="Output format (default: from the file extension, else csv).",
)
@click.option("--field", "fields", multiple=True, help="Export only this field (repeatable).")
@click.option("--sep", default=";", show_default=True, help="CSV separator of list values.")
@click.option(
    "--persons",
    type=click.Choice(["id", "name"]),
    default="id",
    show_default=True,
    help="CSV: show persons by id (re-importable) or by name.",
)
@click.option(
    "--record-id/--no-record-id", default=True, help="Add a record_id column (default: yes)."
)
@click.option("--page-size", type=click.IntRange(1, 500), default=500, show_default=True)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
def export_command(
    conn: Connection,
    app_token: str,
    table: str,
    output: str,
    fmt: str | None,
    fields: tuple[str, ...],
    sep: str,
    persons: str,
    record_id: bool,
    page_size: int,
    progress: bool,
) -> None:
    """Stream a table's records to CSV or JSONL.

    Dates are ISO 8601, persons their id (or name), links their record ids,
    attachments their file names, hyperlinks their link; list values are joined
    with --sep in CSV and are arrays in JSONL.
    """
    out_fmt = format_for(output, fmt)
    person_style: PersonStyle = "name" if persons == "name" else "id"
    with contextlib.ExitStack() as stack:
        out: IO[str] = (
            sys.stdout
            if output == "-"
            else stack.enter_context(open(output, "w", encoding="utf-8", newline=""))
        )
        count = run(
            _export(
                conn,
                app_token,
                table,
                out,
                out_fmt,
                fields,
                sep,
                person_style,
                record_id,
                page_size,
                progress,
            )
        )
    where = "standard output" if output == "-" else output
    click.echo(f"exported {count} records to {where}", err=True)


async def _export(
    conn: Connection,
    app_token: str,
    table: str,
    out: IO[str],
    fmt: str,
    fields: tuple[str, ...],
    sep: str,
    persons: PersonStyle,
    record_id: bool,
    page_size: int,
    progress: bool,
) -> int:
    console = stderr_console()
    async with open_client(conn) as client:
        handle = await resolve_table(client, app_token, table)
        codec = await handle.records.codec()
        names = list(fields) if fields else list(codec.field_names)
        missing = [n for n in names if n not in codec.field_names]
        if missing:
            raise click.UsageError(
                f"no field {', '.join(map(repr, missing))} in the table; "
                f"fields: {', '.join(codec.field_names)}"
            )
        columns = (["record_id"] if record_id else []) + names
        writer = csv.writer(out) if fmt == "csv" else None
        encoder = msgspec.json.Encoder()
        if writer is not None:
            await anyio.to_thread.run_sync(writer.writerow, columns)
        count = 0
        started = time.monotonic()
        with make_progress(console, enabled=progress) as bar:
            task = bar.add_task(f"export {handle.table_id}", total=None, rate="")
            pages = handle.records.search(
                field_names=names if fields else None, page_size=page_size
            ).pages()
            async for page in pages:
                lines: list[Any] = []
                for rec in page.items:
                    values = [rec.fields.get(n) for n in names]
                    if writer is not None:
                        cells = [to_csv_cell(v, sep=sep, persons=persons) for v in values]
                        lines.append([rec.record_id or "", *cells] if record_id else cells)
                    else:
                        obj = {n: to_json_value(v) for n, v in zip(names, values, strict=True)}
                        if record_id:
                            obj = {"record_id": rec.record_id, **obj}
                        lines.append(encoder.encode(obj).decode() + "\n")
                if writer is not None:
                    await anyio.to_thread.run_sync(writer.writerows, lines)
                else:
                    await anyio.to_thread.run_sync(out.write, "".join(lines))
                count += len(page.items)
                rate = count / max(time.monotonic() - started, 1e-9)
                bar.update(task, completed=count, total=page.total, rate=f"{rate:,.0f} rec/s")
        await anyio.to_thread.run_sync(out.flush)
    return count
