"""Populate a runtime from ``SeedApp`` descriptions (bases, tables, fields, records)."""

from __future__ import annotations

from . import errors as E
from . import properties as P
from .cells import add_missing_options, normalize_fields
from .config import SeedApp, SeedLookup
from .errors import ApiError
from .model import BaseApp, FieldDef, TableState
from .routes_fields import create_field
from .routes_records import new_record
from .routes_tables import new_table
from .runtime import Runtime

SEED_ACTOR = "ou_emulator_seed"
_LOOKUP_ERROR = 1254090  # LookUpFieldPropertyError


def _add_lookup(rt: Runtime, table: TableState, name: str) -> FieldDef:
    if any(f.name == name for f in table.fields.values()):
        raise ApiError(E.FIELD_NAME_DUP, f"field name {name!r} already exists")
    field = FieldDef(rt.state.ids.new("fld", 7), name, P.LOOKUP, None)
    table.fields[field.field_id] = field
    return field


def _resolve_lookup(base: BaseApp, table: TableState, field: FieldDef, spec: SeedLookup) -> None:
    link = table.field_by_name(spec.link_field)
    if link is None or link.type not in (P.LINK, P.DUPLEX):
        raise ApiError(_LOOKUP_ERROR, f"lookup {field.name!r}: {spec.link_field!r} is not a "
                       f"link field of table {table.name!r}")
    target = base.find_table(str((link.property or {}).get("table_id", "")))
    shown = target.field_by_name(spec.field) if target is not None else None
    if target is None or shown is None:
        raise ApiError(_LOOKUP_ERROR, f"lookup {field.name!r}: the table linked by "
                       f"{spec.link_field!r} has no field {spec.field!r}")
    field.lookup = (link.field_id, shown.field_id)


def apply_seeds(rt: Runtime, seeds: list[SeedApp]) -> list[BaseApp]:
    """Create the seeded bases in ``rt.state``.

    Tables are created first, then fields (so links can target any seeded
    table), then what lookups show (so they can name any seeded field), then
    records through the normal write validation.

    Args:
        rt: the runtime to fill.
        seeds: the bases to create.

    Returns:
        the created bases, in order.

    Raises:
        ApiError: when a seed is invalid (bad field property or cell value).
    """
    ids = rt.state.ids
    bases = []
    for seed in seeds:
        token = seed.app_token or ids.new("bas", 24)
        ids.reserve(token)
        base = BaseApp(token, seed.name, is_advanced=seed.is_advanced)
        for name in seed.dashboards:
            base.dashboards[ids.new("blk", 13)] = name
        rt.state.apps[token] = base
        bases.append(base)
        tables = [new_table(rt, base, t.name, t.table_id, fields=[]) for t in seed.tables]
        lookups: list[tuple[TableState, FieldDef, SeedLookup]] = []
        for spec, table in zip(seed.tables, tables, strict=True):
            for f in spec.fields or []:
                if f.type == P.LOOKUP and f.lookup is not None:
                    lookups.append((table, _add_lookup(rt, table, f.name), f.lookup))
                else:
                    create_field(rt, base, table, f.name, f.type, f.property)
            if not table.fields:
                create_field(rt, base, table, "Text", 1, None)
        for table, lookup_field, lookup_spec in lookups:
            _resolve_lookup(base, table, lookup_field, lookup_spec)
        for spec, table in zip(seed.tables, tables, strict=True):
            wctx = rt.write_context(base)
            for i, row in enumerate(spec.records):
                cells = normalize_fields(table, row, wctx, f"{table.name}[{i}]")
                rec = new_record(rt, SEED_ACTOR, table, cells)
                table.records[rec.record_id] = rec
                add_missing_options(table, cells, ids)
    return bases
