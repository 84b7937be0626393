"""Builder for the list-records ``filter`` formula (filters.md section 1).

``str()`` of an :class:`Expr` is the formula; :func:`formula_param` also
enforces the 2,000 character limit before any request::

    >>> from bitable_async.formula import CurrentValue, TODAY
    >>> str((CurrentValue["Age"] > 18) & CurrentValue["Name"].contains("a"))
    'AND(CurrentValue.[Age]>18,CurrentValue.[Name].contains("a"))'
    >>> str(CurrentValue["Due"] == TODAY + 1)
    'CurrentValue.[Due]=TODAY()+1'

Python's ``&``/``|``/``~`` bind tighter than comparisons: parenthesize each
comparison. Escaping (an SDK convention the emulator shares; the seeds
document none): in string literals ``\\`` and ``"`` are backslash-escaped; in
``CurrentValue.[...]`` ``\\`` and ``]`` are. The formula is returned
unencoded: the transport URL-encodes it once (``+`` becomes ``%2B``).
"""

from __future__ import annotations

import math
from datetime import date, datetime

from bitable_async.errors import ConfigurationError

__all__ = [
    "AND",
    "FILTER_MAX_LEN",
    "NOT",
    "OR",
    "TODAY",
    "CurrentValue",
    "Expr",
    "FilterTooLongError",
    "ParamTooLongError",
    "formula_param",
    "literal",
    "todate",
]

FILTER_MAX_LEN = 2000
"""Longest list-records ``filter`` formula, in characters (A.30; error 1254107)."""

NO_BOOL = ("a filter condition has no truth value: combine with & and | (not and/or), "
           "parenthesize comparisons, and do not chain them (a < x < b)")


class ParamTooLongError(ConfigurationError):
    """A list-records query parameter is longer than the server accepts.

    Attributes:
        param: ``"filter"`` or ``"sort"``.
        length: its length in characters.
        limit: the documented maximum.
    """

    def __init__(self, param: str, length: int, limit: int) -> None:
        """Args:
            param: ``"filter"`` or ``"sort"``.
            length: its length in characters.
            limit: the documented maximum.
        """
        super().__init__(f"{param} is {length} characters; the API allows at most {limit} "
                         f"(shorten it or use records/search)")
        self.param, self.length, self.limit = param, length, limit


class FilterTooLongError(ParamTooLongError):
    """The formula ``filter`` exceeds 2,000 characters (the server says 1254107)."""


def require_name(name: object, what: str = "field name") -> str:
    """Return ``name`` if it is a non-empty string (shared by the filter builders).

    Args:
        name: the value to check.
        what: what it names, for the error message.

    Returns:
        ``name``.

    Raises:
        ConfigurationError: anything else.
    """
    if not isinstance(name, str) or not name:
        raise ConfigurationError(f"a {what} must be a non-empty string, got {name!r}")
    return name


_PREC_ATOM, _PREC_MUL, _PREC_ADD, _PREC_CAT, _PREC_CMP = 5, 4, 3, 2, 1


def literal(value: object) -> str:
    """Render a Python value as a formula literal.

    Strings are double-quoted with ``\\`` and ``"`` backslash-escaped; numbers
    as written; ``bool`` as ``1``/``0`` (the checkbox convention of the
    guide); a :class:`~datetime.date` as ``TODATE("yyyy-MM-dd")``.

    Args:
        value: a str, int, finite float, bool or date.

    Returns:
        The literal's formula text.

    Raises:
        ConfigurationError: another type, or a non-finite float.

    Example:
        >>> print(literal('say "hi"'))
        "say \\"hi\\""
    """
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigurationError(f"{value!r} cannot be written in a filter formula")
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
        return f'TODATE("{day.isoformat()}")'
    raise ConfigurationError(f"cannot write {value!r} in a filter formula; use str, int, "
                             "float, bool, date or an Expr")


