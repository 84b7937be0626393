"""Cell values as the emulator's filter and sort engine sees them.

Shared by :mod:`.filtering` (records/search filters, sorts) and
:mod:`.filter_formula` (the list-records formula language). Pure Python, no
I/O. Values arrive in the emulator's canonical stored form (see
:mod:`.filtering` for the list).

Every string comparison here is case-insensitive (``str.casefold``): option
names, person names, ids and free text alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from .errors import INVALID_FILTER, INVALID_SORT

__all__ = [
    "DATE_TYPES",
    "DEFAULT_TZ",
    "INVALID_FILTER",
    "INVALID_SORT",
    "ITEM_TYPES",
    "Clock",
    "FilterError",
    "Record",
    "aliases",
    "day_of",
    "display_text",
    "fold",
    "is_empty",
    "items",
    "kind_of",
    "relative_range",
    "to_number",
]


DEFAULT_TZ: tzinfo = timezone(timedelta(hours=8), "UTC+08:00")
"""Day boundaries default to China Standard Time, where Feishu tenants mostly live."""

Clock = Callable[[], float]
"""Returns the current time as epoch seconds (like :func:`time.time`)."""

Record = Mapping[str, Any]
"""A record as the engine sees it: field name -> stored value (a missing key is ``None``)."""

NUMBER, CHECKBOX, MULTI_SELECT, ATTACHMENT = 2, 7, 4, 17
PERSON_TYPES = frozenset({11, 23, 1003, 1004})
LINK_TYPES = frozenset({18, 21})
DATE_TYPES = frozenset({5, 1001, 1002})
TEXT_TYPES = frozenset({1, 3, 13, 15, 22, 1005})
ITEM_TYPES = frozenset({MULTI_SELECT, ATTACHMENT, *PERSON_TYPES, *LINK_TYPES})
"""Types whose cell is a list of items (options, persons, record ids, files)."""

_ALIAS_KEYS = ("id", "name", "en_name", "text", "link", "file_token", "full_address",
               "address")
_TEXT_KEYS = ("name", "text", "full_address", "address", "link", "id", "file_token")


class FilterError(Exception):
    """A filter or sort the server would reject.

    Attributes:
        code: 1254018 (invalid filter) or 1254016 (invalid sort).
        msg: what is wrong, naming the field / operator / position.
    """

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg


def fold(text: str) -> str:
    """Case-fold a string for comparisons."""
    return text.casefold()


def _number_text(value: float) -> str:
    if isinstance(value, int) or (math.isfinite(value) and value == int(value)):
        return str(int(value))
    return repr(value)


def display_text(value: Any) -> str:
    """Return the text a cell shows (lists joined with ``,``, ``""`` when empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(t for t in (display_text(v) for v in value) if t)
    if isinstance(value, dict):
        ids = value.get("record_ids", value.get("link_record_ids"))
        if isinstance(ids, list) and not value.get("text"):
            return ",".join(str(i) for i in ids)
        for key in _TEXT_KEYS:
            got = value.get(key)
            if isinstance(got, str) and got:
                return got
        return ""
    return str(value)


def aliases(item: Any) -> list[str]:
    """Return every case-folded string an item answers to (id, name, text, ...)."""
    if isinstance(item, dict):
        out = [fold(v) for k in _ALIAS_KEYS if isinstance(v := item.get(k), str) and v]
        ids = item.get("record_ids", item.get("link_record_ids"))
        if isinstance(ids, list):
            out.extend(fold(str(i)) for i in ids)
        return out
    text = display_text(item)
    return [fold(text)] if text else []


def items(value: Any) -> list[list[str]]:
    """Split a cell into items, each given as its list of aliases."""
    if value is None:
        return []
    if isinstance(value, dict):
        ids = value.get("link_record_ids")
        if isinstance(ids, list):
            return [[fold(str(i))] for i in ids]
    elif isinstance(value, list):
        return [a for a in (aliases(v) for v in value) if a]
    own = aliases(value)
    return [own] if own else []


def is_empty(value: Any, ftype: int) -> bool:
    """True for ``None``, ``""``, ``[]``, ``{}`` (and an unchecked checkbox).

    Args:
        value: the stored cell.
        ftype: the field's type ID.
    """
    if ftype == CHECKBOX:
        return value is not True
    if value is None:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, (list, dict)):
        return not items(value) and not display_text(value)
    return False


def to_number(value: Any) -> float | None:
    """Return a cell or literal as a float, or ``None`` when it is not numeric."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            got = float(value.strip())
        except ValueError:
            return None
        return got if math.isfinite(got) else None
    if isinstance(value, list) and len(value) == 1:
        return to_number(value[0])
    return None


def kind_of(ftype: int, value: Any) -> str:
    """Return how a cell compares: number, date, checkbox, items or text.

    Formula, lookup and unknown types are classified by the stored value.

    Args:
        ftype: the field's type ID.
        value: the stored cell (``None`` asks about the type alone).
    """
    if ftype == NUMBER:
        return "number"
    if ftype in DATE_TYPES:
        return "date"
    if ftype == CHECKBOX:
        return "checkbox"
    if ftype in ITEM_TYPES:
        return "items"
    if ftype in TEXT_TYPES:
        return "text"
    if isinstance(value, bool):
        return "checkbox"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "items"
    return "text"


def day_of(ms: float, tz: tzinfo) -> int:
    """Return the proleptic ordinal of the calendar day of a moment.

    Args:
        ms: the moment, in epoch milliseconds.
        tz: the time zone whose calendar counts.
    """
    return datetime.fromtimestamp(ms / 1000.0, tz).date().toordinal()


def _month_start(day: date, delta: int) -> int:
    months = day.year * 12 + day.month - 1 + delta
    return date(months // 12, months % 12 + 1, 1).toordinal()


def relative_range(word: str, today: int) -> tuple[int, int] | None:
    """Return ``[start, end)`` day ordinals of a relative date word, or ``None``.

    Weeks start on Monday. ``TheLastWeek``/``TheLastMonth`` are the 7/30 days
    ending today (inclusive); ``TheNextWeek``/``TheNextMonth`` the 7/30 days
    starting today.

    Args:
        word: e.g. ``"Today"``, ``"CurrentWeek"``, ``"TheNextMonth"`` (exact case).
        today: day ordinal of today.
    """
    day = date.fromordinal(today)
    monday = today - day.weekday()
    ranges = {
        "Today": (today, today + 1),
        "Tomorrow": (today + 1, today + 2),
        "Yesterday": (today - 1, today),
        "CurrentWeek": (monday, monday + 7),
        "LastWeek": (monday - 7, monday),
        "CurrentMonth": (_month_start(day, 0), _month_start(day, 1)),
        "LastMonth": (_month_start(day, -1), _month_start(day, 0)),
        "TheLastWeek": (today - 6, today + 1),
        "TheNextWeek": (today, today + 7),
        "TheLastMonth": (today - 29, today + 1),
        "TheNextMonth": (today, today + 30),
    }
    return ranges.get(word)
