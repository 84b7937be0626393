"""Filter and sort builders: records/search JSON filters and list-records formulas.

Pure values, no I/O. Two filter languages exist (see ``filters.md`` and the
records/search section of ``supplement.md``):

**records/search** takes a JSON object ``{conjunction, conditions, children}``
with at most one level of ``children``. Build it from field references::

    >>> from bitable_async.filters import F, Today, desc
    >>> f = (F("Status") == "Done") & F("Owner").is_not_empty() & (F("Due") > Today)
    >>> f.to_dict()["conjunction"], len(f.to_dict()["conditions"])
    ('and', 3)
    >>> desc("Due").to_dict()
    {'field_name': 'Due', 'desc': True}

**list records** takes a formula string (``filter`` query parameter) and
``"<field> ASC|DESC"`` sort strings::

    >>> from bitable_async.filters import CurrentValue, TODAY
    >>> str((CurrentValue["Age"] > 18) & CurrentValue["Name"].contains("a"))
    'AND(CurrentValue.[Age]>18,CurrentValue.[Name].contains("a"))'

Formula escaping (an SDK convention the emulator shares; the seeds document
none): inside a string literal ``\\`` and ``"`` are backslash-escaped; inside
``CurrentValue.[...]`` ``\\`` and ``]`` are. :func:`formula_param` and
:func:`sort_param` enforce the 2,000 / 1,000 character limits locally.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import msgspec

from bitable_async.errors import ConfigurationError
from bitable_async.formula import (
    AND,
    FILTER_MAX_LEN,
    NO_BOOL,
    NOT,
    OR,
    TODAY,
    CurrentValue,
    Expr,
    FilterTooLongError,
    ParamTooLongError,
    formula_param,
    literal,
    require_name,
    todate,
)

__all__ = [
    "AND",
    "FILTER_MAX_LEN",
    "NOT",
    "OPERATORS",
    "OR",
    "RELATIVE_DATES",
    "SORT_MAX_LEN",
    "TODAY",
    "Condition",
    "CurrentMonth",
    "CurrentValue",
    "CurrentWeek",
    "DateValue",
    "ExactDate",
    "Expr",
    "F",
    "FilterTooLongError",
    "Group",
    "LastMonth",
    "LastWeek",
    "ParamTooLongError",
    "RelativeDate",
    "Sort",
    "SortTooLongError",
    "TheLastMonth",
    "TheLastWeek",
    "TheNextMonth",
    "TheNextWeek",
    "Today",
    "Tomorrow",
    "Yesterday",
    "all_of",
    "any_of",
    "asc",
    "desc",
    "formula_param",
    "literal",
    "sort_param",
    "todate",
]

SORT_MAX_LEN = 1000
"""Longest list-records ``sort`` parameter (the JSON array string), in characters (1254108)."""

Operator = Literal["is", "isNot", "contains", "doesNotContain", "isEmpty", "isNotEmpty",
                   "isGreater", "isGreaterEqual", "isLess", "isLessEqual", "like", "in"]
OPERATORS: tuple[str, ...] = ("is", "isNot", "contains", "doesNotContain", "isEmpty",
                              "isNotEmpty", "isGreater", "isGreaterEqual", "isLess",
                              "isLessEqual", "like", "in")
"""The 12 records/search operators."""

_ENCODER = msgspec.json.Encoder()


class SortTooLongError(ParamTooLongError):
    """The serialized ``sort`` parameter exceeds 1,000 characters (the server says 1254108)."""


# ======================================================================= search


class DateValue:
    """A date operand of a records/search condition (``ExactDate`` or a relative word)."""

    def wire(self) -> list[str]:
        """The condition's ``value`` list for this date.

        Returns:
            The list, e.g. ``["Today"]`` or ``["ExactDate", "<ms>"]``.
        """
        raise NotImplementedError


@dataclass(frozen=True)
class ExactDate(DateValue):
    """One day, given as an aware datetime or epoch milliseconds.

    Example:
        >>> ExactDate(1702455191000).wire()
        ['ExactDate', '1702455191000']
    """

    ms: int

    def __init__(self, value: datetime | int) -> None:
        """Args:
            value: a timezone-aware :class:`~datetime.datetime` or an int of epoch ms.

        Raises:
            ConfigurationError: a naive datetime or another type.
        """
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ConfigurationError("ExactDate needs a timezone-aware datetime "
                                         f"(got naive {value.isoformat()})")
            ms = round(value.timestamp() * 1000)
        elif isinstance(value, int) and not isinstance(value, bool):
            ms = value
        else:
            raise ConfigurationError(f"ExactDate takes a datetime or epoch ms, got {value!r}")
        object.__setattr__(self, "ms", ms)

    def wire(self) -> list[str]:
        """The condition's ``value`` list for this day.

        Returns:
            ``["ExactDate", "<ms>"]``.
        """
        return ["ExactDate", str(self.ms)]


@dataclass(frozen=True)
class RelativeDate(DateValue):
    """A relative date word such as ``Today``; use the module constants.

    Example:
        >>> Tomorrow.wire()
        ['Tomorrow']
    """

    word: str

    def wire(self) -> list[str]:
        """The condition's ``value`` list for this relative date.

        Returns:
            ``[word]``, e.g. ``["Tomorrow"]``.
        """
        return [self.word]


Today = RelativeDate("Today")
"""The current day."""
Tomorrow = RelativeDate("Tomorrow")
"""The next day."""
Yesterday = RelativeDate("Yesterday")
"""The previous day."""
CurrentWeek = RelativeDate("CurrentWeek")
"""This calendar week."""
LastWeek = RelativeDate("LastWeek")
"""The previous calendar week."""
CurrentMonth = RelativeDate("CurrentMonth")
"""This calendar month."""
LastMonth = RelativeDate("LastMonth")
"""The previous calendar month."""
TheLastWeek = RelativeDate("TheLastWeek")
"""The past 7 days."""
TheNextWeek = RelativeDate("TheNextWeek")
"""The next 7 days."""
TheLastMonth = RelativeDate("TheLastMonth")
"""The past 30 days."""
TheNextMonth = RelativeDate("TheNextMonth")
"""The next 30 days."""
RELATIVE_DATES: tuple[RelativeDate, ...] = (
    Today, Tomorrow, Yesterday, CurrentWeek, LastWeek, CurrentMonth, LastMonth,
    TheLastWeek, TheNextWeek, TheLastMonth, TheNextMonth)
"""Every relative date word the search API knows."""

_DATE_OPS = frozenset({"is", "isNot", "isGreater", "isGreaterEqual", "isLess", "isLessEqual"})
_INVERSE = {"is": "isNot", "isNot": "is", "contains": "doesNotContain",
            "doesNotContain": "contains", "isEmpty": "isNotEmpty", "isNotEmpty": "isEmpty"}


def _scalar(field_name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigurationError(f"field {field_name!r}: {value!r} is not a finite number")
        return repr(value)
    if isinstance(value, str):
        return value
    raise ConfigurationError(f"field {field_name!r}: a condition value must be str, int, "
                             f"float, bool, a datetime or a date constant, got {value!r}")


def _values(field_name: str, op: str, value: object, *, many: bool) -> list[str]:
    if isinstance(value, datetime):
        value = ExactDate(value)
    if isinstance(value, DateValue):
        if op not in _DATE_OPS:
            raise ConfigurationError(f"field {field_name!r}: a date value works with "
                                     f"{sorted(_DATE_OPS)}, not {op!r}")
        return value.wire()
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (DateValue, datetime)) for v in value):
            raise ConfigurationError(f"field {field_name!r}: a date value works with "
                                     f"{sorted(_DATE_OPS)} and alone, not in {op!r} lists")
        if not many:
            raise ConfigurationError(f"field {field_name!r}: {op!r} takes one value")
        out = [_scalar(field_name, v) for v in value]
        if not out:
            raise ConfigurationError(f"field {field_name!r}: {op!r} needs at least one value")
        return out
    return [_scalar(field_name, value)]


@dataclass(frozen=True)
class Condition:
    """One search condition; combine with ``&`` / ``|``, negate some with ``~``.

    Used alone as a filter it renders as a one-condition ``and`` group.

    Example:
        >>> (F("Status") == "Done").to_condition()
        {'field_name': 'Status', 'operator': 'is', 'value': ['Done']}
    """

    field_name: str
    operator: str
    value: tuple[str, ...] = ()

    def to_condition(self) -> dict[str, Any]:
        """The wire condition object.

        Returns:
            ``{"field_name", "operator", "value"}``.
        """
        return {"field_name": self.field_name, "operator": self.operator,
                "value": list(self.value)}

    def to_dict(self) -> dict[str, Any]:
        """A whole records/search ``filter`` object holding only this condition.

        Returns:
            ``{"conjunction": "and", "conditions": [...]}``.
        """
        return Group("and", (self,)).to_dict()

    def to_json(self) -> str:
        """The :meth:`to_dict` filter as compact JSON.

        Returns:
            The JSON text.
        """
        return Group("and", (self,)).to_json()

    def __and__(self, other: Condition | Group) -> Group:
        """``a & b``: both must hold.

        Args:
            other: a condition or group.

        Returns:
            The ``and`` group.

        Raises:
            ConfigurationError: ``other`` is not a filter, or two levels of nesting are needed.
        """
        return _combine("and", self, other)

    def __or__(self, other: Condition | Group) -> Group:
        """``a | b``: either may hold.

        Args:
            other: a condition or group.

        Returns:
            The ``or`` group.

        Raises:
            ConfigurationError: ``other`` is not a filter, or two levels of nesting are needed.
        """
        return _combine("or", self, other)

    def __bool__(self) -> bool:
        """Refuse truth testing (``and`` / ``or`` / chained comparisons would drop conditions).

        Returns:
            Never.

        Raises:
            ConfigurationError: always; use ``&`` and ``|``.
        """
        raise ConfigurationError(NO_BOOL)

    def __invert__(self) -> Condition:
        """Negate ``is``/``isNot``, ``contains``/``doesNotContain``, ``isEmpty``/``isNotEmpty``.

        Returns:
            The condition with the inverse operator.

        Raises:
            ConfigurationError: other operators have no exact inverse.
        """
        inverse = _INVERSE.get(self.operator)
        if inverse is None:
            raise ConfigurationError(f"field {self.field_name!r}: {self.operator!r} has no "
                                     "exact inverse (empty cells); state the opposite condition")
        return Condition(self.field_name, inverse, self.value)


@dataclass(frozen=True)
class Group:
    """A conjunction of conditions and (one level of) child groups.

    Built by ``&`` / ``|`` or :func:`all_of` / :func:`any_of`.

    Example:
        >>> g = (F("A") == "x") & ((F("B") == "y") | (F("C") == "z"))
        >>> g.to_dict()["children"][0]["conjunction"]
        'or'
    """

    conjunction: Literal["and", "or"]
    conditions: tuple[Condition, ...] = ()
    children: tuple[Group, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The records/search ``filter`` object.

        Returns:
            ``{"conjunction", "conditions", "children"?}`` (``children`` only when
            there are some).
        """
        out: dict[str, Any] = {"conjunction": self.conjunction,
                               "conditions": [c.to_condition() for c in self.conditions]}
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out

    def to_json(self) -> str:
        """The :meth:`to_dict` filter as compact JSON.

        Returns:
            The JSON text.
        """
        return _ENCODER.encode(self.to_dict()).decode()

    def __and__(self, other: Condition | Group) -> Group:
        """``a & b``: both must hold.

        Args:
            other: a condition or group.

        Returns:
            The ``and`` group.

        Raises:
            ConfigurationError: ``other`` is not a filter, or two levels of nesting are needed.
        """
        return _combine("and", self, other)

    def __or__(self, other: Condition | Group) -> Group:
        """``a | b``: either may hold.

        Args:
            other: a condition or group.

        Returns:
            The ``or`` group.

        Raises:
            ConfigurationError: ``other`` is not a filter, or two levels of nesting are needed.
        """
        return _combine("or", self, other)


