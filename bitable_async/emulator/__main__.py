"""``python -m bitable_async.emulator``: run a local Bitable emulator.

Prints the base URL and the credentials and serves until interrupted. A generated
(default) app secret is the emulator's own fake credential and is printed, since users
need it to connect; a secret the user passed with ``--app-secret`` is printed masked
(they already know it). ``--ready-file`` writes the full connection info, secret
included, to a private file for supervising programs (``EmulatorProcess`` uses it).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
from pathlib import Path
from typing import Any

from .config import AppCredential, EmulatorConfig, FaultConfig, demo_seed, load_seed_file
from .server import Emulator

MASK = "********"
"""Printed instead of an app secret the user passed on the command line."""


def _qps_cap(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected ENDPOINT=N, got {text!r}")
    return name, int(value)


def parse_args(
    argv: list[str] | None = None, prog: str = "python -m bitable_async.emulator"
) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: arguments (default ``sys.argv[1:]``).
        prog: the program name shown in usage and help.

    Returns:
        the parsed namespace.
    """
    p = argparse.ArgumentParser(prog=prog, description="Local Feishu/Lark Bitable emulator.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8686, help="0 = a free port")
    p.add_argument("--seed-file", help="JSON file with apps and bases (see README)")
    p.add_argument("--app-id", help="self-built app ID (default cli_emulator0001)")
    p.add_argument("--app-secret", help="its app secret")
    p.add_argument("--token-ttl", type=int, default=7200)
    p.add_argument("--service-time", type=float, default=0.0,
                   help="seconds each table write is in progress")
    p.add_argument("--service-time-per-record", type=float, default=0.0)
    p.add_argument("--read-conflicts", action="store_true",
                   help="a read during a write on the table gets 1254607")
    p.add_argument("--no-rate-limits", action="store_true")
    p.add_argument("--qps", type=_qps_cap, action="append", default=[], metavar="ENDPOINT=N",
                   help="QPS cap of one endpoint, e.g. app_table_record.batch_create=20")
    p.add_argument("--write-qps", type=int, default=10,
                   help="QPS cap of write endpoints with no documented cap")
    p.add_argument("--read-qps", type=int, default=20,
                   help="QPS cap of read endpoints with no documented cap")
    p.add_argument("--fault-seed", type=int, default=0)
    p.add_argument("--p-5xx", type=float, default=0.0)
    p.add_argument("--p-not-ready", type=float, default=0.0)
    p.add_argument("--p-html-502", type=float, default=0.0)
    p.add_argument("--p-drop", type=float, default=0.0,
                   help="probability of dropping the response after the write committed")
    p.add_argument("--latency", type=float, default=0.0)
    p.add_argument("--faults-writes-only", action="store_true")
    p.add_argument("--json", action="store_true", help="print one JSON line when ready")
    p.add_argument("--ready-file", metavar="PATH",
                   help="when ready, write the connection info as JSON to PATH (mode 0600), "
                        "with the app secret unmasked")
    return p.parse_args(argv)


def build_config(args: argparse.Namespace) -> EmulatorConfig:
    """Turn parsed arguments into an ``EmulatorConfig``."""
    config = EmulatorConfig(
        host=args.host, port=args.port, token_ttl=args.token_ttl,
        write_service_time=args.service_time,
        write_service_time_per_record=args.service_time_per_record,
        read_conflicts=args.read_conflicts, rate_limits_enabled=not args.no_rate_limits,
        qps_overrides=dict(getattr(args, "qps", [])),
        default_write_qps=getattr(args, "write_qps", 10),
        default_read_qps=getattr(args, "read_qps", 20),
        faults=FaultConfig(seed=args.fault_seed, p_5xx=args.p_5xx, p_not_ready=args.p_not_ready,
                           p_html_502=args.p_html_502, p_drop_after_commit=args.p_drop,
                           latency=args.latency, writes_only=args.faults_writes_only),
    )
    if args.seed_file:
        creds, bases = load_seed_file(args.seed_file)
        if creds:
            config.apps = creds
        config.seed_apps = bases
    if args.app_id and args.app_secret:
        config.apps = [AppCredential(args.app_id, args.app_secret), *config.apps]
    if not config.seed_apps:
        config.seed_apps = [demo_seed()]
    return config


def write_ready_file(path: str | Path, info: dict[str, Any]) -> None:
    """Write the connection info atomically to a file only the owner can read.

    Args:
        path: destination; replaced as a whole, so a reader never sees half a file.
        info: the connection info (JSON-serialisable).

    Raises:
        OSError: when the file cannot be written.
    """
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(info, f)
    os.replace(tmp, target)


async def serve(config: EmulatorConfig, as_json: bool, *, secret_given: str | None = None,
                ready_file: str | None = None) -> None:
    """Start the emulator, print how to reach it, and serve forever.

    Args:
        config: the emulator's configuration.
        as_json: print one JSON line instead of the human banner.
        secret_given: the ``--app-secret`` the user passed, if any; when it is the
            secret in use, the banner shows it masked.
        ready_file: where to write the unmasked connection info once listening.

    Raises:
        OSError: when the port cannot be bound or the ready file cannot be written.
    """
    async with Emulator(config) as emu:
        # Everything imported and seeded so far lives as long as the process:
        # keep it out of the collector's full passes, which otherwise rescan it
        # while every table waits (the loop is shared by all tables).
        gc.freeze()
        info: dict[str, Any] = {
            "base_url": emu.base_url, "app_id": emu.app_id, "app_secret": emu.app_secret,
            "app_token": emu.app_token, "table_id": emu.table_id}
        if ready_file:
            write_ready_file(ready_file, info)
        masked = secret_given is not None and emu.app_secret == secret_given
        shown = {**info, "app_secret": MASK if masked else emu.app_secret}
        if as_json:
            print(json.dumps({**shown, "app_secret_masked": masked}), flush=True)
        else:
            print(f"Bitable emulator listening on {emu.base_url}", flush=True)
            for key, value in shown.items():
                note = " (as passed with --app-secret)" if key == "app_secret" and masked else ""
                print(f"  {key:<10} {value}{note}", flush=True)
            print("  stats      GET /__emulator/stats   (Ctrl+C to stop)", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None, prog: str = "python -m bitable_async.emulator") -> int:
    """Entry point; returns the exit status (``bitable-async emulator`` passes its ``prog``)."""
    args = parse_args(argv, prog)
    try:
        asyncio.run(serve(build_config(args), args.json, secret_given=args.app_secret,
                          ready_file=args.ready_file))
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
