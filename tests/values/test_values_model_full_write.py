"""Record models: a full write (``only_changed=False``) never changes a cell the instance did not.

Annotations such as ``Person`` on a multi-person field, ``str`` on a URL or text
field, ``list[str]`` on a link or ``date`` on a date field see the cell through
a one-way conversion. A decoded instance remembers those cells as read, and a
full write sends an unassigned attribute back as read: all persons, the URL's
display text, the exact timestamp. A link read without its record ids is
refused (not cleared), and a text cell with mentions is left out of the write.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timezone
from typing import Annotated, Any

import pytest
from _values_support import example, example_bytes, seed_schema, task_schema

from bitable_async.errors import FieldValueError
from bitable_async.values import (
    Field,
    LinkValue,
    Person,
    RecordCodec,
    RecordModel,
    TextSegment,
    Url,
)

UTC = timezone.utc
PERSONS = ["ou_2910013f1e6456f16a0ce75ede950a0a", "ou_e04138c9633dd0d2ea166d79f548ab5d"]


class Seed(RecordModel):
    owner: Annotated[Person | None, Field("人员")] = None
    url: Annotated[str | None, Field("超链接")] = None
    text: Annotated[str | None, Field("多行文本")] = None
    day: Annotated[date | None, Field("日期")] = None
    one_way: Annotated[list[str], Field("单向关联")] = []  # noqa: RUF012
    number: Annotated[float | None, Field("数字")] = None
    barcode: Annotated[str | None, Field("条码")] = None
    options: Annotated[list[str], Field("多选")] = []  # noqa: RUF012


class Okr(RecordModel):
    title: Annotated[str, Field("任务描述")]
    okr: Annotated[list[str], Field("对应 OKR")] = []  # noqa: RUF012


class OkrValue(RecordModel):
    okr: Annotated[LinkValue | None, Field("对应 OKR")] = None


class Segments(RecordModel):
    text: Annotated[list[TextSegment] | None, Field("多行文本")] = None
    anything: Annotated[Any, Field("条码")] = None


def _seed_record() -> dict[str, Any]:
    data = example("app_table_record.batch_get.response.json")["data"]
    return {"items": data["records"]}


def _seed(model: type[RecordModel]) -> tuple[Any, Any]:
    mc = RecordCodec.from_fields(seed_schema()).model_codec(model)
    (obj,) = mc.decode_page(example_bytes(_seed_record())).items
    return mc, obj


def _list_example() -> bytes:
    return example_bytes(example("app_table_record.list.response.json")["data"])


def test_an_unchanged_instance_is_written_back_as_read() -> None:
    mc, seed = _seed(Seed)
    # What the attributes show is the converted value ...
    assert seed.owner.id == PERSONS[0]
    assert seed.url == "https://bitable.feishu.cn"
    assert seed.text == "多行文本内容1@张敏"
    assert seed.day == date(2023, 8, 2)
    # ... but a full write sends the cells as they were read.
    full = mc.encode(seed, only_changed=False)
    assert full["人员"] == [{"id": PERSONS[0]}, {"id": PERSONS[1]}]  # both persons
    assert full["超链接"] == {"text": "飞书多维表格官网", "link": "https://bitable.feishu.cn"}
    assert full["日期"] == 1690992000000  # the timestamp, not midnight of the date
    assert full["单向关联"] == ["recnVYsuqV"]
    assert full["数字"] == 2323.2323
    assert full["条码"] == "123"  # plain text segments are written as their text
    assert full["多选"] == ["选项1", "选项2"]
    # The mention cannot be written (text is written as a plain string): the
    # cell is left out, so an update leaves it as it is.
    assert "多行文本" not in full
    # Nothing was assigned: a partial write sends nothing.
    assert mc.encode(seed) == {}


def test_assigned_attributes_are_written_as_assigned() -> None:
    mc, seed = _seed(Seed)
    seed.owner = Person(id="ou_new")
    seed.url = "https://example.com/x"
    seed.text = "plain now"
    seed.day = date(2024, 1, 2)
    full = mc.encode(seed, only_changed=False)
    assert full["人员"] == [{"id": "ou_new"}]
    assert full["超链接"] == {"text": "https://example.com/x", "link": "https://example.com/x"}
    assert full["多行文本"] == "plain now"
    assert full["日期"] == int(datetime(2024, 1, 2, tzinfo=UTC).timestamp() * 1000)
    # Assigning the value decoding gave is an assignment too: written as assigned.
    mc2, again = _seed(Seed)
    again.owner = again.owner
    assert mc2.encode(again, only_changed=False)["人员"] == [{"id": PERSONS[0]}]
    assert mc2.encode(again) == {"人员": [{"id": PERSONS[0]}]}


def test_a_value_changed_in_place_is_written_as_it_now_is() -> None:
    mc, seed = _seed(Seed)
    seed.one_way.append("recAdded")
    assert seed.changed == frozenset()  # in-place changes are not tracked ...
    full = mc.encode(seed, only_changed=False)
    assert full["单向关联"] == ["recnVYsuqV", "recAdded"]  # ... but not overwritten
    assert mc.encode(seed) == {}  # a partial write still sends only assignments


def test_a_link_read_without_record_ids_is_refused_not_cleared() -> None:
    codec = RecordCodec.from_fields(task_schema())
    mc = codec.model_codec(Okr)
    first = mc.decode_page(_list_example()).items[0]
    assert first.okr == []  # the list example carries display text only
    with pytest.raises(FieldValueError, match="link record ids unknown") as info:
        mc.encode(first, only_changed=False, record_index=3)
    assert info.value.field_name == "对应 OKR"
    assert info.value.record_index == 3
    # The same refusal as for a LinkValue attribute (the existing safeguard).
    lv = codec.model_codec(OkrValue)
    first_lv = lv.decode_page(_list_example()).items[0]
    with pytest.raises(FieldValueError, match="link record ids unknown"):
        lv.encode(first_lv, only_changed=False)
    # A partial write is not affected, and an assigned link is written as assigned.
    assert mc.encode(first) == {}
    first.okr = ["recKnown"]
    assert mc.encode(first, only_changed=False)["对应 OKR"] == ["recKnown"]
    first.okr = []
    assert mc.encode(first, only_changed=False)["对应 OKR"] == []  # an explicit clear


def test_batch_full_writes_refuse_only_the_records_that_cannot_be_written_back() -> None:
    codec = RecordCodec.from_fields(task_schema())
    mc = codec.model_codec(Okr)
    first, second = mc.decode_page(_list_example()).items
    assert second.okr == []
    second.okr = ["recB"]
    with pytest.raises(FieldValueError) as info:
        mc.encode_batch([second, first], only_changed=False)
    assert info.value.record_index == 1
    assert info.value.field_name == "对应 OKR"
    first.okr = ["recA"]
    out = mc.encode_batch([first, second], only_changed=False)
    assert [row["对应 OKR"] for row in out] == [["recA"], ["recB"]]


def test_text_segments_with_mentions_or_links_are_left_out_unless_assigned() -> None:
    mc, seg = _seed(Segments)
    assert seg.text[1].type == "mention"
    assert seg.anything == [TextSegment(text="123")]  # Any: the value as decoded
    full = mc.encode(seg, only_changed=False)
    assert "多行文本" not in full
    assert full["条码"] == "123"
    seg.text = [*seg.text, TextSegment(text="!")]
    assert mc.encode(seg, only_changed=False)["多行文本"] == "多行文本内容1@张敏!"

    # The list example's second record: text, url and mention segments.
    class Notes(RecordModel):
        notes: Annotated[str | None, Field("多行文本")] = None

    notes = RecordCodec.from_fields(task_schema()).model_codec(Notes)
    first, second = notes.decode_page(_list_example()).items
    assert second.notes == "hello@test未命名多维表格测试链接标题"
    assert "多行文本" not in notes.encode(second, only_changed=False)
    assert notes.encode(first, only_changed=False) == {"多行文本": None}  # empty: stays empty


def test_url_attributes_keep_their_text_and_read_only_fields_stay_out() -> None:
    class Doc(RecordModel):
        doc: Annotated[str | None, Field("文档地址")] = None
        url: Annotated[Url | None, Field("链接 URL")] = None
        twin: Annotated[list[str], Field("双向关联")] = []  # noqa: RUF012

    codec = RecordCodec.from_fields(task_schema())
    mc = codec.model_codec(Doc)
    first = mc.decode_page(_list_example()).items[0]
    assert first.doc == "https://bytedance.feishu.cn/drive/home/"
    full = mc.encode(first, only_changed=False)
    assert full["文档地址"] == {
        "text": "文档备份",
        "link": "https://bytedance.feishu.cn/drive/home/",
    }
    assert "双向关联" not in full  # read-only: never written unless assigned


def test_copies_keep_their_own_assignments_and_the_cells_as_read() -> None:
    mc, seed = _seed(Seed)
    twin = copy.copy(seed)
    twin.url = "https://example.com"
    assert twin.changed == frozenset({"url"})
    assert seed.changed == frozenset()  # the original is not marked
    full = mc.encode(twin, only_changed=False)
    assert full["超链接"]["link"] == "https://example.com"
    assert full["人员"] == [{"id": PERSONS[0]}, {"id": PERSONS[1]}]  # still as read
    assert mc.encode(seed, only_changed=False)["超链接"]["text"] == "飞书多维表格官网"


def test_constructed_instances_write_their_values() -> None:
    mc = RecordCodec.from_fields(seed_schema()).model_codec(Seed)
    new = Seed(owner=Person(id="ou_1"), url="https://a.example", text="t")
    assert mc.encode(new, only_changed=False) == {
        "人员": [{"id": "ou_1"}],
        "超链接": {"text": "https://a.example", "link": "https://a.example"},
        "多行文本": "t",
        # class defaults, set on construction
        "日期": None,
        "单向关联": [],
        "数字": None,
        "条码": None,
        "多选": [],
    }


def test_an_empty_cell_shown_as_a_default_stays_empty() -> None:
    class Defaults(RecordModel):
        title: Annotated[str, Field("任务描述")] = "untitled"
        cost: Annotated[int, Field("人力耗时")] = 0
        owners: Annotated[list[Person], Field("任务执行人")]  # [] for an empty cell
        depts: Annotated[list[str], Field("相关部门")] = []  # noqa: RUF012

    mc = RecordCodec.from_fields(task_schema()).model_codec(Defaults)
    (obj,) = mc.decode_page(b'{"items":[{"record_id":"rec1","fields":{}}]}').items
    assert (obj.title, obj.cost, obj.owners, obj.depts) == ("untitled", 0, [], [])
    full = mc.encode(obj, only_changed=False)
    assert full == {"任务描述": None, "人力耗时": None, "任务执行人": None, "相关部门": None}
    obj.owners.append(Person(id="ou_1"))  # changed in place: written as it now is
    obj.cost = 0  # assigned: written as assigned, even when equal to the default
    full = mc.encode(obj, only_changed=False)
    assert full["任务执行人"] == [{"id": "ou_1"}]
    assert full["人力耗时"] == 0
    assert full["任务描述"] is None
