"""Read shapes: render stored records the way each endpoint returns them (fields.md §3)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from . import properties as P
from .model import BaseApp, FieldDef, RecordState, TableState

Mode = Literal["list", "get", "search", "batch_get", "write"]
_CN_TZ = dt.timezone(dt.timedelta(hours=8))
_SERIAL_FORMATS = {"yyyy": "%Y", "MM": "%m", "dd": "%d"}


@dataclass
class ReadContext:
    """How to render cells for one response."""

    mode: Mode
    base: BaseApp
    base_url: str
    users: Mapping[str, Mapping[str, str]]
    text_as_array: bool = False
    numbers_as_strings: bool = True
    automatic_fields: bool = False
    with_shared_url: bool = False
    display_formula_ref: bool = False


def person(user_id: str, users: Mapping[str, Mapping[str, str]], avatar: bool) -> dict[str, Any]:
    """Return the person object of a user ID.

    Args:
        user_id: open_id / user_id of the person.
        users: configured directory (unknown IDs get a synthetic name).
        avatar: include ``avatar_url`` (batch_get style).

    Returns:
        ``{"id", "name", "en_name", "email"[, "avatar_url"]}``.
    """
    info = users.get(user_id, {})
    short = hashlib.sha1(user_id.encode()).hexdigest()[:6]
    out: dict[str, Any] = {
        "id": user_id,
        "name": info.get("name", f"User {short}"),
        "en_name": info.get("en_name", f"User {short}"),
        "email": info.get("email", ""),
    }
    if avatar:
        out["avatar_url"] = info.get("avatar_url", f"https://example.invalid/avatar/{short}.png")
    return out


def format_number(value: int | float) -> str:
    """Return a number the way list-records returns it (a string)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def auto_number(f: FieldDef, record: RecordState) -> str:
    """Return the auto-number string of a record for a type-1005 field.

    Args:
        f: the auto-number field (its ``auto_serial`` property shapes the text).
        record: the record (its serial and creation time).
    """
    serial = (f.property or {}).get("auto_serial", {})
    if serial.get("type") != "custom":
        return str(record.serial)
    created = dt.datetime.fromtimestamp(record.created_time / 1000, _CN_TZ)
    parts = []
    for opt in serial.get("options", []):
        if opt["type"] == "system_number":
            parts.append(str(record.serial).zfill(int(opt["value"])))
        elif opt["type"] == "fixed_text":
            parts.append(opt["value"])
        else:
            fmt = opt["value"]
            for token, code in _SERIAL_FORMATS.items():
                fmt = fmt.replace(token, code)
            parts.append(created.strftime(fmt))
    return "".join(parts)


def canonical_value(f: FieldDef, record: RecordState) -> Any:
    """Return the canonical value of a cell, computing automatic types.

    Args:
        f: the field.
        record: the record.

    Returns:
        the stored value, or the computed one for created/modified time/by and
        auto number; None when empty.
    """
    t = f.type
    if t == P.CREATED_TIME:
        return record.created_time
    if t == P.MODIFIED_TIME:
        return record.modified_time
    if t == P.CREATED_BY:
        return [{"id": record.created_by}]
    if t == P.MODIFIED_BY:
        return [{"id": record.modified_by}]
    if t == P.AUTO_NUMBER:
        return auto_number(f, record)
    return record.cells.get(f.field_id)


