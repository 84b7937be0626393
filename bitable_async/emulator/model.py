"""In-memory state of the emulator: bases, tables, fields, views, records, roles.

Cells are stored in a canonical form keyed by field ID (see ``cells.py``), so
renaming a field keeps its data. Lookups raise ``ApiError`` with the documented
not-found codes.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import errors as E
from .errors import ApiError

_ALPHABET = string.ascii_letters + string.digits
# Byte b -> _ALPHABET[b >> 2]; bytes whose top 6 bits are >= 62 are dropped.
_TOP6 = bytes(ord(_ALPHABET[b >> 2]) if b >> 2 < len(_ALPHABET) else 0 for b in range(256))
_SKIPPED = bytes(b for b in range(256) if b >> 2 >= len(_ALPHABET))
_T = TypeVar("_T")


def _lookup(found_in: Mapping[str, _T], key: str, code: int, what: str) -> _T:
    found = found_in.get(key)
    if found is None:
        raise ApiError(code, f"{what} {key!r} not found")
    return found


class IdFactory:
    """Generate unique, reproducible IDs like ``recXXXXXXXXXX``.

    Args:
        seed: seed of the underlying ``random.Random``.
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._seen: set[str] = set()

    def new(self, prefix: str, length: int) -> str:
        """Return a fresh ID.

        Args:
            prefix: e.g. ``"rec"``.
            length: number of random characters after the prefix.

        Returns:
            an ID never returned before by this factory.
        """
        while True:
            value = prefix + self._chars(length)
            if value not in self._seen:
                self._seen.add(value)
                return value

    def _chars(self, length: int) -> str:
        # The same characters as ``rng.choice(_ALPHABET)`` drawn ``length`` times,
        # from the same stream: ``choice`` takes the top 6 bits of one 32-bit
        # Mersenne Twister word per draw and skips words whose value is >= 62.
        # ``getrandbits(32 * n)`` returns the next n words (the first one in the
        # lowest bits), so byte 3 of each little-endian word holds those 6 bits;
        # one ``translate`` maps and drops them in C instead of n Python calls.
        out = ""
        while len(out) < length:
            need = length - len(out)
            words = self._rng.getrandbits(32 * need).to_bytes(4 * need, "little")
            out += words[3::4].translate(_TOP6, _SKIPPED).decode("ascii")
        return out

    def reserve(self, value: str) -> None:
        """Mark a caller-chosen ID as used.

        Args:
            value: the ID.
        """
        self._seen.add(value)


@dataclass
class FieldDef:
    """One column of a table."""

    field_id: str
    name: str
    type: int
    property: dict[str, Any] | None = None
    description: str = ""
    # Lookups only (type 19): (link field ID in this table, field ID in the linked
    # table). Not part of the field object: the seeds show lookups with a null property.
    lookup: tuple[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the field object of the API (``field_id, field_name, type, property``)."""
        return {
            "field_id": self.field_id,
            "field_name": self.name,
            "type": self.type,
            "property": self.property,
        }


@dataclass
class ViewDef:
    """One view of a table (forms are views of type ``form``)."""

    view_id: str
    name: str
    view_type: str
    property: dict[str, Any] = field(default_factory=dict)


@dataclass
class FormState:
    """Settings of a form view and per-question overrides."""

    name: str
    description: str = ""
    shared: bool = False
    shared_limit: str = "off"
    submit_limit_once: bool = False
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)


@dataclass
class RecordState:
    """One row: canonical cells keyed by field ID plus automatic metadata."""

    record_id: str
    cells: dict[str, Any]
    created_time: int
    modified_time: int
    created_by: str
    modified_by: str
    serial: int


@dataclass
class TableState:
    """A data table."""

    table_id: str
    name: str
    revision: int = 1
    fields: dict[str, FieldDef] = field(default_factory=dict)
    views: dict[str, ViewDef] = field(default_factory=dict)
    forms: dict[str, FormState] = field(default_factory=dict)
    records: dict[str, RecordState] = field(default_factory=dict)
    serial_counter: int = 0

    def field_by_name(self, name: str) -> FieldDef | None:
        """Return the field with this exact name, or None."""
        for f in self.fields.values():
            if f.name == name:
                return f
        return None

    def field_types(self) -> dict[str, int]:
        """Return field name -> type ID."""
        return {f.name: f.type for f in self.fields.values()}

    def primary_field(self) -> FieldDef | None:
        """Return the first (index) field, or None for a table without fields."""
        return next(iter(self.fields.values()), None)

    def field(self, field_id: str) -> FieldDef:
        """Return a field by ID.

        Raises:
            ApiError: 1254044 when it does not exist.
        """
        return _lookup(self.fields, field_id, E.FIELD_NOT_FOUND, "field")

    def view(self, view_id: str) -> ViewDef:
        """Return a view by ID.

        Raises:
            ApiError: 1254042 when it does not exist.
        """
        return _lookup(self.views, view_id, E.VIEW_NOT_FOUND, "view")

    def record(self, record_id: str) -> RecordState:
        """Return a record by ID.

        Raises:
            ApiError: 1254043 when it does not exist.
        """
        return _lookup(self.records, record_id, E.RECORD_NOT_FOUND, "record")


@dataclass
class RoleState:
    """A custom role (advanced permissions) and its members."""

    role_id: str
    role_name: str
    table_roles: list[dict[str, Any]]
    block_roles: list[dict[str, Any]]
    members: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class BaseApp:
    """A Bitable document ("app" in the API)."""

    app_token: str
    name: str
    revision: int = 1
    is_advanced: bool = False
    tables: dict[str, TableState] = field(default_factory=dict)
    dashboards: dict[str, str] = field(default_factory=dict)
    roles: dict[str, RoleState] = field(default_factory=dict)

    def table(self, table_id: str) -> TableState:
        """Return a table by ID.

        Raises:
            ApiError: 1254041 when it does not exist.
        """
        return _lookup(self.tables, table_id, E.TABLE_NOT_FOUND, "table")

    def find_table(self, table_id: str) -> TableState | None:
        """Return a table by ID or None."""
        return self.tables.get(table_id)


@dataclass
class MediaFile:
    """An uploaded Drive media file."""

    file_token: str
    name: str
    size: int
    mime: str
    data: bytes
    parent_node: str


@dataclass
class EmulatorState:
    """Everything the emulator stores."""

    ids: IdFactory
    apps: dict[str, BaseApp] = field(default_factory=dict)
    media: dict[str, MediaFile] = field(default_factory=dict)
    apaas: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    # (app_token, table_id, operation, client_token) -> (request body, JSON of the answer's data)
    idempotency: dict[tuple[str, ...], tuple[bytes, bytes]] = field(default_factory=dict)

    def app(self, app_token: str) -> BaseApp:
        """Return a base by token.

        Raises:
            ApiError: 1254040 when it does not exist.
        """
        return _lookup(self.apps, app_token, E.BASE_NOT_FOUND, "app_token")

    def table(self, app_token: str, table_id: str) -> TableState:
        """Return a table of a base.

        Args:
            app_token: the base.
            table_id: the table.

        Returns:
            the table.

        Raises:
            ApiError: 1254040 / 1254041 when the base / table does not exist.
        """
        return self.app(app_token).table(table_id)
