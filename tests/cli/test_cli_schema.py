"""``bitable-async schema``: the field table, and a generated record model that really works."""

from __future__ import annotations

import importlib.util
import sys
import types
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec
from cli_support import invoke, with_table

from bitable_async.cli.codegen import attribute_names, model_source
from bitable_async.handles import TableHandle
from bitable_async.models.fields import DateField, NumberField, TextField
from bitable_async.values.record_codec import RecordCodec
from bitable_async.values.types import Person, Url


def test_schema_prints_fields_and_types(bitable_emulator: Any) -> None:
    result = invoke(bitable_emulator, "schema", "--table", "Tasks")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "table 'Tasks' (tblEmulatorTasks): 13 fields" in out
    for expected in ("number(2)", "multi_select(4)", "list[str]", "list[Person]", "LinkValue",
                     "auto_number(1005)", "created_time(1001)"):
        assert expected in out


def test_schema_unknown_table_names_the_tables(bitable_emulator: Any) -> None:
    result = invoke(bitable_emulator, "schema", "--table", "Nope")
    assert result.exit_code == 1
    assert "no table 'Nope'" in result.output
    assert "Tasks (tblEmulatorTasks)" in result.output


def _load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


async def _seed_and_read_raw(h: TableHandle) -> bytes:
    await h.records.batch_create(
        [
            {
                "Name": "model me",
                "Count": 4,
                "Tags": ["b"],
                "Due": datetime(2024, 1, 2, tzinfo=timezone.utc),
                "Done": True,
                "Owner": [Person(id="ou_bob")],
                "Website": Url(link="https://example.com", text="ex"),
            },
            {"Name": "empty"},
        ]
    )
    data = await h.client.request(
        "POST", h.path("records", "search"), body={}, endpoint_class="read"
    )
    return msgspec.json.encode(data)  # the page's JSON, as a model codec reads it


def test_schema_model_compiles_imports_and_decodes(bitable_emulator: Any, tmp_path: Path) -> None:
    emu = bitable_emulator
    out = tmp_path / "task_model.py"
    result = invoke(emu, "schema", "--table", "Tasks", "--model", "Task", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote model Task (13 fields)" in result.stderr
    source = out.read_text(encoding="utf-8")
    compile(source, str(out), "exec")
    module = _load_module(out, "generated_task_model")
    task_cls = module.Task

    page = with_table(emu, emu.table_id, _seed_and_read_raw)
    codec = with_table(emu, emu.table_id, lambda h: h.records.codec())
    mc = codec.model_codec(task_cls)  # checks every attribute against the schema
    items = {t.name: t for t in mc.decode_page(page).items}
    full = items["model me"]
    assert full.count == 4
    assert full.tags == ["b"]
    assert full.due == datetime(2024, 1, 2, tzinfo=timezone.utc)
    assert full.done is True
    assert [p.id for p in full.owner] == ["ou_bob"]
    assert full.website == Url(link="https://example.com", text="ex")
    assert full.no == "1"
    assert full.record_id.startswith("rec")
    assert items["empty"].count is None
    assert items["empty"].owner is None

    # And it encodes back: a partial update of the attributes set.
    update = task_cls(count=5, status="Done")
    assert mc.encode(update) == {"Count": 5, "Status": "Done"}

    stdout = invoke(emu, "schema", "--table", "tblEmulatorTasks", "--model", "Task")
    assert stdout.stdout == source


def test_model_source_handles_awkward_names() -> None:
    codec = RecordCodec.from_fields(
        [
            TextField(field_name="任务描述"),
            NumberField(field_name="2nd count"),
            DateField(field_name="class"),
            TextField(field_name="Due Date"),
            TextField(field_name="due-date"),
            TextField(field_name="record_id"),
            TextField(field_name="it's (quoted)"),
        ]
    )
    assert attribute_names(codec.field_names) == [
        "任务描述", "f_2nd_count", "class_", "due_date", "due_date_2", "record_id_", "it_s_quoted",
    ]
    source = model_source(codec, "Weird")
    module = types.ModuleType("generated_weird_model")
    sys.modules[module.__name__] = module  # hints resolve in the class's module
    exec(compile(source, "<generated>", "exec"), module.__dict__)
    mc = codec.model_codec(module.Weird)
    inst = module.Weird(class_=None)
    assert mc.encode(inst) == {"class": None}
