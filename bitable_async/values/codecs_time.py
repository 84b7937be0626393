"""Codecs of the time types: date (5), created time (1001), last-modified time (1002).

On the wire these are Unix timestamps in milliseconds. They decode to
timezone-aware ``datetime`` in the table codec's time zone (UTC by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, ClassVar

import msgspec

from bitable_async.values.base import BaseCodec, Finisher, same

__all__ = ["CreatedTimeCodec", "DateCodec", "ModifiedTimeCodec", "datetime_to_ms", "ms_to_datetime"]


# msgspec reads a number as a Unix timestamp in seconds when converting leniently.
_UTC_COLUMN = list[datetime | None]
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)


# Below 2**33 seconds (years 1698 to 2242) the float ``ms / 1000`` is within half a
# microsecond of the true instant, so converting through it (fromtimestamp, msgspec)
# rounds back to the exact millisecond; further out only timedelta arithmetic is exact.
_FLOAT_EXACT_MS = 2**33 * 1000
_FLOAT_EXACT_S = 2**33


def ms_to_datetime(ms: int | float, tz: Any = timezone.utc) -> datetime:
    """Convert a millisecond timestamp to an aware datetime.

    Args:
        ms: milliseconds since the Unix epoch.
        tz: the time zone of the result.

    Returns:
        The datetime, exact to the millisecond over the whole ``datetime`` range.

    Raises:
        OverflowError, ValueError, OSError: the timestamp is out of range.
    """
    if -_FLOAT_EXACT_MS < ms < _FLOAT_EXACT_MS:
        return datetime.fromtimestamp(ms / 1000, tz)
    return (_EPOCH + timedelta(milliseconds=ms)).astimezone(tz)


def datetime_to_ms(dt: datetime) -> int:
    """Convert an aware datetime to milliseconds since the epoch (floored).

    Args:
        dt: a timezone-aware datetime.

    Returns:
        The timestamp in milliseconds.
    """
    return (dt - _EPOCH) // _MS


def _to_date(v: datetime) -> date:
    return v.date()


class _TimestampCodec(BaseCodec):
    read_expected = "a millisecond timestamp (int)"

    def make_wire_type(self) -> Any:
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            ``int | float`` (milliseconds).
        """
        return int | float

    def make_finish(self) -> Finisher | None:
        """The wire -> value conversion (see :meth:`BaseCodec.make_finish`).

        Returns:
            The converter to an aware ``datetime`` in the codec's time zone;
            it raises :class:`CellValueError` for an out-of-range timestamp.
        """
        tz = self.options.tz
        error = self.error
        expected = self.read_expected

        def finish(v: Any) -> datetime:
            try:
                return ms_to_datetime(v, tz)
            except (OverflowError, ValueError, OSError):
                raise error("timestamp out of range", v, expected=expected) from None

        return finish

    def finish_column(self, values: Sequence[Any]) -> list[Any]:
        """Convert a page's timestamps of this field at once.

        msgspec converts the whole column of second timestamps in C (about six
        times faster than one ``fromtimestamp`` call per cell, with the same
        results). A column holding a timestamp outside the range where the float
        of seconds is exact takes the per-cell path (:func:`ms_to_datetime`).

        Args:
            values: millisecond timestamps (``None`` = empty).

        Returns:
            Aware datetimes.

        Raises:
            CellValueError: a timestamp is out of range.
        """
        try:
            seconds = [None if v is None else v / 1000 for v in values]
            present = [s for s in seconds if s is not None]
            if present and not -_FLOAT_EXACT_S < min(present) <= max(present) < _FLOAT_EXACT_S:
                return super().finish_column(values)
            out: list[Any] = msgspec.convert(seconds, _UTC_COLUMN, strict=False)
        except (msgspec.ValidationError, OverflowError):
            return super().finish_column(values)  # raises, naming the value
        tz = self.options.tz
        if tz is not timezone.utc:
            return [None if v is None else v.astimezone(tz) for v in out]
        return out

    def value_annotations(self) -> dict[Any, Finisher]:
        """Record model annotations of this field (see :meth:`BaseCodec.value_annotations`).

        Returns:
            ``datetime``, ``int`` (milliseconds) or ``date``.
        """
        return {datetime: same, int: datetime_to_ms, date: _to_date}


class DateCodec(_TimestampCodec):
    """Type 5. Writes a millisecond timestamp.

    Accepts an aware ``datetime`` (a naive one is rejected: its instant is
    ambiguous), a ``date`` (midnight in the codec's time zone) or an ``int`` of
    milliseconds.
    """

    kind: ClassVar[str] = "date"
    expected = "an aware datetime, a date, or an int of milliseconds"

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (see :meth:`BaseCodec.encode_value`).

        Args:
            value: an aware datetime, a date, or an int of milliseconds.

        Returns:
            The millisecond timestamp.

        Raises:
            FieldValueError: a naive datetime or not a date.
        """
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise self.error("naive datetime (no tzinfo)", value)
            return datetime_to_ms(value)
        if isinstance(value, date):
            return datetime_to_ms(datetime.combine(value, time(), tzinfo=self.options.tz))
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise self.error("not a date", value)


class CreatedTimeCodec(_TimestampCodec):
    """Type 1001 (read-only)."""

    kind: ClassVar[str] = "created_time"
    read_only: ClassVar[bool] = True


class ModifiedTimeCodec(_TimestampCodec):
    """Type 1002 (read-only)."""

    kind: ClassVar[str] = "modified_time"
    read_only: ClassVar[bool] = True
