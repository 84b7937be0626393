"""Schema-aware conversion of imported cells (CSV strings or JSON values) to Python values.

Each column is planned once from the table's field type; a cell that does not
convert raises :class:`RowRejected` with a reason naming the column, the value
and what was expected, so the import can report the row and go on. The Python
values are then encoded by the table's ``RecordCodec`` (which checks select
options, phone numbers ...).

Accepted input per field type:

- number: ``12``, ``-3.5``, ``1e3`` (JSON numbers as they are);
- date: ISO 8601 (``2024-05-17``, ``2024-05-17T08:30:00+08:00``, ``...Z``; a
  time without offset is taken in ``--tz``) or an integer of milliseconds;
- checkbox: ``true``/``false``, ``1``/``0``, ``yes``/``no`` (any case);
- multi select, person, link, attachment (tokens): separated by the list
  separator (default ``;``), or JSON arrays;
- person: open ids (JSON: ids or ``{"id": ...}`` objects);
- hyperlink: the link (JSON: also ``{"link", "text"}``);
- location: ``lng,lat``.

Empty cells are not written. Read-only fields (formula, created time, auto
number ...), the ``record_id`` column, and attachment columns (exported by
file name, which cannot be uploaded back) are ignored -- and listed in the
summary -- unless ``--attachment-tokens`` says the column holds file tokens.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from bitable_async.values.record_codec import RecordCodec

__all__ = ["ColumnPlan", "RowConverter", "RowRejected", "UnknownColumnsError"]

_INT = re.compile(r"[+-]?\d+")
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})
_TEXT_KINDS = frozenset({"text", "barcode", "email", "phone", "single_select"})
_NUMBER_KINDS = frozenset({"number", "progress", "currency", "rating"})


class RowRejected(ValueError):
    """A cell of the row could not be converted; the message says which and why."""


class UnknownColumnsError(ValueError):
    """Columns that name no field of the table (raised before any request)."""

    def __init__(self, columns: list[str], fields: Iterable[str]) -> None:
        self.columns = columns
        shown = ", ".join(repr(f) for f in fields)
        super().__init__(
            f"column(s) {', '.join(map(repr, columns))} name no field of the table "
            f"(fields: {shown}); rename them or pass --ignore-column"
        )


Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class ColumnPlan:
    """How one input column is written.

    Attributes:
        column: the column (= field) name.
        kind: the field's codec kind (``number``, ``date`` ...).
        convert: input cell -> Python value (raises ``ValueError`` with a reason).
    """

    column: str
    kind: str
    convert: Converter


def _bad(what: str, value: Any) -> ValueError:
    return ValueError(f"expected {what}, got {value!r}")


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise _bad("a number", value)
    if isinstance(value, (int, float)):
        result: int | float = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            result = int(text) if _INT.fullmatch(text) else float(text)
        except ValueError:
            raise _bad("a number", value) from None
    else:
        raise _bad("a number", value)
    if isinstance(result, float) and not math.isfinite(result):
        raise _bad("a finite number", value)
    return result


def _checkbox(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    raise _bad("true/false, 1/0 or yes/no", value)


def _date(tz: tzinfo) -> Converter:
    def convert(value: Any) -> datetime | date | int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if not isinstance(value, str):
            raise _bad("an ISO 8601 date or milliseconds", value)
        text = value.strip()
        if _INT.fullmatch(text):
            return int(text)
        iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
        try:
            if len(iso) == 10:
                return date.fromisoformat(iso)
            parsed = datetime.fromisoformat(iso)
        except ValueError:
            raise _bad(
                "an ISO 8601 date (2024-05-17, 2024-05-17T08:30:00+08:00) or ms", value
            ) from None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)

    return convert


def _split(sep: str) -> Callable[[Any], list[Any]]:
    def split(value: Any) -> list[Any]:
        if isinstance(value, str):
            return [part.strip() for part in value.split(sep) if part.strip()]
        if isinstance(value, (list, tuple)):
            return list(value)
        return [value]

    return split


def _ids(sep: str, key: str, what: str) -> Converter:
    split = _split(sep)

    def convert(value: Any) -> list[str]:
        out: list[str] = []
        for item in split(value):
            if isinstance(item, Mapping):
                item = item.get(key)
            if not isinstance(item, str) or not item:
                raise _bad(what, value)
            out.append(item)
        return out

    return convert


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _bad("text", value)


def _url(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping) and isinstance(value.get("link"), str):
        return {"link": value["link"], "text": value.get("text") or value["link"]}
    raise _bad("a link or {link, text}", value)


def _location(value: Any) -> Any:
    if isinstance(value, Mapping):
        value = value.get("location")
    if isinstance(value, str) and value.count(",") == 1:
        return value
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return list(value)
    raise _bad("'lng,lat'", value)


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple, dict)) and not value


class RowConverter:
    """Plans the columns against the schema and converts rows.

    Args:
        codec: the table's record codec (its schema).
        sep: separator of list values in a text cell.
        tz: the time zone of dates written without an offset.
        attachment_tokens: attachment columns hold file tokens (else they are ignored).
        ignore: columns to skip.
    """

    def __init__(
        self,
        codec: RecordCodec,
        *,
        sep: str = ";",
        tz: tzinfo,
        attachment_tokens: bool = False,
        ignore: Iterable[str] = (),
    ) -> None:
        self._codec = codec
        self._sep = sep
        self._tz = tz
        self._attachment_tokens = attachment_tokens
        self._ignore = frozenset(ignore)
        self._plans: dict[str, ColumnPlan | None] = {}
        self.ignored: dict[str, str] = {}
        """Ignored column -> why (shown in the summary)."""

    def _converter(self, kind: str) -> Converter | None:
        sep = self._sep
        table: dict[str, Converter] = {
            "multi_select": _ids(sep, "name", "option names"),
            "date": _date(self._tz),
            "checkbox": _checkbox,
            "person": _ids(sep, "id", "user ids"),
            "url": _url,
            "link": _ids(sep, "record_id", "record ids"),
            "location": _location,
        }
        if kind in _TEXT_KINDS:
            return _text
        if kind in _NUMBER_KINDS:
            return _number
        if kind == "attachment":
            return _ids(sep, "file_token", "file tokens") if self._attachment_tokens else None
        return table.get(kind)

    def plan(self, column: str) -> ColumnPlan | None:
        """The plan of a column (None when it is ignored).

        Args:
            column: the column name.

        Returns:
            The plan, or None for an ignored column (the reason is in ``ignored``).

        Raises:
            UnknownColumnsError: the column names no field.
        """
        if column in self._plans:
            return self._plans[column]
        plan: ColumnPlan | None = None
        if column in self._ignore:
            self.ignored[column] = "--ignore-column"
        elif column == "record_id":
            self.ignored[column] = "record ids are assigned by the server"
        elif column not in self._codec.field_names:
            raise UnknownColumnsError([column], self._codec.field_names)
        else:
            codec = self._codec.codec(column)
            convert = None if codec.read_only else self._converter(codec.kind)
            if convert is not None:
                plan = ColumnPlan(column, codec.kind, convert)
            elif codec.kind == "attachment":
                self.ignored[column] = (
                    "attachment cells are exported by file name and cannot be uploaded back "
                    "(--attachment-tokens if the column holds file tokens)"
                )
            else:
                self.ignored[column] = f"read-only field ({codec.type_label})"
        self._plans[column] = plan
        return plan

    def check_columns(self, columns: Iterable[str]) -> None:
        """Plan every column of a header, reporting all unknown columns at once.

        Args:
            columns: the header.

        Raises:
            UnknownColumnsError: some columns name no field.
        """
        unknown: list[str] = []
        for column in columns:
            try:
                self.plan(column)
            except UnknownColumnsError:
                unknown.append(column)
        if unknown:
            raise UnknownColumnsError(unknown, self._codec.field_names)

    def convert(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Convert one input row to ``field name -> Python value``.

        Args:
            row: column -> cell (a CSV string or a JSON value).

        Returns:
            The row to write (empty cells and ignored columns left out).

        Raises:
            RowRejected: a cell does not convert, or a column names no field.
        """
        out: dict[str, Any] = {}
        for column, value in row.items():
            try:
                plan = self.plan(column)
            except UnknownColumnsError as exc:
                raise RowRejected(str(exc)) from None
            if plan is None or _empty(value):
                continue
            try:
                out[column] = plan.convert(value)
            except ValueError as exc:
                raise RowRejected(f"field {column!r} ({plan.kind}): {exc}") from None
        return out
