"""Cross-check: what the SDK's filter builders produce, the emulator's engine understands."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitable_async.emulator.filtering import (
    compile_formula,
    compile_search_filter,
    sort_records_formula,
    sort_records_search,
)
from bitable_async.filters import (
    TODAY,
    CurrentValue,
    ExactDate,
    F,
    Today,
    Tomorrow,
    asc,
    desc,
    sort_param,
    todate,
)

TZ = timezone(timedelta(hours=8))
NOW = datetime(2024, 5, 15, 10, 0, tzinfo=TZ)


def ms(d: int) -> int:
    return int(datetime(2024, 5, d, 12, tzinfo=TZ).timestamp() * 1000)


TYPES = {"Name": 1, "Count": 2, "Status": 3, "Tags": 4, "Due": 5, "Done": 7, "Owner": 11}
ROWS: list[dict[str, Any]] = [
    {"Name": "apple", "Count": 5, "Status": "Todo", "Tags": ["a", "b"], "Due": ms(15),
     "Done": True, "Owner": [{"id": "ou_1", "name": "Ann"}]},
    {"Name": "banana", "Count": 12, "Status": "Done", "Tags": ["b"], "Due": ms(16)},
    {"Name": "cherry", "Count": 1, "Status": "Done", "Due": ms(14), "Done": False},
    {"Name": 'say "hi"', "Tags": ["c"]},
]


def names(pred: Callable[[Any], bool]) -> list[str]:
    return [r["Name"] for r in ROWS if pred(r)]


def now() -> float:
    return NOW.timestamp()


SEARCH_CASES: list[tuple[Any, list[str]]] = [
    (F("Status") == "Done", ["banana", "cherry"]),
    ((F("Status") == "Done") & (F("Count") > 5), ["banana"]),
    ((F("Count") < 2) | (F("Count") > 10), ["banana", "cherry"]),
    ((F("Status") == "Todo") | ((F("Tags").contains("b")) & (F("Count") >= 12)),
     ["apple", "banana"]),
    ((F("Count") > 0) & (F("Tags").contains("c") | F("Done").is_(True)), ["apple"]),
    (F("Owner").is_not_empty(), ["apple"]),
    (F("Name").like("AN"), ["banana"]),
    (F("Name").in_(["apple", "cherry"]), ["apple", "cherry"]),
    (F("Due").is_(Today), ["apple"]),
    (F("Due") >= Tomorrow, ["banana"]),
    (F("Due") < ExactDate(ms(15)), ["cherry"]),
    (~F("Tags").contains("b"), ["cherry", 'say "hi"']),
    (F("Name") == 'say "hi"', ['say "hi"']),
]


@pytest.mark.parametrize(("built", "expected"), SEARCH_CASES)
def test_search_builder_runs_in_the_engine(built: Any, expected: list[str]) -> None:
    assert names(compile_search_filter(built.to_dict(), TYPES, now=now, tz=TZ)) == expected


FORMULA_CASES: list[tuple[Any, list[str]]] = [
    (CurrentValue["Status"] == "Done", ["banana", "cherry"]),
    ((CurrentValue["Status"] == "Done") & (CurrentValue["Count"] > 5), ["banana"]),
    ((CurrentValue["Count"] < 2) | (CurrentValue["Count"] > 10), ["banana", "cherry"]),
    (CurrentValue["Name"].contains("an", "err"), ["banana", "cherry"]),
    (CurrentValue["Name"].not_contains("a"), ["cherry"]),
    (CurrentValue["Count"].is_empty(), ['say "hi"']),
    (CurrentValue["Count"].is_not_empty(), ["apple", "banana", "cherry"]),
    (CurrentValue["Done"] == True, ["apple"]),  # noqa: E712 - operator overload
    (CurrentValue["Due"] == TODAY, ["apple"]),
    (CurrentValue["Due"] == TODAY + 1, ["banana"]),
    (CurrentValue["Due"] == TODAY - 1, ["cherry"]),
    (CurrentValue["Due"] > todate(date(2024, 5, 14)), ["apple", "banana"]),
    (CurrentValue["Due"] <= date(2024, 5, 15), ["apple", "cherry"]),
    ((CurrentValue["Count"] + 1) * 2 == 12, ["apple"]),
    (CurrentValue["Name"] == 'say "hi"', ['say "hi"']),
    (~((CurrentValue["Tags"] == "b") | (CurrentValue["Tags"] == "c")), ["cherry"]),
]


@pytest.mark.parametrize(("built", "expected"), FORMULA_CASES)
def test_formula_builder_runs_in_the_engine(built: Any, expected: list[str]) -> None:
    text = built.to_param()
    assert names(compile_formula(text, TYPES, now=now, tz=TZ)) == expected


def test_sort_builders_run_in_the_engine() -> None:
    keys = [desc("Status"), asc("Count")]
    by_search = sort_records_search(ROWS, [k.to_dict() for k in keys], TYPES)
    by_formula = sort_records_formula(ROWS, json.loads(sort_param(keys)), TYPES)
    assert [r["Name"] for r in by_search] == ["apple", "cherry", "banana", 'say "hi"']
    assert by_formula == by_search


printable = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=150, deadline=None)
@given(field=printable.filter(bool), value=printable, other=printable)
def test_any_field_name_and_string_survive_escaping(field: str, value: str, other: str) -> None:
    types = {field: 1}
    same = compile_formula(str(CurrentValue[field] == value), types)
    assert same({field: value}) is True
    assert same({field: other}) is (value.casefold() == other.casefold())
    contains = compile_formula(str(CurrentValue[field].contains(value)), types)
    assert contains({field: other + value + other}) is True
    search = compile_search_filter((F(field) == value).to_dict(), types) if value else None
    if search is not None:
        assert search({field: value}) is True
