"""Edge cases found by review: huge numbers in float attributes, non-ASCII digits in
phone numbers, duplicate keys in a cell object."""

from __future__ import annotations

import json
from typing import Annotated

import msgspec
import pytest

from bitable_async.errors import FieldValueError
from bitable_async.models.fields import NumberField, PhoneField
from bitable_async.models.record import RawRecord, RawRecordPage
from bitable_async.values import Field, RecordCodec, RecordModel

CODEC = RecordCodec.from_fields([NumberField(field_name="n"), PhoneField(field_name="tel")])


class Amount(RecordModel):
    n: Annotated[float | None, Field("n")] = None


@pytest.mark.parametrize("cell", ["1" + "0" * 400, '"1' + "0" * 400 + '"'])
def test_a_number_beyond_float_range_in_a_float_attribute_is_a_field_value_error(
    cell: str,
) -> None:
    body = ('{"items":[{"record_id":"r1","fields":{"n":' + cell + "}}]}").encode()
    (record,) = CODEC.decode_page(body).items
    assert record.fields["n"] == 10**400  # a record keeps the exact int
    with pytest.raises(FieldValueError) as info:
        CODEC.model_codec(Amount).decode_page(body)
    err = info.value
    assert err.field_name == "n"
    assert err.record_index == 0
    assert err.record_id == "r1"
    assert "float" in str(err)


@pytest.mark.parametrize(
    "phone",
    [
        "\u0661\u0663\u0661\u0660\u0660",  # Arabic-Indic digits
        "\uff11\uff13\uff11",  # full-width digits
        "\u0967\u0968",  # Devanagari digits
        "131\n",
        "+86 131",
    ],
)
def test_phone_numbers_take_ascii_digits_only(phone: str) -> None:
    with pytest.raises(FieldValueError) as info:
        CODEC.encode_fields({"tel": phone})
    assert info.value.field_name == "tel"
    assert "phone" in str(info.value)


@pytest.mark.parametrize("phone", ["", "+", "13100006666", "+8613100006666"])
def test_phone_numbers_matching_the_documented_pattern_pass(phone: str) -> None:
    assert CODEC.encode_fields({"tel": phone}) == {"tel": phone}


def test_a_duplicate_key_in_a_record_decodes_like_a_json_object_does() -> None:
    """The last value of a repeated key wins, on both paths, without a stray msgspec error."""
    body = b'{"items":[{"record_id":"r","fields":{"n":{"bad":1},"n":5}}]}'
    (record,) = CODEC.decode_page(body).items
    assert record.fields["n"] == json.loads(body)["items"][0]["fields"]["n"] == 5
    array = b'[{"record_id":"r","fields":{"n":{"bad":1},"n":5}}]'
    assert CODEC.decode_record_list(array)[0].fields["n"] == 5


def test_a_bad_cell_after_the_fast_path_fails_still_names_record_and_field() -> None:
    body = '{"items":[{"record_id":"a","fields":{"n":1}},{"record_id":"b","fields":{"n":{}}}]}'
    with pytest.raises(FieldValueError) as info:
        CODEC.decode_page(body.encode())
    assert (info.value.record_index, info.value.record_id, info.value.field_name) == (1, "b", "n")


def test_a_model_page_reads_its_own_fields_and_agrees_with_the_cell_path() -> None:
    """Model pages are parsed for the model's cells only; cells of other fields never matter."""
    body = (
        b'{"items":['
        b'{"record_id":"a","fields":{"n":"12","tel":{"not":"a phone"}}},'
        b'{"record_id":"b","fields":{"n":{"bad":1},"n":7.5,"tel":[1,2]}},'
        b'{"id":"c","fields":{}}'
        b'],"has_more":true,"page_token":"p2","total":9}'
    )
    mc = CODEC.model_codec(Amount)
    page = mc.decode_page(body)
    assert [(m.record_id, m.n) for m in page.items] == [("a", 12.0), ("b", 7.5), ("c", None)]
    assert (page.has_more, page.page_token, page.total) == (True, "p2", 9)
    raw = msgspec.json.decode(body, type=RawRecordPage)
    assert mc.decode_records(raw.items or []) == page.items
    with pytest.raises(FieldValueError) as info:
        mc.decode_page(
            b'{"items":[{"record_id":"a","fields":{}},{"record_id":"z","fields":{"n":[]}}]}'
        )
    assert (info.value.record_index, info.value.record_id, info.value.field_name) == (1, "z", "n")


def test_a_model_record_list_takes_the_fast_path_and_agrees_with_the_cell_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """records.list(model=...) decodes its items array with the model's own Struct."""
    from bitable_async.values.model import ModelCodec

    mc = CODEC.model_codec(Amount)
    valid = b'[{"record_id":"a","fields":{"n":"3","tel":{"x":1}}},{"id":"b","fields":{}}]'
    odd = b'[{"record_id":"a","fields":{"n":{"bad":1},"n":2}}]'
    expected = mc.decode_records(msgspec.json.decode(valid, type=list[RawRecord]))
    assert mc.decode_record_list(odd)[0].n == 2.0  # refused by the fast path: cell path
    with monkeypatch.context() as m:
        m.setattr(ModelCodec, "decode_records", None)  # the fast path must not need it
        got = mc.decode_record_list(valid)
    assert got == expected
    assert [(x.record_id, x.n) for x in got] == [("a", 3.0), ("b", None)]
