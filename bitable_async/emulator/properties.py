"""Validation and normalisation of field ``property`` objects (fields.md §4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import errors as E
from .errors import ApiError
from .model import BaseApp, FieldDef, IdFactory

TEXT, NUMBER, SINGLE, MULTI, DATE, CHECKBOX = 1, 2, 3, 4, 5, 7
PERSON, PHONE, URL, ATTACHMENT, LINK, LOOKUP, FORMULA, DUPLEX, LOCATION, GROUP = (
    11, 13, 15, 17, 18, 19, 20, 21, 22, 23,
)
CREATED_TIME, MODIFIED_TIME, CREATED_BY, MODIFIED_BY, AUTO_NUMBER = 1001, 1002, 1003, 1004, 1005

KNOWN_TYPES = frozenset(
    {TEXT, NUMBER, SINGLE, MULTI, DATE, CHECKBOX, PERSON, PHONE, URL, ATTACHMENT, LINK,
     LOOKUP, FORMULA, DUPLEX, LOCATION, GROUP, CREATED_TIME, MODIFIED_TIME, CREATED_BY,
     MODIFIED_BY, AUTO_NUMBER}
)
# Types the Field API cannot create (fields.md §2).
NOT_CREATABLE = frozenset({LOOKUP})
# Types the Record API cannot write (fields.md §2); DUPLEX is configurable.
READ_ONLY = frozenset({LOOKUP, FORMULA, CREATED_TIME, MODIFIED_TIME, CREATED_BY, MODIFIED_BY,
                       AUTO_NUMBER})

NUMBER_FORMATS = frozenset(
    {"0", "0.0", "0.00", "0.000", "0.0000", "1,000", "1,000.00", "%", "0.00%", "¥", "¥0.00",
     "$", "$0.00"}
)
DATE_FORMATS = frozenset(
    {"yyyy/MM/dd", "yyyy/MM/dd HH:mm", "yyyy-MM-dd", "yyyy-MM-dd HH:mm", "MM-dd", "MM/dd/yyyy",
     "dd/MM/yyyy"}
)
FORMULA_FORMATS = frozenset(
    {"", "0", "0.0", "0.00", "1,000", "1,000.00", "%", "0.00%", "¥", "¥0.00", "$", "$0.00",
     "yyyy/MM/dd HH:mm", "yyyy/MM/dd", "yyyy-MM-dd", "MM-dd"}
)
CREATED_TIME_FORMATS = frozenset({"yyyyMMdd", "yyyyMM", "yyyy", "MMdd", "MM", "dd"})

# 1254080 ... 1254096 in the documented order.
_PROPERTY_ERROR = {
    TEXT: 1254080, NUMBER: 1254081, SINGLE: 1254082, MULTI: 1254083, DATE: 1254084,
    CHECKBOX: 1254085, PERSON: 1254086, URL: 1254087, ATTACHMENT: 1254088, LINK: 1254089,
    LOOKUP: 1254090, FORMULA: 1254091, DUPLEX: 1254092, CREATED_TIME: 1254093,
    MODIFIED_TIME: 1254094, CREATED_BY: 1254095, MODIFIED_BY: 1254096,
}


def _fail(ftype: int, msg: str) -> ApiError:
    return ApiError(_PROPERTY_ERROR.get(ftype, E.TYPE_VALUE_MISMATCH), msg)


def _as_dict(ftype: int, prop: Any) -> dict[str, Any]:
    if prop is None:
        return {}
    if not isinstance(prop, dict):
        raise _fail(ftype, "property must be an object")
    return prop


def _choice(ftype: int, prop: dict[str, Any], key: str, allowed: frozenset[str], dflt: str) -> str:
    value = prop.get(key, dflt)
    if not isinstance(value, str) or value not in allowed:
        raise _fail(ftype, f"property.{key} {value!r} is not one of {sorted(allowed)}")
    return value


def _flag(ftype: int, prop: dict[str, Any], key: str, dflt: bool) -> bool:
    value = prop.get(key, dflt)
    if not isinstance(value, bool):
        raise _fail(ftype, f"property.{key} must be a boolean")
    return value


def _options(
    ftype: int, prop: dict[str, Any], old: FieldDef | None, ids: IdFactory
) -> dict[str, Any]:
    raw = prop.get("options", [])
    if not isinstance(raw, list):
        raise _fail(ftype, "property.options must be a list")
    old_ids = set()
    if old is not None and old.type in (SINGLE, MULTI) and old.property:
        old_ids = {o["id"] for o in old.property.get("options", [])}
    out: list[dict[str, Any]] = []
    color = -1
    for i, opt in enumerate(raw):
        if not isinstance(opt, dict):
            raise _fail(ftype, f"property.options[{i}] must be an object")
        name = opt.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(E.EMPTY_OPTION_NAME, f"property.options[{i}].name is empty")
        oid = opt.get("id")
        if oid is not None and (not isinstance(oid, str) or oid not in old_ids):
            raise _fail(ftype, f"property.options[{i}].id {oid!r} is not an option of this field")
        c = opt.get("color", color + 1)
        if not isinstance(c, int) or isinstance(c, bool) or not 0 <= c <= 54:
            raise _fail(ftype, f"property.options[{i}].color must be an integer 0-54")
        color = c
        out.append({"id": oid or ids.new("opt", 7), "name": name, "color": c})
    return {"options": out}


def _auto_serial(prop: dict[str, Any]) -> dict[str, Any]:
    serial = prop.get("auto_serial", {"type": "auto_increment_number"})
    kinds = ("custom", "auto_increment_number")
    if not isinstance(serial, dict) or serial.get("type") not in kinds:
        raise ApiError(1254070, f"property.auto_serial.type must be one of {kinds}")
    if serial["type"] == "auto_increment_number":
        return {"auto_serial": {"type": "auto_increment_number"}}
    opts = serial.get("options")
    if not isinstance(opts, list) or not opts:
        raise ApiError(1254070, "property.auto_serial.options is required for a custom rule")
    clean: list[dict[str, str]] = []
    for i, o in enumerate(opts):
        kind = o.get("type") if isinstance(o, dict) else None
        value = o.get("value") if isinstance(o, dict) else None
        ok = isinstance(value, str) and (
            (kind == "system_number" and value in {str(d) for d in range(1, 10)})
            or (kind == "fixed_text" and len(value) <= 20)
            or (kind == "created_time" and value in CREATED_TIME_FORMATS)
        )
        if not ok:
            raise ApiError(1254070, f"property.auto_serial.options[{i}] is invalid")
        clean.append({"type": str(kind), "value": str(value)})
    return {"auto_serial": {"type": "custom", "options": clean}}


def _link(ftype: int, prop: dict[str, Any], base: BaseApp) -> dict[str, Any]:
    table_id = prop.get("table_id")
    target = base.find_table(table_id) if isinstance(table_id, str) else None
    if target is None:
        raise _fail(ftype, f"property.table_id {table_id!r} is not a table of this base")
    return {
        "multiple": _flag(ftype, prop, "multiple", True),
        "table_id": target.table_id,
        "table_name": target.name,
    }


def normalize_property(
    ftype: int,
    prop: Any,
    *,
    base: BaseApp,
    ids: IdFactory,
    old: FieldDef | None = None,
) -> dict[str, Any] | None:
    """Validate a field property and return the stored form.

    Args:
        ftype: the field type ID.
        prop: the ``property`` of the request (may be None).
        base: the base owning the table (link targets are looked up there).
        ids: ID factory for option IDs.
        old: the field being updated (option IDs must be its own), if any.

    Returns:
        the normalised property, or None for types without settings.

    Raises:
        ApiError: 1254012 for unsupported types, 1254026 for empty option names,
            1254080-1254096 / 1254070 for invalid properties.
    """
    if ftype not in KNOWN_TYPES or ftype in NOT_CREATABLE:
        raise ApiError(E.NOT_SUPPORT_FIELD, f"field type {ftype} cannot be created or updated")
    p = _as_dict(ftype, prop)
    builders: dict[int, Callable[[], dict[str, Any] | None]] = {
        NUMBER: lambda: {"formatter": _choice(ftype, p, "formatter", NUMBER_FORMATS, "0.0")},
        SINGLE: lambda: _options(ftype, p, old, ids),
        MULTI: lambda: _options(ftype, p, old, ids),
        DATE: lambda: {
            "date_formatter": _choice(ftype, p, "date_formatter", DATE_FORMATS, "yyyy/MM/dd"),
            "auto_fill": _flag(ftype, p, "auto_fill", False),
        },
        PERSON: lambda: {"multiple": _flag(ftype, p, "multiple", True)},
        GROUP: lambda: {"multiple": _flag(ftype, p, "multiple", True)},
        LINK: lambda: _link(ftype, p, base),
        DUPLEX: lambda: _link(ftype, p, base),
        FORMULA: lambda: {
            "formatter": _choice(ftype, p, "formatter", FORMULA_FORMATS, ""),
            "formula_expression": str(p.get("formula_expression", "")),
        },
        LOCATION: lambda: {"location": {"input_type": _location_input(p)}},
        CREATED_TIME: lambda: {
            "date_formatter": _choice(ftype, p, "date_formatter", DATE_FORMATS, "yyyy/MM/dd")
        },
        MODIFIED_TIME: lambda: {
            "date_formatter": _choice(ftype, p, "date_formatter", DATE_FORMATS, "yyyy/MM/dd")
        },
        AUTO_NUMBER: lambda: _auto_serial(p),
    }
    build = builders.get(ftype)
    return build() if build is not None else None


def _location_input(p: dict[str, Any]) -> str:
    loc = p.get("location")
    value = loc.get("input_type") if isinstance(loc, dict) else p.get("input_type", "not_limit")
    if value not in ("not_limit", "only_mobile"):
        raise ApiError(E.TYPE_VALUE_MISMATCH, "property.location.input_type is invalid")
    return str(value)
