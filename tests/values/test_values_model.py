"""Record models: decode straight into instances, schema checks, partial-update encoding."""

# Mutable class defaults are the documented way to declare list attributes of a model.
# ruff: noqa: RUF012

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Any, Optional

import msgspec
import pytest
from _values_support import example, example_bytes, seed_schema, task_schema

from bitable_async.errors import FieldValueError
from bitable_async.models.record import RawRecordPage
from bitable_async.values import (
    Attachment,
    Field,
    LinkValue,
    Person,
    RecordCodec,
    RecordModel,
    TextSegment,
    Url,
)

UTC = timezone.utc


class Task(RecordModel):
    title: Annotated[str, Field("任务描述")]
    due: Annotated[datetime | None, Field("截止日期")] = None
    owners: Annotated[list[Person], Field("任务执行人")] = []
    cost: Annotated[int | None, Field("人力耗时")] = None
    done: Annotated[bool, Field("是否完成")] = False
    state: Annotated[Optional[str], Field("状态")] = None  # noqa: UP045
    depts: Annotated[list[str], Field("相关部门")] = []
    files: Annotated[list[Attachment], Field("任务附件")] = []
    doc: Annotated[Url | None, Field("文档地址")] = None
    okr: Annotated[list[str], Field("对应 OKR")] = []
    notes: Annotated[str | None, Field("多行文本")] = None
    twin: Annotated[LinkValue | None, Field("双向关联")] = None


@pytest.fixture
def codec() -> RecordCodec:
    return RecordCodec.from_fields(task_schema())


def test_decode_list_page_into_instances(codec: RecordCodec) -> None:
    data = example_bytes(example("app_table_record.list.response.json")["data"])
    mc = codec.model_codec(Task)
    assert codec.model_codec(Task) is mc  # cached per model and schema
    page = mc.decode_page(data)
    assert page.total == 2
    assert page.has_more is False
    first, second = page.items
    assert isinstance(first, Task)
    assert first.record_id == "recn0hoyXL"
    assert first.title == "我是最大的功能开发🥕"
    assert first.due == datetime(2021, 1, 31, 16, 0, tzinfo=UTC)
    assert first.owners[0].name == "黄泡泡"
    assert first.cost == 64
    assert second.cost == 16
    assert first.done is False
    assert second.done is True
    assert second.depts == ["产品", "设计", "研发"]
    assert first.files[0].file_token == "boxcnkQWfV4XbHwzDngmezMGzXe"
    assert first.doc == Url(link="https://bytedance.feishu.cn/drive/home/", text="文档备份")
    assert first.okr == []  # the example only carries display text for this link
    assert first.notes is None
    assert second.notes == "hello@test未命名多维表格测试链接标题"  # segments flattened to str
    assert first.twin is not None
    assert first.twin.record_ids == ("recl1IWVnB", "recrJk7SXT")
    assert first.changed == frozenset()
    # the Raw path gives the same instances
    raw = msgspec.json.decode(data, type=RawRecordPage)
    assert mc.decode_records(raw.items or []) == page.items


def test_partial_update_encoding(codec: RecordCodec) -> None:
    mc = codec.model_codec(Task)
    data = example_bytes(example("app_table_record.list.response.json")["data"])
    task = mc.decode_page(data).items[0]
    assert mc.encode(task) == {}  # nothing changed
    task.done = True
    task.due = None  # clears
    task.owners = [Person(id="ou_x"), "ou_y"]
    assert mc.encode(task) == {
        "是否完成": True,
        "截止日期": None,
        "任务执行人": [{"id": "ou_x"}, {"id": "ou_y"}],
    }
    # a full write refuses the link read as display text only (not cleared) ...
    with pytest.raises(FieldValueError, match="link record ids unknown"):
        mc.encode(task, only_changed=False)
    task.okr = ["recA"]
    # ... and skips read-only fields that were only decoded
    full = mc.encode(task, only_changed=False)
    assert full["对应 OKR"] == ["recA"]
    assert "双向关联" not in full
    assert full["任务描述"] == "我是最大的功能开发🥕"
    # setting a read-only attribute is an error
    task.twin = LinkValue(record_ids=("rec1",))
    with pytest.raises(FieldValueError, match="read-only"):
        mc.encode(task)


