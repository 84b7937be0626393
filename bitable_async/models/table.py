"""Data-table objects returned by the app_table endpoints (A.12-A.17)."""

from __future__ import annotations

import msgspec

__all__ = ["Table"]


class Table(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One data table of a Bitable; an item of app_table.list (A.13).

    Attributes:
        table_id: the table's id (unique within its app).
        name: the table's name.
        revision: the table's version number.
    """

    table_id: str
    name: str = ""
    revision: int | None = None
