"""Golden tests: every record-bearing example of the spec decodes to the right typed values."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest
from _values_support import example, example_bytes, seed_schema, task_schema

from bitable_async.errors import FieldValueError
from bitable_async.models.record import RawRecord, RawRecordPage, Record
from bitable_async.values import (
    Attachment,
    GroupChat,
    LinkValue,
    Location,
    Person,
    RecordCodec,
    TextSegment,
    Url,
)

UTC = timezone.utc


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def both_paths(codec: RecordCodec, records: list[Any]) -> list[Record]:
    """Decode via RawRecord (cell by cell) and via the per-table Struct; they must agree."""
    raw = msgspec.json.decode(example_bytes(records), type=list[RawRecord])
    slow = codec.decode_records(raw)
    fast = codec.decode_record_list(example_bytes(records))
    assert slow == fast
    return fast


@pytest.fixture
def task() -> RecordCodec:
    return RecordCodec.from_fields(task_schema())


@pytest.fixture
def seed() -> RecordCodec:
    return RecordCodec.from_fields(seed_schema())


def test_list_response(task: RecordCodec) -> None:
    data = example("app_table_record.list.response.json")["data"]
    page = task.decode_page(example_bytes(data))
    assert page.has_more is False
    assert page.page_token == "reciKaDyVO"
    assert page.total == 2
    assert [r.record_id for r in page.items] == ["recn0hoyXL", "reciKaDyVO"]
    first, second = page.items
    f = first.fields
    assert f["人力耗时"] == 64
    assert isinstance(f["人力耗时"], int)
    assert f["人力评估"] == 8
    assert second.fields["人力耗时"] == 16
    assert f["任务执行人"] == [
        Person(
            id="ou_5fb00e0112212cc7012fe3a697336989",
            name="黄泡泡",
            en_name="Paopao Huang",
            email="huangpaopao@feishu.cn",
        )
    ]
    assert f["任务描述"] == "我是最大的功能开发🥕"
    att = f["任务附件"][0]
    assert isinstance(att, Attachment)
    assert (att.file_token, att.name, att.size, att.type) == (
        "boxcnkQWfV4XbHwzDngmezMGzXe",
        "2.gif",
        10250625,
        "image/gif",
    )
    assert att.url is not None
    assert att.url.endswith("/download")
    # a link read as display text only: its ids are unknown (and it is not written back)
    assert f["对应 OKR"] == LinkValue(record_ids=(), text="新功能评审", ids_known=False)
    assert f["截止日期"] == datetime(2021, 1, 31, 16, 0, tzinfo=UTC)
    assert f["文档地址"] == Url(link="https://bytedance.feishu.cn/drive/home/", text="文档备份")
    assert f["是否完成"] is False
    assert second.fields["是否完成"] is True
    assert f["状态"] == "开发中"
    assert second.fields["相关部门"] == ["产品", "设计", "研发"]
    assert f["单向关联"] == LinkValue(
        record_ids=("recl1IWVnB",), table_id="tbltAvx3DYBw7PVj", text="第一行"
    )
    assert f["双向关联"] == LinkValue(
        record_ids=("recl1IWVnB", "recrJk7SXT"), table_id="tbltAvx3DYBw7PVj", text="第一行,第二行"
    )
    assert f["多行文本"] is None  # absent in the first record
    segs = second.fields["多行文本"]
    assert [s.type for s in segs] == ["text", "mention", "mention", "url"]
    assert segs[1] == TextSegment(
        type="mention",
        text="@test",
        mention_type="User",
        mention_notify=False,
        name="test",
        token="ou_sfsdfsdfsdfsdfdsfsdfdsf",
    )
    assert segs[2].mention_type == "Bitable"
    assert segs[2].token == "basbcq2aFvW8nFJpfOXalx57ffb"
    assert segs[2].link is not None
    assert segs[2].link.startswith("https://")
    assert segs[3] == TextSegment(type="url", text="测试链接标题", link="https://www.baidu.com/")
    # the cell-by-cell path agrees
    raw = msgspec.json.decode(example_bytes(data), type=RawRecordPage)
    assert task.decode_records(raw.items or []) == page.items


def test_get_response(task: RecordCodec) -> None:
    rec = example("app_table_record.get.response.json")["data"]["record"]
    (r,) = both_paths(task, [rec])
    assert r.record_id == "recn0hoyXL"
    assert r.fields["人力耗时"] == 64
    assert r.fields["人力评估"] == 8  # "8" string in get
    assert r.fields["文档地址"].link == "https://bytedance.feishu.cn/drive/home/"
    assert r.fields["双向关联"].record_ids == ("recl1IWVnB", "recrJk7SXT")
    assert len(r.fields["多行文本"]) == 4


def test_batch_get_response(seed: RecordCodec) -> None:
    data = example("app_table_record.batch_get.response.json")["data"]
    (r,) = both_paths(seed, data["records"])
    assert r.record_id == "recyOaMB2F"
    assert r.shared_url == "https://example.feishu.cn/record/KBcNrNtpWePAlscCvdmb6ZcSc5b"
    assert r.created_time == datetime(2023, 8, 3, 8, 6, 13, tzinfo=UTC)
    assert r.last_modified_time is not None
    assert _ms(r.last_modified_time) == 1702455191000
    assert r.created_by is not None
    assert r.created_by.id == "ou_92945f86a98bba075174776959c90eda"
    assert r.last_modified_by == r.created_by
    f = r.fields
    assert f["多行文本"] == [
        TextSegment(type="text", text="多行文本内容1"),
        TextSegment(
            type="mention",
            text="@张敏",
            mention_type="User",
            mention_notify=False,
            name="张敏",
            token="ou_2910013f1e6456f16a0ce75ede950a0a",
        ),
    ]
    assert f["数字"] == 2323.2323
    assert f["单选"] == "选项1"
    assert f["多选"] == ["选项1", "选项2"]
    assert f["日期"] == datetime(2023, 8, 2, 16, 0, tzinfo=UTC)
    assert f["复选框"] is True
    assert [p.id for p in f["人员"]] == [
        "ou_2910013f1e6456f16a0ce75ede950a0a",
        "ou_e04138c9633dd0d2ea166d79f548ab5d",
    ]
    assert f["人员"][0].email == "minzhang.leben@bytedance.com"
    assert f["人员"][0].avatar_url is not None
    assert f["电话号码"] == "131xxxx6666"
    assert f["超链接"] == Url(link="https://bitable.feishu.cn", text="飞书多维表格官网")
    assert f["附件"][0].file_token == "Vl3FbVkvnowlgpxpqsAbBrtFcrd"
    assert f["附件"][0].size == 32975
    assert f["单向关联"] == LinkValue(record_ids=("recnVYsuqV",))
    assert f["双向关联"] == LinkValue(record_ids=("recqLvMaXT", "recrdld32q"))
    loc = f["地理位置"]
    assert isinstance(loc, Location)
    assert (loc.lng, loc.lat) == (116.397755, 39.903179)
    assert (loc.pname, loc.cityname, loc.adname, loc.name) == (
        "北京市",
        "北京市",
        "东城区",
        "天安门广场",
    )
    assert loc.full_address == "天安门广场，北京市东城区东长安街"
    assert f["创建时间"] == datetime(2023, 8, 3, 8, 6, 13, tzinfo=UTC)
    assert _ms(f["最后更新时间"]) == 1702455191000
    assert f["创建人"] == r.created_by
    assert isinstance(f["创建人"], Person)
    assert f["修改人"].name == "张敏"
    assert f["自动编号"] == "17"
    assert f["群组"] == [
        GroupChat(
            id="oc_cd07f55f14d6f4a4f1b51504e7e97f48",
            name="武侠聊天组",
            avatar_url=data["records"][0]["fields"]["群组"][0]["avatar_url"],
        )
    ]
    assert f["条码"] == [TextSegment(type="text", text="123")]
    assert f["进度"] == 0.66
    assert f["货币"] == 1
    assert f["评分"] == 3


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("app_table_record.create.response.json", "record"),
        ("app_table_record.update.response.json", "record"),
        ("app_table_record.batch_create.response.json", "records"),
        ("app_table_record.batch_update.response.json", "records"),
    ],
)
def test_write_responses(task: RecordCodec, name: str, key: str) -> None:
    data = example(name)["data"][key]
    records = data if isinstance(data, list) else [data]
    decoded = both_paths(task, records)
    first = decoded[0].fields
    assert first["人力评估"] == 2
    assert first["任务执行人"] == [Person(id="ou_debc524b2d8cb187704df652b43d29de")]
    assert first["对应 OKR"] == LinkValue(record_ids=("recqwIwhc6", "recOuEJMvN"))
    assert first["状态"] == "已结束"
    assert first["相关部门"] == ["销售", "客服"]
    assert first["是否完成"] is True
    assert isinstance(first["截止日期"], datetime)
    assert all(r.record_id and r.record_id.startswith("rec") for r in decoded)


def test_write_response_reencodes_to_request(task: RecordCodec) -> None:
    """decode(batch_create response) -> encode == the batch_create request body."""
    request = example("app_table_record.batch_create.request.json")["records"]
    response = example("app_table_record.batch_create.response.json")["data"]["records"]
    decoded = task.decode_record_list(example_bytes(response))
    rows = [
        {k: r.fields[k] for k in req["fields"]} for r, req in zip(decoded, request, strict=True)
    ]
    assert task.encode_batch(rows) == [req["fields"] for req in request]


def test_attachment_examples(task: RecordCodec) -> None:
    rec = example("attachment.record_get.response.json")["data"]["record"]
    (r,) = both_paths(task, [rec])
    assert r.record_id == "reczXt4wo5"  # carried as "id" in this example
    assert r.fields["任务执行人"][0].en_name == "周北北"
    assert r.fields["任务附件"][0].file_token == "boxcn8Ebe2Z68hXTsW8t1TuZCSd"
    assert r.fields["未命名 1"] is None
    assert r.fields["对应 OKR"].text == "KR 2.2 推进新功能研发,KR 2.3 修补已知功能漏洞"

    created = example("attachment.batch_create.response.json")["data"]["records"]
    decoded = both_paths(task, created)
    assert [r.record_id for r in decoded] == ["recxgOKlB0", "reciGVHpI8"]
    assert decoded[0].fields["任务附件"] is None  # "附件" is not a field of this schema
    request = example("attachment.batch_create.request.json")["records"]
    schema = [*task_schema()]
    from bitable_async.models.fields import AttachmentField

    att_codec = RecordCodec.from_fields([*schema, AttachmentField(field_name="附件")])
    decoded = att_codec.decode_record_list(example_bytes(created))
    tokens = [a.file_token for a in decoded[0].fields["附件"]]
    assert tokens == ["boxbcCFb2dBwMK9S8kDILk1tayh"] * 2
    assert att_codec.encode_fields({"附件": decoded[0].fields["附件"]}) == request[0]["fields"]

    cell = example("attachment.field_value_as_read.json")["任务附件"]
    (a,) = task.codec("任务附件").decode(example_bytes(cell))
    assert a == Attachment(
        file_token="boxcnzm3dPEcutYDPplx5iDak4b",
        name="Hawaii_1_15Retina_R.jpg",
        size=5069121,
        type="image/jpeg",
        url=cell[0]["url"],
        tmp_url=cell[0]["tmp_url"],
    )


# ---------------------------------------------------------------- seed 000 round trip

SEED_WRITES: dict[str, Any] = {
    "多行文本": "多行文本内容1@张敏",  # segments are written as their plain text
    "数字": 2323.2323,
    "单选": "选项1",
    "多选": ["选项1", "选项2"],
    "日期": 1690992000000,
    "复选框": True,
    "人员": [
        {"id": "ou_2910013f1e6456f16a0ce75ede950a0a"},
        {"id": "ou_e04138c9633dd0d2ea166d79f548ab5d"},
    ],
    "超链接": {"text": "飞书多维表格官网", "link": "https://bitable.feishu.cn"},
    "附件": [{"file_token": "Vl3FbVkvnowlgpxpqsAbBrtFcrd"}],
    "单向关联": ["recnVYsuqV"],
    "地理位置": "116.397755,39.903179",
    "条码": "123",
    "进度": 0.66,
    "货币": 1,
    "评分": 3,
}
SEED_READ_ONLY = ["双向关联", "创建时间", "最后更新时间", "创建人", "修改人", "自动编号", "群组"]


def test_seed_000_round_trips_field_by_field(seed: RecordCodec) -> None:
    record = example("app_table_record.batch_get.response.json")["data"]["records"][0]
    (r,) = both_paths(seed, [record])
    covered = set(SEED_WRITES) | set(SEED_READ_ONLY) | {"电话号码"}
    assert covered == set(record["fields"]) == set(seed.field_names)
    for name, wire in SEED_WRITES.items():
        codec = seed.codec(name)
        value = r.fields[name]
        encoded = codec.encode(value)
        assert encoded == wire, name
        # the written shape reads back to an equivalent value, which encodes identically
        again = codec.decode(msgspec.json.encode(encoded))
        assert codec.encode(again) == wire, name
    for name in SEED_READ_ONLY:
        assert seed.codec(name).read_only
        with pytest.raises(FieldValueError, match="read-only"):
            seed.encode_fields({name: r.fields[name]})
    # The seed's phone number is masked ("131xxxx6666") and is not a valid write value.
    with pytest.raises(FieldValueError, match="phone"):
        seed.encode_fields({"电话号码": r.fields["电话号码"]})
    assert seed.encode_fields({"电话号码": "+8613100006666"}) == {"电话号码": "+8613100006666"}
    # The whole writable part of the record encodes in one call.
    writable = {k: r.fields[k] for k in SEED_WRITES}
    assert seed.encode_fields(writable) == SEED_WRITES


# ---------------------------------------------------------------- records/search


def _search_data() -> dict[str, Any]:
    """The ``data`` of records/search, in the shape supplement.md ("Records search") gives:
    ``{items: [record], has_more, page_token, total}``, records in the list read shapes."""
    return {
        "has_more": True,
        "page_token": "recSearchNext",
        "total": 3,
        "items": [
            {
                "record_id": "recS1",
                "fields": {
                    "任务描述": "搜索结果一",
                    "人力耗时": "64",
                    "人力评估": 2.5,
                    "状态": "开发中",
                    "相关部门": ["研发", "产品"],
                    "截止日期": 1702455191000,
                    "是否完成": False,
                    "任务执行人": [
                        {"id": "ou_1", "name": "黄泡泡", "en_name": "Paopao", "email": "p@x.cn"}
                    ],
                    "文档地址": {"link": "https://bitable.feishu.cn", "text": "官网"},
                    "任务附件": [
                        {"file_token": "boxS1", "name": "a.png", "size": 12, "type": "image/png"}
                    ],
                    "单向关联": [
                        {"type": "text", "table_id": "tblL", "record_ids": ["recL1"], "text": "一"}
                    ],
                    "双向关联": [
                        {
                            "type": "text",
                            "table_id": "tblL",
                            "record_ids": ["recL1", "recL2"],
                            "text": "一,二",
                        }
                    ],
                },
            },
            {
                "record_id": "recS2",
                "fields": {
                    "任务描述": [{"type": "text", "text": "段落"}],
                    "人力耗时": "1,000",
                    "是否完成": True,
                    "对应 OKR": [{"type": "text", "text": "KR 1"}],
                },
            },
            {"record_id": "recS3", "fields": {}},
        ],
    }


def test_search_response(task: RecordCodec) -> None:
    data = _search_data()
    page = task.decode_page(example_bytes(data))
    assert (page.has_more, page.page_token, page.total) == (True, "recSearchNext", 3)
    assert [r.record_id for r in page.items] == ["recS1", "recS2", "recS3"]
    f = page.items[0].fields
    assert f["任务描述"] == "搜索结果一"
    assert f["人力耗时"] == 64
    assert isinstance(f["人力耗时"], int)
    assert f["人力评估"] == 2.5
    assert f["状态"] == "开发中"
    assert f["相关部门"] == ["研发", "产品"]
    assert f["截止日期"] == datetime(2023, 12, 13, 8, 13, 11, tzinfo=UTC)
    assert f["是否完成"] is False
    assert f["任务执行人"] == [Person(id="ou_1", name="黄泡泡", en_name="Paopao", email="p@x.cn")]
    assert f["文档地址"] == Url(link="https://bitable.feishu.cn", text="官网")
    assert f["任务附件"] == [
        Attachment(file_token="boxS1", name="a.png", size=12, type="image/png")
    ]
    assert f["单向关联"] == LinkValue(record_ids=("recL1",), table_id="tblL", text="一")
    assert f["双向关联"].record_ids == ("recL1", "recL2")
    assert f["多行文本"] is None  # absent from the response
    g = page.items[1].fields
    assert g["任务描述"] == [TextSegment(type="text", text="段落")]
    assert g["人力耗时"] == "1,000"  # not a strict number: kept raw, the page still decodes
    assert g["是否完成"] is True
    assert g["对应 OKR"] == LinkValue(text="KR 1", ids_known=False)
    assert all(v is None for v in page.items[2].fields.values())
    # the cell-by-cell path agrees
    raw = msgspec.json.decode(example_bytes(data), type=RawRecordPage)
    assert task.decode_records(raw.items or []) == page.items
    # what search returned writes back (links with known ids only)
    first = {k: v for k, v in f.items() if v is not None and k != "双向关联"}
    wire = task.encode_fields(first)
    assert wire["单向关联"] == ["recL1"]
    assert wire["任务执行人"] == [{"id": "ou_1"}]
    assert wire["截止日期"] == 1702455191000
