"""Schemas and example loaders shared by the tests of bitable_async.values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from bitable_async.models.fields import (
    AttachmentField,
    AutoNumberField,
    CheckboxField,
    CreatedTimeField,
    CreatedUserField,
    DateField,
    DuplexLinkField,
    DuplexLinkProperty,
    FieldSchema,
    FormulaField,
    FormulaProperty,
    GroupChatField,
    LinkField,
    LinkProperty,
    LocationField,
    LookupField,
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

EXAMPLES = Path("/work/shared/spec/examples")


def example(name: str) -> Any:
    """Load one JSON example of the spec."""
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def example_bytes(obj: Any) -> bytes:
    """Re-encode a part of an example as JSON bytes."""
    return json.dumps(obj, ensure_ascii=False).encode()


def _select(names: list[str]) -> SelectProperty:
    return SelectProperty(options=[SelectOption(name=n) for n in names])


def task_schema() -> list[FieldSchema]:
    """The task table of the record examples (A.29-A.35, attachment guide)."""
    return [
        TextField(field_name="任务描述", field_id="fldDesc", is_primary=True),
        NumberField(field_name="人力耗时", field_id="fldCost"),
        NumberField(field_name="人力评估", field_id="fldEst"),
        PersonField(field_name="任务执行人", field_id="fldOwner"),
        AttachmentField(field_name="任务附件", field_id="fldAtt"),
        LinkField(
            field_name="对应 OKR",
            field_id="fldOkr",
            property=LinkProperty(table_id="tblOkr", multiple=True),
        ),
        DateField(field_name="截止日期", field_id="fldDue"),
        UrlField(field_name="文档地址", field_id="fldDoc"),
        UrlField(field_name="链接 URL", field_id="fldUrl"),
        CheckboxField(field_name="是否完成", field_id="fldDone"),
        SingleSelectField(
            field_name="状态", field_id="fldState", property=_select(["开发中", "已结束", "未进行"])
        ),
        MultiSelectField(
            field_name="相关部门",
            field_id="fldDept",
            property=_select(["研发", "销售", "客服", "产品", "设计"]),
        ),
        TextField(field_name="多行文本", field_id="fldText"),
        LinkField(
            field_name="单向关联",
            field_id="fldOne",
            property=LinkProperty(table_id="tbltAvx3DYBw7PVj"),
        ),
        DuplexLinkField(
            field_name="双向关联",
            field_id="fldTwo",
            property=DuplexLinkProperty(table_id="tbltAvx3DYBw7PVj", back_field_name="back"),
        ),
        TextField(field_name="未命名 1", field_id="fldNoName"),
    ]


def seed_schema() -> list[FieldSchema]:
    """The table of seed 000 (batch_get): one field of nearly every type."""
    return [
        TextField(field_name="多行文本", field_id="fld01"),
        NumberField(field_name="数字", field_id="fld02"),
        SingleSelectField(
            field_name="单选", field_id="fld03", property=_select(["选项1", "选项2"])
        ),
        MultiSelectField(field_name="多选", field_id="fld04", property=_select(["选项1", "选项2"])),
        DateField(field_name="日期", field_id="fld05"),
        CheckboxField(field_name="复选框", field_id="fld07"),
        PersonField(field_name="人员", field_id="fld11"),
        PhoneField(field_name="电话号码", field_id="fld13"),
        UrlField(field_name="超链接", field_id="fld15"),
        AttachmentField(field_name="附件", field_id="fld17"),
        LinkField(field_name="单向关联", field_id="fld18", property=LinkProperty(table_id="tblA")),
        DuplexLinkField(
            field_name="双向关联", field_id="fld21", property=DuplexLinkProperty(table_id="tblA")
        ),
        LocationField(field_name="地理位置", field_id="fld22"),
        CreatedTimeField(field_name="创建时间", field_id="fld1001"),
        ModifiedTimeField(field_name="最后更新时间", field_id="fld1002"),
        CreatedUserField(field_name="创建人", field_id="fld1003"),
        ModifiedUserField(field_name="修改人", field_id="fld1004"),
        AutoNumberField(field_name="自动编号", field_id="fld1005"),
        GroupChatField(field_name="群组", field_id="fld23"),
        TextField(field_name="条码", field_id="fldBar", ui_type="Barcode"),
        NumberField(field_name="进度", field_id="fldProg", ui_type="Progress"),
        NumberField(field_name="货币", field_id="fldCur", ui_type="Currency"),
        NumberField(field_name="评分", field_id="fldRate", ui_type="Rating"),
    ]


def derived_schema() -> list[FieldSchema]:
    """Formula and lookup fields."""
    return [
        FormulaField(field_name="公式数字", property=FormulaProperty(formatter="0.00")),
        FormulaField(field_name="公式日期", property=FormulaProperty(formatter="yyyy/MM/dd")),
        FormulaField(field_name="公式", property=FormulaProperty(formatter="")),
        LookupField(field_name="查找引用"),
    ]


# JSON values of any shape (big integers too), for the property tests of the decoders.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=16,
)
