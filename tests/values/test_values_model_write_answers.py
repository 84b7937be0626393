"""Record models: the instance a write returns knows only what the write's answer says.

Bitable answers a create or update with the cells written, not the whole
record (the update example echoes exactly the request's fields). An instance
built from such an answer (``ModelCodec.decode_written``) holds the written
attributes as answered and, when the written instance was read from the same
record, the attributes it read; every other attribute is UNSET, so a full
write (``encode(only_changed=False)``) leaves those cells out instead of
clearing them, and reading one raises ``UnsetAttributeError``.
"""

# Mutable class defaults are the documented way to declare list attributes of a model.
# ruff: noqa: RUF012

from __future__ import annotations

import copy
from datetime import datetime
from typing import Annotated, Any

import msgspec
import pytest
from _values_support import example, example_bytes, task_schema

from bitable_async.models.record import RawRecord
from bitable_async.values import (
    Field,
    Person,
    RecordCodec,
    RecordModel,
    UnsetAttributeError,
    Url,
)
from bitable_async.values.model import ModelCodec


class Task(RecordModel):  # every attribute optional or with a default
    title: Annotated[str | None, Field("任务描述")] = None
    due: Annotated[datetime | None, Field("截止日期")] = None
    owner: Annotated[Person | None, Field("任务执行人")] = None  # the first person
    cost: Annotated[int, Field("人力耗时")] = 0
    estimate: Annotated[int | None, Field("人力评估")] = None
    done: Annotated[bool, Field("是否完成")] = False
    state: Annotated[str | None, Field("状态")] = None
    depts: Annotated[list[str], Field("相关部门")] = []
    doc: Annotated[Url | None, Field("文档地址")] = None
    okr: Annotated[list[str], Field("对应 OKR")] = []
    notes: Annotated[str | None, Field("多行文本")] = None


class Strict(RecordModel):
    title: Annotated[str, Field("任务描述")]  # required: no default
    cost: Annotated[int | None, Field("人力耗时")] = None


UNWRITTEN = ("cost", "doc", "notes")


@pytest.fixture
def mc() -> ModelCodec[Task]:
    return RecordCodec.from_fields(task_schema()).model_codec(Task)


def _raw(record: dict[str, Any]) -> RawRecord:
    return msgspec.json.decode(msgspec.json.encode(record), type=RawRecord)


def _update_answer() -> RawRecord:
    return _raw(example("app_table_record.update.response.json")["data"]["record"])


def _read_task() -> Task:
    record = {
        "record_id": "recRead",
        "fields": {
            "任务描述": "read",
            "任务执行人": [{"id": "ou_a"}, {"id": "ou_b"}],
            "人力耗时": 3,
            "文档地址": {"link": "https://docs.example/x", "text": "The docs"},
            "截止日期": 1690992000123,
            "状态": "开发中",
            "相关部门": ["研发", "销售"],
        },
    }
    mc = RecordCodec.from_fields(task_schema()).model_codec(Task)
    (task,) = mc.decode_page(example_bytes({"items": [record]})).items
    return task


def _row_of_the_update_request() -> Task:
    sent = example("app_table_record.update.request.json")["fields"]
    return Task(
        title=sent["任务描述"],
        due=datetime.fromtimestamp(sent["截止日期"] / 1000).astimezone(),
        owner=Person(id=sent["任务执行人"][0]["id"]),
        estimate=sent["人力评估"],
        done=sent["是否完成"],
        state=sent["状态"],
        depts=sent["相关部门"],
        okr=sent["对应 OKR"],
    )


def test_the_update_example_answer_leaves_unwritten_attributes_unset(mc: ModelCodec[Task]) -> None:
    row = _row_of_the_update_request()
    sent = mc.encode(row)
    assert set(sent) == set(example("app_table_record.update.request.json")["fields"])
    answer = _update_answer()
    out = mc.decode_written(row, sent.keys(), answer.fields, answer.rid)

    assert type(out) is Task
    assert out is not row
    assert out.record_id == "recm5qB61M"
    assert out.changed == frozenset()
    assert out.title == "多渠道收集用户反馈"
    assert out.depts == ["销售", "客服"]
    assert out.okr == ["recqwIwhc6", "recOuEJMvN"]
    assert out.done is True
    for attr in UNWRITTEN:
        assert not hasattr(out, attr), attr  # unknown, not read as empty
    with pytest.raises(UnsetAttributeError, match=r"Task\.cost is unknown: field '人力耗时'"):
        _ = out.cost
    with pytest.raises(AttributeError):  # UnsetAttributeError is an AttributeError
        _ = out.notes
    assert getattr(out, "doc", "?") == "?"
    # A full write sends the written cells only: the others are left alone.
    full = mc.encode(out, only_changed=False)
    assert set(full) == set(sent)
    assert full["任务执行人"] == [{"id": "ou_debc524b2d8cb187704df652b43d29de"}]
    # The row given is left alone.
    assert row.record_id is None
    assert row.changed == frozenset(a for a in Task.__model_index__ if a not in UNWRITTEN)
    assert row.cost == 0  # the constructor's default, never taken for the cell
    # Assigning an unset attribute sets and marks it.
    out.cost = 3
    assert mc.encode(out) == {"人力耗时": 3}


