"""The page fast path (per-table Struct, column finishing, generated record builder).

``RecordCodec.decode_page`` must give exactly what decoding cell by cell gives
(``decode_records``), whatever the field names and time zones, and time cells
must equal ``datetime.fromtimestamp(ms / 1000, tz)``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitable_async.errors import FieldValueError
from bitable_async.models.fields import (
    CreatedTimeField,
    DateField,
    FieldSchema,
    ModifiedTimeField,
    NumberField,
    TextField,
)
from bitable_async.models.record import RawRecordPage
from bitable_async.values import Field, RecordCodec, RecordModel

RAW_PAGE = msgspec.json.Decoder(RawRecordPage)
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ZONES: list[tzinfo] = [
    timezone.utc,
    timezone(timedelta(hours=8)),
    timezone(timedelta(hours=-3, minutes=-30)),
    ZoneInfo("Asia/Shanghai"),
    ZoneInfo("America/New_York"),
]
# Years 1900 .. 2200 in milliseconds: the range where a float of seconds is exact to the ms.
MS = st.integers(-2_208_988_800_000, 7_258_118_400_000)


def _page(items: list[dict[str, Any]]) -> bytes:
    return json.dumps({"items": items, "has_more": False}, ensure_ascii=False).encode()


def _both(codec: RecordCodec, body: bytes) -> list[Any]:
    fast = codec.decode_page(body).items
    slow = codec.decode_records(RAW_PAGE.decode(body).items or [])
    assert fast == slow
    return fast


TIME_SCHEMA: list[FieldSchema] = [
    DateField(field_name="due"),
    CreatedTimeField(field_name="created"),
    ModifiedTimeField(field_name="modified"),
    NumberField(field_name="n"),
]


@SETTINGS
@given(
    zone=st.sampled_from(ZONES),
    rows=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "due": st.none() | MS,
                "created": MS,
                "modified": MS | MS.map(float),
                "n": st.integers(-1000, 1000) | st.integers(0, 99).map(str),
            },
        ),
        max_size=30,
    ),
)
def test_time_columns_match_fromtimestamp_in_every_zone(
    zone: tzinfo, rows: list[dict[str, Any]]
) -> None:
    codec = RecordCodec.from_fields(TIME_SCHEMA, tz=zone)
    body = _page([{"record_id": f"rec{i}", "fields": f} for i, f in enumerate(rows)])
    records = _both(codec, body)
    for record, cells in zip(records, rows, strict=True):
        for name in ("due", "created", "modified"):
            ms = cells.get(name)
            got = record.fields[name]
            if ms is None:
                assert got is None
                continue
            assert got == datetime.fromtimestamp(ms / 1000, zone)
            assert got.utcoffset() == datetime.fromtimestamp(ms / 1000, zone).utcoffset()
            assert got.tzinfo is not None
            if zone is timezone.utc:
                exact = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=ms)
                assert got == exact


@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_out_of_range_timestamp_names_the_record_on_both_paths(zone: tzinfo) -> None:
    codec = RecordCodec.from_fields(TIME_SCHEMA, tz=zone)
    rows = [{"due": 1_700_000_000_000}] * 5
    rows[3] = {"due": 10**18}
    body = _page([{"record_id": f"rec{i}", "fields": f} for i, f in enumerate(rows)])
    for decode in (
        lambda: codec.decode_page(body),
        lambda: codec.decode_records(RAW_PAGE.decode(body).items or []),
    ):
        with pytest.raises(FieldValueError) as info:
            decode()
        assert info.value.record_index == 3
        assert info.value.record_id == "rec3"
        assert info.value.field_name == "due"


NASTY_NAMES = [
    "plain",
    "it's",
    'say "hi"',
    "back\\slash",
    "line\nbreak",
    "tab\tand\rreturn",
    "{braces}",
    "'''",
    '"""',
    "__import__('os').system('exit 1')",
    "x}, 'y': (1/0), {'z",
    "f{0}",
    "\x00nul",
    "emoji 🧪",
    "中文字段",
    "",
    " ",
    "r",
    "c",
    "cols",
    "Record",
    "time",
]