class Expr:
    """A list-records formula expression; ``str()`` gives the formula.

    Build with ``CurrentValue["name"]``, :data:`TODAY`, :func:`todate`; combine
    with comparisons, ``+ - * /``, ``&`` (AND), ``|`` (OR), ``~`` (NOT).

    Example:
        >>> str((CurrentValue["Due"] >= TODAY - 7) | ~CurrentValue["Tags"].contains("x"))
        'OR(CurrentValue.[Due]>=TODAY()-7,NOT(CurrentValue.[Tags].contains("x")))'
    """

    __slots__ = ("_args", "_logic", "_prec", "_text")

    def __init__(self, text: str, prec: int = _PREC_ATOM, *, logic: str | None = None,
                 args: tuple[Expr, ...] = ()) -> None:
        """Args:
            text: raw formula text (not escaped: use :func:`literal` for values).
            prec: binding strength (atoms by default).
            logic: ``"AND"``/``"OR"`` for flattened logic nodes.
            args: the operands of a logic node.
        """
        self._text, self._prec, self._logic, self._args = text, prec, logic, args

    def __str__(self) -> str:
        """The formula text (not checked against the length limit).

        Returns:
            The text.
        """
        return self._text

    def __repr__(self) -> str:
        return f"Expr({self._text!r})"

    def to_param(self) -> str:
        """Return the formula, checked against the 2,000 character limit.

        Returns:
            The formula text for the ``filter`` query parameter.

        Raises:
            FilterTooLongError: the formula is too long.
        """
        return formula_param(self)

    # comparisons -------------------------------------------------------
    def _cmp(self, op: str, other: object) -> Expr:
        return Expr(f"{_operand(self, _PREC_CAT)}{op}{_operand(other, _PREC_CAT)}", _PREC_CMP)

    def __eq__(self, other: object) -> Expr:  # type: ignore[override]
        """``x == y`` renders ``x=y``.

        Args:
            other: an expression or a literal value.

        Returns:
            The comparison.

        Raises:
            ConfigurationError: a value that has no formula literal.
        """
        return self._cmp("=", other)

    def __ne__(self, other: object) -> Expr:  # type: ignore[override]
        """``x != y`` renders ``x!=y``.

        Args:
            other: an expression or a literal value.

        Returns:
            The comparison.

        Raises:
            ConfigurationError: a value that has no formula literal.
        """
        return self._cmp("!=", other)

    def __gt__(self, other: object) -> Expr:
        """``x > y`` renders ``x>y``.

        Args:
            other: an expression or a literal value.

        Returns:
            The comparison.

        Raises:
            ConfigurationError: a value that has no formula literal.
        """
        return self._cmp(">", other)

    def __ge__(self, other: object) -> Expr:
        """``x >= y`` renders ``x>=y``.

        Args:
            other: an expression or a literal value.

        Returns:
            The comparison.

        Raises:
            ConfigurationError: a value that has no formula literal.
        """
        return self._cmp(">=", other)

    def __lt__(self, other: object) -> Expr:
        """``x < y`` renders ``x<y``.

        Args:
            other: an expression or a literal value.

        Returns:
            The comparison.

        Raises:
            ConfigurationError: a value that has no formula literal.
        """
        return self._cmp("<", other)

    def __le__(self, other: object) -> Expr:
        """``x <= y`` renders ``x<=y``.

        Args:
            other: an expression or a literal value.

        Returns:
            The comparison.

        Raises:
            ConfigurationError: a value that has no formula literal.
        """
        return self._cmp("<=", other)

    __hash__ = None  # type: ignore[assignment]

    # arithmetic --------------------------------------------------------
    def _arith(self, op: str, other: object, prec: int, swap: bool = False) -> Expr:
        left, right = (other, self) if swap else (self, other)
        return Expr(f"{_operand(left, prec)}{op}{_operand(right, prec + 1)}", prec)

    def __add__(self, other: object) -> Expr:
        return self._arith("+", other, _PREC_ADD)

    def __radd__(self, other: object) -> Expr:
        return self._arith("+", other, _PREC_ADD, swap=True)

    def __sub__(self, other: object) -> Expr:
        return self._arith("-", other, _PREC_ADD)

    def __rsub__(self, other: object) -> Expr:
        return self._arith("-", other, _PREC_ADD, swap=True)

    def __mul__(self, other: object) -> Expr:
        return self._arith("*", other, _PREC_MUL)

    def __truediv__(self, other: object) -> Expr:
        return self._arith("/", other, _PREC_MUL)

    # text --------------------------------------------------------------
    def contains(self, *needles: object) -> Expr:
        """``x.contains("a")``; several needles give an ``OR`` of contains.

        Args:
            *needles: expressions or literal values (at least one).

        Returns:
            The expression.

        Raises:
            ConfigurationError: no needle.
        """
        if not needles:
            raise ConfigurationError("contains() needs at least one value")
        parts = [Expr(f"{_operand(self, _PREC_ATOM)}.contains({_operand(n, 0)})")
                 for n in needles]
        return parts[0] if len(parts) == 1 else OR(*parts)

    def not_contains(self, *needles: object) -> Expr:
        """``NOT(x.contains(...))``.

        Args:
            *needles: expressions or literal values (at least one).

        Returns:
            The expression.

        Raises:
            ConfigurationError: no needle.
        """
        return NOT(self.contains(*needles))

    def is_empty(self) -> Expr:
        """``x=""`` (the guide's emptiness test).

        Returns:
            The expression.
        """
        return self == ""

    def is_not_empty(self) -> Expr:
        """``NOT(x="")``.

        Returns:
            The expression.
        """
        return NOT(self.is_empty())

    # logic -------------------------------------------------------------
    def __bool__(self) -> bool:
        """Refuse truth testing (``and`` / ``or`` / chained comparisons would drop terms).

        Returns:
            Never.

        Raises:
            ConfigurationError: always; use ``&``, ``|`` and ``~``.
        """
        raise ConfigurationError(NO_BOOL)

    def __and__(self, other: Expr) -> Expr:
        """``a & b`` renders ``AND(a,b)``.

        Args:
            other: an expression.

        Returns:
            The flattened ``AND``.

        Raises:
            ConfigurationError: ``other`` is not an expression.
        """
        return AND(self, other)

    def __or__(self, other: Expr) -> Expr:
        """``a | b`` renders ``OR(a,b)``.

        Args:
            other: an expression.

        Returns:
            The flattened ``OR``.

        Raises:
            ConfigurationError: ``other`` is not an expression.
        """
        return OR(self, other)

    def __invert__(self) -> Expr:
        """``~a`` renders ``NOT(a)``.

        Returns:
            The negation.
        """
        return NOT(self)


