"""Record models: an empty or missing cell of a list-typed attribute reads as ``[]``.

Bitable leaves empty cells out of records, so a model such as the issue's
``owners: Annotated[list[Person], Field(...)]`` (no default) must not fail on a
task without owners. Non-list attributes without a default stay required.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
import pytest
from _values_support import seed_schema, task_schema

from bitable_async.errors import FieldValueError
from bitable_async.models.record import RawRecord
from bitable_async.values import (
    Attachment,
    Field,
    GroupChat,
    Person,
    RecordCodec,
    RecordModel,
    TextSegment,
)


class Task(RecordModel):  # the issue's example model, without defaults
    title: Annotated[str, Field("任务描述")]
    due: Annotated[datetime | None, Field("截止日期")]
    owners: Annotated[list[Person], Field("任务执行人")]


class Lists(RecordModel):
    text: Annotated[str, Field("多行文本")]
    options: Annotated[list[str], Field("多选")]
    persons: Annotated[list[Person], Field("人员")]
    files: Annotated[list[Attachment], Field("附件")]
    links: Annotated[list[str], Field("单向关联")]
    groups: Annotated[list[GroupChat], Field("群组")]
    segments: Annotated[list[TextSegment], Field("条码")]


def _page(*records: str) -> bytes:
    return ('{"items":[' + ",".join(records) + "]}").encode()


def test_the_issue_model_reads_a_task_without_owners() -> None:
    mc = RecordCodec.from_fields(task_schema()).model_codec(Task)
    page = mc.decode_page(_page('{"record_id":"rec1","fields":{"任务描述":"t"}}'))
    (task,) = page.items
    assert (task.title, task.due, task.owners) == ("t", None, [])
    assert task.changed == frozenset()
    # An explicit null is the same as a missing cell.
    (nulled,) = mc.decode_page(
        _page('{"record_id":"rec2","fields":{"任务描述":"t","任务执行人":null}}')
    ).items
    assert nulled.owners == []
    # An empty cell leaves nothing to write.
    assert mc.encode(task) == {}


def test_every_list_attribute_gets_its_own_empty_list() -> None:
    codec = RecordCodec.from_fields(seed_schema())
    mc = codec.model_codec(Lists)
    one = '{"record_id":"rec%d","fields":{"多行文本":"x"}}'
    first, second = mc.decode_page(_page(one % 1, one % 2)).items
    for obj in (first, second):
        assert (obj.options, obj.persons, obj.files, obj.links, obj.groups, obj.segments) == (
            [],
            [],
            [],
            [],
            [],
            [],
        )
    first.options.append("选项1")
    assert second.options == []  # not one shared list
    # The Raw (cell by cell) path agrees with the page path.
    raw = RawRecord(record_id="rec3", fields={})
    with pytest.raises(FieldValueError, match="empty cell for a required attribute"):
        mc.decode_record(raw)  # "text" is a str: still required
    raw = RawRecord(record_id="rec3", fields={"多行文本": msgspec.Raw(b'"x"')})
    assert mc.decode_record(raw).persons == []


def test_non_list_attributes_without_a_default_stay_required() -> None:
    mc = RecordCodec.from_fields(task_schema()).model_codec(Task)
    with pytest.raises(FieldValueError, match="empty cell for a required attribute") as info:
        mc.decode_page(_page('{"record_id":"rec9","fields":{"任务执行人":[]}}'))
    assert info.value.field_name == "任务描述"
    assert info.value.record_id == "rec9"


def test_optional_lists_and_defaults_keep_their_declared_empty_value() -> None:
    class Declared(RecordModel):
        maybe: Annotated[list[Person] | None, Field("任务执行人")]
        given: Annotated[list[str], Field("相关部门")] = ["研发"]  # noqa: RUF012
        title: Annotated[str | None, Field("任务描述")] = None

    mc = RecordCodec.from_fields(task_schema()).model_codec(Declared)
    (obj,) = mc.decode_page(_page('{"record_id":"rec1","fields":{}}')).items
    assert obj.maybe is None
    assert obj.given == ["研发"]
    assert obj.given is not Declared.given
