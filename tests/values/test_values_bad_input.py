"""Table-driven bad input: wrong values per writable type, unknown and read-only fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from _values_support import derived_schema, seed_schema

from bitable_async.errors import FieldValueError
from bitable_async.values import (
    Attachment,
    BatchFieldValueError,
    LinkValue,
    Location,
    Person,
    RecordCodec,
    TextSegment,
    Url,
)
from bitable_async.values.base import short_repr
from bitable_async.values.codecs_time import datetime_to_ms


@pytest.fixture(scope="module")
def codec() -> RecordCodec:
    return RecordCodec.from_fields([*seed_schema(), *derived_schema()])


BAD: list[tuple[str, Any]] = [
    ("多行文本", 123),
    ("多行文本", ["plain str in a list"]),
    ("多行文本", {"text": "a mapping"}),
    ("数字", "12"),
    ("数字", True),
    ("数字", float("nan")),
    ("数字", float("inf")),
    ("数字", Decimal("NaN")),
    ("单选", "不存在的选项"),
    ("单选", ""),
    ("单选", 3),
    ("多选", "选项1"),
    ("多选", ["选项1", "nope"]),
    ("多选", [1]),
    ("日期", datetime(2024, 1, 1)),  # naive
    ("日期", "2024-01-01"),
    ("日期", True),
    ("日期", 1.5),
    ("复选框", 1),
    ("复选框", "true"),
    ("人员", 123),
    ("人员", [""]),
    ("人员", [{"name": "no id"}]),
    ("电话号码", "131-0000-6666"),
    ("电话号码", 13100006666),
    ("电话号码", "abc"),
    ("超链接", 42),
    ("超链接", {"text": "no link"}),
    ("超链接", ""),
    ("附件", 42),
    ("附件", [""]),
    ("附件", [{"name": "no token"}]),
    ("单向关联", 42),
    ("单向关联", [""]),
    ("单向关联", [1]),
    ("地理位置", "abc"),
    ("地理位置", (200.0, 100.0)),
    ("地理位置", "1,2,3"),
    ("地理位置", (True, False)),
    ("条码", 1),
    ("条码", [1, 2]),
    ("进度", "66%"),
    ("进度", False),
    ("货币", "1"),
    ("货币", None.__class__),
    ("评分", True),
    ("评分", [3]),
]


# The type each field is named by in errors: "<type name>(<type code>)".
TYPE_NAME: dict[str, str] = {
    "多行文本": "text(1)",
    "数字": "number(2)",
    "单选": "single_select(3)",
    "多选": "multi_select(4)",
    "日期": "date(5)",
    "复选框": "checkbox(7)",
    "人员": "person(11)",
    "电话号码": "phone(13)",
    "超链接": "url(15)",
    "附件": "attachment(17)",
    "单向关联": "link(18)",
    "双向关联": "duplex_link(21)",
    "地理位置": "location(22)",
    "创建时间": "created_time(1001)",
    "最后更新时间": "modified_time(1002)",
    "创建人": "created_by(1003)",
    "修改人": "modified_by(1004)",
    "自动编号": "auto_number(1005)",
    "群组": "group_chat(23)",
    "条码": "barcode(1)",
    "进度": "progress(2)",
    "货币": "currency(2)",
    "评分": "rating(2)",
    "公式数字": "formula(20)",
    "公式日期": "formula(20)",
    "公式": "formula(20)",
    "查找引用": "lookup(19)",
}

# Names that are not fields of the table: a near miss (a suggestion is offered) and a stranger.
UNKNOWN: list[tuple[str, Any]] = [("数 字", 1), ("no such field", "x")]


def test_type_names_cover_the_schema(codec: RecordCodec) -> None:
    assert {n: codec.codec(n).type_label for n in codec.field_names} == TYPE_NAME


@pytest.mark.parametrize(("field", "value"), BAD)
def test_wrong_values_are_rejected_with_context(codec: RecordCodec, field: str, value: Any) -> None:
    with pytest.raises(FieldValueError) as info:
        codec.encode_fields({field: value}, record_index=4)
    err = info.value
    assert err.record_index == 4
    assert err.field_name == field
    assert err.field_type is not None
    assert str(codec.codec(field).field.type) in str(err.field_type)
    assert err.expected
    assert err.given
    assert "record 4" in str(err)
    assert repr(field) in str(err)


def _writable(codec: RecordCodec) -> set[str]:
    return {n for n in codec.field_names if not codec.codec(n).read_only}


def test_every_writable_type_has_two_bad_values(codec: RecordCodec) -> None:
    counts: dict[str, int] = {}
    for field, _ in BAD:
        counts[field] = counts.get(field, 0) + 1
    writable = _writable(codec)
    assert len(writable) == 16  # every writable type and ui_type variant of the schema
    assert set(counts) == writable  # BAD names writable fields only, and all of them
    assert {n: c for n, c in counts.items() if c < 2} == {}
    # One field per writable type (barcode/progress/currency/rating included), so two per type.
    assert len({TYPE_NAME[n] for n in writable}) == len(writable)


GOOD: list[tuple[str, Any, Any]] = [
    ("多行文本", "hi", "hi"),
    ("多行文本", [TextSegment(text="a"), {"type": "text", "text": "b"}], "ab"),
    ("数字", 3, 3),
    ("数字", 2.5, 2.5),
    ("数字", Decimal("7"), 7),
    ("单选", "选项2", "选项2"),
    ("多选", ("选项1",), ["选项1"]),
    ("多选", [], []),
    ("日期", datetime(2024, 1, 1, 8, tzinfo=timezone(timedelta(hours=8))), 1704067200000),
    ("日期", date(2024, 1, 1), 1704067200000),
    ("日期", 1704067200000, 1704067200000),
    ("复选框", False, False),
    ("人员", "ou_1", [{"id": "ou_1"}]),
    (
        "人员",
        [Person(id="ou_1", name="x"), "ou_2", {"id": "ou_3"}],
        [{"id": "ou_1"}, {"id": "ou_2"}, {"id": "ou_3"}],
    ),
    ("电话号码", "+8613100006666", "+8613100006666"),
    ("超链接", Url(link="https://a.b", text="A"), {"text": "A", "link": "https://a.b"}),
    ("超链接", "https://a.b", {"text": "https://a.b", "link": "https://a.b"}),
    ("附件", Attachment(file_token="tok"), [{"file_token": "tok"}]),
    ("附件", ["t1", {"file_token": "t2"}], [{"file_token": "t1"}, {"file_token": "t2"}]),
    ("单向关联", LinkValue(record_ids=("rec1", "rec2")), ["rec1", "rec2"]),
    ("单向关联", "rec1", ["rec1"]),
    ("地理位置", Location(location="116.397755,39.903179"), "116.397755,39.903179"),
    ("地理位置", (116.5, 39.9), "116.5,39.9"),
    ("进度", 0.5, 0.5),
    ("评分", 5, 5),
    ("数字", None, None),  # None clears
    ("人员", None, None),
]


@pytest.mark.parametrize(("field", "value", "wire"), GOOD)
def test_accepted_write_shapes(codec: RecordCodec, field: str, value: Any, wire: Any) -> None:
    assert codec.encode_fields({field: value}) == {field: wire}


def test_select_new_options_only_when_allowed() -> None:
    strict = RecordCodec.from_fields(seed_schema())
    with pytest.raises(FieldValueError, match="unknown option"):
        strict.encode_fields({"单选": "新选项"})
    lax = RecordCodec.from_fields(seed_schema(), allow_new_options=True)
    assert lax.encode_fields({"单选": "新选项", "多选": ["新"]}) == {
        "单选": "新选项",
        "多选": ["新"],
    }


def test_single_person_and_link_when_multiple_is_false() -> None:
    from bitable_async.models.fields import LinkField, LinkProperty, PersonField, PersonProperty

    codec = RecordCodec.from_fields(
        [
            PersonField(field_name="p", property=PersonProperty(multiple=False)),
            LinkField(field_name="l", property=LinkProperty(table_id="t", multiple=False)),
        ]
    )
    assert codec.encode_fields({"p": "ou_1", "l": "rec1"}) == {"p": [{"id": "ou_1"}], "l": ["rec1"]}
    with pytest.raises(FieldValueError, match="one person"):
        codec.encode_fields({"p": ["ou_1", "ou_2"]})
    with pytest.raises(FieldValueError, match="one record"):
        codec.encode_fields({"l": ["rec1", "rec2"]})


def test_unknown_field_suggests_close_names(codec: RecordCodec) -> None:
    with pytest.raises(FieldValueError, match="unknown field") as info:
        codec.encode_fields({"数 字": 1})
    assert info.value.field_name == "数 字"
    assert info.value.expected is not None
    assert "'数字'" in info.value.expected


READ_ONLY = ["双向关联", "创建时间", "最后更新时间", "创建人", "修改人", "自动编号", "群组"]
READ_ONLY += ["公式", "公式数字", "公式日期", "查找引用"]


def test_read_only_table_lists_every_read_only_field(codec: RecordCodec) -> None:
    assert set(READ_ONLY) == set(codec.field_names) - _writable(codec)
    assert len(READ_ONLY) == len(set(READ_ONLY))


@pytest.mark.parametrize("field", READ_ONLY)
def test_read_only_fields_are_refused(codec: RecordCodec, field: str) -> None:
    with pytest.raises(FieldValueError, match="read-only") as info:
        codec.encode_fields({field: "anything"}, record_index=2)
    assert info.value.record_index == 2
    assert info.value.field_name == field
    # even a clear is refused
    with pytest.raises(FieldValueError, match="read-only"):
        codec.encode_fields({field: None})


def _row(i: int) -> dict[str, Any]:
    """A valid row with a value in every writable field."""
    return {
        "多行文本": f"task {i}",
        "数字": i,
        "单选": "选项1",
        "多选": ["选项2"],
        "日期": datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(days=i),
        "复选框": i % 2 == 0,
        "人员": [f"ou_{i}"],
        "电话号码": "13100006666",
        "超链接": "https://example.com",
        "附件": [f"tok{i}"],
        "单向关联": [f"rec{i}"],
        "地理位置": "116.397755,39.903179",
        "条码": f"690{i:010d}",
        "进度": (i % 101) / 100,
        "货币": i * 1.25,
        "评分": i % 6,
    }


BATCH = 500
BAD_AT = 317


@pytest.fixture(scope="module")
def valid_rows() -> list[dict[str, Any]]:
    return [_row(i) for i in range(BATCH)]


def test_the_valid_rows_cover_every_writable_field_and_encode(
    codec: RecordCodec, valid_rows: list[dict[str, Any]]
) -> None:
    assert all(set(row) == _writable(codec) for row in valid_rows)
    body = codec.encode_batch(valid_rows)
    assert len(body) == BATCH
    assert body[BAD_AT]["数字"] == BAD_AT
    assert body[BAD_AT]["多行文本"] == f"task {BAD_AT}"
    assert body[3]["日期"] == datetime_to_ms(datetime(2024, 1, 4, tzinfo=timezone.utc))
    assert body[5]["评分"] == 5


# Every entry of the tables above, as (case, field, value): each is placed alone at record 317.
BATCH_CASES: list[tuple[str, str, Any]] = [
    *(("bad value", f, v) for f, v in BAD),
    *(("unknown field", f, v) for f, v in UNKNOWN),
    *(("read-only", f, "anything") for f in READ_ONLY),
    *(("read-only clear", f, None) for f in READ_ONLY),
]


def _with_bad_record(
    valid_rows: Sequence[Mapping[str, Any]], field: str, value: Any
) -> list[Mapping[str, Any]]:
    """The valid rows with ``field: value`` added to (or replaced in) record 317 only."""
    rows = list(valid_rows)
    rows[BAD_AT] = {**rows[BAD_AT], field: value}
    return rows


def _given_forms(value: Any) -> set[str]:
    """What an error may quote as given: the value, or the element of it that is wrong."""
    forms = {short_repr(value)}
    if isinstance(value, (list, tuple)):
        forms |= {short_repr(item) for item in value}
    return forms


def _encode_outcome(
    codec: RecordCodec, rows: list[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]] | None, FieldValueError | None]:
    """Run ``encode_batch`` and return (what it returned, what it raised)."""
    try:
        return codec.encode_batch(rows), None
    except FieldValueError as exc:
        return None, exc


@pytest.mark.parametrize(
    ("case", "field", "value"),
    BATCH_CASES,
    ids=[f"{case}-{field}-{i}" for i, (case, field, _) in enumerate(BATCH_CASES)],
)
def test_one_bad_record_at_317_of_500_names_it_and_encodes_nothing(
    codec: RecordCodec, valid_rows: list[dict[str, Any]], case: str, field: str, value: Any
) -> None:
    rows = _with_bad_record(valid_rows, field, value)
    body, err = _encode_outcome(codec, rows)

    # The exception is the only outcome: no body at all, not a partial one.
    assert body is None
    assert err is not None
    # Exactly one error: the 499 other records were accepted.
    assert not isinstance(err, BatchFieldValueError)
    assert err.record_index == BAD_AT
    assert err.record_id is None
    assert err.field_name == field
    assert err.given in _given_forms(value)
    assert err.expected
    message = str(err)
    assert message.startswith(f"record {BAD_AT}, field {field!r}")
    assert f"; expected {err.expected}" in message
    assert f"; given {err.given}" in message
    if case == "unknown field":
        assert err.field_type is None  # the table has no such field, so no type
        assert "unknown field" in message
        assert err.expected.startswith("a field name of the table")
    else:
        assert err.field_type == TYPE_NAME[field]
        assert f"type {TYPE_NAME[field]}: " in message
    if case.startswith("read-only"):
        assert "read-only" in message


def test_batch_collects_every_error(codec: RecordCodec) -> None:
    rows = [_row(i) for i in range(10)]
    rows[2]["复选框"] = "yes"
    rows[7]["nope"] = 1
    rows[7]["创建时间"] = 1
    with pytest.raises(BatchFieldValueError) as info:
        codec.encode_batch(rows)
    err = info.value
    assert [e.record_index for e in err.errors] == [2, 7, 7]
    assert err.record_index == 2
    assert "records: 2, 7" in str(err)


def test_record_must_be_a_mapping(codec: RecordCodec) -> None:
    with pytest.raises(FieldValueError) as info:
        codec.encode_batch([_row(0), ["not", "a", "mapping"]])  # type: ignore[list-item]
    assert info.value.record_index == 1


def test_decode_errors_name_record_and_field(codec: RecordCodec) -> None:
    data = (
        '{"items":[{"record_id":"rec0","fields":{"数字":1}},'
        '{"record_id":"rec1","fields":{"数字":{"oops":1}}}],"has_more":false}'
    ).encode()
    with pytest.raises(FieldValueError) as info:
        codec.decode_page(data)
    err = info.value
    assert (err.record_index, err.record_id, err.field_name) == (1, "rec1", "数字")
    with pytest.raises(FieldValueError) as info:
        codec.decode_page('{"items":[{"record_id":"r","fields":{"日期":1e300}}]}'.encode())
    assert info.value.record_id == "r"
    assert info.value.field_name == "日期"
    # a non-numeric string in a number cell is kept raw: one odd cell never breaks a page
    page = codec.decode_page('{"items":[{"record_id":"r","fields":{"数字":"12abc"}}]}')
    assert page.items[0].fields["数字"] == "12abc"
    # ... but it is not written back: writes stay strict
    with pytest.raises(FieldValueError) as info:
        codec.encode_fields(page.items[0].fields)
    assert info.value.field_name == "数字"
