"""``bitable-async schema`` on a table whose field listing holds odd entries.

The emulator's ``extra_field_entries`` hook appends entries it never makes
itself to its field list answers: the command still prints the table (odd
entries that have a name as unknown / degraded fields, nameless ones left out)
and still writes a model that compiles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cli_support import invoke

ODD: list[Any] = [
    {"field_id": "fldOddType", "field_name": "Odd type", "type": "2"},
    {"field_id": "fldOddFlag", "field_name": "Odd flag", "type": 7, "is_primary": "yes"},
    {"field_id": "fldNoName", "type": 1},
    ["not", "an", "object"],
]


def test_schema_prints_a_table_with_odd_field_entries(bitable_emulator: Any) -> None:
    emu = bitable_emulator
    emu.configure(extra_field_entries={emu.table_id: ODD})
    result = invoke(emu, "schema", "--table", "Tasks")
    assert result.exit_code == 0, result.output
    out = result.stdout
    # the 13 fields of the demo table plus the two odd entries that have a name
    assert "table 'Tasks' (tblEmulatorTasks): 15 fields" in out
    assert "Odd type" in out
    assert "fldOddType" in out
    assert "Odd flag" in out
    assert "checkbox(7)" in out
    assert "fldNoName" not in out


def test_schema_model_compiles_with_odd_field_entries(
    bitable_emulator: Any, tmp_path: Path
) -> None:
    emu = bitable_emulator
    emu.configure(extra_field_entries={emu.table_id: ODD})
    out = tmp_path / "task_model.py"
    result = invoke(emu, "schema", "--table", "Tasks", "--model", "Task", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote model Task (15 fields)" in result.stderr
    source = out.read_text(encoding="utf-8")
    compile(source, str(out), "exec")
    assert "odd_type" in source
    assert "odd_flag" in source
