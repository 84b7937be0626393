"""Formula (20) and lookup (19) cells: computed when a record is read.

What the spec says (fields.md §3, endpoints.md §3.6): the record API cannot
write either type; by default a read returns "the field's default type and
result", and with the query option ``display_formula_ref=true`` (list and get
only) formula and lookup cells come "in the format of the referenced field".
The spec shows neither shape, so the emulator models them as follows:

* **Formula**: an expression that is exactly one field reference,
  ``bitable::$table[<this table>].$field[<field id>]`` (the reference syntax of
  fields.md §4), evaluates to that field's value in the same record. Other
  expressions are not evaluated: their cells are empty.
* **Lookup**: defined by the seeds only (the field API cannot create lookups,
  and their ``property`` is null in the field list): a link field of the table
  and a field of the linked table; the value is that field's values in the
  linked records, in link order.
* ``display_formula_ref=true``: the value in the referenced field's read shape
  for the endpoint. A lookup is a list: one element per linked record for
  single-valued types (text, number, single select, date ...), the linked
  records' lists concatenated for list-valued types (multi select, person,
  attachment, link ...).
* Otherwise: the text the cell displays, as one text segment
  ``[{"type": "text", "text": ...}]`` (dates in the referenced field's
  ``date_formatter``, in UTC+8; several lookup values joined with ``,``).

A reference to another formula or lookup is followed (at most
:data:`MAX_DEPTH` steps); an empty result is an empty (omitted) cell.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from . import properties as P
from .model import FieldDef, RecordState, TableState
from .shapes import ReadContext, canonical_value, format_number, person, render_value

MAX_DEPTH = 8
"""Longest chain of formula / lookup references that is followed."""

DERIVED = frozenset({P.LOOKUP, P.FORMULA})

_REFERENCE = re.compile(r"\s*bitable::\$table\[(\w+)\]\.\$field\[(\w+)\]\s*")
_LIST_VALUED = frozenset(
    {P.MULTI, P.PERSON, P.GROUP, P.ATTACHMENT, P.LINK, P.DUPLEX, P.CREATED_BY, P.MODIFIED_BY}
)
_DATES = frozenset({P.DATE, P.CREATED_TIME, P.MODIFIED_TIME})
_DATE_TOKENS = re.compile(r"yyyy|MM|dd|HH|mm")
_STRFTIME = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M"}
_CN_TZ = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Derived:
    """The value of a formula / lookup cell before rendering.

    Attributes:
        source: the (non-derived) field the values come from.
        values: canonical values of ``source``, one per source record.
        many: the value went through a lookup (it is rendered as a list).
    """

    source: FieldDef
    values: list[Any]
    many: bool


def _value(f: FieldDef, record: RecordState) -> Derived | None:
    value = canonical_value(f, record)
    if value is None or value == [] or value == "":
        return None
    return Derived(f, [value], many=False)


def _formula_source(table: TableState, f: FieldDef) -> FieldDef | None:
    match = _REFERENCE.fullmatch(str((f.property or {}).get("formula_expression", "")))
    if match is None or match.group(1) != table.table_id:
        return None
    return table.fields.get(match.group(2))


def compute(
    ctx: ReadContext, table: TableState, f: FieldDef, record: RecordState, depth: int = 0
) -> Derived | None:
    """Compute a formula or lookup cell of one record.

    Args:
        ctx: the read context (its base holds the linked tables).
        table: the record's table.
        f: a formula or lookup field of ``table``.
        record: the record.
        depth: references followed so far.

    Returns:
        the values and the field they come from, or None for an empty cell.
    """
    if depth >= MAX_DEPTH:
        return None
    if f.type == P.FORMULA:
        source = _formula_source(table, f)
        if source is None:
            return None
        if source.type in DERIVED:
            return compute(ctx, table, source, record, depth + 1)
        return _value(source, record)
    if f.type != P.LOOKUP or f.lookup is None:
        return None
    link_id, shown_id = f.lookup
    link = table.fields.get(link_id)
    target = ctx.base.find_table(str(((link.property if link else None) or {}).get("table_id", "")))
    shown = target.fields.get(shown_id) if target is not None else None
    if target is None or shown is None:
        return None
    out: Derived | None = None
    for rid in record.cells.get(link_id) or ():
        linked = target.records.get(rid)
        if linked is None:
            continue
        if shown.type in DERIVED:
            part = compute(ctx, target, shown, linked, depth + 1)
        else:
            part = _value(shown, linked)
        if part is None:
            continue
        if out is None:
            out = Derived(part.source, [], many=True)
        out.values.extend(part.values)
    return out


def _date_text(f: FieldDef, ms: Any) -> str:
    fmt = str((f.property or {}).get("date_formatter") or "yyyy/MM/dd")
    when = dt.datetime.fromtimestamp(ms / 1000, _CN_TZ)
    return when.strftime(_DATE_TOKENS.sub(lambda m: _STRFTIME[m.group(0)], fmt))


def _link_text(ctx: ReadContext, f: FieldDef, ids: list[str]) -> str:
    target = ctx.base.find_table(str((f.property or {}).get("table_id", "")))
    primary = target.primary_field() if target is not None else None
    texts = []
    for rid in ids:
        rec = target.records.get(rid) if target is not None else None
        if rec is not None and primary is not None:
            v = canonical_value(primary, rec)
            texts.append("" if v is None else str(v))
    return ",".join(texts)


def display_text(ctx: ReadContext, f: FieldDef, value: Any) -> str:
    """The text a cell of field ``f`` displays.

    Args:
        ctx: the read context (user directory, linked tables).
        f: the field the value belongs to.
        value: a canonical value of ``f`` (not None).

    Returns:
        the text.
    """
    t = f.type
    if t == P.NUMBER:
        return format_number(value)
    if t in _DATES:
        return _date_text(f, value)
    if t == P.CHECKBOX:
        return "true" if value else "false"
    if t == P.MULTI:
        return ",".join(value)
    if t in (P.PERSON, P.CREATED_BY, P.MODIFIED_BY):
        return ",".join(person(p["id"], ctx.users, False)["name"] for p in value)
    if t == P.GROUP:
        return ",".join(str(g.get("name", "")) for g in value)
    if t == P.URL:
        return str(value.get("text", ""))
    if t == P.ATTACHMENT:
        return ",".join(str(a.get("name", "")) for a in value)
    if t in (P.LINK, P.DUPLEX):
        return _link_text(ctx, f, value)
    if t == P.LOCATION:
        return str(value.get("full_address") or value.get("location", ""))
    return str(value)


def render(ctx: ReadContext, cell: Derived) -> Any:
    """Render a computed cell for the endpoint (see the module docstring).

    Args:
        ctx: the read context (``display_formula_ref`` picks the shape).
        cell: the computed value.

    Returns:
        the JSON value of the cell.
    """
    source = cell.source
    if not ctx.display_formula_ref:
        text = ",".join(display_text(ctx, source, v) for v in cell.values)
        return [{"type": "text", "text": text}]
    if not cell.many:
        return render_value(source, cell.values[0], ctx)
    if source.type in _LIST_VALUED:
        return render_value(source, [x for v in cell.values for x in v], ctx)
    return [render_value(source, v, ctx) for v in cell.values]