def _operand(value: object, prec: int) -> str:
    if isinstance(value, Expr):
        return f"({value})" if value._prec < prec else str(value)
    return literal(value)


def _logic(name: str, items: tuple[Expr, ...]) -> Expr:
    if not items:
        raise ConfigurationError(f"{name}() needs at least one expression")
    flat: list[Expr] = []
    for item in items:
        if not isinstance(item, Expr):
            raise ConfigurationError(f"{name}() takes formula expressions, got {item!r}")
        flat.extend(item._args if item._logic == name else (item,))
    text = f"{name}({','.join(str(e) for e in flat)})"
    return Expr(text, logic=name, args=tuple(flat))


def AND(*items: Expr) -> Expr:
    """``AND(a,b,...)``; nested ANDs are flattened. Example: ``AND(x > 1, y < 2)``.

    Args:
        *items: expressions (at least one).

    Returns:
        The expression.

    Raises:
        ConfigurationError: no item, or an item that is not an expression.
    """
    return _logic("AND", items)


def OR(*items: Expr) -> Expr:
    """``OR(a,b,...)``; nested ORs are flattened. Example: ``OR(x == 1, x == 2)``.

    Args:
        *items: expressions (at least one).

    Returns:
        The expression.

    Raises:
        ConfigurationError: no item, or an item that is not an expression.
    """
    return _logic("OR", items)


def NOT(item: Expr) -> Expr:
    """``NOT(a)``. Example: ``NOT(CurrentValue["Name"] == "")``.

    Args:
        item: an expression.

    Returns:
        The negation.

    Raises:
        ConfigurationError: not an expression.
    """
    if not isinstance(item, Expr):
        raise ConfigurationError(f"NOT() takes a formula expression, got {item!r}")
    return Expr(f"NOT({item})")


def todate(value: date | str) -> Expr:
    """``TODATE("yyyy-MM-dd")`` for a date or an ISO date string.

    Args:
        value: a date, or a ``"yyyy-MM-dd"`` string (passed through quoted).

    Returns:
        The expression.

    Example:
        >>> str(todate(date(2024, 5, 1)))
        'TODATE("2024-05-01")'
    """
    if isinstance(value, str):
        return Expr(f"TODATE({literal(value)})")
    return Expr(literal(value))


TODAY = Expr("TODAY()")
"""``TODAY()``; ``TODAY + 1`` renders ``TODAY()+1`` (the transport encodes ``+``)."""


class _CurrentValue:
    """``CurrentValue["name"]`` -> ``CurrentValue.[name]`` (``\\`` and ``]`` escaped)."""

    __slots__ = ()

    def __getitem__(self, name: str) -> Expr:
        """``CurrentValue["name"]``: the field reference.

        Args:
            name: the exact field name.

        Returns:
            ``CurrentValue.[name]``.

        Raises:
            ConfigurationError: an empty name.
        """
        escaped = require_name(name).replace("\\", "\\\\").replace("]", "\\]")
        return Expr(f"CurrentValue.[{escaped}]")

    def __repr__(self) -> str:
        return "CurrentValue"


CurrentValue = _CurrentValue()
"""Field references of the formula language: ``CurrentValue["Name"] == "x"``."""


def formula_param(expr: Expr | str) -> str:
    """Return the formula text of ``expr`` after the local 2,000 character check.

    Args:
        expr: an :class:`Expr` or a formula string.

    Returns:
        The formula, unencoded (the transport URL-encodes it, ``+`` as ``%2B``).

    Raises:
        FilterTooLongError: longer than 2,000 characters.

    Example:
        >>> formula_param(CurrentValue["A"] == 1)
        'CurrentValue.[A]=1'
    """
    text = str(expr)
    if len(text) > FILTER_MAX_LEN:
        raise FilterTooLongError("filter", len(text), FILTER_MAX_LEN)
    return text
