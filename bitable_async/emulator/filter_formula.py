"""The list-records ``filter`` formula language (filters.md section 1), for the emulator.

A hand-written tokenizer and recursive-descent parser (this module) turn the
formula into a tree of Python closures; nothing is ``eval``-ed. What the
closures do at run time (values, comparison, arithmetic, the functions) lives
in :mod:`.filter_formula_eval`.

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from .filter_formula_eval import (
    FUNCTIONS,
    Cell,
    Env,
    EvalError,
    Node,
    arith,
    as_number,
    compare,
    truth,
)
from .filter_values import DEFAULT_TZ, INVALID_FILTER, Clock, FilterError, fold

__all__ = ["compile_formula"]

_OPS = ("&&", "||", "==", "!=", "<>", ">=", "<=", ">", "<", "=", "+", "-", "*", "/", "&")
_CMP = frozenset({"=", "==", "!=", "<>", ">", ">=", "<", "<="})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


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


class _Parser:
    def __init__(self, toks: list[_Tok], env: Env) -> None:
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
        return self.chain("||", self.conj, any)

    def conj(self) -> Node:
        return self.chain("&&", self.cmp, all)

    def chain(self, op: str, operand: Callable[[], Node],
              combine: Callable[[Iterable[bool]], bool]) -> Node:
        """``operand ( op operand )*``, the operands' truths joined by ``combine``."""
        parts = [operand()]
        while self.at_op(op):
            self.take()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else _logic(self.env, combine, parts)

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
            return lambda rec: -as_number(env, inner(rec))
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
            if upper not in FUNCTIONS:
                raise _bad(f"unknown function {tok.value}()", tok.pos)
            args = self.args()
            low, high = FUNCTIONS[upper][:2]
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
        return lambda rec: Cell(rec.get(name), ftype)


def _show(tok: _Tok) -> str:
    return "end of formula" if tok.kind == "end" else repr(str(tok.value))


def _logic(env: Env, combine: Callable[[Iterable[bool]], bool], parts: list[Node]) -> Node:
    return lambda rec: combine(truth(env, p(rec)) for p in parts)


def _arith_node(env: Env, op: str, left: Node, right: Node) -> Node:
    return lambda rec: arith(env, op, left(rec), right(rec))


def _call(env: Env, name: str, args: list[Node]) -> Node:
    impl = FUNCTIONS[name][2]
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
    env = Env(field_types, (now or time.time)() * 1000.0, tz or DEFAULT_TZ)
    node = _Parser(_tokenize(expr), env).parse()

    def predicate(rec: Mapping[str, Any]) -> bool:
        try:
            return truth(env, node(rec))
        except (EvalError, OverflowError, ValueError):
            return False

    return predicate
