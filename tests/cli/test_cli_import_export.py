"""``bitable-async import`` / ``export`` on the emulator: output, table contents, round trip."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest
from cli_support import by_name, invoke, records_of, with_table

from bitable_async.handles import TableHandle
from bitable_async.models.fields import FieldSchema, SelectOption, SelectProperty, TextField
from bitable_async.values.types import Attachment, LinkValue, Person, Url

GOOD_AND_BAD = """\
Name,Count,Status,Tags,Due,Done,Owner,Phone,Website
alpha,3,Todo,a;b,2024-05-17,true,ou_alice,+8613100006666,https://example.com/a
beta,abc,Done,,,,,,
gamma,5,Nope,c,,yes,,,
delta,7,Done,a,2024-05-17T08:30:00+08:00,0,ou_alice;ou_bob,,
epsilon,1,Todo,,not-a-date,,,,
zeta,2,Todo,,,maybe,,,
eta,2,Todo,,,,,12ab,
too,many,cells,here,,,,,,,
theta,9.5,Done,c;a,1715934600000,no,,,
"""


def test_import_reports_every_rejected_row_and_writes_the_rest(
    bitable_emulator: Any, tmp_path: Path
) -> None:
    emu = bitable_emulator
    src = tmp_path / "tasks.csv"
    src.write_text(GOOD_AND_BAD, encoding="utf-8")

    result = invoke(emu, "import", "--table", "Tasks", "--no-progress", str(src))

    assert result.exit_code == 1  # rows were rejected
    out = result.stdout
    assert "3 written (3 created, 0 updated), 6 rejected" in out
    lines = [ln.strip() for ln in out.splitlines() if ln.strip().startswith("line ")]
    assert [ln.split(":")[0] for ln in lines] == [
        "line 3", "line 4", "line 6", "line 7", "line 8", "line 9"
    ]
    text = "\n".join(lines)
    assert "line 3: field 'Count' (number): expected a number, got 'abc'" in text
    assert "line 4: CellValueError: field 'Status'" in text
    assert "'Nope'" in text
    assert "line 6: field 'Due' (date)" in text
    assert "'not-a-date'" in text
    assert "line 7: field 'Done' (checkbox)" in text
    assert "'maybe'" in text
    assert "line 8: CellValueError: field 'Phone'" in text
    assert "line 9: 11 cells where the header has 9" in text

    rows = by_name(records_of(emu, emu.table_id))
    assert set(rows) == {"alpha", "delta", "theta"}
    alpha, delta, theta = rows["alpha"], rows["delta"], rows["theta"]
    assert alpha["Count"] == 3
    assert alpha["Tags"] == ["a", "b"]
    assert alpha["Due"] == datetime(2024, 5, 17, tzinfo=timezone.utc)
    assert alpha["Done"] is True
    assert [p.id for p in alpha["Owner"]] == ["ou_alice"]
    assert alpha["Phone"] == "+8613100006666"
    assert alpha["Website"].link == "https://example.com/a"
    assert delta["Due"] == datetime(2024, 5, 17, 0, 30, tzinfo=timezone.utc)
    assert not delta["Done"]
    assert [p.id for p in delta["Owner"]] == ["ou_alice", "ou_bob"]
    assert theta["Count"] == 9.5
    assert theta["Due"] == datetime.fromtimestamp(1715934600, timezone.utc)

    again = invoke(emu, "import", "--table", "Tasks", "--no-progress", "--allow-rejects", str(src))
    assert again.exit_code == 0
    assert "6 rejected" in again.stdout


def test_import_jsonl_reports_bad_lines(bitable_emulator: Any, tmp_path: Path) -> None:
    emu = bitable_emulator
    src = tmp_path / "tasks.jsonl"
    src.write_text(
        '{"Name": "one", "Count": 1, "Tags": ["a", "c"], "Done": true}\n'
        "\n"
        "{not json\n"
        '["an", "array"]\n'
        '{"Name": "two", "Bogus": 1}\n'
        '{"Name": "three", "Count": "3", "Website": {"link": "https://x.org", "text": "X"}}\n',
        encoding="utf-8",
    )
    result = invoke(emu, "import", "--table", "Tasks", "--no-progress", str(src))
    assert result.exit_code == 1
    out = result.stdout
    assert "2 written" in out
    assert "3 rejected" in out
    assert "line 3: invalid JSON" in out
    assert "line 4: expected a JSON object, got list" in out
    assert "line 5: column(s) 'Bogus' name no field" in out
    rows = by_name(records_of(emu, emu.table_id))
    assert rows["one"]["Tags"] == ["a", "c"]
    assert rows["three"]["Count"] == 3
    assert rows["three"]["Website"] == Url(link="https://x.org", text="X")


def test_import_unknown_column_stops_before_any_write(
    bitable_emulator: Any, tmp_path: Path
) -> None:
    emu = bitable_emulator
    src = tmp_path / "bad.csv"
    src.write_text("Name,Colour\nx,red\n", encoding="utf-8")
    result = invoke(emu, "import", "--table", "Tasks", "--no-progress", str(src))
    assert result.exit_code == 2
    assert "'Colour' name no field of the table" in result.output
    assert records_of(emu, emu.table_id) == []
    assert emu.stats()["endpoints"].get("app_table_record.batch_create") is None


def test_import_upsert_updates_matching_keys(bitable_emulator: Any, tmp_path: Path) -> None:
    emu = bitable_emulator
    first = tmp_path / "first.csv"
    first.write_text("Name,Count\na,1\nb,2\n", encoding="utf-8")
    assert invoke(emu, "import", "--table", "Tasks", "--no-progress", str(first)).exit_code == 0
    second = tmp_path / "second.csv"
    second.write_text("Name,Count,Status\nb,20,Done\nc,30,Todo\n", encoding="utf-8")
    result = invoke(
        emu, "import", "--table", "Tasks", "--no-progress", "--upsert-key", "Name", str(second)
    )
    assert result.exit_code == 0, result.output
    assert "2 written (1 created, 1 updated), 0 rejected" in result.stdout
    rows = by_name(records_of(emu, emu.table_id))
    assert {k: v["Count"] for k, v in rows.items()} == {"a": 1, "b": 20, "c": 30}
    assert rows["b"]["Status"] == "Done"

    bad_key = invoke(
        emu, "import", "--table", "Tasks", "--no-progress", "--upsert-key", "No", str(second)
    )
    assert bad_key.exit_code == 2
    assert "--upsert-key 'No' is not a writable column" in bad_key.output


async def _seed(h: TableHandle) -> dict[str, Any]:
    """Records of every writable type in the demo "Tasks" table; returns the linked id."""
    app = h.app
    target = await h.records.create({"Name": "target"})
    file = await app.attachments.upload(b"file body", file_name="notes.txt")
    due = datetime(2024, 5, 17, 8, 30, tzinfo=timezone.utc)
    await h.records.batch_create(
        [
            {
                "Name": "full",
                "Count": 12.5,
                "Status": "Done",
                "Tags": ["a", "c"],
                "Due": due,
                "Done": True,
                "Owner": [Person(id="ou_alice"), Person(id="ou_bob")],
                "Phone": "+8613100006666",
                "Website": Url(link="https://example.com", text="Example"),
                "Files": [file],
                "Related": [target.record_id],
            },
            {"Name": "sparse", "Count": 0, "Done": False},
        ]
    )
    return {"target": target.record_id, "file": file, "due": due}


def test_export_renders_typed_values(bitable_emulator: Any, tmp_path: Path) -> None:
    emu = bitable_emulator
    seeded = with_table(emu, emu.table_id, _seed)
    out = tmp_path / "tasks.csv"
    result = invoke(emu, "export", "--table", "Tasks", "-o", str(out), "--no-progress")
    assert result.exit_code == 0, result.output
    assert "exported 3 records" in result.stderr
    rows = {r["Name"]: r for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))}
    full = rows["full"]
    assert full["record_id"].startswith("rec")
    assert full["Count"] == "12.5"
    assert full["Tags"] == "a;c"
    assert full["Due"] == "2024-05-17T08:30:00+00:00"
    assert full["Done"] == "true"
    assert full["Owner"] == "ou_alice;ou_bob"
    assert full["Website"] == "https://example.com"
    assert full["Files"] == "notes.txt"
    assert full["Related"] == seeded["target"]
    assert full["Created"].endswith("+00:00")
    assert rows["sparse"]["Tags"] == ""

    names = invoke(emu, "export", "--table", "Tasks", "--persons", "name", "--no-progress",
                   "--field", "Name", "--field", "Owner", "--no-record-id")
    assert names.exit_code == 0
    assert "full,Alice;Bob" in names.stdout.splitlines()
    assert names.stdout.splitlines()[0] == "Name,Owner"

    jsonl = invoke(emu, "export", "--table", "Tasks", "--format", "jsonl", "--no-progress")
    objs = {o["Name"]: o for o in map(json.loads, jsonl.stdout.splitlines())}
    full_j = objs["full"]
    assert full_j["Owner"] == [{"id": "ou_alice", "name": "Alice"}, {"id": "ou_bob", "name": "Bob"}]
    assert full_j["Related"] == [seeded["target"]]
    assert full_j["Files"] == [{"name": "notes.txt", "file_token": seeded["file"].file_token}]
    assert full_j["Website"] == {"link": "https://example.com", "text": "Example"}
    assert full_j["Due"] == "2024-05-17T08:30:00+00:00"
    assert objs["sparse"]["Tags"] is None


async def _copy_table(h: TableHandle) -> str:
    """A new table with the writable fields of ``h`` (same names and types)."""
    fields = [f async for f in h.fields.list()]
    app = h.app
    table = await app.tables.create("Copy")
    copy = h.client.table(h.app_token, table.table_id)
    primary = None
    async for f in copy.fields.list():
        primary = f  # the primary field comes first
        break
    assert primary is not None
    assert primary.field_id
    await copy.fields.update(primary.field_id, TextField(field_name=fields[0].field_name))
    for f in fields[1:]:
        await copy.fields.create(_without_id(f))
    return table.table_id


def _without_id(f: FieldSchema) -> FieldSchema:
    prop = f.property
    if isinstance(prop, SelectProperty):  # new options are sent without ids
        prop = SelectProperty(options=[SelectOption(name=o.name) for o in prop.options])
    return msgspec.structs.replace(f, field_id=None, property=prop)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_import_round_trip(bitable_emulator: Any, tmp_path: Path, fmt: str) -> None:
    emu = bitable_emulator
    with_table(emu, emu.table_id, _seed)
    copy_id = with_table(emu, emu.table_id, _copy_table)
    dump = tmp_path / f"tasks.{fmt}"
    exported = invoke(emu, "export", "--table", "Tasks", "-o", str(dump), "--no-progress")
    assert exported.exit_code == 0, exported.output

    # Attachments are exported by name: ignored (and said so); automatic fields likewise.
    result = invoke(emu, "import", "--table", copy_id, "--no-progress", str(dump))
    assert result.exit_code == 0, result.output
    assert "3 written (3 created, 0 updated), 0 rejected" in result.stdout
    assert "ignored column 'Files'" in result.stdout
    assert "ignored column 'record_id'" in result.stdout
    assert "ignored column 'Created'" in result.stdout

    original = by_name(records_of(emu, emu.table_id))
    copied = by_name(records_of(emu, copy_id))
    assert set(copied) == set(original)
    for name, fields in original.items():
        for field_name, value in fields.items():
            if field_name in ("Files", "Created", "No"):
                continue
            got = copied[name].get(field_name)
            if isinstance(value, list) and value and isinstance(value[0], Person):
                assert [p.id for p in got] == [p.id for p in value]
            elif isinstance(value, LinkValue):
                assert got.record_ids == value.record_ids
            elif isinstance(value, Url):  # CSV holds the link only; JSONL keeps the text too
                assert got == (value if fmt == "jsonl" else Url(link=value.link, text=value.link))
            elif field_name == "Done":
                assert bool(got) == bool(value)
            else:
                assert got == value, (name, field_name)
    assert isinstance(original["full"]["Files"][0], Attachment)
