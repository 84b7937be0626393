"""Models and seed fields shared by the record-model tests against the emulator."""

from __future__ import annotations

from typing import Annotated

from bitable_async.emulator.config import SeedField, SeedTable
from bitable_async.values.model import Field, RecordModel


class Misfit(RecordModel):
    """Names a field the table does not have (for a table with a text field "Key")."""

    key: Annotated[str, Field("Key")]
    missing: Annotated[str, Field("No such field")]


class WrongType(RecordModel):
    """Reads the number field "N" as a list of strings."""

    n: Annotated[list[str], Field("N")]


def targets_table(table_id: str) -> SeedTable:
    """A table of link targets: one text field, "Name"."""
    return SeedTable("Targets", [SeedField("Name", 1)], table_id=table_id)


def written_fields(targets_id: str) -> list[SeedField]:
    """Key (text), Owners (persons), Site (URL), Note (text), Refs (links to
    ``targets_id``), Day (date) and Count (number): fields a full write must
    leave as they were."""
    return [
        SeedField("Key", 1),
        SeedField("Owners", 11, {"multiple": True}),
        SeedField("Site", 15),
        SeedField("Note", 1),
        SeedField("Refs", 18, {"table_id": targets_id, "multiple": True}),
        SeedField("Day", 5),
        SeedField("Count", 2),
    ]
