"""The list-records ``filter`` formula language (filters.md section 1), for the emulator.

A hand-written tokenizer and recursive-descent parser turn the formula into a
tree of Python closures; nothing is ``eval``-ed.

Grammar (lowest precedence first)::

    expr    := and ( "||" and )*
    and     := cmp ( "&&" cmp )*
    cmp     := concat [ ("=" | "==" | "!=" | "<>" | ">" | ">=" | "<" | "<=") concat ]
    concat  := sum ( "&" sum )*
    sum     := product ( ("+" | "-") product )*
    product := unary ( ("*" | "/") unary )*
    unary   := "-" unary | postfix
    postfix := primary ( "." NAME "(" args ")" )*          -- .contains(...)
    primary := NUMBER | STRING | FIELD | NAME "(" args ")" | TRUE | FALSE | "(" expr ")"

* ``FIELD`` is ``CurrentValue.[name]`` (``C`` and ``V`` upper-case); inside
  the brackets ``\\]`` stands for ``]`` and ``\\\\`` for ``\\``.
* ``STRING`` is double-quoted; ``\\"``, ``\\\\``, ``\\n``, ``\\t`` and a doubled
  ``""`` are escapes.
* A literal ``%2B`` outside strings reads as ``+`` (the guide's examples show
  the URL-encoded form).
* Functions (any case): ``AND OR NOT IF ISBLANK TODAY NOW DATE TODATE YEAR
  MONTH DAY WEEKDAY CONTAIN CONTAINS FIND LEN TRUE FALSE``;
  ``x.contains(a, ...)`` is ``CONTAIN(x, a, ...)`` (true when any needle is a
  case-insensitive substring of the cell's text or of one of its items).
  ``FIND(needle, text)`` returns the 1-based position or 0.

Values: a cell compared with ``""`` tests emptiness; with a string it compares
case-insensitively (a multi-valued cell equals a string when one item does);
with a number numerically (checkbox = 1/0); with a date per calendar day in
``tz``. Dates plus/minus a number shift by days. An expression that fails at
run time (e.g. division by zero, text in arithmetic) is false for that record.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from datetime import time as dtime
from typing import Any

from .filter_values import (
    DEFAULT_TZ,
    INVALID_FILTER,
    Clock,
    FilterError,
    aliases,
    day_of,
    display_text,
    fold,
    is_empty,
    items,
    kind_of,
    to_number,
)

__all__ = ["compile_formula"]

Record = Mapping[str, Any]
Node = Callable[[Record], Any]

_OPS = ("&&", "||", "==", "!=", "<>", ">=", "<=", ">", "<", "=", "+", "-", "*", "/", "&")
_CMP = frozenset({"=", "==", "!=", "<>", ">", ">=", "<", "<="})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


class _EvalError(Exception):
    """A run-time failure: the record does not match."""


@dataclass(frozen=True)
class _Date:
    day: int
    ms: float


@dataclass(frozen=True)
class _Cell:
    value: Any
    ftype: int


@dataclass(frozen=True)
class _Tok:
    kind: str  # num str field name op ( ) , . end
    value: Any
    pos: int


def _bad(msg: str, pos: int | None = None) -> FilterError:
    where = f" at position {pos}" if pos is not None else ""
    return FilterError(INVALID_FILTER, f"invalid filter formula{where}: {msg}")


# ------------------------------------------------------------------- tokenizer


def _tokenize(src: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch.isspace():
            i += 1
        elif src.startswith(("%2B", "%2b"), i):
            out.append(_Tok("op", "+", i))
            i += 3
        elif ch.isdigit() or (ch == "." and i + 1 < n and src[i + 1].isdigit()):
            i = _number(src, i, out)
        elif ch == '"':
            i = _string(src, i, out)
        elif ch.isalpha() or ch == "_":
            i = _name(src, i, out)
        elif ch in "(),.":
            out.append(_Tok(ch, ch, i))
            i += 1
        else:
            op = next((o for o in _OPS if src.startswith(o, i)), None)
            if op is None:
                raise _bad(f"unexpected character {ch!r}", i)
            out.append(_Tok("op", op, i))
            i += len(op)
    out.append(_Tok("end", None, n))
    return out


def _number(src: str, i: int, out: list[_Tok]) -> int:
    start = i
    while i < len(src) and src[i].isdigit():
        i += 1
    if i < len(src) and src[i] == "." and i + 1 < len(src) and src[i + 1].isdigit():
        i += 1
        while i < len(src) and src[i].isdigit():
            i += 1
    if i < len(src) and src[i] in "eE":
        j = i + 1
        if j < len(src) and src[j] in "+-":
            j += 1
        if j < len(src) and src[j].isdigit():
            i = j
            while i < len(src) and src[i].isdigit():
                i += 1
    out.append(_Tok("num", float(src[start:i]), start))
    return i


def _string(src: str, i: int, out: list[_Tok]) -> int:
    start, i, chars = i, i + 1, []
    while True:
        if i >= len(src):
            raise _bad("unterminated string", start)
        ch = src[i]
        if ch == "\\":
            if i + 1 >= len(src):
                raise _bad("unterminated string", start)
            chars.append(_ESCAPES.get(src[i + 1], src[i + 1]))
            i += 2
        elif ch == '"':
            if src.startswith('""', i):
                chars.append('"')
                i += 2
                continue
            out.append(_Tok("str", "".join(chars), start))
            return i + 1
        else:
            chars.append(ch)
            i += 1


def _name(src: str, i: int, out: list[_Tok]) -> int:
    start = i
    while i < len(src) and (src[i].isalnum() or src[i] == "_"):
        i += 1
    word = src[start:i]
    if fold(word) != "currentvalue":
        out.append(_Tok("name", word, start))
        return i
    if word != "CurrentValue":
        raise _bad(f"write CurrentValue with upper-case C and V, not {word!r}", start)
    if not src.startswith(".[", i):
        raise _bad("expected .[field name] after CurrentValue", i)
    i += 2
    chars: list[str] = []
    while True:
        if i >= len(src):
            raise _bad("unterminated field reference, expected ']'", start)
        ch = src[i]
        if ch == "\\" and i + 1 < len(src):
            chars.append(src[i + 1])
            i += 2
        elif ch == "]":
            break
        else:
            chars.append(ch)
            i += 1
    if not chars:
        raise _bad("empty field name in CurrentValue.[]", start)
    out.append(_Tok("field", "".join(chars), start))
    return i + 1


# ---------------------------------------------------------------------- parser


class _Env:
    def __init__(self, field_types: Mapping[str, int], now_ms: float, tz: tzinfo) -> None:
        self.field_types = field_types
        self.tz = tz
        self.now = _Date(day_of(now_ms, tz), now_ms)
        self.today = self.date(self.now.day)

    def date(self, day: int) -> _Date:
        if not 1 <= day <= date.max.toordinal():
            raise _EvalError("date out of range")
        midnight = datetime.combine(date.fromordinal(day), dtime(), self.tz)
        return _Date(day, midnight.timestamp() * 1000.0)


class _Parser:
    def __init__(self, toks: list[_Tok], env: _Env) -> None:
        self.toks, self.i, self.env = toks, 0, env

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, kind: str, what: str) -> _Tok:
        tok = self.take()
        if tok.kind != kind:
            raise _bad(f"expected {what}, found {_show(tok)}", tok.pos)
        return tok

    def at_op(self, *ops: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.value in ops

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise _bad("empty formula", 0)
        node = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise _bad(f"unexpected {_show(tok)}", tok.pos)
        return node

    def expr(self) -> Node:
        parts = [self.conj()]
        while self.at_op("||"):
            self.take()
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else _logic(self.env, any, parts)

    def conj(self) -> Node:
        parts = [self.cmp()]
        while self.at_op("&&"):
            self.take()
            parts.append(self.cmp())
        return parts[0] if len(parts) == 1 else _logic(self.env, all, parts)

    def cmp(self) -> Node:
        left = self.binary(0)
        if self.peek().kind == "op" and self.peek().value in _CMP:
            op = self.take().value
            right = self.binary(0)
            env = self.env
            if self.peek().kind == "op" and self.peek().value in _CMP:
                raise _bad("comparisons cannot be chained; use AND()", self.peek().pos)
            return lambda rec: compare(env, left(rec), right(rec), op)
        return left

    _LEVELS = (("&",), ("+", "-"), ("*", "/"))

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.at_op(*self._LEVELS[level]):
            op = self.take().value
            right = self.binary(level + 1)
            node = _arith_node(self.env, op, node, right)
        return node

    def unary(self) -> Node:
        if self.at_op("-"):
            self.take()
            inner = self.unary()
            env = self.env
            return lambda rec: -_num(env, inner(rec))
        if self.at_op("+"):
            self.take()
            return self.unary()
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while self.peek().kind == ".":
            self.take()
            name = self.expect("name", "a method name after '.'")
            if fold(name.value) not in ("contains", "contain"):
                raise _bad(f"unknown method .{name.value}()", name.pos)
            args = [node, *self.args()]
            if len(args) < 2:
                raise _bad(f".{name.value}() needs at least one argument", name.pos)
            node = _call(self.env, "CONTAIN", args)
        return node

    def args(self) -> list[Node]:
        self.expect("(", "'('")
        out: list[Node] = []
        if self.peek().kind == ")":
            self.take()
            return out
        while True:
            out.append(self.expr())
            tok = self.take()
            if tok.kind == ")":
                return out
            if tok.kind != ",":
                raise _bad(f"expected ',' or ')', found {_show(tok)}", tok.pos)

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind in ("num", "str"):
            value = tok.value
            return lambda rec: value
        if tok.kind == "field":
            return self.field(tok)
        if tok.kind == "(":
            node = self.expr()
            self.expect(")", "')'")
            return node
        if tok.kind == "name":
            upper = tok.value.upper()
            if self.peek().kind != "(":
                if upper in ("TRUE", "FALSE"):
                    flag = upper == "TRUE"
                    return lambda rec: flag
                raise _bad(f"unknown name {tok.value!r} (field references are "
                           "CurrentValue.[name])", tok.pos)
            if upper not in _FUNCTIONS:
                raise _bad(f"unknown function {tok.value}()", tok.pos)
            args = self.args()
            low, high = _FUNCTIONS[upper][:2]
            if not low <= len(args) <= high:
                expected = str(low) if low == high else f"{low}..{'n' if high > 99 else high}"
                raise _bad(f"{upper}() takes {expected} arguments, got {len(args)}", tok.pos)
            return _call(self.env, upper, args)
        raise _bad(f"unexpected {_show(tok)}", tok.pos)

    def field(self, tok: _Tok) -> Node:
        name = tok.value
        if name not in self.env.field_types:
            raise _bad(f"unknown field {name!r}", tok.pos)
        ftype = self.env.field_types[name]
        return lambda rec: _Cell(rec.get(name), ftype)


def _show(tok: _Tok) -> str:
    return "end of formula" if tok.kind == "end" else repr(str(tok.value))


def _logic(env: _Env, combine: Callable[[Any], bool], parts: list[Node]) -> Node:
    return lambda rec: combine(truth(env, p(rec)) for p in parts)


# ------------------------------------------------------------------- semantics


def scalar(env: _Env, value: Any) -> Any:
    """Reduce a cell to None, bool, float, str or _Date."""
    if not isinstance(value, _Cell):
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
        return _Date(day_of(num, env.tz), num) if kind == "date" else num
    return display_text(value.value)


def truth(env: _Env, value: Any) -> bool:
    """The truth value of a formula result."""
    value = scalar(env, value)
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0
    if isinstance(value, str):
        return fold(value) == "true" or bool(to_number(value))
    return isinstance(value, _Date)


def _num(env: _Env, value: Any) -> float:
    value = scalar(env, value)
    if value is None:
        return 0.0
    if isinstance(value, _Date):
        raise _EvalError("a date is not a number")
    got = to_number(value)
    if got is None:
        raise _EvalError(f"{value!r} is not a number")
    return got


def _text(env: _Env, value: Any) -> str:
    value = scalar(env, value)
    if isinstance(value, _Date):
        return date.fromordinal(value.day).isoformat()
    return display_text(value)


def _as_date(env: _Env, value: Any) -> _Date:
    value = scalar(env, value)
    if isinstance(value, _Date):
        return value
    if isinstance(value, str):
        return _parse_date(env, value)
    if isinstance(value, float):
        return _Date(day_of(value, env.tz), value)
    raise _EvalError(f"{value!r} is not a date")


def _parse_date(env: _Env, text: str) -> _Date:
    head = text.strip().split(" ")[0].replace("/", "-")
    parts = head.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise _EvalError(f"{text!r} is not a yyyy-MM-dd date")
    return _make_date(env, int(parts[0]), int(parts[1]), int(parts[2]))


def _make_date(env: _Env, year: float, month: float, day: float) -> _Date:
    months = int(year) * 12 + int(month) - 1
    if not 1 <= months // 12 <= 9999:
        raise _EvalError("year out of range")
    first = date(months // 12, months % 12 + 1, 1).toordinal()
    return env.date(first + int(day) - 1)


def _cmp3(env: _Env, x: Any, y: Any) -> int | None:
    if isinstance(x, _Date) or isinstance(y, _Date):
        if isinstance(x, float) or isinstance(y, float):
            a = x.ms if isinstance(x, _Date) else x
            b = y.ms if isinstance(y, _Date) else y
        else:
            try:
                a, b = _as_date(env, x).day, _as_date(env, y).day
            except _EvalError:
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


def _equals(env: _Env, a: Any, b: Any) -> bool:
    if isinstance(b, _Cell) and not isinstance(a, _Cell):
        a, b = b, a
    if isinstance(a, _Cell) and not isinstance(b, _Cell):
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
    return _cmp3(env, x, y) == 0


def compare(env: _Env, a: Any, b: Any, op: str) -> bool:
    """Evaluate ``a op b`` for one of the comparison operators."""
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


def _arith_node(env: _Env, op: str, left: Node, right: Node) -> Node:
    return lambda rec: _arith(env, op, left(rec), right(rec))


def _arith(env: _Env, op: str, a: Any, b: Any) -> Any:
    if op == "&":
        return _text(env, a) + _text(env, b)
    x, y = scalar(env, a), scalar(env, b)
    if isinstance(x, _Date) and isinstance(y, _Date) and op == "-":
        return float(x.day - y.day)
    if isinstance(x, _Date) and op in "+-":
        step = int(_num(env, y))
        return env.date(x.day + step if op == "+" else x.day - step)
    if isinstance(y, _Date) and op == "+":
        return env.date(y.day + int(_num(env, x)))
    nx, ny = _num(env, x), _num(env, y)
    if op == "+":
        return nx + ny
    if op == "-":
        return nx - ny
    if op == "*":
        return nx * ny
    if ny == 0:
        raise _EvalError("division by zero")
    return nx / ny


def _haystack(env: _Env, value: Any) -> list[str]:
    out = [fold(_text(env, value))]
    if isinstance(value, _Cell):
        out.extend(alias for item in items(value.value) for alias in item)
    return out


# ------------------------------------------------------------------- functions

Impl = Callable[[_Env, list[Node], Record], Any]


def _f_contain(env: _Env, args: list[Node], rec: Record) -> bool:
    hay = _haystack(env, args[0](rec))
    return any(fold(_text(env, a(rec))) in h for a in args[1:] for h in hay)


def _f_find(env: _Env, args: list[Node], rec: Record) -> float:
    needle, text = fold(_text(env, args[0](rec))), fold(_text(env, args[1](rec)))
    start = int(_num(env, args[2](rec))) - 1 if len(args) > 2 else 0
    return float(text.find(needle, max(start, 0)) + 1)


def _f_weekday(env: _Env, args: list[Node], rec: Record) -> float:
    day = date.fromordinal(_as_date(env, args[0](rec)).day)
    kind = int(_num(env, args[1](rec))) if len(args) > 1 else 1
    if kind == 1:
        return float(day.isoweekday() % 7 + 1)
    if kind == 2:
        return float(day.isoweekday())
    if kind == 3:
        return float(day.weekday())
    raise _EvalError("WEEKDAY type must be 1, 2 or 3")


def _f_if(env: _Env, args: list[Node], rec: Record) -> Any:
    if truth(env, args[0](rec)):
        return args[1](rec)
    return args[2](rec) if len(args) > 2 else False


def _part(attr: str) -> Impl:
    def impl(env: _Env, args: list[Node], rec: Record) -> float:
        return float(getattr(date.fromordinal(_as_date(env, args[0](rec)).day), attr))
    return impl


_MANY = 1 << 30
_FUNCTIONS: dict[str, tuple[int, int, Impl]] = {
    "AND": (1, _MANY, lambda env, a, r: all(truth(env, x(r)) for x in a)),
    "OR": (1, _MANY, lambda env, a, r: any(truth(env, x(r)) for x in a)),
    "NOT": (1, 1, lambda env, a, r: not truth(env, a[0](r))),
    "IF": (2, 3, _f_if),
    "ISBLANK": (1, 1, lambda env, a, r: scalar(env, a[0](r)) in (None, "")),
    "TODAY": (0, 0, lambda env, a, r: env.today),
    "NOW": (0, 0, lambda env, a, r: env.now),
    "DATE": (3, 3, lambda env, a, r: _make_date(env, *(_num(env, x(r)) for x in a))),
    "TODATE": (1, 1, lambda env, a, r: _as_date(env, a[0](r))),
    "YEAR": (1, 1, _part("year")),
    "MONTH": (1, 1, _part("month")),
    "DAY": (1, 1, _part("day")),
    "WEEKDAY": (1, 2, _f_weekday),
    "CONTAIN": (2, _MANY, _f_contain),
    "CONTAINS": (2, _MANY, _f_contain),
    "FIND": (2, 3, _f_find),
    "LEN": (1, 1, lambda env, a, r: float(len(_text(env, a[0](r))))),
    "TRUE": (0, 0, lambda env, a, r: True),
    "FALSE": (0, 0, lambda env, a, r: False),
}


def _call(env: _Env, name: str, args: list[Node]) -> Node:
    impl = _FUNCTIONS[name][2]
    return lambda rec: impl(env, args, rec)


# ---------------------------------------------------------------------- public


def compile_formula(
    expr: str | None,
    field_types: Mapping[str, int],
    *,
    now: Clock | None = None,
    tz: tzinfo | None = None,
) -> Callable[[Mapping[str, Any]], bool]:
    """Compile a list-records ``filter`` formula into a record predicate.

    Args:
        expr: e.g. ``'AND(CurrentValue.[Age]>18, CurrentValue.[Name].contains("a"))'``;
            ``None`` or blank matches every record.
        field_types: field name -> field type id of the table.
        now: clock giving epoch seconds for ``TODAY()``/``NOW()`` (default
            :func:`time.time`); read once, at compile time.
        tz: time zone of day boundaries (default UTC+8).

    Returns:
        A function ``record -> bool``; a run-time failure counts as false.

    Raises:
        FilterError: 1254018 for a syntax error, an unknown field, function
            or method, or a wrong number of arguments.

    Example:
        >>> pred = compile_formula('CurrentValue.[Age] >= 18', {"Age": 2})
        >>> pred({"Age": 18}), pred({"Age": 3})
        (True, False)
    """
    if expr is not None and not isinstance(expr, str):
        raise _bad("the filter must be a string")
    if expr is None or not expr.strip():
        return lambda rec: True
    env = _Env(field_types, (now or time.time)() * 1000.0, tz or DEFAULT_TZ)
    node = _Parser(_tokenize(expr), env).parse()

    def predicate(rec: Mapping[str, Any]) -> bool:
        try:
            return truth(env, node(rec))
        except (_EvalError, OverflowError, ValueError):
            return False

    return predicate