def _as_group(item: object) -> Group:
    if isinstance(item, Condition):
        return Group("and", (item,))
    if isinstance(item, Group):
        return item
    raise ConfigurationError(f"only conditions and groups combine with & and |, got {item!r}")


def _combine(conj: Literal["and", "or"], *items: object) -> Group:
    conditions: list[Condition] = []
    children: list[Group] = []
    for item in items:
        group = _as_group(item)
        flexible = len(group.conditions) <= 1 and not group.children
        if group.conjunction == conj or flexible:
            conditions.extend(group.conditions)
            children.extend(group.children)
        elif group.children:
            raise ConfigurationError(
                f"this filter needs two levels of nesting ({conj} of a {group.conjunction} "
                "group that has children); records/search allows one: rewrite it, e.g. "
                "distribute the outer condition into each child")
        else:
            children.append(group)
    return Group(conj, tuple(conditions), tuple(children))


def all_of(*items: Condition | Group) -> Group:
    """Return the ``and`` of conditions/groups (``all_of()`` matches everything).

    Args:
        *items: conditions and groups.

    Returns:
        The ``and`` group.

    Raises:
        ConfigurationError: an item is not a filter, or two levels of nesting are needed.

    Example:
        >>> all_of(F("A") == 1, F("B") == 2).to_dict()["conjunction"]
        'and'
    """
    return _combine("and", *items)