@pytest.mark.parametrize("matchable_only", [True, False], ids=["fast path", "cell by cell"])
def test_any_field_name_is_a_key_and_never_code(matchable_only: bool) -> None:
    names = [
        n for n in NASTY_NAMES if not matchable_only or not any(c in '"\\' or c < " " for c in n)
    ]
    schema: list[FieldSchema] = [TextField(field_name=n) for n in names]
    schema += [DateField(field_name=n + " (date)") for n in names]
    codec = RecordCodec.from_fields(schema)
    assert codec.fast_path is matchable_only
    cells: dict[str, Any] = {n: f"v{i}" for i, n in enumerate(names)}
    cells.update({n + " (date)": 86_400_000 * i for i, n in enumerate(names)})
    body = _page([{"record_id": "rec1", "fields": cells}, {"record_id": "rec2", "fields": {}}])
    full, empty = _both(codec, body)
    assert list(full.fields) == [f.field_name for f in schema]
    for i, n in enumerate(names):
        assert full.fields[n] == f"v{i}"
        assert full.fields[n + " (date)"] == datetime.fromtimestamp(86_400 * i, timezone.utc)
    assert empty.fields == dict.fromkeys(full.fields)


def test_wide_table_and_empty_schema() -> None:
    wide = [NumberField(field_name=f"n{i}") for i in range(300)]
    codec = RecordCodec.from_fields(wide)
    body = _page([{"record_id": "r", "fields": {f"n{i}": str(i) for i in range(300)}}])
    (record,) = _both(codec, body)
    assert record.fields == {f"n{i}": i for i in range(300)}

    bare = RecordCodec.from_fields([])
    (record,) = _both(bare, _page([{"record_id": "r", "fields": {"ghost": 1}}]))
    assert record.fields == {}
    assert bare.decode_page(_page([])).items == []


def test_record_level_times_and_ids() -> None:
    codec = RecordCodec.from_fields(TIME_SCHEMA, tz=ZoneInfo("Asia/Shanghai"))
    body = _page(
        [
            {"id": "recA", "fields": {}, "created_time": 1_700_000_000_123},
            {"record_id": "recB", "fields": {}, "last_modified_time": 1_700_000_000_456},
        ]
    )
    a, b = _both(codec, body)
    assert a.record_id == "recA"
    assert a.created_time == datetime.fromtimestamp(1_700_000_000.123, ZoneInfo("Asia/Shanghai"))
    assert b.record_id == "recB"
    assert b.last_modified_time is not None
    assert b.last_modified_time.microsecond == 456_000


def test_names_msgspec_cannot_match_fall_back_to_cell_by_cell() -> None:
    """A quote, a backslash or a control character in a name: same records, slower path."""

    class Sized(RecordModel):
        size: Annotated[str | None, Field('Size "L"')] = None
        due: Annotated[datetime | None, Field("line\nbreak")] = None

    schema = [TextField(field_name='Size "L"'), DateField(field_name="line\nbreak")]
    codec = RecordCodec.from_fields(schema)
    assert not codec.fast_path
    assert RecordCodec.from_fields([TextField(field_name="plain")]).fast_path
    body = _page([{"record_id": "r1", "fields": {'Size "L"': "x", "line\nbreak": 0}}])
    (record,) = codec.decode_page(body).items
    assert record.fields == {
        'Size "L"': "x",
        "line\nbreak": datetime(1970, 1, 1, tzinfo=timezone.utc),
    }
    array = json.dumps([{"record_id": "r1", "fields": {'Size "L"': "y"}}]).encode()
    assert codec.decode_record_list(array)[0].fields['Size "L"'] == "y"
    (model,) = codec.model_codec(Sized).decode_page(body).items
    assert model.size == "x"
    assert model.due == datetime(1970, 1, 1, tzinfo=timezone.utc)


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
FIRST_MS = -62_135_596_800_000  # 0001-01-01T00:00:00Z
LAST_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


@SETTINGS
@given(
    zone=st.sampled_from(ZONES),
    ms=st.lists(st.integers(FIRST_MS, LAST_MS), min_size=1, max_size=8),
)
def test_timestamps_are_exact_over_the_whole_datetime_range(zone: tzinfo, ms: list[int]) -> None:
    """Every millisecond decodes exactly and writes back unchanged, years 1 to 9999."""
    codec = RecordCodec.from_fields([DateField(field_name="due")], tz=zone)
    body = _page([{"record_id": f"r{i}", "fields": {"due": v}} for i, v in enumerate(ms)])
    expected: list[datetime] = []
    for v in ms:
        try:
            expected.append((EPOCH + timedelta(milliseconds=v)).astimezone(zone))
        except OverflowError:  # the instant exists in UTC but not in this zone's calendar
            with pytest.raises(FieldValueError):
                codec.decode_page(body)
            return
    records = _both(codec, body)
    for record, v, want in zip(records, ms, expected, strict=True):
        got = record.fields["due"]
        assert got == want
        assert got.utcoffset() == want.utcoffset()
        assert codec.encode_fields({"due": got}) == {"due": v}
