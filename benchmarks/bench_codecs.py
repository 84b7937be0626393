"""Benchmark: typed record decode / encode against json.loads and untyped msgspec.

Run:  python benchmarks/bench_codecs.py [--runs N] [--records N] [--profile]

Builds one page of records with 22 fields of mixed types as JSON bytes (the
``data`` of list records), then measures, interleaved in the same run:

* ``typed decode_page``  RecordCodec.decode_page (per-table msgspec Struct, then
  per-field finishing: datetimes, numeric strings, links ...)
* ``typed RawRecord``    RawRecordPage decode + RecordCodec.decode_records
  (cells as msgspec.Raw, decoded cell by cell)
* ``model decode_page``  ModelCodec.decode_page into RecordModel instances
* ``json.loads``         plain dicts, no typing
* ``msgspec untyped``    msgspec.json.decode into plain dicts
* ``floor: typed parse`` msgspec's parse into the table's Struct types alone
  (no finishing, no records): what any msgspec-based typed decode pays first
* ``floor: typed dicts`` msgspec's parse of every record's cells straight into
  a dict (a TypedDict of the wire types): the least that typed values in one
  dict per record can cost, before any Python work

and the encode of a batch_create body of the same size (validation + wire
shapes + msgspec.json.encode) next to json.dumps of the ready-made wire dicts.
Figures are microseconds per record: min / median / max over the runs.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, TypedDict

import msgspec

from bitable_async.models.fields import (
    AttachmentField,
    AutoNumberField,
    CheckboxField,
    CreatedTimeField,
    CreatedUserField,
    DateField,
    DuplexLinkField,
    FieldSchema,
    FormulaField,
    FormulaProperty,
    GroupChatField,
    LinkField,
    LocationField,
    ModifiedTimeField,
    ModifiedUserField,
    MultiSelectField,
    NumberField,
    PersonField,
    PhoneField,
    SelectOption,
    SelectProperty,
    SingleSelectField,
    TextField,
    UrlField,
)
from bitable_async.models.record import RawRecordPage
from bitable_async.values import Field, Person, RecordCodec, RecordModel

OPTIONS = ["选项1", "选项2", "选项3"]


def schema() -> list[FieldSchema]:
    """22 fields of mixed types."""
    opts = SelectProperty(options=[SelectOption(name=n) for n in OPTIONS])
    return [
        TextField(field_name="标题"),
        TextField(field_name="多行文本"),
        NumberField(field_name="数字"),
        NumberField(field_name="人力耗时"),
        SingleSelectField(field_name="单选", property=opts),
        MultiSelectField(field_name="多选", property=opts),
        DateField(field_name="日期"),
        CheckboxField(field_name="复选框"),
        PersonField(field_name="人员"),
        PhoneField(field_name="电话号码"),
        UrlField(field_name="超链接"),
        AttachmentField(field_name="附件"),
        LinkField(field_name="单向关联"),
        DuplexLinkField(field_name="双向关联"),
        LocationField(field_name="地理位置"),
        CreatedTimeField(field_name="创建时间"),
        ModifiedTimeField(field_name="最后更新时间"),
        CreatedUserField(field_name="创建人"),
        ModifiedUserField(field_name="修改人"),
        AutoNumberField(field_name="自动编号"),
        GroupChatField(field_name="群组"),
        FormulaField(field_name="公式", property=FormulaProperty(formatter="0.00")),
    ]


def _person(i: int) -> dict[str, Any]:
    return {
        "id": f"ou_{i:032x}",
        "name": "张敏",
        "en_name": "Min Zhang",
        "email": "minzhang@example.com",
        "avatar_url": "https://internal-api-lark-file.feishu.cn/static-resource/v1/06d568cb~?image_size=72x72",
    }


def record(i: int) -> dict[str, Any]:
    """One wire record in the read shapes of fields.md (list and batch_get mixed)."""
    return {
        "record_id": f"rec{i:07d}",
        "fields": {
            "标题": f"任务 {i}",
            "多行文本": [
                {"type": "text", "text": "hello "},
                {"type": "url", "text": "链接", "link": "https://www.example.com/"},
            ],
            "数字": i * 1.25,
            "人力耗时": str(i),
            "单选": OPTIONS[i % 3],
            "多选": OPTIONS[: 1 + i % 3],
            "日期": 1690992000000 + i * 86400000,
            "复选框": i % 2 == 0,
            "人员": [_person(i)],
            "电话号码": "13100006666",
            "超链接": {"link": "https://bitable.feishu.cn", "text": "飞书多维表格官网"},
            "附件": [
                {
                    "file_token": f"Vl3FbVkvnowlgpxpqsAbBrt{i:04d}",
                    "name": "飞书.jpeg",
                    "size": 32975,
                    "type": "image/jpeg",
                    "url": "https://open.feishu.cn/open-apis/drive/v1/medias/Vl3FbVk/download",
                    "tmp_url": "https://open.feishu.cn/open-apis/drive/v1/medias/batch_get_tmp_download_url?file_tokens=Vl3FbVk",
                }
            ],
            "单向关联": [
                {
                    "type": "text",
                    "table_id": "tbltAvx3DYBw7PVj",
                    "record_ids": [f"rec{i:07d}"],
                    "text": "第一行",
                }
            ],
            "双向关联": {"link_record_ids": ["recqLvMaXT", "recrdld32q"]},
            "地理位置": {
                "location": "116.397755,39.903179",
                "pname": "北京市",
                "cityname": "北京市",
                "adname": "东城区",
                "address": "东长安街",
                "name": "天安门广场",
                "full_address": "天安门广场，北京市东城区东长安街",
            },
            "创建时间": 1691049973000 + i,
            "最后更新时间": 1702455191000 + i,
            "创建人": [_person(0)],
            "修改人": [_person(1)],
            "自动编号": str(i + 1),
            "群组": [{"id": "oc_cd07f55f14d6f4a4f1b51504e7e97f48", "name": "武侠聊天组"}],
            "公式": str(i * 2),
        },
    }


class Task(RecordModel):
    """A model over 10 of the 22 fields."""

    title: Annotated[str, Field("标题")]
    amount: Annotated[float | None, Field("数字")] = None
    cost: Annotated[int | None, Field("人力耗时")] = None
    state: Annotated[str | None, Field("单选")] = None
    tags: Annotated[list[str], Field("多选")] = []  # noqa: RUF012
    due: Annotated[datetime | None, Field("日期")] = None
    done: Annotated[bool, Field("复选框")] = False
    owners: Annotated[list[Person], Field("人员")] = []  # noqa: RUF012
    links: Annotated[list[str], Field("单向关联")] = []  # noqa: RUF012
    created: Annotated[datetime | None, Field("创建时间")] = None


def write_row(i: int) -> dict[str, Any]:
    """Python values for one batch_create record (all writable fields)."""
    return {
        "标题": f"任务 {i}",
        "多行文本": "hello",
        "数字": i * 1.25,
        "人力耗时": i,
        "单选": OPTIONS[i % 3],
        "多选": OPTIONS[: 1 + i % 3],
        "日期": datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(days=i),
        "复选框": i % 2 == 0,
        "人员": [Person(id=f"ou_{i:032x}")],
        "电话号码": "+8613100006666",
        "超链接": "https://bitable.feishu.cn",
        "附件": [f"Vl3FbVkvnowlgpxpqsAbBrt{i:04d}"],
        "单向关联": [f"rec{i:07d}"],
        "地理位置": "116.397755,39.903179",
    }


def measure(
    fns: dict[str, Callable[[], object]], runs: int, n: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Interleave the functions ``runs`` times; return µs per record per run.

    Returns two tables: wall time (``perf_counter``) and this process's CPU time
    (``process_time``), which is less disturbed by other processes on a shared box.
    """
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():  # warm-up (decoder caches, branch predictors)
        fn()
    for _ in range(runs):
        for name, fn in fns.items():
            gc.collect()
            c0 = time.process_time()
            t0 = time.perf_counter()
            fn()
            t1 = time.perf_counter()
            c1 = time.process_time()
            wall[name].append((t1 - t0) / n * 1e6)
            cpu[name].append((c1 - c0) / n * 1e6)
    return wall, cpu


