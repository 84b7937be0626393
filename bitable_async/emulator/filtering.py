"""The emulator's filter and sort engine (pure Python, no I/O, no SDK imports).

Public interface (used through :mod:`.filterbridge`):

* :func:`compile_search_filter` -- the records/search body ``filter``
  ``{conjunction, conditions: [{field_name, operator, value}], children}``.
* :func:`compile_formula` -- the list-records ``filter`` formula
  (``CurrentValue.[Name]="x"``), see :mod:`.filter_formula`.
* :func:`sort_records_search` -- ``[{"field_name", "desc"}]``.
* :func:`sort_records_formula` -- ``["Name DESC", "Age ASC"]``.
* :class:`FilterError` -- ``code`` 1254018 (invalid filter: structure,
  operator, value, unknown field) or 1254016 (invalid sort: structure,
  unknown field); ``msg`` says what and where.

Records are mappings of field name -> stored value: text, phone, single select
and auto number are ``str``; number ``int | float`` (numeric strings are
accepted); multi select ``list[str]``; date / created / modified time ``int``
ms; checkbox ``bool``; person / created by / modified by / group a list of
dicts with ``id`` (and maybe ``name``); URL ``{"text", "link"}``; attachment a
list of dicts (``file_token``, ``name``); links a list of record ids; location
a dict (``full_address``, ``name`` ...); formula / lookup anything. A missing
key is ``None``.

Semantics of the search operators, per kind of field:

* **Empty** is ``None``, ``""``, ``[]``, ``{}``; a checkbox is empty unless
  checked. ``isEmpty`` / ``isNotEmpty`` take no value.
* All string matching is case-insensitive.
* **Text** (text, phone, single select, URL, location, auto number):
  ``is``/``isNot`` compare the whole value with one string (a URL answers to
  its text or link, a location to its full address, name or address);
  ``contains``/``doesNotContain`` look for any of the given substrings;
  ``like`` is a substring match with one value; ``in`` is equality with any
  value; ordering compares numerically when both sides are numbers, else as
  text.
* **Number**: values are numeric strings (or numbers); ``is``/``in`` are
  numeric equality; ordering is numeric; ``contains``/``like`` match the
  number's text.
* **Items** (multi select, person, created/modified by, group, links,
  attachment): an item answers to each of its id, name, text, file token.
  ``is`` means the set of items equals the given values; ``contains``/``in``
  mean at least one item matches one value (attachment names match by
  substring); ``doesNotContain`` means none does; ``like`` is a substring of
  the shown text.
* **Date** (date, created time, modified time): values are
  ``["ExactDate", "<ms>"]`` or one relative word (``Today``, ``Tomorrow``,
  ``Yesterday``, ``CurrentWeek``, ``LastWeek``, ``CurrentMonth``,
  ``LastMonth``, ``TheLastWeek``, ``TheNextWeek``, ``TheLastMonth``,
  ``TheNextMonth``); a bare ms string is read as ``ExactDate``. Comparison is
  per calendar day in ``tz`` (default UTC+8); a word denotes a day range
  (weeks start Monday; ``TheLast*``/``TheNext*`` are 7/30 days ending/starting
  today) and ``isGreater`` means after the whole range, ``isLess`` before it.
  Only ``is``, ``isNot``, the four orderings and the emptiness tests apply.
* **Checkbox**: values ``true``/``false`` (or ``1``/``0``); ``is``, ``isNot``
  and ``in`` only.
* **Formula, lookup, unknown types**: judged by the stored value (bool ->
  checkbox, number -> number, list -> items, else text).
* ``isNot`` and ``doesNotContain`` hold for empty cells; every other
  operator except ``isEmpty`` is false on an empty cell.

Sorting is stable; empty cells go last in both directions; numbers and dates
sort numerically, checkboxes unchecked first, everything else by case-folded
shown text (select options by name, not by option order).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from typing import Any

from .filter_formula import compile_formula
from .filter_values import (
    DATE_TYPES,
    DEFAULT_TZ,
    INVALID_FILTER,
    INVALID_SORT,
    Clock,
    FilterError,
    Record,
    aliases,
    day_of,
    display_text,
    fold,
    is_empty,
    items,
    kind_of,
    relative_range,
    to_number,
)

__all__ = [
    "DEFAULT_TZ",
    "INVALID_FILTER",
    "INVALID_SORT",
    "OPERATORS",
    "FilterError",
    "Predicate",
    "compile_formula",
    "compile_search_filter",
    "sort_records_formula",
    "sort_records_search",
]

Predicate = Callable[[Record], bool]

OPERATORS = frozenset({
    "is", "isNot", "contains", "doesNotContain", "isEmpty", "isNotEmpty",
    "isGreater", "isGreaterEqual", "isLess", "isLessEqual", "like", "in",
})
_ORDERING = frozenset({"isGreater", "isGreaterEqual", "isLess", "isLessEqual"})
_ONE_VALUE = frozenset({"isNot", "is", "like", *_ORDERING})
_NEGATED = {"isNot": "is", "doesNotContain": "contains"}
_EXACT_ITEMS = frozenset({4, 11, 18, 21, 23, 1003, 1004})
"""Item types matched by whole alias (options, persons, record ids); others by substring."""
_EXACT_DATE = "ExactDate"


def _bad(msg: str) -> FilterError:
    return FilterError(INVALID_FILTER, msg)


def _always(_record: Record) -> bool:
    return True


def compile_search_filter(
    filter_obj: Mapping[str, Any] | None,
    field_types: Mapping[str, int],
    *,
    now: Clock | None = None,
    tz: tzinfo | None = None,
) -> Predicate:
    """Compile a records/search ``filter`` object into a record predicate.

    Args:
        filter_obj: ``{"conjunction", "conditions", "children"}``; ``None`` or
            ``{}`` matches every record.
        field_types: field name -> field type id of the table.
        now: clock giving epoch seconds for relative dates (default
            :func:`time.time`); read once, at compile time.
        tz: time zone of day boundaries (default UTC+8).

    Returns:
        A function ``record -> bool``.

    Raises:
        FilterError: 1254018 for a malformed filter, an unknown operator or
            field, or a value of the wrong arity or type.

    Example:
        >>> pred = compile_search_filter({"conjunction": "and", "conditions": [
        ...     {"field_name": "Age", "operator": "isGreater", "value": ["18"]}]}, {"Age": 2})
        >>> pred({"Age": 20}), pred({"Age": 3})
        (True, False)
    """
    if filter_obj is None or (isinstance(filter_obj, Mapping) and not filter_obj):
        return _always
    today = day_of((now or time.time)() * 1000.0, tz or DEFAULT_TZ)
    ctx = _Ctx(field_types, today, tz or DEFAULT_TZ)
    return _group(filter_obj, ctx, "filter", nested=False)


class _Ctx:
    def __init__(self, field_types: Mapping[str, int], today: int, tz: tzinfo) -> None:
        self.field_types = field_types
        self.today = today
        self.tz = tz


def _group(obj: Any, ctx: _Ctx, where: str, *, nested: bool) -> Predicate:
    if not isinstance(obj, Mapping):
        raise _bad(f"{where} must be an object with conjunction/conditions/children")
    allowed = {"conjunction", "conditions"} | (set() if nested else {"children"})
    extra = sorted(set(obj) - allowed)
    if extra:
        what = "children nest only one level" if "children" in extra else "unknown keys"
        raise _bad(f"{where}: {what}: {extra}")
    conjunction = obj.get("conjunction", "and")
    if conjunction not in ("and", "or"):
        raise _bad(f"{where}.conjunction must be 'and' or 'or', got {conjunction!r}")
    conditions = obj.get("conditions") or []
    children = obj.get("children") or []
    if not isinstance(conditions, list) or not isinstance(children, list):
        raise _bad(f"{where}.conditions and {where}.children must be lists")
    parts = [_condition(c, ctx, f"{where}.conditions[{i}]") for i, c in enumerate(conditions)]
    parts += [_group(c, ctx, f"{where}.children[{i}]", nested=True)
              for i, c in enumerate(children)]
    if not parts:
        return _always
    if conjunction == "and":
        return lambda rec: all(p(rec) for p in parts)
    return lambda rec: any(p(rec) for p in parts)


def _condition(cond: Any, ctx: _Ctx, where: str) -> Predicate:
    if not isinstance(cond, Mapping):
        raise _bad(f"{where} must be an object")
    extra = sorted(set(cond) - {"field_name", "operator", "value"})
    if extra:
        raise _bad(f"{where}: unknown keys {extra}")
    name, op, values = cond.get("field_name"), cond.get("operator", "is"), cond.get("value")
    if not isinstance(name, str) or name not in ctx.field_types:
        raise _bad(f"{where}: unknown field_name {name!r}")
    if op not in OPERATORS:
        raise _bad(f"{where}: unknown operator {op!r} (expected one of {sorted(OPERATORS)})")
    if values is None:
        values = []
    if not isinstance(values, list) or not all(
            isinstance(v, (str, int, float)) for v in values):
        raise _bad(f"{where}: value must be a list of strings, got {values!r}")
    where = f"{where} (field {name!r}, operator {op!r})"
    ftype = ctx.field_types[name]
    if op in ("isEmpty", "isNotEmpty"):
        if values:
            raise _bad(f"{where}: takes no value, got {values!r}")
        want = op == "isEmpty"
        return lambda rec: is_empty(rec.get(name), ftype) == want
    if not values:
        raise _bad(f"{where}: needs a value")
    if ftype in DATE_TYPES:
        return _date_condition(name, ftype, op, values, ctx, where)
    texts = [display_text(v) for v in values]
    if op in _ONE_VALUE and len(texts) != 1 and not (op in ("is", "isNot")
                                                     and kind_of(ftype, None) == "items"):
        raise _bad(f"{where}: takes exactly one value, got {len(texts)}")
    base = _NEGATED.get(op, str(op))
    check = _checker(ftype, base, texts, where)

    def run(rec: Record) -> bool:
        value = rec.get(name)
        if is_empty(value, ftype) and kind_of(ftype, value) != "checkbox":
            return op in _NEGATED
        hit = check(value)
        return not hit if op in _NEGATED else hit

    return run


def _checker(ftype: int, op: str, texts: list[str], where: str) -> Callable[[Any], bool]:
    kind = kind_of(ftype, None)
    if kind == "number":
        nums = [to_number(t) for t in texts]
        if op in ("is", "in", *_ORDERING) and None in nums:
            raise _bad(f"{where}: {texts!r} is not a number")
    if kind == "checkbox":
        _flags(texts, where)
        if op not in ("is", "in"):
            raise _bad(f"{where}: checkbox fields support is / isNot / in only")
    folded = [fold(t) for t in texts]

    def check(value: Any) -> bool:
        return _match(kind_of(ftype, value), ftype, op, value, texts, folded)

    return check


def _flags(texts: list[str], where: str) -> list[bool]:
    out = []
    for t in texts:
        low = t.strip().lower()
        if low not in ("true", "false", "1", "0"):
            raise _bad(f"{where}: checkbox value must be true or false, got {t!r}")
        out.append(low in ("true", "1"))
    return out


def _order(a: Any, b: Any, op: str) -> bool:
    if op == "isGreater":
        return bool(a > b)
    if op == "isGreaterEqual":
        return bool(a >= b)
    if op == "isLess":
        return bool(a < b)
    return bool(a <= b)


def _match(kind: str, ftype: int, op: str, value: Any, texts: list[str],
           folded: list[str]) -> bool:
    if kind == "checkbox":
        try:
            flags = _flags(texts, "")
        except FilterError:
            return False
        return (value is True) in flags if op in ("is", "in") else False
    shown = fold(display_text(value))
    if op == "like":
        return folded[0] in shown
    if kind == "number":
        num = to_number(value)
        nums = [to_number(t) for t in texts]
        if op in ("is", "in"):
            return num is not None and num in nums
        if op in _ORDERING:
            return num is not None and nums[0] is not None and _order(num, nums[0], op)
        return any(f in shown for f in folded)
    if kind == "items":
        cell = items(value)
        if op == "is":
            return (all(any(f in a for a in cell) for f in folded)
                    and all(any(f in a for f in folded) for a in cell))
        if op == "contains" and ftype not in _EXACT_ITEMS:
            return any(f in alias for a in cell for alias in a for f in folded)
        if op in ("contains", "in"):
            return any(f in a for a in cell for f in folded)
        return _order(shown, folded[0], op)
    own = aliases(value) if isinstance(value, dict) else [shown]
    if op == "is":
        return folded[0] in own
    if op == "in":
        return any(f in own for f in folded)
    if op == "contains":
        return any(f in a for a in own for f in folded)
    left, right = to_number(value), to_number(texts[0])
    if left is not None and right is not None:
        return _order(left, right, op)
    return _order(shown, folded[0], op)


def _date_condition(name: str, ftype: int, op: str, values: list[Any], ctx: _Ctx,
                    where: str) -> Predicate:
    if op not in ("is", "isNot", *_ORDERING):
        raise _bad(f"{where}: date fields support is / isNot / isGreater / isGreaterEqual / "
                   "isLess / isLessEqual / isEmpty / isNotEmpty")
    start, end = _date_range(values, ctx, where)

    def run(rec: Record) -> bool:
        value = rec.get(name)
        ms = to_number(value)
        if is_empty(value, ftype) or ms is None:
            return op == "isNot"
        day = day_of(ms, ctx.tz)
        inside = start <= day < end
        if op == "is":
            return inside
        if op == "isNot":
            return not inside
        if op == "isGreater":
            return day >= end
        if op == "isGreaterEqual":
            return day >= start
        if op == "isLess":
            return day < start
        return day < end

    return run


def _date_range(values: list[Any], ctx: _Ctx, where: str) -> tuple[int, int]:
    first = values[0]
    if first == _EXACT_DATE:
        if len(values) != 2:
            raise _bad(f"{where}: ExactDate takes exactly one timestamp: "
                       '["ExactDate", "<ms>"]')
        ms = to_number(values[1])
        if ms is None:
            raise _bad(f"{where}: ExactDate timestamp {values[1]!r} is not a number of ms")
        day = day_of(ms, ctx.tz)
        return day, day + 1
    if len(values) != 1:
        raise _bad(f"{where}: a date value is [\"ExactDate\", \"<ms>\"] or one relative "
                   f"word, got {values!r}")
    if isinstance(first, str):
        found = relative_range(first, ctx.today)
        if found is not None:
            return found
    ms = to_number(first)
    if ms is None:
        raise _bad(f"{where}: unknown date value {first!r}")
    day = day_of(ms, ctx.tz)
    return day, day + 1


# ---------------------------------------------------------------------- sorting


def _sort_key(value: Any, ftype: int) -> tuple[int, float, str]:
    kind = kind_of(ftype, value)
    if kind == "checkbox":
        return (0, 1.0 if value is True else 0.0, "")
    if kind in ("number", "date"):
        num = to_number(value)
        if num is not None:
            return (0, num, "")
    return (1, 0.0, fold(display_text(value)))


def _key_func(name: str, ftype: int) -> Callable[[Record], tuple[int, float, str]]:
    return lambda rec: _sort_key(rec.get(name), ftype)


def _sorted(records: Sequence[Record], keys: list[tuple[str, bool]],
            field_types: Mapping[str, int]) -> list[Record]:
    out = list(records)
    for name, desc in reversed(keys):
        ftype = field_types[name]
        empty_ok = kind_of(ftype, None) == "checkbox"
        present = [r for r in out if empty_ok or not is_empty(r.get(name), ftype)]
        missing = [] if empty_ok else [r for r in out if is_empty(r.get(name), ftype)]
        present.sort(key=_key_func(name, ftype), reverse=desc)
        out = present + missing
    return out


def sort_records_search(records: Sequence[Record], sort: list[Any] | None,
                        field_types: Mapping[str, int]) -> list[Record]:
    """Sort records by a records/search ``sort`` list (stable).

    Args:
        records: the records (not modified).
        sort: ``[{"field_name": "Due", "desc": true}, ...]``; the first key
            dominates; ``desc`` defaults to false. ``None``/``[]`` keeps order.
        field_types: field name -> field type id.

    Returns:
        A new, sorted list.

    Raises:
        FilterError: 1254016 for a malformed item or an unknown field.

    Example:
        >>> sort_records_search([{"A": 1}, {"A": 3}], [{"field_name": "A", "desc": True}],
        ...                     {"A": 2})
        [{'A': 3}, {'A': 1}]
    """
    keys: list[tuple[str, bool]] = []
    for i, item in enumerate(sort or []):
        if not isinstance(item, Mapping) or set(item) - {"field_name", "desc"}:
            raise FilterError(INVALID_SORT, f"sort[{i}] must be {{field_name, desc}}, "
                              f"got {item!r}")
        name, desc = item.get("field_name"), item.get("desc", False)
        if not isinstance(name, str) or name not in field_types:
            raise FilterError(INVALID_SORT, f"sort[{i}]: unknown field_name {name!r}")
        if not isinstance(desc, bool):
            raise FilterError(INVALID_SORT, f"sort[{i}].desc must be a boolean, got {desc!r}")
        keys.append((name, desc))
    return _sorted(records, keys, field_types)


def sort_records_formula(records: Sequence[Record], sort: list[str] | None,
                         field_types: Mapping[str, int]) -> list[Record]:
    """Sort records by a list-records ``sort`` (``["Name DESC", "Age ASC"]``, stable).

    Each item is a field name optionally followed by a space and ``ASC`` or
    ``DESC`` (any case; default ``ASC``). A field name may contain spaces.

    Args:
        records: the records (not modified).
        sort: the decoded ``sort`` parameter; ``None``/``[]`` keeps order.
        field_types: field name -> field type id.

    Returns:
        A new, sorted list.

    Raises:
        FilterError: 1254016 for a non-string item or an unknown field.

    Example:
        >>> sort_records_formula([{"A": 1}, {"A": 3}], ["A DESC"], {"A": 2})
        [{'A': 3}, {'A': 1}]
    """
    keys: list[tuple[str, bool]] = []
    for i, item in enumerate(sort or []):
        if not isinstance(item, str) or not item.strip():
            raise FilterError(INVALID_SORT, f'sort[{i}] must be like "Name DESC", got {item!r}')
        name, direction = item.strip(), "ASC"
        head, _, tail = name.rpartition(" ")
        if head.strip() and tail.upper() in ("ASC", "DESC") and name not in field_types:
            name, direction = head.strip(), tail.upper()
        if name not in field_types:
            raise FilterError(INVALID_SORT, f"sort[{i}]: unknown field {name!r}")
        keys.append((name, direction == "DESC"))
    return _sorted(records, keys, field_types)
