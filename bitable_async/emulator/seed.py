"""Populate a runtime from ``SeedApp`` descriptions (bases, tables, fields, records)."""

from __future__ import annotations

from .cells import add_missing_options, normalize_fields
from .config import SeedApp
from .model import BaseApp
from .routes_fields import create_field
from .routes_records import new_record
from .routes_tables import new_table
from .runtime import Runtime

SEED_ACTOR = "ou_emulator_seed"


def apply_seeds(rt: Runtime, seeds: list[SeedApp]) -> list[BaseApp]:
    """Create the seeded bases in ``rt.state``.

    Tables are created first, then fields (so links can target any seeded
    table), then records through the normal write validation.

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
        for spec, table in zip(seed.tables, tables, strict=True):
            for f in spec.fields or []:
                create_field(rt, base, table, f.name, f.type, f.property)
            if not table.fields:
                create_field(rt, base, table, "Text", 1, None)
        for spec, table in zip(seed.tables, tables, strict=True):
            wctx = rt.write_context(base)
            for i, row in enumerate(spec.records):
                cells = normalize_fields(table, row, wctx, f"{table.name}[{i}]")
                rec = new_record(rt, SEED_ACTOR, table, cells)
                table.records[rec.record_id] = rec
                add_missing_options(table, cells, ids)
    return bases