def report(title: str, res: dict[str, list[float]], baseline: str) -> None:
    """Print min / median / max per function and the median ratio to the baseline."""
    base = statistics.median(res[baseline])
    print(f"\n{title}")
    print(f"  {'':<22}{'min':>8}{'median':>9}{'max':>8}   x {baseline} (median)")
    for name, v in res.items():
        med = statistics.median(v)
        print(f"  {name:<22}{min(v):8.2f}{med:9.2f}{max(v):8.2f}   {med / base:5.2f}")


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--records", type=int, default=500)
    ap.add_argument("--profile", action="store_true", help="cProfile the typed decode")
    args = ap.parse_args()
    n = args.records

    codec = RecordCodec.from_fields(schema())
    page = {
        "has_more": False,
        "page_token": None,
        "total": n,
        "items": [record(i) for i in range(n)],
    }
    data = json.dumps(page, ensure_ascii=False).encode()
    mc = codec.model_codec(Task)
    rows = [write_row(i) for i in range(n)]
    wire = [{"fields": f} for f in codec.encode_batch(rows)]
    raw_dec = msgspec.json.Decoder(RawRecordPage)
    untyped = msgspec.json.Decoder()
    parse_only = msgspec.json.Decoder(codec.page_type)
    cells_dict = TypedDict(  # type: ignore[misc]
        "Cells", {name: codec.codec(name).wire_type | None for name in codec.field_names}
    )
    dict_record = msgspec.defstruct(
        "DictRecord",
        [
            ("record_id", str | None, None),
            ("fields", cells_dict, msgspec.field(default_factory=dict)),
        ],
        kw_only=True,
        gc=False,
    )
    dict_page = msgspec.defstruct(
        "DictPage",
        [("items", list[dict_record] | None, None), ("has_more", bool, False)],  # type: ignore[valid-type]
        kw_only=True,
        gc=False,
    )
    parse_dicts = msgspec.json.Decoder(dict_page)
    enc = msgspec.json.Encoder()

    # sanity: both typed paths agree and values are typed
    fast = codec.decode_page(data).items
    slow = codec.decode_records(raw_dec.decode(data).items or [])
    assert fast == slow
    assert isinstance(fast[0].fields["日期"], datetime)
    assert fast[0].fields["人力耗时"] == 0
    assert fast[0].fields["公式"] == "0"  # formulas stay raw without display_formula_ref

    print(f"python {sys.version.split()[0]}, msgspec {msgspec.__version__}")
    print(
        f"page: {n} records x {len(codec.field_names)} fields, {len(data)} bytes "
        f"({len(data) / n:.0f} bytes/record); {args.runs} interleaved runs; µs per record"
    )

    decode, decode_cpu = measure(
        {
            "typed decode_page": lambda: codec.decode_page(data),
            "typed RawRecord": lambda: codec.decode_records(raw_dec.decode(data).items or []),
            "model decode_page": lambda: mc.decode_page(data),
            "json.loads": lambda: json.loads(data),
            "msgspec untyped": lambda: untyped.decode(data),
            "floor: typed parse": lambda: parse_only.decode(data),
            "floor: typed dicts": lambda: parse_dicts.decode(data),
        },
        args.runs,
        n,
    )
    report("decode (data of list records), wall time", decode, "json.loads")
    report("decode (data of list records), process CPU time", decode_cpu, "json.loads")

    def typed_encode() -> bytes:
        return enc.encode({"records": [{"fields": f} for f in codec.encode_batch(rows)]})

    encode, encode_cpu = measure(
        {
            "typed encode_batch": typed_encode,
            "json.dumps (wire)": lambda: json.dumps({"records": wire}, ensure_ascii=False).encode(),
            "msgspec (wire)": lambda: enc.encode({"records": wire}),
        },
        args.runs,
        n,
    )
    report("encode (batch_create body), wall time", encode, "json.dumps (wire)")
    report("encode (batch_create body), process CPU time", encode_cpu, "json.dumps (wire)")

    for label, table in (("wall", decode), ("cpu", decode_cpu)):
        typed = statistics.median(table["typed decode_page"])
        loads = statistics.median(table["json.loads"])
        floor = statistics.median(table["floor: typed dicts"])
        verdict = "met" if typed <= 8 and typed <= loads else "MISSED"
        print(
            f"target ({label}, medians): typed decode <= 8 µs/record and <= json.loads: "
            f"{typed:.2f} vs {loads:.2f} µs -> {verdict} "
            f"(parse into typed dicts alone: {floor:.2f} µs)"
        )

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(20):
            codec.decode_page(data)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