def test_new_instance_writes_only_given_attributes(codec: RecordCodec) -> None:
    mc = codec.model_codec(Task)
    task = Task(title="写文档", state="开发中", okr=["recA"])
    assert task.record_id is None
    assert task.depts == []
    assert task.depts is not Task.depts
    assert mc.encode(task) == {"任务描述": "写文档", "状态": "开发中", "对应 OKR": ["recA"]}
    update = Task(record_id="rec1", cost=None)
    assert update.record_id == "rec1"
    assert mc.encode(update) == {"人力耗时": None}
    with pytest.raises(AttributeError):
        _ = update.title  # unset, no default
    with pytest.raises(TypeError, match="no attribute"):
        Task(nope=1)
    bad = Task(title="x", state="不存在")
    with pytest.raises(FieldValueError) as info:
        mc.encode_batch([Task(title="ok"), bad])
    assert info.value.record_index == 1
    assert info.value.field_name == "状态"
    assert mc.encode_batch([task, update]) == [mc.encode(task), mc.encode(update)]


def test_model_checked_against_schema_once(codec: RecordCodec) -> None:
    class Wrong(RecordModel):
        title: Annotated[int, Field("任务描述")]
        missing: Annotated[str, Field("不存在的字段")]
        due: Annotated[str, Field("截止日期")]
        ok: Annotated[Any, Field("状态")] = None

    with pytest.raises(FieldValueError) as info:
        codec.model_codec(Wrong)
    msg = str(info.value)
    assert "'title'" in msg
    assert "text(1)" in msg
    assert "'不存在的字段'" in msg
    assert "'due'" in msg
    assert "datetime" in msg


def test_required_attribute_with_empty_cell(codec: RecordCodec) -> None:
    class Strict(RecordModel):
        title: Annotated[str, Field("任务描述")]
        notes: Annotated[str, Field("多行文本")]

    mc = codec.model_codec(Strict)
    data = example_bytes(example("app_table_record.list.response.json")["data"])
    with pytest.raises(FieldValueError, match="empty cell") as info:
        mc.decode_page(data)
    assert info.value.record_index == 0
    assert info.value.field_name == "多行文本"


def test_adapted_annotations() -> None:
    codec = RecordCodec.from_fields(seed_schema())

    class Seed(RecordModel):
        text: Annotated[list[TextSegment], Field("多行文本")]
        barcode: Annotated[str, Field("条码")]
        number: Annotated[float, Field("数字")]
        rating: Annotated[int, Field("评分")]
        day: Annotated[date, Field("日期")]
        ms: Annotated[int, Field("创建时间")]
        owner: Annotated[Person | None, Field("人员")]
        creator: Annotated[Person, Field("创建人")]
        link: Annotated[list[str], Field("单向关联")]
        url: Annotated[str, Field("超链接")]
        auto: Annotated[str, Field("自动编号")]

    mc = codec.model_codec(Seed)
    records = example("app_table_record.batch_get.response.json")["data"]["records"]
    page = mc.decode_page(example_bytes({"items": records}))
    (s,) = page.items
    assert s.text[0] == TextSegment(type="text", text="多行文本内容1")
    assert s.barcode == "123"
    assert s.number == 2323.2323
    assert s.rating == 3
    assert isinstance(s.rating, int)
    assert s.day == date(2023, 8, 2)
    assert s.ms == 1691049973000
    assert s.owner is not None
    assert s.owner.id == "ou_2910013f1e6456f16a0ce75ede950a0a"
    assert s.creator.name == "张敏"
    assert s.link == ["recnVYsuqV"]
    assert s.url == "https://bitable.feishu.cn"
    assert s.auto == "17"
    s.link = ["rec9"]
    s.day = date(2024, 1, 1)
    assert mc.encode(s) == {"单向关联": ["rec9"], "日期": 1704067200000}