def test_class_defaults_and_attributes_never_given(mc: ModelCodec[Task]) -> None:
    assert Task.cost == 0  # on the class: the default
    assert Task.depts == []
    assert Task().depts is not Task.depts
    with pytest.raises(AttributeError):
        _ = Strict.title  # no default
    s = Strict(cost=1)
    assert not hasattr(s, "title")
    with pytest.raises(UnsetAttributeError, match=r"Strict\.title is unset: .*no default"):
        _ = s.title

    class Sub(Task):  # a model's subclass keeps the defaults
        extra: Annotated[str | None, Field("多行文本")] = "x"

    assert Sub.cost == 0
    assert Sub().cost == 0
    assert Sub().extra == "x"


def test_an_instance_read_from_the_same_record_carries_what_it_read(
    mc: ModelCodec[Task],
) -> None:
    read = _read_task()
    rid = read.record_id
    assert rid
    read.cost = 5
    expected = mc.encode(read, only_changed=False)  # the full write of the row itself
    assert [p["id"] for p in expected["任务执行人"]] == ["ou_a", "ou_b"]
    assert expected["截止日期"] == 1690992000123
    out = mc.decode_written(read, {"人力耗时"}, {"人力耗时": msgspec.Raw(b"5")}, rid)
    assert out.cost == 5
    assert out.changed == frozenset()
    assert (out.title, out.state, out.depts) == (read.title, read.state, read.depts)
    assert out.depts is not read.depts  # carried as copies
    # Every attribute it read is sent back as read (all persons, the URL's text ...).
    assert mc.encode(out, only_changed=False) == expected
    # An instance returned by a write carries what it knows, the next time too.
    out.notes = "n"
    again = mc.decode_written(out, {"多行文本"}, {"多行文本": msgspec.Raw(b'"n"')}, rid)
    assert mc.encode(again, only_changed=False) == {**expected, "多行文本": "n"}


def test_nothing_is_carried_to_another_record_or_from_a_constructor(
    mc: ModelCodec[Task],
) -> None:
    read = _read_task()
    read.cost = 5
    cells = {"人力耗时": msgspec.Raw(b"5")}
    # Written to another record (or created from it): the other cells are unknown.
    moved = mc.decode_written(read, {"人力耗时"}, cells, "recOther")
    assert mc.encode(moved, only_changed=False) == {"人力耗时": 5}
    created = mc.decode_written(read, {"人力耗时"}, cells, None)
    assert mc.encode(created, only_changed=False) == {"人力耗时": 5}
    # A constructed instance: its defaults are not cells.
    built = Task(record_id="recX", cost=5)
    out = mc.decode_written(built, {"人力耗时"}, cells, "recX")
    assert mc.encode(out, only_changed=False) == {"人力耗时": 5}
    assert not hasattr(out, "done")


def test_written_cells_the_answer_cannot_fill_are_taken_as_written(
    mc: ModelCodec[Task],
) -> None:
    row = Task(record_id="recA", title="t", notes=None, cost=4, state="开发中")
    sent = mc.encode(row)
    # No answer at all; an empty cell left out (notes was cleared); a cell the
    # codec cannot read; a JSON null.
    cells = {"人力耗时": msgspec.Raw(b'{"odd": 1}'), "状态": msgspec.Raw(b"null")}
    for answer in (None, cells):
        out = mc.decode_written(row, sent.keys(), answer, "recA")
        assert (out.title, out.notes, out.cost, out.state) == ("t", None, 4, "开发中")
        assert not hasattr(out, "due")
        assert mc.encode(out, only_changed=False) == sent


def test_a_required_attribute_left_out_of_a_partial_update_is_unset() -> None:
    mc = RecordCodec.from_fields(task_schema()).model_codec(Strict)
    row = Strict(cost=2)
    out = mc.decode_written(row, {"人力耗时"}, {"人力耗时": msgspec.Raw(b"2")}, "recA")
    assert out.cost == 2
    with pytest.raises(UnsetAttributeError, match="'任务描述' was not part of the write"):
        _ = out.title
    assert mc.encode(out, only_changed=False) == {"人力耗时": 2}
    assert copy.copy(out) == out
    assert repr(out) == "Strict(record_id='recA', cost=2)"
