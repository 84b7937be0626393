"""The ``bitable-async`` click group and its subcommands.

Each subcommand's module is imported only when that subcommand runs (or when
``--help`` lists them all): ``bitable-async emulator`` therefore loads the
emulator alone, not the SDK's client, transport and value codecs that the other
subcommands use, and the emulator stays independent of the code it tests.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["cli"]

_COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("bitable_async.cli.demo", "demo_command"),
    "emulator": ("bitable_async.cli.emulator", "emulator_command"),
    "export": ("bitable_async.cli.export", "export_command"),
    "import": ("bitable_async.cli.load", "import_command"),
    "schema": ("bitable_async.cli.schema", "schema_command"),
}
"""Subcommand name -> (module, attribute) of its click command."""


class _LazyGroup(click.Group):
    """A click group that imports a subcommand's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Name every subcommand without importing any.

        Args:
            ctx: the click context.

        Returns:
            the subcommand names, sorted.
        """
        return sorted({*super().list_commands(ctx), *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return a subcommand, importing its module the first time.

        Args:
            ctx: the click context.
            cmd_name: the subcommand's name.

        Returns:
            the command, or ``None`` for an unknown name.
        """
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in _COMMANDS:
            module, attribute = _COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bitable-async", prog_name="bitable-async")
def cli() -> None:
    """Async SDK for the Feishu / Lark Bitable open API: demo, local emulator, import/export.

    Credentials come from --app-id/--app-secret or BITABLE_APP_ID /
    BITABLE_APP_SECRET (and BITABLE_BASE_URL); they are never printed.
    """