def filter_mapping(
    table: TableState, record: RecordState, users: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """Return field name -> canonical value, persons enriched with names (for filters).

    Args:
        table: the table.
        record: the record.
        users: user directory.

    Returns:
        the mapping passed to the filter/sort engine.
    """
    out: dict[str, Any] = {}
    for f in table.fields.values():
        value = canonical_value(f, record)
        if value is None:
            continue
        if f.type in (P.PERSON, P.CREATED_BY, P.MODIFIED_BY):
            value = [person(p["id"], users, False) for p in value]
        out[f.name] = value
    return out


def _link_shape(f: FieldDef, ids: list[str], ctx: ReadContext) -> Any:
    if ctx.mode == "batch_get":
        return {"link_record_ids": list(ids)}
    if ctx.mode == "write":
        return list(ids)
    target = ctx.base.find_table(str((f.property or {}).get("table_id", "")))
    texts = []
    if target is not None:
        primary = target.primary_field()
        for rid in ids:
            rec = target.records.get(rid)
            if rec is not None and primary is not None:
                v = canonical_value(primary, rec)
                texts.append(v if isinstance(v, str) else "" if v is None else str(v))
    table_id = target.table_id if target is not None else ""
    return [{"type": "text", "table_id": table_id, "record_ids": list(ids),
             "text": ",".join(texts)}]


def render_value(f: FieldDef, value: Any, ctx: ReadContext) -> Any:
    """Render one canonical cell value for the response mode.

    Args:
        f: the field.
        value: canonical value (not None).
        ctx: the read context.

    Returns:
        the JSON value the endpoint returns.
    """
    t = f.type
    if t == P.TEXT:
        if ctx.mode == "batch_get" or (ctx.text_as_array and ctx.mode != "write"):
            return [{"type": "text", "text": value}]
        return value
    if t == P.NUMBER:
        as_str = ctx.numbers_as_strings and ctx.mode in ("list", "search")
        return format_number(value) if as_str else value
    if t in (P.PERSON, P.CREATED_BY, P.MODIFIED_BY):
        if ctx.mode == "write":
            return [{"id": p["id"]} for p in value]
        return [person(p["id"], ctx.users, ctx.mode == "batch_get") for p in value]
    if t == P.ATTACHMENT:
        if ctx.mode == "write":
            return [{"file_token": a["file_token"]} for a in value]
        base = ctx.base_url.rstrip("/") + "/open-apis/drive/v1/medias"
        return [
            {**a, "url": f"{base}/{a['file_token']}/download",
             "tmp_url": f"{base}/batch_get_tmp_download_url?file_tokens={a['file_token']}"}
            for a in value
        ]
    if t in (P.LINK, P.DUPLEX):
        return _link_shape(f, value, ctx)
    if t == P.GROUP:
        return [{"id": g["id"], "name": g.get("name", ""), "avatar_url": ""} for g in value]
    return value


_AUTOMATIC = frozenset({P.CREATED_TIME, P.MODIFIED_TIME, P.CREATED_BY, P.MODIFIED_BY,
                        P.AUTO_NUMBER})
_DERIVED = frozenset({P.LOOKUP, P.FORMULA})


def _rendered_as_stored(t: int, ctx: ReadContext) -> bool:
    """Whether :func:`render_value` returns a type-``t`` value unchanged in ``ctx``."""
    if t == P.TEXT:
        return not (ctx.mode == "batch_get" or (ctx.text_as_array and ctx.mode != "write"))
    if t == P.NUMBER:
        return not (ctx.numbers_as_strings and ctx.mode in ("list", "search"))
    return t not in (P.PERSON, P.CREATED_BY, P.MODIFIED_BY, P.ATTACHMENT, P.LINK, P.DUPLEX,
                     P.GROUP)


class RecordRenderer:
    """Renders many records of one table for one response (see :func:`render_record`).

    What does not change from record to record (the fields in order, which of
    them are computed, which are returned as stored) is worked out once.

    Args:
        table: the table.
        ctx: read context.
    """

    __slots__ = ("_columns", "_derived", "ctx", "table")

    def __init__(self, table: TableState, ctx: ReadContext) -> None:
        self.ctx = ctx
        self.table = table
        self._columns = [(f, f.field_id, f.name, f.type in _AUTOMATIC,
                          _rendered_as_stored(f.type, ctx)) for f in table.fields.values()
                         if f.type not in _DERIVED]
        self._derived = [f for f in table.fields.values() if f.type in _DERIVED]

    def render(self, record: RecordState, only: Iterable[str] | None = None) -> dict[str, Any]:
        """Render one record (see :func:`render_record`).

        Args:
            record: the record.
            only: field IDs to include; None = all.

        Returns:
            the record object; empty cells are omitted.
        """
        ctx = self.ctx
        wanted = only if only is None or isinstance(only, (dict, set, frozenset)) else set(only)
        cells = record.cells
        fields: dict[str, Any] = {}
        for f, field_id, name, automatic, as_stored in self._columns:
            if wanted is not None and field_id not in wanted:
                continue
            value = canonical_value(f, record) if automatic else cells.get(field_id)
            if value is None or value == [] or value == "":
                continue
            fields[name] = value if as_stored else render_value(f, value, ctx)
        if self._derived:
            self._render_derived(record, wanted, fields)
        out: dict[str, Any] = {"fields": fields, "record_id": record.record_id}
        if ctx.mode == "write":
            out["id"] = record.record_id
        if ctx.automatic_fields:
            avatar = ctx.mode == "batch_get"
            out["created_by"] = person(record.created_by, ctx.users, avatar)
            out["created_time"] = record.created_time
            out["last_modified_by"] = person(record.modified_by, ctx.users, avatar)
            out["last_modified_time"] = record.modified_time
        if ctx.with_shared_url:
            out["shared_url"] = f"{ctx.base_url.rstrip('/')}/record/{record.record_id}"
        return out

    def _render_derived(self, record: RecordState, wanted: Any, fields: dict[str, Any]) -> None:
        # Formula and lookup cells are computed on read (see derived.py, which
        # imports this module).
        from .derived import compute, render

        for f in self._derived:
            if wanted is not None and f.field_id not in wanted:
                continue
            cell = compute(self.ctx, self.table, f, record)
            if cell is not None:
                fields[f.name] = render(self.ctx, cell)


def render_record(
    table: TableState,
    record: RecordState,
    ctx: ReadContext,
    only: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Render ``{"record_id", "fields", ...}`` for the response mode.

    Args:
        table: the table.
        record: the record.
        ctx: read context.
        only: field IDs to include (write echoes, ``field_names``); None = all.

    Returns:
        the record object; empty cells are omitted.
    """
    return RecordRenderer(table, ctx).render(record, only)
