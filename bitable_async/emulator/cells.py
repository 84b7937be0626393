"""Write validation: turn a written cell into its canonical stored form.

Canonical forms (shared with the filter engine): text -> str; number -> int |
float; single select -> option name; multi select -> list of names; date ->
int ms; checkbox -> bool; person / group -> list of ``{"id": ...}``; phone ->
str; URL -> ``{"text", "link"}``; attachment -> list of
``{"file_token", "name", "size", "type"}``; links -> list of record IDs;
location -> dict. ``None`` clears a cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import errors as E
from . import properties as P
from .errors import ApiError
from .model import BaseApp, FieldDef, MediaFile, TableState

MAX_TEXT = 100_000
_PHONE = re.compile(r"\+?[0-9]*")
_LOCATION_KEYS = ("location", "pname", "cityname", "adname", "address", "name", "full_address")


@dataclass
class WriteContext:
    """What write validation needs besides the table itself."""

    base: BaseApp
    media: Mapping[str, MediaFile]
    duplex_writable: bool = False
    strict_attachments: bool = True


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _persons(f: FieldDef, value: Any, code: int) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ApiError(code, f"field {f.name!r} expects a list of {{'id': ...}} objects")
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise ApiError(code, f"field {f.name!r} expects objects with a string 'id'")
        out.append({"id": item["id"]})
    if f.property and f.property.get("multiple") is False and len(out) > 1:
        raise ApiError(code, f"field {f.name!r} accepts a single person")
    return out


def _text(f: FieldDef, value: Any) -> str:
    if isinstance(value, list) and all(isinstance(s, dict) for s in value):
        value = "".join(str(s.get("text", "")) for s in value)
    if not isinstance(value, str):
        raise ApiError(E.TEXT_CONV, f"field {f.name!r} expects a string")
    if len(value) > MAX_TEXT:
        raise ApiError(E.CELL_TOO_LARGE, f"field {f.name!r}: text longer than {MAX_TEXT}")
    return value


def _number(f: FieldDef, value: Any) -> int | float:
    if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        raise ApiError(E.NUMBER_CONV, f"field {f.name!r} expects a number")
    return value  # type: ignore[no-any-return]


def _single(f: FieldDef, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ApiError(E.SINGLE_SELECT_CONV, f"field {f.name!r} expects an option name string")
    return value


def _multi(f: FieldDef, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ApiError(E.MULTI_SELECT_CONV, f"field {f.name!r} expects a list of option names")
    return list(dict.fromkeys(value))


def _date(f: FieldDef, value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(E.DATE_CONV, f"field {f.name!r} expects a millisecond timestamp (int)")
    return value


def _checkbox(f: FieldDef, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ApiError(E.CHECKBOX_CONV, f"field {f.name!r} expects true or false")
    return value


def _phone(f: FieldDef, value: Any) -> str:
    if not isinstance(value, str) or not _PHONE.fullmatch(value):
        raise ApiError(E.PHONE_CONV, f"field {f.name!r} expects a phone string matching (\\+)?\\d*")
    return value


def _url(f: FieldDef, value: Any) -> dict[str, str]:
    link = value.get("link") if isinstance(value, dict) else None
    text = value.get("text", link) if isinstance(value, dict) else None
    if not isinstance(link, str) or not link or not isinstance(text, str):
        raise ApiError(E.URL_CONV, f"field {f.name!r} expects {{'text': str, 'link': str}}")
    return {"text": text or link, "link": link}


def _attachments(f: FieldDef, value: Any, ctx: WriteContext) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ApiError(E.ATTACH_CONV, f"field {f.name!r} expects a list of {{'file_token': ...}}")
    out = []
    for item in value:
        token = item.get("file_token") if isinstance(item, dict) else None
        if not isinstance(token, str) or not token:
            raise ApiError(E.ATTACH_CONV, f"field {f.name!r} expects objects with 'file_token'")
        media = ctx.media.get(token)
        if media is None and ctx.strict_attachments:
            raise ApiError(E.ATTACH_CONV, f"field {f.name!r}: unknown file_token {token!r}")
        if media is None:
            out.append(
                {"file_token": token, "name": token, "size": 0, "type": "application/octet-stream"}
            )
        else:
            out.append(
                {"file_token": token, "name": media.name, "size": media.size, "type": media.mime}
            )
    return out


def _links(f: FieldDef, value: Any, ctx: WriteContext) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(E.LINK_CONV, f"field {f.name!r} expects a list of record ID strings")
    target_id = (f.property or {}).get("table_id", "")
    target = ctx.base.find_table(str(target_id))
    if target is None:
        raise ApiError(E.LINK_CONV, f"field {f.name!r}: linked table {target_id!r} is gone")
    missing = [v for v in value if v not in target.records]
    if missing:
        raise ApiError(E.LINK_CONV, f"field {f.name!r}: records {missing[:5]!r} do not exist")
    if (f.property or {}).get("multiple") is False and len(value) > 1:
        raise ApiError(E.LINK_CONV, f"field {f.name!r} accepts a single linked record")
    return list(dict.fromkeys(value))


def _location(f: FieldDef, value: Any) -> dict[str, str]:
    if isinstance(value, str):
        value = {"location": value}
    loc = value.get("location") if isinstance(value, dict) else None
    if not isinstance(loc, str) or loc.count(",") != 1:
        raise ApiError(E.TYPE_VALUE_MISMATCH, f"field {f.name!r} expects 'lng,lat' or an object")
    assert isinstance(value, dict)
    return {k: str(value.get(k, "")) for k in _LOCATION_KEYS}


def _person_cell(f: FieldDef, value: Any, ctx: WriteContext) -> list[dict[str, Any]]:
    return _persons(f, value, E.USER_CONV)


def _group_cell(f: FieldDef, value: Any, ctx: WriteContext) -> list[dict[str, Any]]:
    return _persons(f, value, E.TYPE_VALUE_MISMATCH)


Checker = Callable[[FieldDef, Any, WriteContext], Any]
"""Validates one non-None written cell of a field and returns its canonical form."""

# One checker per writable type; types not listed keep the value as sent.
_CHECKERS: dict[int, Checker] = {
    P.TEXT: lambda f, v, ctx: _text(f, v),
    P.NUMBER: lambda f, v, ctx: _number(f, v),
    P.SINGLE: lambda f, v, ctx: _single(f, v),
    P.MULTI: lambda f, v, ctx: _multi(f, v),
    P.DATE: lambda f, v, ctx: _date(f, v),
    P.CHECKBOX: lambda f, v, ctx: _checkbox(f, v),
    P.PERSON: _person_cell,
    P.GROUP: _group_cell,
    P.PHONE: lambda f, v, ctx: _phone(f, v),
    P.URL: lambda f, v, ctx: _url(f, v),
    P.ATTACHMENT: _attachments,
    P.LINK: _links,
    P.DUPLEX: _links,
    P.LOCATION: lambda f, v, ctx: _location(f, v),
}


def _read_only(f: FieldDef, ctx: WriteContext) -> bool:
    return f.type in P.READ_ONLY or (f.type == P.DUPLEX and not ctx.duplex_writable)


def _read_only_error(f: FieldDef) -> ApiError:
    return ApiError(E.TYPE_VALUE_MISMATCH, f"field {f.name!r} (type {f.type}) is read-only")


def normalize_value(f: FieldDef, value: Any, ctx: WriteContext) -> Any:
    """Validate one written cell and return its canonical stored form.

    Args:
        f: the field.
        value: the value as sent (None clears the cell).
        ctx: write context (base for links, media for attachments).

    Returns:
        the canonical value, or None to clear the cell.

    Raises:
        ApiError: the per-type conversion code (1254060-1254072) or 1254015
            for read-only fields and undocumented shapes.
    """
    if _read_only(f, ctx):
        raise _read_only_error(f)
    if value is None:
        return None
    check = _CHECKERS.get(f.type)
    return check(f, value, ctx) if check is not None else value


class WriteSchema:
    """A table's fields looked up by name, each with its write checker.

    Built once per request (e.g. for all records of a batch) instead of once per
    record or cell, from the fields as they are at that moment.

    Args:
        table: the target table.
        ctx: write context (decides whether duplex links are writable).
    """

    __slots__ = ("ctx", "fields")

    def __init__(self, table: TableState, ctx: WriteContext) -> None:
        self.ctx = ctx
        # name -> (field, read-only?, checker or None); a later duplicate name wins.
        self.fields: dict[str, tuple[FieldDef, bool, Checker | None]] = {
            f.name: (f, _read_only(f, ctx), _CHECKERS.get(f.type)) for f in table.fields.values()
        }


def normalize_fields(
    table: TableState,
    fields: Any,
    ctx: WriteContext,
    where: str = "",
    schema: WriteSchema | None = None,
) -> dict[str, Any]:
    """Validate the ``fields`` object of one written record.

    Args:
        table: the target table.
        fields: the ``fields`` object as sent (keys are field names).
        ctx: write context.
        where: prefix naming the record in error messages (e.g. ``"records[3]"``).
        schema: the table's :class:`WriteSchema` when the caller validates many
            records (built here when None).

    Returns:
        field ID -> canonical value (None = clear).

    Raises:
        ApiError: 1254001 when ``fields`` is not an object, 1254045 for an
            unknown field name, or the per-type conversion code.
    """
    if not isinstance(fields, dict):
        prefix = f"{where}: " if where else ""
        raise ApiError(E.WRONG_BODY, f"{prefix}'fields' must be an object")
    by_name = (schema if schema is not None else WriteSchema(table, ctx)).fields
    out: dict[str, Any] = {}
    for name, value in fields.items():
        entry = by_name.get(name)
        try:
            if entry is None:
                raise ApiError(E.FIELD_NAME_NOT_FOUND, f"field name {name!r} not found")
            f, read_only, check = entry
            if read_only:
                raise _read_only_error(f)
            out[f.field_id] = value if value is None or check is None else check(f, value, ctx)
        except ApiError as exc:
            prefix = f"{where}: " if where else ""
            raise ApiError(exc.code, prefix + exc.msg) from None
    return out


def add_missing_options(table: TableState, cells: Mapping[str, Any], ids: Any) -> None:
    """Add select options that a committed write used but the field lacked.

    Args:
        table: the table.
        cells: field ID -> canonical value just committed.
        ids: the ID factory (``IdFactory``) for new option IDs.
    """
    for fid, value in cells.items():
        f = table.fields.get(fid)
        if f is None or f.type not in (P.SINGLE, P.MULTI) or value is None:
            continue
        prop = f.property if f.property is not None else {"options": []}
        f.property = prop
        options: list[dict[str, Any]] = prop.setdefault("options", [])
        names = {o["name"] for o in options}
        for name in [value] if isinstance(value, str) else value:
            if name not in names:
                color = (options[-1]["color"] + 1) % 55 if options else 0
                options.append({"id": ids.new("opt", 7), "name": name, "color": color})
                names.add(name)
