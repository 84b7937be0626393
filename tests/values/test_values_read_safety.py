"""What is read must be safe to write back: links with unknown ids, odd number cells."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest
from _values_support import example, example_bytes, seed_schema, task_schema

from bitable_async.errors import FieldValueError
from bitable_async.models.fields import NumberField
from bitable_async.values import Field, LinkValue, RecordCodec, RecordModel
from bitable_async.values.codecs_scalar import parse_numeric

TASK = RecordCodec.from_fields(task_schema())
SEED = RecordCodec.from_fields(seed_schema())
READ_ONLY = {"双向关联"}

# ---------------------------------------------------------------- links


def _list_page_records() -> list[Any]:
    return list(
        TASK.decode_page(
            example_bytes(example("app_table_record.list.response.json")["data"])
        ).items
    )


def test_text_only_link_from_list_is_never_written_as_empty() -> None:
    first = _list_page_records()[0]
    okr = first.fields["对应 OKR"]
    assert okr.ids_known is False
    assert okr.record_ids == ()
    # the record read from list, written back as is: refused, naming the field
    writable = {k: v for k, v in first.fields.items() if k not in READ_ONLY and v is not None}
    with pytest.raises(FieldValueError) as info:
        TASK.encode_fields(writable, record_index=4)
    err = info.value
    assert err.field_name == "对应 OKR"
    assert err.record_index == 4
    assert "ids unknown" in str(err)
    assert err.expected is not None
    assert "batch_get" in err.expected
    # inside a batch nothing is returned either
    with pytest.raises(FieldValueError):
        TASK.encode_batch([{"任务描述": "ok"}, {"对应 OKR": okr}])
    # without the link the rest of the record round-trips
    rest = {k: v for k, v in writable.items() if k != "对应 OKR"}
    assert "对应 OKR" not in TASK.encode_fields(rest)


def test_links_with_ids_round_trip_from_every_read_shape() -> None:
    first = _list_page_records()[0]
    assert TASK.encode_fields({"单向关联": first.fields["单向关联"]}) == {
        "单向关联": ["recl1IWVnB"]
    }
    codec = TASK.codec("对应 OKR")
    for cell, ids in [
        ('{"link_record_ids":["recA","recB"]}', ["recA", "recB"]),
        ('["recA"]', ["recA"]),
        ('[{"record_ids":["recA"],"text":"a"},{"record_ids":["recB"]}]', ["recA", "recB"]),
        ("[]", []),  # a genuinely empty link: ids known (none)
        ('[{"record_ids":[],"text":""}]', []),
    ]:
        value = codec.decode(cell)
        assert value.ids_known is True, cell
        assert codec.encode(value) == ids, cell


def test_partly_known_link_ids_are_refused() -> None:
    codec = TASK.codec("对应 OKR")
    value = codec.decode('[{"record_ids":["recA"],"text":"a"},{"text":"b","type":"text"}]')
    assert value == LinkValue(record_ids=("recA",), text="a,b", ids_known=False)
    with pytest.raises(FieldValueError, match="ids unknown"):
        codec.encode(value)
    with pytest.raises(FieldValueError, match="ids unknown"):
        codec.encode(["recZ", value])
    # the caller can always write ids explicitly
    assert codec.encode(["recA", "recB"]) == ["recA", "recB"]


def test_fast_and_cell_paths_agree_on_unknown_ids() -> None:
    body = example_bytes(
        [{"record_id": "r", "fields": {"对应 OKR": [{"text": "KR", "type": "text"}]}}]
    )
    from bitable_async.models.record import RawRecord

    fast = TASK.decode_record_list(body)
    slow = TASK.decode_records(msgspec.json.decode(body, type=list[RawRecord]))
    assert fast == slow
    assert fast[0].fields["对应 OKR"].ids_known is False


class _Okr(RecordModel):
    title: Annotated[str | None, Field("任务描述")] = None
    okr: Annotated[LinkValue | None, Field("对应 OKR")] = None
    okr_ids: Annotated[list[str], Field("单向关联")] = []  # noqa: RUF012


def test_model_does_not_write_back_an_unread_link() -> None:
    mc = TASK.model_codec(_Okr)
    data = example_bytes(example("app_table_record.list.response.json")["data"])
    task = mc.decode_page(data).items[0]
    task.title = "renamed"
    # partial update: the link read as text only is not part of the write
    assert mc.encode(task) == {"任务描述": "renamed"}
    task.okr = task.okr  # assigning the unknown-ids value is refused, not sent as []
    with pytest.raises(FieldValueError, match="ids unknown"):
        mc.encode(task)


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("64", 64),
        ("-3", -3),
        ("+7", 7),
        ("0", 0),
        ("2323.2323", 2323.2323),
        ("-0.5", -0.5),
        ("1e3", 1000.0),
        ("1.5E-2", 0.015),
        ("00012", 12),
    ],
)
def test_strict_numeric_strings_are_numbers(text: str, number: float) -> None:
    value = parse_numeric(text)
    assert value == number
    assert type(value) is type(number)
    assert SEED.codec("数字").decode(msgspec.json.encode(text)) == number


ODD_NUMBERS = [
    "1,000",
    "66%",
    "1_0",
    " 1",
    "1 ",
    "",
    ".5",
    "5.",
    "nan",
    "inf",
    "-Infinity",
    "1e999",
    "0x10",
    "١٢",  # non-ASCII digits that int() would accept
    "¥12",
    "9" * 5000,  # more digits than int() converts
]


@pytest.mark.parametrize("text", ODD_NUMBERS)
def test_odd_number_strings_stay_raw_on_read_and_fail_on_write(text: str) -> None:
    assert parse_numeric(text) is None
    codec = SEED.codec("数字")
    assert codec.decode(msgspec.json.encode(text)) == text
    with pytest.raises(FieldValueError) as info:
        SEED.encode_fields({"数字": text})
    assert info.value.field_name == "数字"


def test_one_odd_number_cell_does_not_break_the_page() -> None:
    items: list[dict[str, Any]] = [
        {"record_id": f"r{i}", "fields": {"数字": str(i), "进度": "0.5"}} for i in range(50)
    ]
    items[17]["fields"]["数字"] = "1,000"
    items[31]["fields"]["进度"] = "66%"
    page = SEED.decode_page(example_bytes({"items": items, "has_more": False}))
    values = [r.fields["数字"] for r in page.items]
    assert values[17] == "1,000"
    assert values[16] == 16
    assert values[18] == 18
    assert page.items[31].fields["进度"] == "66%"
    assert page.items[30].fields["进度"] == 0.5


class _Num(RecordModel):
    amount: Annotated[float | None, Field("数字")] = None


class _Int(RecordModel):
    amount: Annotated[int | None, Field("数字")] = None


class _IntOrFloat(RecordModel):
    amount: Annotated[int | float | None, Field("数字")] = None


@pytest.mark.parametrize("model", [_Num, _Int, _IntOrFloat])
def test_models_with_number_attributes_refuse_a_raw_string(model: type[RecordModel]) -> None:
    codec = RecordCodec.from_fields([NumberField(field_name="数字")])
    mc = codec.model_codec(model)
    ok = mc.decode_page('{"items":[{"record_id":"a","fields":{"数字":"12"}}]}'.encode())
    assert ok.items[0].amount == 12
    body = '{"items":[{"record_id":"b","fields":{"数字":"1,000"}}]}'.encode()
    with pytest.raises(FieldValueError) as info:
        mc.decode_page(body)
    assert (info.value.record_id, info.value.field_name) == ("b", "数字")


def test_page_finishing_error_names_the_record() -> None:
    """Cells are finished column by column; an out-of-range one still names its record."""
    items: list[dict[str, Any]] = [
        {"record_id": f"r{i}", "fields": {"日期": 1690992000000, "创建人": [{"id": "ou"}]}}
        for i in range(6)
    ]
    items[3]["fields"]["日期"] = 1e300
    body = example_bytes({"items": items})
    with pytest.raises(FieldValueError) as info:
        SEED.decode_page(body)
    assert (info.value.record_index, info.value.record_id, info.value.field_name) == (
        3,
        "r3",
        "日期",
    )
    with pytest.raises(FieldValueError) as info:
        SEED.decode_record_list(example_bytes(items))
    assert info.value.record_index == 3
    del items[3]
    page = SEED.decode_page(example_bytes({"items": items}))
    assert [r.fields["创建人"].id for r in page.items] == ["ou"] * 5
    assert all(r.fields["日期"].year == 2023 for r in page.items)