def any_of(*items: Condition | Group) -> Group:
    """Return the ``or`` of conditions/groups.

    Args:
        *items: conditions and groups (at least one).

    Returns:
        The ``or`` group.

    Raises:
        ConfigurationError: no items (an empty ``or`` has no sensible meaning), an
            item is not a filter, or two levels of nesting are needed.

    Example:
        >>> any_of(F("A") == 1, F("B") == 2).to_dict()["conjunction"]
        'or'
    """
    if not items:
        raise ConfigurationError("any_of() needs at least one condition")
    return _combine("or", *items)


class F:
    """A field reference for records/search conditions.

    Example:
        >>> (F("Count") >= 3).to_condition()
        {'field_name': 'Count', 'operator': 'isGreaterEqual', 'value': ['3']}
        >>> F("Tags").contains("a", "b").value
        ('a', 'b')
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        """Args:
            name: the exact field name.

        Raises:
            ConfigurationError: an empty name.
        """
        self.name = require_name(name)

    def __repr__(self) -> str:
        return f"F({self.name!r})"

    def _one(self, op: str, value: object, many: bool = False) -> Condition:
        return Condition(self.name, op, tuple(_values(self.name, op, value, many=many)))

    def is_(self, value: object) -> Condition:
        """``is``: equal to one value (a list for multi-valued fields), or a date.

        Args:
            value: a value, a list of values, or a :class:`DateValue` / aware datetime.

        Returns:
            The condition.

        Raises:
            ConfigurationError: a value of a type the condition cannot carry.
        """
        return self._one("is", value, many=True)

    def is_not(self, value: object) -> Condition:
        """``isNot``: the opposite of :meth:`is_`.

        Args:
            value: as for :meth:`is_`.

        Returns:
            The condition.

        Raises:
            ConfigurationError: a value of a type the condition cannot carry.
        """
        return self._one("isNot", value, many=True)

    def contains(self, *values: object) -> Condition:
        """``contains``: contains any of the values.

        Args:
            *values: one or more values.

        Returns:
            The condition.

        Raises:
            ConfigurationError: a value of a type the condition cannot carry.
        """
        return self._one("contains", list(values), many=True)

    def does_not_contain(self, *values: object) -> Condition:
        """``doesNotContain``: contains none of the values.

        Args:
            *values: one or more values.

        Returns:
            The condition.

        Raises:
            ConfigurationError: a value of a type the condition cannot carry.
        """
        return self._one("doesNotContain", list(values), many=True)

    def is_empty(self) -> Condition:
        """``isEmpty`` (value ``[]``).

        Returns:
            The condition.
        """
        return Condition(self.name, "isEmpty")

    def is_not_empty(self) -> Condition:
        """``isNotEmpty`` (value ``[]``).

        Returns:
            The condition.
        """
        return Condition(self.name, "isNotEmpty")

    def gt(self, value: object) -> Condition:
        """``isGreater`` (same as ``>``).

        Args:
            value: a number, a text or a date.

        Returns:
            The condition.

        Raises:
            ConfigurationError: a value of a type the condition cannot carry.
        """
        return self._one("isGreater", value)

    def ge(self, value: object) -> Condition:
        """``isGreaterEqual`` (same as ``>=``).

        Args:
            value: a number, a text or a date.

        Returns:
            The condition.

        Raises:
            ConfigurationError: a value of a type the condition cannot carry.
        """
        return self._one("isGreaterEqual", value)

    def lt(self, value: object) -> Condition:
        """``isLess`` (same as ``<``).

        Args:
            value: a number, a text or a date.

        Returns:
            The condition.

        Raises:
            ConfigurationError: a value of a type the condition cannot carry.
        """
        return self._one("isLess", value)

    def le(self, value: object) -> Condition:
        """``isLessEqual`` (same as ``<=``).

        Args:
            value: a number, a text or a date.

        Returns:
            The condition.

        Raises:
            ConfigurationError: a value of a type the condition cannot carry.
        """
        return self._one("isLessEqual", value)

    def like(self, value: str) -> Condition:
        """``like``: fuzzy text match with one value.

        Args:
            value: the text.

        Returns:
            The condition.

        Raises:
            ConfigurationError: a value of a type the condition cannot carry.
        """
        return self._one("like", value)

    def in_(self, values: Sequence[object]) -> Condition:
        """``in``: equal to any of the values.

        Args:
            values: a list of values (not a str).

        Returns:
            The condition.

        Raises:
            ConfigurationError: a value of a type the condition cannot carry.
        """
        if isinstance(values, str):
            raise ConfigurationError(f"field {self.name!r}: in_() takes a list of values")
        return self._one("in", list(values), many=True)

    def __eq__(self, value: object) -> Condition:  # type: ignore[override]
        """``F(name) == value``, same as :meth:`is_`.

        Args:
            value: the operand.

        Returns:
            The condition.
        """
        return self.is_(value)

    def __ne__(self, value: object) -> Condition:  # type: ignore[override]
        """``F(name) != value``, same as :meth:`is_not`.

        Args:
            value: the operand.

        Returns:
            The condition.
        """
        return self.is_not(value)

    def __gt__(self, value: object) -> Condition:
        """``F(name) > value``, same as :meth:`gt`.

        Args:
            value: the operand.

        Returns:
            The condition.
        """
        return self.gt(value)

    def __ge__(self, value: object) -> Condition:
        """``F(name) >= value``, same as :meth:`ge`.

        Args:
            value: the operand.

        Returns:
            The condition.
        """
        return self.ge(value)

    def __lt__(self, value: object) -> Condition:
        """``F(name) < value``, same as :meth:`lt`.

        Args:
            value: the operand.

        Returns:
            The condition.
        """
        return self.lt(value)

    def __le__(self, value: object) -> Condition:
        """``F(name) <= value``, same as :meth:`le`.

        Args:
            value: the operand.

        Returns:
            The condition.
        """
        return self.le(value)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Sort:
    """One sort key: ``to_dict()`` for records/search, ``str()`` for list records.

    Example:
        >>> Sort("Due", desc=True).to_dict(), str(Sort("Due", desc=True))
        ({'field_name': 'Due', 'desc': True}, 'Due DESC')
    """

    field_name: str
    desc: bool = False

    def __post_init__(self) -> None:
        require_name(self.field_name)

    def to_dict(self) -> dict[str, Any]:
        """The records/search sort item.

        Returns:
            ``{"field_name", "desc"}``.
        """
        return {"field_name": self.field_name, "desc": self.desc}

    def __str__(self) -> str:
        """The list-records sort key.

        Returns:
            ``"<field> ASC"`` or ``"<field> DESC"``.
        """
        return f"{self.field_name} {'DESC' if self.desc else 'ASC'}"


def desc(field_name: str) -> Sort:
    """Return a descending :class:`Sort`. Example: ``desc("Due")``.

    Args:
        field_name: the field to sort by.

    Returns:
        The sort key.

    Raises:
        ConfigurationError: an empty field name.
    """
    return Sort(field_name, desc=True)


def asc(field_name: str) -> Sort:
    """Return an ascending :class:`Sort`. Example: ``asc("Name")``.

    Args:
        field_name: the field to sort by.

    Returns:
        The sort key.

    Raises:
        ConfigurationError: an empty field name.
    """
    return Sort(field_name)


def sort_param(sorts: Iterable[Sort | str]) -> str:
    """Serialize list-records sort keys as the ``sort`` query parameter.

    Args:
        sorts: :class:`Sort` objects or ``"<field> ASC|DESC"`` strings.

    Returns:
        The JSON array string, e.g. ``'["Due DESC","Name ASC"]'``.

    Raises:
        SortTooLongError: longer than 1,000 characters.
        ConfigurationError: an item is neither a Sort nor a non-empty string.

    Example:
        >>> sort_param([desc("Due"), "Name ASC"])
        '["Due DESC","Name ASC"]'
    """
    if isinstance(sorts, str):
        raise ConfigurationError("sort_param() takes a list of sort keys, not one string")
    items = [str(s) if isinstance(s, Sort) else require_name(s, "sort key") for s in sorts]
    text = _ENCODER.encode(items).decode()
    if len(text) > SORT_MAX_LEN:
        raise SortTooLongError("sort", len(text), SORT_MAX_LEN)
    return text
