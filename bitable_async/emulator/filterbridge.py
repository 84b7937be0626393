"""Bridge to the filter/sort engine in ``filtering.py`` (owned by another module).

``filtering.py`` is imported lazily; until it exists a tiny fallback covers the
search-filter operators on plain values and simple ``"Name DESC"`` sorts, and
rejects formula filters with 1254018.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, cast

from . import errors as E
from .errors import ApiError

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]


def _engine() -> Any:
    try:
        return importlib.import_module("bitable_async.emulator.filtering")
    except ImportError:
        return None


def _translate(exc: Exception) -> ApiError:
    code = getattr(exc, "code", E.INVALID_FILTER)
    msg = getattr(exc, "msg", str(exc))
    return ApiError(int(code), str(msg))


def _is_filter_error(exc: Exception, engine: Any) -> bool:
    return engine is not None and isinstance(exc, getattr(engine, "FilterError", ()))


def search_filter(filter_obj: Any, field_types: Mapping[str, int]) -> Predicate:
    """Compile a records/search ``filter`` object.

    Raises:
        ApiError: 1254018 for an invalid filter.
    """
    engine = _engine()
    if engine is None:
        return _fallback_search(filter_obj, field_types)
    try:
        return cast(Predicate, engine.compile_search_filter(filter_obj, field_types))
    except Exception as exc:
        if _is_filter_error(exc, engine):
            raise _translate(exc) from None
        raise


def formula_filter(expr: str, field_types: Mapping[str, int]) -> Predicate:
    """Compile a list-records formula ``filter``.

    Raises:
        ApiError: 1254018 for an invalid filter.
    """
    engine = _engine()
    if engine is None:
        raise ApiError(E.INVALID_FILTER, "formula filters need bitable_async.emulator.filtering")
    try:
        return cast(Predicate, engine.compile_formula(expr, field_types))
    except Exception as exc:
        if _is_filter_error(exc, engine):
            raise _translate(exc) from None
        raise


def sort_search(records: list[Record], sort: Any, field_types: Mapping[str, int]) -> list[Record]:
    """Sort records by a records/search ``sort`` list (stable).

    Raises:
        ApiError: 1254016 for an invalid sort.
    """
    engine = _engine()
    if engine is None:
        keys = [(s.get("field_name"), bool(s.get("desc"))) for s in sort or []]
        return _fallback_sort(records, keys, field_types)
    try:
        return cast(list[Record], engine.sort_records_search(records, sort, field_types))
    except Exception as exc:
        if _is_filter_error(exc, engine):
            raise _translate(exc) from None
        raise


def sort_formula(records: list[Record], sort: list[str], field_types: Mapping[str, int]
                 ) -> list[Record]:
    """Sort records by a list-records ``sort`` (``["Name DESC", ...]``, stable).

    Raises:
        ApiError: 1254016 for an invalid sort.
    """
    engine = _engine()
    if engine is None:
        keys = []
        for item in sort:
            name, _, direction = item.rpartition(" ")
            if not name or direction.upper() not in ("ASC", "DESC"):
                name, direction = item, "ASC"
            keys.append((name, direction.upper() == "DESC"))
        return _fallback_sort(records, keys, field_types)
    try:
        return cast(list[Record], engine.sort_records_formula(records, sort, field_types))
    except Exception as exc:
        if _is_filter_error(exc, engine):
            raise _translate(exc) from None
        raise


# ---- fallback (used only while filtering.py is absent) ---------------------------------


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("name") or value.get("text") or value.get("id") or "")
    return "" if value is None else str(value)


def _cmp_value(value: Any, raw: Any) -> tuple[Any, Any]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return value, float(raw[-1] if isinstance(raw, list) else raw)
        except (TypeError, ValueError):
            raise ApiError(E.INVALID_FILTER, f"value {raw!r} is not a number") from None
    return _text(value), _text(raw)


def _condition(cond: Any, field_types: Mapping[str, int]) -> Predicate:
    if not isinstance(cond, dict) or cond.get("field_name") not in field_types:
        raise ApiError(E.INVALID_FILTER, f"invalid condition {cond!r}")
    name, op, vals = cond["field_name"], cond.get("operator"), cond.get("value") or []

    def test(rec: Record) -> bool:
        v = rec.get(name)
        empty = v is None or v in ("", [])
        if op == "isEmpty":
            return empty
        if op == "isNotEmpty":
            return not empty
        if op in ("is", "isNot"):
            hit = _text(v) == _text(vals[0] if vals else "")
            return hit if op == "is" else not hit
        if op in ("contains", "doesNotContain"):
            hit = any(_text(x) in _text(v) for x in vals)
            return hit if op == "contains" else not hit
        if empty:
            return False
        a, b = _cmp_value(v, vals)
        return bool({"isGreater": a > b, "isGreaterEqual": a >= b, "isLess": a < b,
                     "isLessEqual": a <= b}.get(str(op), False))

    if op not in ("is", "isNot", "contains", "doesNotContain", "isEmpty", "isNotEmpty",
                  "isGreater", "isGreaterEqual", "isLess", "isLessEqual"):
        raise ApiError(E.INVALID_FILTER, f"unsupported operator {op!r}")
    return test


def _fallback_search(filter_obj: Any, field_types: Mapping[str, int]) -> Predicate:
    if not filter_obj:
        return lambda rec: True
    if not isinstance(filter_obj, dict):
        raise ApiError(E.INVALID_FILTER, "filter must be an object")
    parts = [_condition(c, field_types) for c in filter_obj.get("conditions") or []]
    parts += [_fallback_search(c, field_types) for c in filter_obj.get("children") or []]
    combine = any if filter_obj.get("conjunction", "and") == "or" else all
    return lambda rec: combine(p(rec) for p in parts) if parts else True


def _fallback_sort(records: list[Record], keys: list[tuple[Any, bool]],
                   field_types: Mapping[str, int]) -> list[Record]:
    out = list(records)
    for name, desc in reversed(keys):
        if name not in field_types:
            raise ApiError(E.INVALID_SORT, f"unknown sort field {name!r}")
        present = [r for r in out if r.get(name) not in (None, "", [])]
        missing = [r for r in out if r.get(name) in (None, "", [])]
        present.sort(key=_key_of(name), reverse=desc)
        out = present + missing
    return out


def _key_of(name: Any) -> Callable[[Record], Any]:
    def key(rec: Record) -> Any:
        return _sort_key(rec.get(name))
    return key


def _sort_key(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, _text(value))
