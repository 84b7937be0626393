"""``bitable-async schema``: a table's fields and types, or a record model to paste into code."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bitable_async.cli.codegen import attribute_names, model_source, python_type
from bitable_async.cli.common import (
    Connection,
    find_table,
    open_client,
    run,
    table_command_options,
)
from bitable_async.values.record_codec import RecordCodec

__all__ = ["schema_command"]


@click.command("schema")
@table_command_options
@click.option(
    "--model",
    "model",
    default=None,
    metavar="CLASSNAME",
    help="Write a RecordModel subclass with this name instead of the field table.",
)
@click.option(
    "-o", "--output", default="-", metavar="PATH", help="Where to write the model ('-' = stdout)."
)
def schema_command(
    conn: Connection,
    app_token: str,
    table: str,
    model: str | None,
    output: str,
) -> None:
    """Print a table's fields and types, or (--model) a Python record model for it."""
    if model is not None and (not model.isidentifier() or not model[:1].isupper()):
        raise click.BadParameter("expected a class name such as Task", param_hint="--model")
    codec, label = run(_fetch(conn, app_token, table))
    if model is None:
        _print_fields(codec, label)
        return
    source = model_source(codec, model, table_label=label)
    if output == "-":
        click.echo(source, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as f:
            f.write(source)
        click.echo(f"wrote model {model} ({len(codec.field_names)} fields) to {output}", err=True)


async def _fetch(conn: Connection, app_token: str, table: str) -> tuple[RecordCodec, str]:
    async with open_client(conn) as client:
        handle, name = await find_table(client, app_token, table)
        codec = await handle.records.codec()
        return codec, f"table {name!r} ({handle.table_id})"


def _print_fields(codec: RecordCodec, label: str) -> None:
    out = Table(title=f"{label}: {len(codec.field_names)} fields", title_justify="left")
    for column in ("field", "id", "type", "ui_type", "writable", "python", "attribute"):
        out.add_column(column)
    attrs = attribute_names(codec.field_names)
    for attr, name in zip(attrs, codec.field_names, strict=True):
        fc = codec.codec(name)
        annotations = list(fc.value_annotations())
        cells = (
            name,
            fc.field.field_id or "",
            fc.type_label,
            fc.field.ui_type or "",
            "no" if fc.read_only else "yes",
            python_type(annotations[0]) if annotations else "Any",
            attr,
        )
        out.add_row(*(Text(c) for c in cells))  # Text: "list[str]" is not markup
    Console(width=160).print(out)
