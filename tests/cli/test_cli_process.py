"""The console script as users run it: demo and emulator subprocesses, lazy imports, secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_support import invoke, records_of
from click.testing import CliRunner

from bitable_async.cli.app import cli
from bitable_async.cli.convert import RowConverter, RowRejected
from bitable_async.cli.render import to_csv_cell, to_json_value
from bitable_async.models.fields import CheckboxField, DateField, NumberField, TextField
from bitable_async.values.record_codec import RecordCodec
from bitable_async.values.types import LinkValue, Person, RefValue, TextSegment

SCRIPT = Path(sys.executable).with_name("bitable-async")


def _cmd(*args: str) -> list[str]:
    # The installed console script when present, else the same entry point via -m.
    if SCRIPT.exists():
        return [str(SCRIPT), *args]
    return [sys.executable, "-m", "bitable_async.cli", *args]


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("BITABLE_")}


def test_demo_loads_reads_back_and_reports() -> None:
    proc = subprocess.run(
        _cmd("demo", "--records", "2000", "--service-time", "0", "--service-time-per-record", "0",
             "--no-progress", "--json"),
        capture_output=True, text=True, timeout=120, env=_clean_env(), check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is True
    assert report["written"] == report["read_back"] == 2000
    assert report["duplicates"] == 0
    assert report["mismatches"] == []
    assert report["spot_checked"] > 100
    assert report["server_conflicts"] == 0
    assert report["server_token_fetches"] == 1
    assert report["write_requests"] >= 4  # 2000 rows in chunks of at most 500
    assert report["http_calls"] > report["write_requests"]


def test_demo_human_report(bitable_emulator: Any) -> None:
    # --base-url mode against a running emulator; the report reads the server's counters.
    emu = bitable_emulator
    result = invoke(emu, "demo", "--base-url", emu.base_url, "--records", "600",
                    "--producers", "3", "--no-progress", "--no-rate-limits", "--keep-tables")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "600 records from 3 producers" in out
    assert "records/s" in out
    assert "0 seen at the server (1254291)" in out
    assert "1 fetched at the server" in out
    assert out.rstrip().endswith("OK")
    stats = emu.stats()
    demo_tables = [t for t, n in stats["records_stored"].items() if n == 600]
    assert len(demo_tables) == 1
    assert len(records_of(emu, demo_tables[0])) == 600


def test_emulator_subcommand_serves_with_its_own_options(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        _cmd("emulator", "--port", "0", "--json", "--qps", "app_table_record.search=3"),
        stdout=subprocess.PIPE, text=True, env=_clean_env(),
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        emu = _Remote(info)
        src = tmp_path / "rows.csv"
        src.write_text("Name,Count\nfrom-cli,1\n", encoding="utf-8")
        result = invoke(emu, "import", "--table", "Tasks", "--no-progress", str(src))
        assert result.exit_code == 0, result.output
        rows = records_of(emu, info["table_id"])
        assert [r.fields["Name"] for r in rows] == ["from-cli"]
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()

    helped = subprocess.run(_cmd("emulator", "--help"), capture_output=True, text=True,
                            timeout=60, check=False)
    assert helped.returncode == 0
    assert "usage: bitable-async emulator" in helped.stdout
    assert "--qps ENDPOINT=N" in helped.stdout


class _Remote:
    def __init__(self, info: dict[str, Any]) -> None:
        self.base_url = info["base_url"]
        self.app_id = info["app_id"]
        self.app_secret = info["app_secret"]
        self.app_token = info["app_token"]


def test_import_bitable_async_needs_neither_click_nor_rich() -> None:
    code = (
        "import sys, bitable_async, bitable_async.bulk, bitable_async.client\n"
        "assert 'click' not in sys.modules and 'rich' not in sys.modules, 'cli deps imported'\n"
        "import bitable_async.cli\n"
        "assert 'click' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


def test_missing_cli_extra_gives_a_hint() -> None:
    code = (
        "import sys\nsys.modules['click'] = None\n"
        "from bitable_async.cli import main\nmain(['--help'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 2
    assert "pip install 'bitable-async[cli]'" in proc.stderr


def test_secrets_never_echoed(bitable_emulator: Any) -> None:
    emu = bitable_emulator
    secret = "s3cr3t-never-shown"
    runner = CliRunner()
    env = {"BITABLE_APP_SECRET": secret, "BITABLE_APP_ID": emu.app_id,
           "BITABLE_BASE_URL": emu.base_url, "BITABLE_APP_TOKEN": emu.app_token}
    for args in (["export", "--help"], ["import", "--help"], ["schema", "--help"],
                 ["demo", "--help"], ["schema", "--table", "Tasks"],
                 ["schema", "--table", "Tasks", "--app-secret", secret]):
        result = runner.invoke(cli, args, env=env)
        assert secret not in result.output, args
        if "--help" not in args:
            assert result.exit_code == 1  # the wrong secret is refused by the server
            assert "app secret invalid" in result.output
    missing = runner.invoke(cli, ["schema", "--table", "Tasks", "--app-token", "bascnX"],
                            env={"BITABLE_APP_ID": "", "BITABLE_APP_SECRET": ""})
    assert missing.exit_code == 2
    assert "credentials missing" in missing.output


def test_cell_conversion_and_rendering_rules() -> None:
    from datetime import date, datetime, timezone

    codec = RecordCodec.from_fields([
        TextField(field_name="T"), NumberField(field_name="N"), DateField(field_name="D"),
        CheckboxField(field_name="C"),
    ])
    conv = RowConverter(codec, tz=timezone.utc)
    assert conv.convert({"T": "x", "N": "-3", "D": "2024-05-17", "C": "YES"}) == {
        "T": "x", "N": -3, "D": date(2024, 5, 17), "C": True,
    }
    assert conv.convert({"N": "1e3", "D": "2024-05-17T08:30:00Z", "C": "0"}) == {
        "N": 1000.0, "D": datetime(2024, 5, 17, 8, 30, tzinfo=timezone.utc), "C": False,
    }
    assert conv.convert({"N": "", "D": "86400000", "T": " "}) == {"D": 86400000}
    for bad in ({"N": "nan"}, {"N": True}, {"C": "2"}, {"D": "17/05/2024"}, {"X": "1"}):
        try:
            conv.convert(bad)
        except RowRejected:
            continue
        raise AssertionError(f"{bad} was accepted")

    segs = [TextSegment(text="a"), TextSegment(text="b")]
    assert to_csv_cell(segs) == "ab"
    assert to_csv_cell(RefValue(type=2, value=[1, 2])) == "1;2"
    assert to_csv_cell([Person(id="ou_1", name="A")], persons="name") == "A"
    assert to_json_value(LinkValue(record_ids=("r1", "r2"))) == ["r1", "r2"]
    assert to_csv_cell(False) == "false"
    assert to_csv_cell(None) == ""
