"""Property tests: encode(decode(x)) is stable; garbage gives FieldValueError only."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec
import pytest
from _values_support import derived_schema, seed_schema
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bitable_async.errors import FieldValueError
from bitable_async.values import LinkValue, RecordCodec

CODEC = RecordCodec.from_fields([*seed_schema(), *derived_schema()])
OPTIONS = ["选项1", "选项2"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12)
texts = st.text(max_size=20)
opt_text = st.none() | texts
segment = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": texts}),
    st.fixed_dictionaries(
        {
            "type": st.just("mention"),
            "text": texts,
            "mentionType": st.sampled_from(["User", "Bitable"]),
            "token": ids,
        },
        optional={"mentionNotify": st.booleans(), "name": texts, "link": texts},
    ),
    st.fixed_dictionaries({"type": st.just("url"), "text": texts, "link": texts}),
)
text_cell = texts | st.lists(segment, max_size=4)
finite = st.floats(allow_nan=False, allow_infinity=False)
number_cell = st.integers(-(10**15), 10**15) | finite | st.integers(-(10**9), 10**9).map(str)
person = st.fixed_dictionaries(
    {"id": ids}, optional={"name": texts, "en_name": texts, "email": texts, "avatar_url": texts}
)
attachment = st.fixed_dictionaries(
    {"file_token": ids},
    optional={
        "name": texts,
        "size": st.integers(0, 10**10),
        "type": texts,
        "url": texts,
        "tmp_url": texts,
    },
)
link_cell = st.one_of(
    st.lists(ids, max_size=4),
    st.fixed_dictionaries({"link_record_ids": st.lists(ids, max_size=4)}),
    st.lists(
        st.fixed_dictionaries(
            {"record_ids": st.lists(ids, max_size=3)},
            optional={"table_id": ids, "text": texts, "type": st.just("text")},
        )
        # the display-text-only element of list/get: its ids are unknown
        | st.fixed_dictionaries({"text": texts, "type": st.just("text")}),
        max_size=2,
    ),
)
coord = st.tuples(st.floats(-180, 180), st.floats(-90, 90)).map(lambda p: f"{p[0]},{p[1]}")
location_cell = st.fixed_dictionaries(
    {"location": coord},
    optional={k: texts for k in ("pname", "cityname", "adname", "address", "name", "full_address")},
)

READ_SHAPES: dict[str, st.SearchStrategy[Any]] = {
    "多行文本": text_cell,
    "条码": text_cell,
    "数字": number_cell,
    "进度": number_cell,
    "货币": number_cell,
    "评分": number_cell,
    "单选": st.sampled_from(OPTIONS),
    "多选": st.lists(st.sampled_from(OPTIONS), max_size=3),
    # years 1900-2200, negative timestamps included
    "日期": st.integers(-2208988800000, 7258118400000),
    "复选框": st.booleans(),
    "人员": st.lists(person, max_size=3),
    "电话号码": st.from_regex(r"\+?[0-9]{0,15}", fullmatch=True),
    "超链接": st.fixed_dictionaries({"link": ids, "text": texts}),
    "附件": st.lists(attachment, max_size=3),
    "单向关联": link_cell,
    "地理位置": location_cell,
}


def test_every_writable_type_is_covered() -> None:
    writable = {n for n in CODEC.field_names if not CODEC.codec(n).read_only}
    assert writable == set(READ_SHAPES)


@pytest.mark.parametrize("name", sorted(READ_SHAPES))
def test_encode_decode_is_stable(name: str) -> None:
    codec = CODEC.codec(name)

    @SETTINGS
    @given(READ_SHAPES[name])
    def check(cell: Any) -> None:
        value = codec.decode(msgspec.json.encode(cell))
        if isinstance(value, LinkValue) and not value.ids_known:
            # never written back as an empty / truncated link
            with pytest.raises(FieldValueError, match="ids unknown"):
                codec.encode(value)
            return
        wire = codec.encode(value)
        # the write shape reads back to a value that encodes to the same write shape
        again = codec.decode(msgspec.json.encode(wire))
        assert codec.encode(again) == wire
        # and the whole-record paths agree with the single-cell path
        body = msgspec.json.encode([{"record_id": "r", "fields": {name: cell}}])
        assert CODEC.decode_record_list(body)[0].fields[name] == value

    check()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | finite | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
python_garbage = json_values | st.builds(object) | st.sets(st.integers(), max_size=3) | st.binary()
ALL_FIELDS = list(CODEC.field_names)

# Cells holding invalid UTF-8 inside a string (msgspec raises UnicodeDecodeError for
# them, not DecodeError): a lone continuation byte, a truncated sequence, an encoded
# surrogate, a code point past U+10FFFF, a byte never valid in UTF-8.
not_utf8 = st.sampled_from(
    [b"\x80", b"\xc3", b"\xe6\x95", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xff"]
)
utf8_text = st.text(
    st.characters(exclude_characters='"\\', exclude_categories=["Cs", "Cc"]), max_size=5
).map(str.encode)
bad_string = st.builds(lambda a, bad, b: b'"' + a + bad + b + b'"', utf8_text, not_utf8, utf8_text)
invalid_utf8_cells = st.one_of(
    bad_string,
    bad_string.map(lambda s: b"[" + s + b"]"),  # a list of strings (multi-select, link ids)
    bad_string.map(lambda s: b'[{"type":"text","text":' + s + b"}]"),  # a text segment
    bad_string.map(lambda s: b'[{"id":' + s + b"}]"),  # a person
    bad_string.map(lambda s: b'{"location":' + s + b"}"),  # a location
    bad_string.map(lambda s: b"{" + s + b":1}"),  # an object key
)
garbage_cells = json_values.map(msgspec.json.encode) | invalid_utf8_cells


def _attempt(fn: Callable[[], object]) -> FieldValueError | None:
    """Run ``fn``; return the FieldValueError it raised (any other exception propagates)."""
    try:
        fn()
    except FieldValueError as exc:
        return exc
    return None


@SETTINGS
@given(st.sampled_from(ALL_FIELDS), garbage_cells)
@example("多行文本", b'"\x80"')
@example("数字", b'"1\xff"')
@example("人员", b'[{"id":"ou_\xc3"}]')
def test_garbage_cells_raise_field_value_error_only(name: str, raw: bytes) -> None:
    codec = CODEC.codec(name)
    err = _attempt(lambda: codec.decode(raw))
    assert err is None or err.field_name == name
    body = b'{"items":[{"record_id":"r","fields":{%s:%s}}]}' % (msgspec.json.encode(name), raw)
    err = _attempt(lambda: CODEC.decode_page(body))
    assert err is None or (err.record_index, err.record_id, err.field_name) == (0, "r", name)
    records = body[len(b'{"items":') : -1]
    err = _attempt(lambda: CODEC.decode_record_list(records))
    assert err is None or (err.record_index, err.record_id, err.field_name) == (0, "r", name)


@SETTINGS
@given(st.binary(max_size=20) | invalid_utf8_cells)
@example(b'"\x80"')
@example(b'["\xed\xa0\x80"]')
def test_non_json_cells_raise_field_value_error(data: bytes) -> None:
    for name in ("数字", "多行文本", "人员", "单向关联", "地理位置"):
        with contextlib.suppress(FieldValueError):
            CODEC.codec(name).decode(data)


@SETTINGS
@given(st.sampled_from(ALL_FIELDS), python_garbage)
def test_garbage_values_on_write_raise_field_value_error_only(name: str, value: Any) -> None:
    out: dict[str, Any] = {}

    def run() -> None:
        out.update(CODEC.encode_fields({name: value}, record_index=0))

    err = _attempt(run)
    if err is not None:
        assert (err.field_name, err.record_index) == (name, 0)
        return
    # accepted: then it is a valid write shape, which reads back through the codec
    codec = CODEC.codec(name)
    assert not codec.read_only
    wire = out[name]
    if wire is not None:
        codec.decode(msgspec.json.encode(wire))


# Values each writable type must refuse (drawn at random from these families).
scalars = st.integers() | finite | st.booleans()
dicts = st.dictionaries(st.text(max_size=4), json_values, max_size=3)
non_str_lists = st.lists(st.integers() | st.booleans() | dicts, min_size=1, max_size=3)
bad_texts = st.integers() | finite | st.booleans() | dicts | st.lists(texts, min_size=1, max_size=3)
bad_numbers = st.text(max_size=8) | st.booleans() | dicts | st.lists(finite, max_size=3)
bad_numbers |= st.sampled_from([float("nan"), float("inf"), float("-inf")])
not_an_option = texts.filter(lambda t: t not in OPTIONS)
naive = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1))
BAD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "多行文本": bad_texts,
    "条码": bad_texts,
    "数字": bad_numbers,
    "进度": bad_numbers,
    "货币": bad_numbers,
    "评分": bad_numbers,
    "单选": scalars | dicts | st.lists(st.sampled_from(OPTIONS), max_size=2) | not_an_option,
    "多选": st.sampled_from(OPTIONS) | scalars | dicts | st.lists(not_an_option, min_size=1),
    "日期": texts | finite | st.booleans() | dicts | st.lists(st.integers(), max_size=2) | naive,
    "复选框": st.integers() | finite | texts | dicts | st.lists(st.booleans(), max_size=2),
    "人员": scalars | st.just("") | st.fixed_dictionaries({"name": texts}) | non_str_lists,
    "电话号码": scalars
    | dicts
    | st.lists(texts, max_size=2)
    | st.from_regex(r"\+?[0-9]*[a-z\- ][0-9]*", fullmatch=True),
    "超链接": scalars | st.just("") | st.fixed_dictionaries({"text": texts}) | non_str_lists,
    # a non-empty str is a file token (accepted by design); the empty one is not
    "附件": scalars | st.just("") | st.fixed_dictionaries({"name": texts}) | non_str_lists,
    "单向关联": scalars
    | st.just("")
    | dicts
    | non_str_lists
    | st.just(LinkValue(text="shown only", ids_known=False)),
    "地理位置": scalars
    | dicts
    | st.sampled_from(["", "1", "1,2,3", "200,0", "0,91", "a,b", "nan,1"])
    | st.tuples(st.booleans(), st.booleans()),
}


def test_every_writable_type_has_bad_values() -> None:
    assert set(BAD_VALUES) == set(READ_SHAPES)


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_known_bad_values_raise_field_value_error(name: str) -> None:
    @SETTINGS
    @given(BAD_VALUES[name])
    def check(value: Any) -> None:
        with pytest.raises(FieldValueError) as info:
            CODEC.encode_fields({name: value}, record_index=7)
        assert (info.value.field_name, info.value.record_index) == (name, 7)

    check()
