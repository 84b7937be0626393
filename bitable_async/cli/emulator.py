"""``bitable-async emulator``: run the local Bitable emulator as a server.

The options are the emulator's own (``python -m bitable_async.emulator``): this
command hands its arguments to that runner unchanged, so the two never drift.
``bitable-async emulator --help`` lists them (port, seed file, service time,
QPS caps, fault knobs ...).
"""

from __future__ import annotations

import click

__all__ = ["emulator_command"]


@click.command(
    "emulator",
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def emulator_command(args: tuple[str, ...]) -> None:
    """Run the emulator as a server (options: bitable-async emulator --help)."""
    from bitable_async.emulator.__main__ import main

    raise SystemExit(main(list(args), prog="bitable-async emulator"))
