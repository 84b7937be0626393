"""The filter builders: exact wire shapes, composition rules, escaping, length limits."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from bitable_async.errors import ConfigurationError
from bitable_async.filters import (
    AND,
    FILTER_MAX_LEN,
    NOT,
    OPERATORS,
    OR,
    RELATIVE_DATES,
    SORT_MAX_LEN,
    TODAY,
    Condition,
    CurrentValue,
    ExactDate,
    F,
    FilterTooLongError,
    Group,
    ParamTooLongError,
    Sort,
    SortTooLongError,
    TheNextMonth,
    Today,
    all_of,
    any_of,
    asc,
    desc,
    formula_param,
    literal,
    sort_param,
    todate,
)


def cond(name: str, op: str, *value: str) -> dict[str, Any]:
    return {"field_name": name, "operator": op, "value": list(value)}


# ----------------------------------------------------------- search: operators


@pytest.mark.parametrize(("built", "wire"), [
    (F("S") == "Done", cond("S", "is", "Done")),
    (F("S").is_("Done"), cond("S", "is", "Done")),
    (F("S") != "Done", cond("S", "isNot", "Done")),
    (F("S").is_not("Done"), cond("S", "isNot", "Done")),
    (F("Tags") == ["a", "b"], cond("Tags", "is", "a", "b")),
    (F("T").contains("a"), cond("T", "contains", "a")),
    (F("T").contains("a", "b"), cond("T", "contains", "a", "b")),
    (F("T").does_not_contain("a"), cond("T", "doesNotContain", "a")),
    (F("T").is_empty(), cond("T", "isEmpty")),
    (F("T").is_not_empty(), cond("T", "isNotEmpty")),
    (F("N") > 5, cond("N", "isGreater", "5")),
    (F("N").gt(5), cond("N", "isGreater", "5")),
    (F("N") >= 2.5, cond("N", "isGreaterEqual", "2.5")),
    (F("N").ge(2), cond("N", "isGreaterEqual", "2")),
    (F("N") < 5, cond("N", "isLess", "5")),
    (F("N").lt("5"), cond("N", "isLess", "5")),
    (F("N") <= 5, cond("N", "isLessEqual", "5")),
    (F("N").le(5), cond("N", "isLessEqual", "5")),
    (F("T").like("ab"), cond("T", "like", "ab")),
    (F("T").in_(["a", "b"]), cond("T", "in", "a", "b")),
    (F("Done") == True, cond("Done", "is", "true")),  # noqa: E712 - operator overload
    (F("Done") == False, cond("Done", "is", "false")),  # noqa: E712
    (F("Due").is_(Today), cond("Due", "is", "Today")),
    (F("Due") > TheNextMonth, cond("Due", "isGreater", "TheNextMonth")),
    (F("Due") > ExactDate(1702455191000), cond("Due", "isGreater", "ExactDate", "1702455191000")),
    (F("Due") <= datetime(2023, 12, 13, 8, 13, 11, tzinfo=timezone.utc),
     cond("Due", "isLessEqual", "ExactDate", "1702455191000")),
])
def test_every_operator_wire_shape(built: Condition, wire: dict[str, Any]) -> None:
    assert built.to_condition() == wire
    assert built.to_dict() == {"conjunction": "and", "conditions": [wire]}
    assert json.loads(built.to_json()) == built.to_dict()


def test_all_twelve_operators_are_reachable() -> None:
    f = F("x")
    built = {c.operator for c in (
        f == "a", f != "a", f.contains("a"), f.does_not_contain("a"), f.is_empty(),
        f.is_not_empty(), f > 1, f >= 1, f < 1, f <= 1, f.like("a"), f.in_(["a"]))}
    assert built == set(OPERATORS)
    assert len(OPERATORS) == 12


def test_relative_dates_and_exact_date() -> None:
    assert [d.wire() for d in RELATIVE_DATES] == [[w] for w in (
        "Today", "Tomorrow", "Yesterday", "CurrentWeek", "LastWeek", "CurrentMonth",
        "LastMonth", "TheLastWeek", "TheNextWeek", "TheLastMonth", "TheNextMonth")]
    cst = timezone(timedelta(hours=8))
    assert ExactDate(datetime(2024, 1, 1, tzinfo=cst)).wire() == ["ExactDate", "1704038400000"]
    with pytest.raises(ConfigurationError, match="timezone-aware"):
        ExactDate(datetime(2024, 1, 1))
    with pytest.raises(ConfigurationError, match="datetime or epoch ms"):
        ExactDate("1704038400000")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="datetime or epoch ms"):
        ExactDate(True)


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda: F(""), "non-empty string"),
    (lambda: F("D").contains(Today), "date value works with"),
    (lambda: F("N") > [1, 2], "takes one value"),
    (lambda: F("N").contains(), "at least one value"),
    (lambda: F("N").in_("ab"), "list of values"),
    (lambda: F("N") == {"a": 1}, "must be str, int"),
    (lambda: F("N") > float("nan"), "finite"),
    (lambda: ~(F("N") > 1), "no exact inverse"),
    (lambda: any_of(), "at least one"),
    (lambda: (F("a") == 1) & "x",  # type: ignore[operator]
     "only conditions and groups"),
])
def test_search_builder_errors(make: Any, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        make()


def test_negation_of_invertible_operators() -> None:
    assert (~(F("a") == "x")).operator == "isNot"
    assert (~F("a").contains("x")).operator == "doesNotContain"
    assert (~F("a").is_empty()).operator == "isNotEmpty"
    assert (~~F("a").is_not_empty()).operator == "isNotEmpty"


def test_conditions_have_no_truth_value() -> None:
    with pytest.raises(ConfigurationError, match="no truth value"):
        bool(F("a") == 1)
    with pytest.raises(ConfigurationError, match="no truth value"):
        assert 0 < F("a") < 5


# ---------------------------------------------------------- search: composition

A, B, C, D = (F("a") == "1"), (F("b") == "2"), (F("c") == "3"), (F("d") == "4")
WA, WB, WC, WD = (x.to_condition() for x in (A, B, C, D))


def test_same_conjunction_flattens() -> None:
    assert (A & B & C).to_dict() == {"conjunction": "and", "conditions": [WA, WB, WC]}
    assert (A | B | C).to_dict() == {"conjunction": "or", "conditions": [WA, WB, WC]}
    assert ((A & B) & (C & D)).to_dict()["conditions"] == [WA, WB, WC, WD]
    assert (A & (B & C)).to_dict()["conditions"] == [WA, WB, WC]


def test_mixed_conjunctions_become_children() -> None:
    assert (A & (B | C)).to_dict() == {
        "conjunction": "and", "conditions": [WA],
        "children": [{"conjunction": "or", "conditions": [WB, WC]}]}
    assert ((A | B) & (C | D)).to_dict() == {
        "conjunction": "and", "conditions": [],
        "children": [{"conjunction": "or", "conditions": [WA, WB]},
                     {"conjunction": "or", "conditions": [WC, WD]}]}
    assert ((A & B) | C).to_dict() == {
        "conjunction": "or", "conditions": [WC],
        "children": [{"conjunction": "and", "conditions": [WA, WB]}]}
    # adding to a group with children keeps one level when the conjunction matches
    g = (A & (B | C)) & D
    assert g.to_dict() == {"conjunction": "and", "conditions": [WA, WD],
                           "children": [{"conjunction": "or", "conditions": [WB, WC]}]}
    assert ((A & (B | C)) & (D & (A | B))).to_dict()["children"] == [
        {"conjunction": "or", "conditions": [WB, WC]},
        {"conjunction": "or", "conditions": [WA, WB]}]


def test_two_levels_are_refused_with_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="two levels of nesting"):
        _ = (A & (B | C)) | D
    with pytest.raises(ConfigurationError, match="records/search allows one"):
        _ = any_of(all_of(A, any_of(B, C)), D)


def test_all_of_any_of_and_single_condition_groups() -> None:
    assert all_of().to_dict() == {"conjunction": "and", "conditions": []}
    assert all_of(A).to_dict() == A.to_dict()
    assert any_of(A).to_dict() == {"conjunction": "or", "conditions": [WA]}
    # a one-condition group adopts the surrounding conjunction
    assert (any_of(A) & B).to_dict() == {"conjunction": "and", "conditions": [WA, WB]}
    assert all_of(A, B, any_of(C, D)).to_dict()["children"] == [
        {"conjunction": "or", "conditions": [WC, WD]}]
    assert isinstance(A & B, Group)
    assert json.loads((A & (B | C)).to_json()) == (A & (B | C)).to_dict()


def test_group_json_is_compact_and_unicode() -> None:
    assert (F("状态") == "完成").to_json() == (
        '{"conjunction":"and","conditions":[{"field_name":"状态","operator":"is",'
        '"value":["完成"]}]}')


# ------------------------------------------------------------------------ sorts


def test_sort_helpers() -> None:
    assert Sort("Due", desc=True).to_dict() == {"field_name": "Due", "desc": True}
    assert desc("Due") == Sort("Due", True)
    assert asc("Name").to_dict() == {"field_name": "Name", "desc": False}
    assert str(desc("Due")) == "Due DESC"
    assert str(asc("Full Name")) == "Full Name ASC"
    assert sort_param([desc("Due"), "Name ASC"]) == '["Due DESC","Name ASC"]'
    assert sort_param([asc("名字")]) == '["名字 ASC"]'
    with pytest.raises(ConfigurationError):
        Sort("")
    with pytest.raises(ConfigurationError, match="not one string"):
        sort_param("Due DESC")
    with pytest.raises(ConfigurationError, match="sort key"):
        sort_param([""])


def test_sort_length_is_the_serialized_parameter() -> None:
    # each item is "x"*100 + " DESC" in quotes (107 chars), plus commas and brackets
    names = ["x" * 100 for _ in range(9)]
    text = sort_param([desc(n) for n in names])
    assert len(text) == 2 + 9 * 107 + 8 <= SORT_MAX_LEN
    with pytest.raises(SortTooLongError) as info:
        sort_param([desc(n) for n in [*names, "x" * 100]])
    assert info.value.param == "sort"
    assert info.value.limit == 1000
    assert info.value.length > 1000
    assert "at most 1000" in str(info.value)
    # quotes in names are escaped by JSON and count towards the limit
    quoted = '"' * 330
    assert len(sort_param([asc(quoted)])) == 2 + 2 * 330 + len(" ASC") + 2
    with pytest.raises(SortTooLongError):
        sort_param([asc('"' * 497)])
    assert issubclass(SortTooLongError, ParamTooLongError)
    assert issubclass(ParamTooLongError, ConfigurationError)


# ---------------------------------------------------------------------- formula


@pytest.mark.parametrize(("built", "text"), [
    (CurrentValue["订单号"] == "", 'CurrentValue.[订单号]=""'),
    (CurrentValue["订单号"].is_empty(), 'CurrentValue.[订单号]=""'),
    (CurrentValue["订单号"].is_not_empty(), 'NOT(CurrentValue.[订单号]="")'),
    (CurrentValue["订单号"] == "003", 'CurrentValue.[订单号]="003"'),
    (CurrentValue["订单号"] != "003", 'CurrentValue.[订单号]!="003"'),
    (CurrentValue["价格"] >= 10.5, "CurrentValue.[价格]>=10.5"),
    (CurrentValue["订单号"] <= "003", 'CurrentValue.[订单号]<="003"'),
    (CurrentValue["身高"] > 180, "CurrentValue.[身高]>180"),
    (CurrentValue["身高"] < 180, "CurrentValue.[身高]<180"),
    (CurrentValue["订单号"].contains("003"), 'CurrentValue.[订单号].contains("003")'),
    (CurrentValue["订单号"].not_contains("003"), 'NOT(CurrentValue.[订单号].contains("003"))'),
    (CurrentValue["a"].contains("x", "y"),
     'OR(CurrentValue.[a].contains("x"),CurrentValue.[a].contains("y"))'),
    ((CurrentValue["身高"] > 180) & (CurrentValue["体重"] > 150),
     "AND(CurrentValue.[身高]>180,CurrentValue.[体重]>150)"),
    (OR(CurrentValue["a"] == 1, CurrentValue["b"] == 2),
     "OR(CurrentValue.[a]=1,CurrentValue.[b]=2)"),
    (AND(CurrentValue["a"] == 1, AND(CurrentValue["b"] == 2, CurrentValue["c"] == 3)),
     "AND(CurrentValue.[a]=1,CurrentValue.[b]=2,CurrentValue.[c]=3)"),
    (((CurrentValue["a"] == 1) | (CurrentValue["b"] == 2)) & (CurrentValue["c"] == 3),
     "AND(OR(CurrentValue.[a]=1,CurrentValue.[b]=2),CurrentValue.[c]=3)"),
    (~(CurrentValue["a"] == 1), "NOT(CurrentValue.[a]=1)"),
    (NOT(CurrentValue["a"] == 1), "NOT(CurrentValue.[a]=1)"),
    (CurrentValue["复选框"] == True, "CurrentValue.[复选框]=1"),  # noqa: E712
    (CurrentValue["Due"] == TODAY, "CurrentValue.[Due]=TODAY()"),
    (CurrentValue["Due"] == TODAY - 1, "CurrentValue.[Due]=TODAY()-1"),
    (CurrentValue["Due"] == TODAY + 1, "CurrentValue.[Due]=TODAY()+1"),
    (CurrentValue["Due"] <= TODAY + (7 - TODAY * 2), "CurrentValue.[Due]<=TODAY()+(7-TODAY()*2)"),
    (CurrentValue["N"] - (CurrentValue["M"] - 1) > 0, "CurrentValue.[N]-(CurrentValue.[M]-1)>0"),
    ((CurrentValue["N"] + 1) * 2 == 4, "(CurrentValue.[N]+1)*2=4"),
    (CurrentValue["N"] / 2 == 1, "CurrentValue.[N]/2=1"),
    (1 + CurrentValue["N"] == 2, "1+CurrentValue.[N]=2"),
    (10 - CurrentValue["N"] == 2, "10-CurrentValue.[N]=2"),
    (CurrentValue["Due"] > todate("2021-06-01"), 'CurrentValue.[Due]>TODATE("2021-06-01")'),
    (CurrentValue["Due"] > date(2021, 6, 1), 'CurrentValue.[Due]>TODATE("2021-06-01")'),
    (CurrentValue["Due"] > todate(date(2021, 6, 1)), 'CurrentValue.[Due]>TODATE("2021-06-01")'),
])
def test_formula_rendering(built: Any, text: str) -> None:
    assert str(built) == text


def test_formula_escaping() -> None:
    assert literal('say "hi"') == '"say \\"hi\\""'
    assert literal("c:\\dir\\") == '"c:\\\\dir\\\\"'
    assert literal(3) == "3"
    assert literal(False) == "0"
    assert literal(datetime(2024, 5, 1, 23, 0)) == 'TODATE("2024-05-01")'
    assert str(CurrentValue["a]b"]) == "CurrentValue.[a\\]b]"
    assert str(CurrentValue["back\\slash"]) == "CurrentValue.[back\\\\slash]"
    assert str(CurrentValue["Name"] == 'x"]y') == 'CurrentValue.[Name]="x\\"]y"'
    with pytest.raises(ConfigurationError, match="cannot write"):
        literal([1])
    with pytest.raises(ConfigurationError, match="cannot be written"):
        literal(float("inf"))
    with pytest.raises(ConfigurationError):
        CurrentValue[""]


def test_formula_misuse_errors() -> None:
    with pytest.raises(ConfigurationError, match="no truth value"):
        bool(CurrentValue["a"] == 1)
    with pytest.raises(ConfigurationError, match="at least one expression"):
        AND()
    with pytest.raises(ConfigurationError, match="formula expressions"):
        OR("x")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="formula expression"):
        NOT(1)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="at least one value"):
        CurrentValue["a"].contains()


def test_formula_length_limit() -> None:
    ok = CurrentValue["N"] == "x" * (FILTER_MAX_LEN - len('CurrentValue.[N]=""'))
    assert len(str(ok)) == FILTER_MAX_LEN
    assert formula_param(ok) == str(ok)
    assert ok.to_param() == str(ok)
    too_long = CurrentValue["N"] == "x" * (FILTER_MAX_LEN - len('CurrentValue.[N]=""') + 1)
    with pytest.raises(FilterTooLongError) as info:
        too_long.to_param()
    assert (info.value.param, info.value.length, info.value.limit) == ("filter", 2001, 2000)
    with pytest.raises(FilterTooLongError):
        formula_param("x" * 2001)
    assert isinstance(info.value, ConfigurationError)
    assert isinstance(info.value, ValueError)
