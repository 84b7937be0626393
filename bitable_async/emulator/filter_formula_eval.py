"""Evaluation of the list-records ``filter`` formula language (see :mod:`.filter_formula`).

The parser in :mod:`.filter_formula` builds closures; this module holds what
they call at run time: the value model (cells, dates, the environment),
truth, comparison, arithmetic, and the formula functions with their arities.
A run-time failure raises :class:`EvalError`, which makes the record not match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from datetime import time as dtime
from typing import Any

from .filter_values import (
    Record,
    aliases,
    day_of,
    display_text,
    fold,
    is_empty,
    items,
    kind_of,
    to_number,
)

__all__ = [
    "FUNCTIONS",
    "Cell",
    "DateValue",
    "Env",
    "EvalError",
    "Impl",
    "Node",
    "Record",
    "arith",
    "as_number",
    "as_text",
    "compare",
    "scalar",
    "truth",
]

Node = Callable[[Record], Any]


class EvalError(Exception):
    """A run-time failure: the record does not match."""


@dataclass(frozen=True)
class DateValue:
    """A date in a formula: its calendar day (proleptic ordinal) and epoch ms."""

    day: int
    ms: float


@dataclass(frozen=True)
class Cell:
    """A field reference's value as stored, with the field's type ID."""

    value: Any
    ftype: int


class Env:
    """What a compiled formula evaluates against: field types, time zone and "now".

    Args:
        field_types: field name -> field type ID of the table.
        now_ms: the current time in epoch ms (``TODAY()`` / ``NOW()``).
        tz: time zone of day boundaries.
    """

    def __init__(self, field_types: Mapping[str, int], now_ms: float, tz: tzinfo) -> None:
        self.field_types = field_types
        self.tz = tz
        self.now = DateValue(day_of(now_ms, tz), now_ms)
        self.today = self.date(self.now.day)

    def date(self, day: int) -> DateValue:
        """Return the date of a day ordinal, at midnight in ``tz``.

        Args:
            day: proleptic Gregorian ordinal.

        Returns:
            the date.

        Raises:
            EvalError: when the day is outside the calendar.
        """
        if not 1 <= day <= date.max.toordinal():
            raise EvalError("date out of range")
        midnight = datetime.combine(date.fromordinal(day), dtime(), self.tz)
        return DateValue(day, midnight.timestamp() * 1000.0)


# ------------------------------------------------------------------- semantics


def scalar(env: Env, value: Any) -> Any:
    """Reduce a cell to None, bool, float, str or :class:`DateValue`.

    Args:
        env: the formula's environment (time zone).
        value: a formula value; anything but a :class:`Cell` is returned as is.
    """
    if not isinstance(value, Cell):
        return value
    kind = kind_of(value.ftype, value.value)
    if kind == "checkbox":
        return value.value is True
    if is_empty(value.value, value.ftype):
        return None
    if kind in ("number", "date"):
        num = to_number(value.value)
        if num is None:
            return display_text(value.value)
        return DateValue(day_of(num, env.tz), num) if kind == "date" else num
    return display_text(value.value)


def truth(env: Env, value: Any) -> bool:
    """The truth value of a formula result.

    Args:
        env: the formula's environment (time zone).
        value: the result.
    """
    value = scalar(env, value)
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0
    if isinstance(value, str):
        return fold(value) == "true" or bool(to_number(value))
    return isinstance(value, DateValue)


def as_number(env: Env, value: Any) -> float:
    """A formula value as a number (an empty cell is 0).

    Args:
        env: the formula's environment (time zone).
        value: the value.

    Raises:
        EvalError: for a date or text that is not a number.
    """
    value = scalar(env, value)
    if value is None:
        return 0.0
    if isinstance(value, DateValue):
        raise EvalError("a date is not a number")
    got = to_number(value)
    if got is None:
        raise EvalError(f"{value!r} is not a number")
    return got


def as_text(env: Env, value: Any) -> str:
    """A formula value as text (a date as ``yyyy-MM-dd``).

    Args:
        env: the formula's environment (time zone).
        value: the value.
    """
    value = scalar(env, value)
    if isinstance(value, DateValue):
        return date.fromordinal(value.day).isoformat()
    return display_text(value)


def _as_date(env: Env, value: Any) -> DateValue:
    value = scalar(env, value)
    if isinstance(value, DateValue):
        return value
    if isinstance(value, str):
        return _parse_date(env, value)
    if isinstance(value, float):
        return DateValue(day_of(value, env.tz), value)
    raise EvalError(f"{value!r} is not a date")


def _parse_date(env: Env, text: str) -> DateValue:
    head = text.strip().split(" ")[0].replace("/", "-")
    parts = head.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise EvalError(f"{text!r} is not a yyyy-MM-dd date")
    return _make_date(env, int(parts[0]), int(parts[1]), int(parts[2]))


def _make_date(env: Env, year: float, month: float, day: float) -> DateValue:
    months = int(year) * 12 + int(month) - 1
    if not 1 <= months // 12 <= 9999:
        raise EvalError("year out of range")
    first = date(months // 12, months % 12 + 1, 1).toordinal()
    return env.date(first + int(day) - 1)


def _cmp3(env: Env, x: Any, y: Any) -> int | None:
    if isinstance(x, DateValue) or isinstance(y, DateValue):
        if isinstance(x, float) or isinstance(y, float):
            a = x.ms if isinstance(x, DateValue) else x
            b = y.ms if isinstance(y, DateValue) else y
        else:
            try:
                a, b = _as_date(env, x).day, _as_date(env, y).day
            except EvalError:
                return None
        return (a > b) - (a < b)
    if isinstance(x, bool) and isinstance(y, str):
        x = display_text(x)
    if isinstance(y, bool) and isinstance(x, str):
        y = display_text(y)
    nx, ny = to_number(x), to_number(y)
    if nx is not None and ny is not None and not (isinstance(x, str) and isinstance(y, str)):
        return (nx > ny) - (nx < ny)
    if isinstance(x, str) and isinstance(y, str):
        if nx is not None and ny is not None:
            return (nx > ny) - (nx < ny)
        fx, fy = fold(x), fold(y)
        return (fx > fy) - (fx < fy)
    sx, sy = fold(display_text(x)), fold(display_text(y))
    return (sx > sy) - (sx < sy)


def _equals(env: Env, a: Any, b: Any) -> bool:
    if isinstance(b, Cell) and not isinstance(a, Cell):
        a, b = b, a
    if isinstance(a, Cell) and not isinstance(b, Cell):
        if b is None or b == "":
            return is_empty(a.value, a.ftype)
        if isinstance(b, str):
            target = fold(b)
            if kind_of(a.ftype, a.value) == "items":
                if any(target in al for al in items(a.value)):
                    return True
            elif isinstance(a.value, dict) and target in aliases(a.value):
                return True
    x, y = scalar(env, a), scalar(env, b)
    if x is None or y is None:
        return x in (None, "") and y in (None, "")
    if isinstance(x, str) and isinstance(y, str):
        return fold(x) == fold(y)  # text equality, even for digits ("00" is not "0")
    return _cmp3(env, x, y) == 0


def compare(env: Env, a: Any, b: Any, op: str) -> bool:
    """Evaluate ``a op b`` for one of the comparison operators.

    Args:
        env: the formula's environment (time zone).
        a: left operand.
        b: right operand.
        op: ``= == != <> > >= < <=``.

    Returns:
        the comparison; False when either side is empty (except for equality)
        or the two cannot be compared.
    """
    if op in ("=", "=="):
        return _equals(env, a, b)
    if op in ("!=", "<>"):
        return not _equals(env, a, b)
    x, y = scalar(env, a), scalar(env, b)
    if x is None or y is None:
        return False
    c = _cmp3(env, x, y)
    if c is None:
        return False
    return {">": c > 0, ">=": c >= 0, "<": c < 0, "<=": c <= 0}[op]


def arith(env: Env, op: str, a: Any, b: Any) -> Any:
    """Evaluate ``a op b`` for ``&`` (concatenation) or ``+ - * /`` (numbers, date shifts).

    Args:
        env: the formula's environment (time zone).
        op: the operator.
        a: left operand.
        b: right operand.

    Raises:
        EvalError: for a non-numeric operand or a division by zero.
    """
    if op == "&":
        return as_text(env, a) + as_text(env, b)
    x, y = scalar(env, a), scalar(env, b)
    if isinstance(x, DateValue) and isinstance(y, DateValue) and op == "-":
        return float(x.day - y.day)
    if isinstance(x, DateValue) and op in "+-":
        step = int(as_number(env, y))
        return env.date(x.day + step if op == "+" else x.day - step)
    if isinstance(y, DateValue) and op == "+":
        return env.date(y.day + int(as_number(env, x)))
    nx, ny = as_number(env, x), as_number(env, y)
    if op == "+":
        return nx + ny
    if op == "-":
        return nx - ny
    if op == "*":
        return nx * ny
    if ny == 0:
        raise EvalError("division by zero")
    return nx / ny


def _haystack(env: Env, value: Any) -> list[str]:
    out = [fold(as_text(env, value))]
    if isinstance(value, Cell):
        out.extend(alias for item in items(value.value) for alias in item)
    return out


# ------------------------------------------------------------------- functions

Impl = Callable[[Env, list[Node], Record], Any]
"""A formula function: ``(env, argument nodes, record) -> value``."""


def _f_contain(env: Env, args: list[Node], rec: Record) -> bool:
    hay = _haystack(env, args[0](rec))
    return any(fold(as_text(env, a(rec))) in h for a in args[1:] for h in hay)


def _f_find(env: Env, args: list[Node], rec: Record) -> float:
    needle, text = fold(as_text(env, args[0](rec))), fold(as_text(env, args[1](rec)))
    start = int(as_number(env, args[2](rec))) - 1 if len(args) > 2 else 0
    return float(text.find(needle, max(start, 0)) + 1)


def _f_weekday(env: Env, args: list[Node], rec: Record) -> float:
    day = date.fromordinal(_as_date(env, args[0](rec)).day)
    kind = int(as_number(env, args[1](rec))) if len(args) > 1 else 1
    if kind == 1:
        return float(day.isoweekday() % 7 + 1)
    if kind == 2:
        return float(day.isoweekday())
    if kind == 3:
        return float(day.weekday())
    raise EvalError("WEEKDAY type must be 1, 2 or 3")


def _f_if(env: Env, args: list[Node], rec: Record) -> Any:
    if truth(env, args[0](rec)):
        return args[1](rec)
    return args[2](rec) if len(args) > 2 else False


def _part(attr: str) -> Impl:
    def impl(env: Env, args: list[Node], rec: Record) -> float:
        return float(getattr(date.fromordinal(_as_date(env, args[0](rec)).day), attr))
    return impl


_MANY = 1 << 30
FUNCTIONS: dict[str, tuple[int, int, Impl]] = {
    "AND": (1, _MANY, lambda env, a, r: all(truth(env, x(r)) for x in a)),
    "OR": (1, _MANY, lambda env, a, r: any(truth(env, x(r)) for x in a)),
    "NOT": (1, 1, lambda env, a, r: not truth(env, a[0](r))),
    "IF": (2, 3, _f_if),
    "ISBLANK": (1, 1, lambda env, a, r: scalar(env, a[0](r)) in (None, "")),
    "TODAY": (0, 0, lambda env, a, r: env.today),
    "NOW": (0, 0, lambda env, a, r: env.now),
    "DATE": (3, 3, lambda env, a, r: _make_date(env, *(as_number(env, x(r)) for x in a))),
    "TODATE": (1, 1, lambda env, a, r: _as_date(env, a[0](r))),
    "YEAR": (1, 1, _part("year")),
    "MONTH": (1, 1, _part("month")),
    "DAY": (1, 1, _part("day")),
    "WEEKDAY": (1, 2, _f_weekday),
    "CONTAIN": (2, _MANY, _f_contain),
    "CONTAINS": (2, _MANY, _f_contain),
    "FIND": (2, 3, _f_find),
    "LEN": (1, 1, lambda env, a, r: float(len(as_text(env, a[0](r))))),
    "TRUE": (0, 0, lambda env, a, r: True),
    "FALSE": (0, 0, lambda env, a, r: False),
}
"""Function name (upper case) -> (fewest arguments, most arguments, implementation)."""
