"""The ``bitable-async`` command: demo, emulator, export, import, schema.

This package needs the ``cli`` extra (click and rich). ``import bitable_async``
never imports it, and this module imports click only inside :func:`main`, so a
missing extra gives a one-line hint instead of a traceback.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Run the ``bitable-async`` console script.

    Args:
        argv: the arguments (default ``sys.argv[1:]``).

    Raises:
        SystemExit: always, with the command's exit status.
    """
    try:
        from bitable_async.cli.app import cli
    except ImportError as exc:  # click / rich missing: the ``cli`` extra is not installed
        missing = exc.name or "click"
        print(
            f"bitable-async: the command line needs {missing!r}; "
            "install it with: pip install 'bitable-async[cli]'",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    cli.main(args=argv, prog_name="bitable-async")
