"""The ``bitable-async`` click group and its subcommands."""

from __future__ import annotations

import click

from bitable_async.cli.demo import demo_command
from bitable_async.cli.emulator import emulator_command
from bitable_async.cli.export import export_command
from bitable_async.cli.load import import_command
from bitable_async.cli.schema import schema_command

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bitable-async", prog_name="bitable-async")
def cli() -> None:
    """Async SDK for the Feishu / Lark Bitable open API: demo, local emulator, import/export.

    Credentials come from --app-id/--app-secret or BITABLE_APP_ID /
    BITABLE_APP_SECRET (and BITABLE_BASE_URL); they are never printed.
    """


cli.add_command(demo_command)
cli.add_command(emulator_command)
cli.add_command(export_command)
cli.add_command(import_command)
cli.add_command(schema_command)
