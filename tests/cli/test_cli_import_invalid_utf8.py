"""``bitable-async import`` of a file holding bytes that are not UTF-8 (emulator over HTTP).

A row holding such bytes is rejected with its line number and the reason, like
any other bad row, and the rest of the file is imported; a CSV header holding
them stops the command before any write (a usage error, like an unknown column).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cli_support import by_name, env_for, invoke, records_of
from click.testing import CliRunner

from bitable_async.cli.app import cli

CSV = (
    b"Name,Count,Tags\n"
    b"alpha,1,a\n"
    b"be\x80ta,2,b\n"  # a lone continuation byte
    b'"gamma\nsecond line",3,c\n'  # a quoted cell over two lines: the next row is line 6
    b"delta,4,a;\xff\n"  # a byte never valid in UTF-8
    b"epsilon,5,\xed\xa0\x80\n"  # an encoded surrogate
    b"zeta,6,c\n"
)


def _rejected(out: str) -> list[str]:
    return [ln.strip() for ln in out.splitlines() if ln.strip().startswith("line ")]


def test_csv_rows_with_invalid_utf8_are_rejected_by_line(
    bitable_emulator: Any, tmp_path: Path
) -> None:
    emu = bitable_emulator
    src = tmp_path / "tasks.csv"
    src.write_bytes(b"\xef\xbb\xbf" + CSV)  # with a byte order mark

    result = invoke(emu, "import", "--table", "Tasks", "--no-progress", str(src))

    assert result.exit_code == 1
    assert "3 written (3 created, 0 updated), 3 rejected" in result.stdout
    assert _rejected(result.stdout) == [
        "line 3: invalid UTF-8 in column 'Name' (byte 0x80 at character 3)",
        "line 6: invalid UTF-8 in column 'Tags' (byte 0xff at character 3)",
        "line 7: invalid UTF-8 in column 'Tags' (byte 0xed at character 1)",
    ]
    rows = by_name(records_of(emu, emu.table_id))
    assert set(rows) == {"alpha", "gamma\nsecond line", "zeta"}
    assert rows["zeta"]["Count"] == 6


def test_jsonl_lines_with_invalid_utf8_are_rejected_by_line(
    bitable_emulator: Any, tmp_path: Path
) -> None:
    emu = bitable_emulator
    src = tmp_path / "tasks.jsonl"
    src.write_bytes(
        b'{"Name": "one", "Count": 1}\n'
        b'{"Name": "tw\xc3", "Count": 2}\n'  # a truncated sequence
        b"\n"
        b'{"Name": "three", "Tags": ["a", "\xf4\x90\x80\x80"]}\n'  # past U+10FFFF
        b'{"Name": "four", "Count": 4}\n'
    )
    result = invoke(emu, "import", "--table", "Tasks", "--no-progress", str(src))
    assert result.exit_code == 1
    assert "2 written (2 created, 0 updated), 2 rejected" in result.stdout
    assert _rejected(result.stdout) == [
        "line 2: invalid UTF-8 (byte 0xc3 at character 13)",
        "line 4: invalid UTF-8 (byte 0xf4 at character 34)",
    ]
    assert set(by_name(records_of(emu, emu.table_id))) == {"one", "four"}


def test_standard_input_with_invalid_utf8_is_rejected_by_line(bitable_emulator: Any) -> None:
    emu = bitable_emulator
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["import", "--table", "Tasks", "--no-progress", "--format", "csv", "-"],
        env=env_for(emu),
        input=CSV,
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert "3 written (3 created, 0 updated), 3 rejected" in result.stdout
    assert [ln.split(":")[0] for ln in _rejected(result.stdout)] == ["line 3", "line 6", "line 7"]


def test_a_csv_header_with_invalid_utf8_stops_before_any_write(
    bitable_emulator: Any, tmp_path: Path
) -> None:
    emu = bitable_emulator
    src = tmp_path / "bad-header.csv"
    src.write_bytes(b"Name,Co\x80unt\nalpha,1\n")
    result = invoke(emu, "import", "--table", "Tasks", "--no-progress", str(src))
    assert result.exit_code == 2
    assert "line 1: the header holds invalid UTF-8 in column 2 (byte 0x80 at character 3)" in (
        result.output
    )
    assert records_of(emu, emu.table_id) == []
    assert emu.stats()["endpoints"].get("app_table_record.batch_create") is None
