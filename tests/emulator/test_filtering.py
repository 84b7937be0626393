"""The emulator's filter/sort engine: search filters, formula filters, sorts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bitable_async.emulator.filtering import (
    FilterError,
    compile_formula,
    compile_search_filter,
    sort_records_formula,
    sort_records_search,
)

TZ = timezone(timedelta(hours=8))
NOW = datetime(2024, 5, 15, 10, 0, tzinfo=TZ)  # a Wednesday


def clock() -> float:
    return NOW.timestamp()


def ms(y: int, m: int, d: int, h: int = 12) -> int:
    return int(datetime(y, m, d, h, tzinfo=TZ).timestamp() * 1000)


TYPES = {
    "Name": 1, "Count": 2, "Status": 3, "Tags": 4, "Due": 5, "Done": 7, "Owner": 11,
    "Phone": 13, "Link": 15, "Files": 17, "Rel": 18, "Lookup": 19, "Calc": 20, "Duplex": 21,
    "Place": 22, "Created": 1001, "Modified": 1002, "Creator": 1003, "Editor": 1004,
    "No": 1005, "Team": 23,
}

ALICE = {"id": "ou_a", "name": "Alice"}
BOB = {"id": "ou_b", "name": "Bob"}

RECORDS: list[dict[str, Any]] = [
    {"_id": "r1", "Name": "Apple pie", "Count": 5, "Status": "Todo", "Tags": ["a", "b"],
     "Due": ms(2024, 5, 15), "Done": True, "Owner": [ALICE], "Phone": "+8613800",
     "Link": {"text": "Docs", "link": "https://x.test/docs"},
     "Files": [{"file_token": "ft1", "name": "report.pdf"}], "Rel": ["recA"],
     "Calc": 10, "Lookup": ["x", "y"], "Duplex": ["recB"],
     "Place": {"full_address": "Tiananmen, Beijing", "name": "Tiananmen"},
     "Created": ms(2024, 5, 13), "Creator": [ALICE], "Editor": [BOB], "No": "17",
     "Modified": ms(2024, 5, 14), "Team": [{"id": "oc_1", "name": "Core"}]},
    {"_id": "r2", "Name": "banana", "Count": 12.5, "Status": "Done", "Tags": ["b"],
     "Due": ms(2024, 5, 16), "Done": False, "Owner": [ALICE, BOB], "Phone": "139",
     "Calc": "text", "No": "5", "Created": ms(2024, 4, 30), "Creator": [BOB]},
    {"_id": "r3", "Name": "Cherry", "Count": "1", "Status": "done", "Due": ms(2024, 5, 14),
     "Tags": [], "Owner": None, "Link": None, "Calc": True, "No": "100",
     "Created": ms(2024, 5, 6)},
    {"_id": "r4", "Name": "", "Due": ms(2024, 5, 20)},
]


def ids(pred: Any) -> list[str]:
    return [r["_id"] for r in RECORDS if pred(r)]


def search(field: str, op: str, *value: Any) -> list[str]:
    body = {"conjunction": "and",
            "conditions": [{"field_name": field, "operator": op, "value": list(value)}]}
    return ids(compile_search_filter(body, TYPES, now=clock, tz=TZ))


def formula(expr: str) -> list[str]:
    return ids(compile_formula(expr, TYPES, now=clock, tz=TZ))


# ------------------------------------------------------------ search: per type


@pytest.mark.parametrize(("field", "op", "value", "expected"), [
    # text
    ("Name", "is", ["apple PIE"], ["r1"]),
    ("Name", "isNot", ["banana"], ["r1", "r3", "r4"]),
    ("Name", "contains", ["AN", "err"], ["r2", "r3"]),
    ("Name", "doesNotContain", ["a"], ["r3", "r4"]),
    ("Name", "isEmpty", [], ["r4"]),
    ("Name", "isNotEmpty", [], ["r1", "r2", "r3"]),
    ("Name", "like", ["PIE"], ["r1"]),
    ("Name", "in", ["banana", "cherry"], ["r2", "r3"]),
    ("Name", "isGreater", ["b"], ["r2", "r3"]),
    ("Name", "isLessEqual", ["banana"], ["r1", "r2"]),
    # number (stored int, float or numeric string)
    ("Count", "is", ["12.5"], ["r2"]),
    ("Count", "isNot", ["5"], ["r2", "r3", "r4"]),
    ("Count", "isGreater", ["5"], ["r2"]),
    ("Count", "isGreaterEqual", ["5"], ["r1", "r2"]),
    ("Count", "isLess", ["5"], ["r3"]),
    ("Count", "isLessEqual", ["5"], ["r1", "r3"]),
    ("Count", "in", ["1", "5"], ["r1", "r3"]),
    ("Count", "contains", ["2"], ["r2"]),
    ("Count", "isEmpty", [], ["r4"]),
    # single select
    ("Status", "is", ["Done"], ["r2", "r3"]),
    ("Status", "isNot", ["Done"], ["r1", "r4"]),
    ("Status", "in", ["Todo", "nope"], ["r1"]),
    ("Status", "contains", ["od"], ["r1"]),
    # multi select
    ("Tags", "is", ["b", "a"], ["r1"]),
    ("Tags", "is", ["b"], ["r2"]),
    ("Tags", "isNot", ["b"], ["r1", "r3", "r4"]),
    ("Tags", "contains", ["a", "zz"], ["r1"]),
    ("Tags", "contains", ["b"], ["r1", "r2"]),
    ("Tags", "doesNotContain", ["a"], ["r2", "r3", "r4"]),
    ("Tags", "in", ["b"], ["r1", "r2"]),
    ("Tags", "isEmpty", [], ["r3", "r4"]),
    ("Tags", "isNotEmpty", [], ["r1", "r2"]),
    # checkbox
    ("Done", "is", ["true"], ["r1"]),
    ("Done", "is", ["false"], ["r2", "r3", "r4"]),
    ("Done", "isNot", ["true"], ["r2", "r3", "r4"]),
    ("Done", "isEmpty", [], ["r2", "r3", "r4"]),
    ("Done", "isNotEmpty", [], ["r1"]),
    # person: by id or name
    ("Owner", "is", ["ou_a"], ["r1"]),
    ("Owner", "is", ["Bob", "alice"], ["r2"]),
    ("Owner", "contains", ["Bob"], ["r2"]),
    ("Owner", "contains", ["ou_a"], ["r1", "r2"]),
    ("Owner", "doesNotContain", ["ou_b"], ["r1", "r3", "r4"]),
    ("Owner", "isEmpty", [], ["r3", "r4"]),
    ("Creator", "is", ["Bob"], ["r2"]),
    ("Editor", "contains", ["ou_b"], ["r1"]),
    ("Team", "contains", ["core"], ["r1"]),
    # phone, url, attachment, links, location, auto number
    ("Phone", "is", ["+8613800"], ["r1"]),
    ("Phone", "contains", ["13"], ["r1", "r2"]),
    ("Link", "is", ["docs"], ["r1"]),
    ("Link", "is", ["https://x.test/docs"], ["r1"]),
    ("Link", "isEmpty", [], ["r2", "r3", "r4"]),
    ("Files", "contains", ["REPORT"], ["r1"]),
    ("Files", "is", ["report.pdf"], ["r1"]),
    ("Files", "isNotEmpty", [], ["r1"]),
    ("Rel", "contains", ["recA"], ["r1"]),
    ("Rel", "is", ["recA"], ["r1"]),
    ("Duplex", "doesNotContain", ["recB"], ["r2", "r3", "r4"]),
    ("Place", "contains", ["beijing"], ["r1"]),
    ("Place", "is", ["Tiananmen"], ["r1"]),
    ("No", "isGreater", ["16"], ["r1", "r3"]),
    ("No", "is", ["5"], ["r2"]),
    # formula / lookup: judged by the stored value
    ("Calc", "isGreater", ["5"], ["r1", "r2"]),  # 10 > 5; "text" > "5" as text
    ("Calc", "is", ["TEXT"], ["r2"]),
    ("Lookup", "contains", ["y"], ["r1"]),
])
def test_search_operator_per_type(field: str, op: str, value: list[str],
                                  expected: list[str]) -> None:
    assert search(field, op, *value) == expected


# ------------------------------------------------------------ search: dates


@pytest.mark.parametrize(("op", "value", "expected"), [
    ("is", ["Today"], ["r1"]),
    ("is", ["Tomorrow"], ["r2"]),
    ("is", ["Yesterday"], ["r3"]),
    ("isNot", ["Today"], ["r2", "r3", "r4"]),
    ("isGreater", ["Today"], ["r2", "r4"]),
    ("isGreaterEqual", ["Today"], ["r1", "r2", "r4"]),
    ("isLess", ["Today"], ["r3"]),
    ("isLessEqual", ["Today"], ["r1", "r3"]),
    ("is", ["ExactDate", str(ms(2024, 5, 16, 23))], ["r2"]),
    ("isGreater", ["ExactDate", str(ms(2024, 5, 16, 0))], ["r4"]),
    ("is", [str(ms(2024, 5, 20, 1))], ["r4"]),
    ("is", ["CurrentWeek"], ["r1", "r2", "r3"]),  # Mon 13 .. Sun 19
    ("isGreater", ["CurrentWeek"], ["r4"]),
    ("is", ["TheNextWeek"], ["r1", "r2", "r4"]),  # 15 .. 21
    ("is", ["CurrentMonth"], ["r1", "r2", "r3", "r4"]),
    ("is", ["LastMonth"], []),
    ("is", ["TheLastWeek"], ["r1", "r3"]),  # 9 .. 15
    ("isEmpty", [], []),
])
def test_search_dates_relative_to_fixed_now(op: str, value: list[str],
                                            expected: list[str]) -> None:
    assert search("Due", op, *value) == expected


@pytest.mark.parametrize(("word", "expected"), [
    ("LastWeek", ["r3"]),  # Mon 6 .. Sun 12
    ("CurrentWeek", ["r1"]),  # Mon 13 .. Sun 19
    ("LastMonth", ["r2"]),
    ("TheLastMonth", ["r1", "r2", "r3"]),
    ("TheNextMonth", []),
])
def test_created_time_relative_words(word: str, expected: list[str]) -> None:
    assert search("Created", "is", word) == expected


def test_month_and_week_boundaries_in_the_given_time_zone() -> None:
    # 2024-05-31 23:30 at UTC+8 is still May there, June 1st nowhere yet.
    late = int(datetime(2024, 5, 31, 23, 30, tzinfo=TZ).timestamp() * 1000)
    body = {"conditions": [{"field_name": "Due", "operator": "is", "value": ["CurrentMonth"]}]}
    pred = compile_search_filter(body, TYPES, now=clock, tz=TZ)
    assert pred({"Due": late})
    utc_pred = compile_search_filter(body, TYPES, now=clock, tz=timezone.utc)
    assert utc_pred({"Due": late})
    early_june = int(datetime(2024, 6, 1, 0, 30, tzinfo=TZ).timestamp() * 1000)
    assert not pred({"Due": early_june})
    assert utc_pred({"Due": early_june})  # still May 31st in UTC
    january = datetime(2024, 1, 10, tzinfo=TZ).timestamp()
    last_month = {"conditions": [{"field_name": "Due", "operator": "is", "value": ["LastMonth"]}]}
    dec = compile_search_filter(last_month, TYPES, now=lambda: january, tz=TZ)
    assert dec({"Due": ms(2023, 12, 31)})
    assert not dec({"Due": ms(2024, 1, 1)})


# ------------------------------------------------------- search: structure


def test_conjunctions_and_children() -> None:
    body = {
        "conjunction": "or",
        "conditions": [{"field_name": "Name", "operator": "is", "value": ["banana"]}],
        "children": [
            {"conjunction": "and", "conditions": [
                {"field_name": "Status", "operator": "is", "value": ["Todo"]},
                {"field_name": "Count", "operator": "isGreater", "value": ["1"]}]},
            {"conjunction": "or", "conditions": [
                {"field_name": "Due", "operator": "is", "value": ["ExactDate",
                                                                   str(ms(2024, 5, 20))]}]},
        ],
    }
    assert ids(compile_search_filter(body, TYPES, now=clock, tz=TZ)) == ["r1", "r2", "r4"]
    body["conjunction"] = "and"
    assert ids(compile_search_filter(body, TYPES, now=clock, tz=TZ)) == []
    only_children = {"conjunction": "and", "children": [
        {"conjunction": "or", "conditions": [
            {"field_name": "Tags", "operator": "contains", "value": ["a"]},
            {"field_name": "Count", "operator": "isLess", "value": ["2"]}]}]}
    assert ids(compile_search_filter(only_children, TYPES)) == ["r1", "r3"]


def test_empty_filter_matches_everything() -> None:
    for body in (None, {}, {"conjunction": "and", "conditions": []}):
        assert ids(compile_search_filter(body, TYPES)) == ["r1", "r2", "r3", "r4"]


def test_default_clock_and_time_zone_are_used() -> None:
    pred = compile_search_filter({"conditions": [
        {"field_name": "Due", "operator": "is", "value": ["Today"]}]}, TYPES)
    assert pred({"Due": int(datetime.now(TZ).timestamp() * 1000)})


@pytest.mark.parametrize(("body", "fragment"), [
    ("nope", "must be an object"),
    ({"conjunction": "xor", "conditions": []}, "conjunction"),
    ({"conditions": {"a": 1}}, "must be lists"),
    ({"conditions": ["x"]}, "must be an object"),
    ({"conditions": [{"field_name": "Nope", "operator": "is", "value": ["x"]}]},
     "unknown field_name 'Nope'"),
    ({"conditions": [{"field_name": "Name", "operator": "equals", "value": ["x"]}]},
     "unknown operator 'equals'"),
    ({"conditions": [{"field_name": "Name", "operator": "is", "value": "x"}]},
     "must be a list"),
    ({"conditions": [{"field_name": "Name", "operator": "is", "value": [{"a": 1}]}]},
     "must be a list"),
    ({"conditions": [{"field_name": "Name", "operator": "is", "value": []}]}, "needs a value"),
    ({"conditions": [{"field_name": "Name", "operator": "is", "value": ["a", "b"]}]},
     "exactly one value"),
    ({"conditions": [{"field_name": "Name", "operator": "isEmpty", "value": ["a"]}]},
     "takes no value"),
    ({"conditions": [{"field_name": "Count", "operator": "isGreater", "value": ["x"]}]},
     "not a number"),
    ({"conditions": [{"field_name": "Done", "operator": "is", "value": ["maybe"]}]},
     "true or false"),
    ({"conditions": [{"field_name": "Done", "operator": "isGreater", "value": ["true"]}]},
     "checkbox"),
    ({"conditions": [{"field_name": "Due", "operator": "is", "value": ["Someday"]}]},
     "unknown date value"),
    ({"conditions": [{"field_name": "Due", "operator": "is", "value": ["ExactDate"]}]},
     "ExactDate"),
    ({"conditions": [{"field_name": "Due", "operator": "is", "value": ["ExactDate", "x"]}]},
     "not a number"),
    ({"conditions": [{"field_name": "Due", "operator": "contains", "value": ["Today"]}]},
     "date fields support"),
    ({"conditions": [{"field_name": "Name", "operator": "is", "value": ["x"], "x": 1}]},
     "unknown keys"),
    ({"children": [{"children": []}]}, "one level"),
    ({"children": ["x"]}, "must be an object"),
])
def test_search_errors(body: Any, fragment: str) -> None:
    with pytest.raises(FilterError) as info:
        compile_search_filter(body, TYPES, now=clock)
    assert info.value.code == 1254018
    assert fragment in info.value.msg


# ------------------------------------------------------------------- formula


@pytest.mark.parametrize(("expr", "expected"), [
    ('CurrentValue.[Name]=""', ["r4"]),
    ('NOT(CurrentValue.[Name] ="")', ["r1", "r2", "r3"]),
    ('CurrentValue.[Name] = "BANANA"', ["r2"]),
    ('CurrentValue.[Name] != "banana"', ["r1", "r3", "r4"]),
    ("CurrentValue.[Count] >= 5", ["r1", "r2"]),
    ("CurrentValue.[Count] >= 10.5", ["r2"]),
    ("CurrentValue.[Count] < 5", ["r3"]),
    ('CurrentValue.[No] <= "017"', ["r1", "r2"]),
    ('CurrentValue.[Name].contains("an")', ["r2"]),
    ('CurrentValue.[Name].contains("zz", "err")', ["r3"]),
    ('NOT(CurrentValue.[Name].contains("a"))', ["r3", "r4"]),
    ('AND(CurrentValue.[Count]>1, CurrentValue.[Status]="done")', ["r2"]),
    ('OR(CurrentValue.[Name].contains("pie"),CurrentValue.[Name].contains("cherry"))',
     ["r1", "r3"]),
    ('CurrentValue.[Count]>1&&CurrentValue.[Status]="Todo"', ["r1"]),
    ('CurrentValue.[Count]>10||CurrentValue.[Count]<2', ["r2", "r3"]),
    ('CurrentValue.[Status]="Done" && (CurrentValue.[Count]>10 || CurrentValue.[Count]<2)',
     ["r2", "r3"]),
    ('CurrentValue.[Tags]="a"', ["r1"]),
    ('CurrentValue.[Owner]="Bob"', ["r2"]),
    ('CurrentValue.[Creator]="alice"', ["r1"]),
    ("CurrentValue.[Done]=1", ["r1"]),
    ("CurrentValue.[Done]=0", ["r2", "r3", "r4"]),
    ("CurrentValue.[Done]", ["r1"]),
    ("CurrentValue.[Done]=TRUE", ["r1"]),
    ('CurrentValue.[Phone]="+8613800"', ["r1"]),
    ('CurrentValue.[Phone]="%2B8613800"', []),  # inside a string %2B stays literal
    ('CurrentValue.[Link]="Docs"', ["r1"]),
    ('CurrentValue.[Files]="report.pdf"', ["r1"]),
    ('CurrentValue.[Place].contains("Beijing")', ["r1"]),
    ("CurrentValue.[Calc]=10", ["r1"]),
    ('CurrentValue.[Calc]="text"', ["r2"]),
    ('CurrentValue.[No]="17"', ["r1"]),
    ('CurrentValue.[Tags].contains("b")', ["r1", "r2"]),
    ('ISBLANK(CurrentValue.[Tags])', ["r3", "r4"]),
    ('CurrentValue.[Count]*2+1=11', ["r1"]),
    ('CurrentValue.[Count]/0=1', []),
    ('-CurrentValue.[Count] < -10', ["r2"]),
    ('CurrentValue.[Name]&"!"="banana!"', ["r2"]),
    ('FIND("an", CurrentValue.[Name])=2', ["r2"]),
    ('FIND("zz", CurrentValue.[Name])>0', []),
    ("LEN(CurrentValue.[Name])=6", ["r2", "r3"]),
    ('IF(CurrentValue.[Count]>10, TRUE(), FALSE())', ["r2"]),
    ('CONTAIN(CurrentValue.[Name], "ERR")', ["r3"]),
    ('CurrentValue.[Name] = "a\\"b"', []),
])
def test_formula_operators(expr: str, expected: list[str]) -> None:
    assert formula(expr) == expected


@pytest.mark.parametrize(("expr", "expected"), [
    ("CurrentValue.[Due] = TODAY()", ["r1"]),
    ("CurrentValue.[Due] = TODAY()-1", ["r3"]),
    ("CurrentValue.[Due] = TODAY()%2B1", ["r2"]),
    ("CurrentValue.[Due] = TODAY()+1", ["r2"]),
    ("CurrentValue.[Due] > TODAY()", ["r2", "r4"]),
    ("CurrentValue.[Due] = NOW()", ["r1"]),
    # this week (filters.md)
    ("AND(TODAY()-(WEEKDAY(TODAY(),2)-1)<=CurrentValue.[Due], "
     "CurrentValue.[Due]<=TODAY()%2B(7-WEEKDAY(TODAY(),2)))", ["r1", "r2", "r3"]),
    # this month (filters.md)
    ("AND(DATE(YEAR(TODAY()),MONTH(TODAY()),1)<=CurrentValue.[Due], "
     "CurrentValue.[Due]<=DATE(YEAR(TODAY()),MONTH(TODAY())%2B1,0))", ["r1", "r2", "r3", "r4"]),
    # past 2 days / next 2 days (filters.md)
    ("today()-2%2B1 <= CurrentValue.[Due]&&CurrentValue.[Due] <= today()", ["r1", "r3"]),
    ("today()<= CurrentValue.[Due]&&CurrentValue.[Due] <= today()%2B2-1", ["r1", "r2"]),
    # date range, including the guide's impossible 06-31
    ('CurrentValue.[Due] > TODATE("2024-05-15")&&CurrentValue.[Due] < TODATE("2024-05-20")',
     ["r2"]),
    ('CurrentValue.[Due] >= TODATE("2024/04/31")', ["r1", "r2", "r3", "r4"]),
    ('CurrentValue.[Due] = "2024-05-16"', ["r2"]),
    ("CurrentValue.[Created]>TODAY()-3", ["r1"]),
    ("CurrentValue.[Modified]=TODAY()-1", ["r1"]),
    ("WEEKDAY(CurrentValue.[Due])=4", ["r1"]),  # Sunday=1: Wednesday=4
    ("WEEKDAY(CurrentValue.[Due], 3)=0", ["r4"]),  # Monday=0
    ("DAY(CurrentValue.[Due])=20", ["r4"]),
    ("CurrentValue.[Due]-TODAY()=5", ["r4"]),
    (f"CurrentValue.[Due] > {ms(2024, 5, 16)}", ["r4"]),
])
def test_formula_dates(expr: str, expected: list[str]) -> None:
    assert formula(expr) == expected


def test_formula_escapes_and_odd_field_names() -> None:
    types = {"a]b": 1, "back\\slash": 1, "Name": 1}
    rec = {"a]b": 'say "hi"', "back\\slash": "c:\\dir", "Name": 'x""y'}
    assert compile_formula('CurrentValue.[a\\]b]="say \\"hi\\""', types)(rec)
    assert compile_formula('CurrentValue.[a\\]b]="say ""hi"""', types)(rec)
    assert compile_formula('CurrentValue.[back\\\\slash]="c:\\\\dir"', types)(rec)
    assert not compile_formula('CurrentValue.[back\\\\slash]="c:dir"', types)(rec)
    assert compile_formula('CurrentValue.[Name]="x\\"\\"y"', types)(rec)
    assert compile_formula('CurrentValue.[Name]="x\u0022\u0022\u0022\u0022y"', types)(rec)


def test_blank_formula_matches_everything() -> None:
    assert formula("  ") == ["r1", "r2", "r3", "r4"]
    assert ids(compile_formula(None, TYPES)) == ["r1", "r2", "r3", "r4"]


@pytest.mark.parametrize(("expr", "fragment"), [
    ("CurrentValue.[Nope]=1", "unknown field 'Nope'"),
    ("currentValue.[Name]=1", "upper-case C and V"),
    ("CurrentValue[Name]=1", "expected .[field name]"),
    ("CurrentValue.[Name=1", "unterminated field"),
    ("CurrentValue.[]=1", "empty field name"),
    ('CurrentValue.[Name]="abc', "unterminated string"),
    ("CurrentValue.[Name]=", "unexpected end of formula"),
    ("AND(CurrentValue.[Count]>1", "expected ',' or ')'"),
    ("CurrentValue.[Count]>1)", "unexpected ')'"),
    ("FOO(1)", "unknown function FOO()"),
    ("NOT(1, 2)", "NOT() takes 1 arguments"),
    ("TODAY(1)", "TODAY() takes 0 arguments"),
    ("AND()", "AND() takes 1..n arguments"),
    ("CurrentValue.[Name].startsWith(\"a\")", "unknown method"),
    ("CurrentValue.[Name].contains()", "at least one argument"),
    ("1 < 2 < 3", "chained"),
    ("Name = 1", "unknown name 'Name'"),
    ("CurrentValue.[Count] # 1", "unexpected character '#'"),
    ("", "empty formula"),
])
def test_formula_errors(expr: str, fragment: str) -> None:
    if not expr:
        # blank means "no filter"; an empty group is still an error
        expr, fragment = "()", "unexpected ')'"
    with pytest.raises(FilterError) as info:
        compile_formula(expr, TYPES)
    assert info.value.code == 1254018
    assert fragment in info.value.msg


def test_formula_error_positions() -> None:
    with pytest.raises(FilterError, match="position 23"):
        compile_formula("CurrentValue.[Count] > ", TYPES)


# ---------------------------------------------------------------------- sort


SORTABLE: list[dict[str, Any]] = [
    {"k": 1, "Name": "b", "Count": 2, "Done": True, "Due": ms(2024, 1, 2)},
    {"k": 2, "Name": "A", "Count": 10, "Due": ms(2024, 1, 1)},
    {"k": 3, "Name": "c", "Count": "2", "Done": False},
    {"k": 4, "Name": "a", "Count": None, "Due": ms(2024, 1, 2)},
    {"k": 5, "Count": 2, "Done": True},
]


def keys(rows: list[Any]) -> list[int]:
    return [r["k"] for r in rows]


def test_search_sort_stable_multi_key_and_empties_last() -> None:
    assert keys(sort_records_search(SORTABLE, [{"field_name": "Count"}], TYPES)) == \
        [1, 3, 5, 2, 4]
    assert keys(sort_records_search(SORTABLE, [{"field_name": "Count", "desc": True}],
                                    TYPES)) == [2, 1, 3, 5, 4]
    assert keys(sort_records_search(SORTABLE, [
        {"field_name": "Count", "desc": False}, {"field_name": "Name", "desc": True}],
        TYPES)) == [3, 1, 5, 2, 4]
    # case-insensitive text; equal keys keep their order; empty names last
    assert keys(sort_records_search(SORTABLE, [{"field_name": "Name"}], TYPES)) == \
        [2, 4, 1, 3, 5]
    assert keys(sort_records_search(SORTABLE, [{"field_name": "Due"}, {"field_name": "k"}],
                                    {**TYPES, "k": 2})) == [2, 1, 4, 3, 5]
    assert keys(sort_records_search(SORTABLE, [{"field_name": "Done", "desc": True}],
                                    TYPES)) == [1, 5, 2, 3, 4]
    assert keys(sort_records_search(SORTABLE, None, TYPES)) == [1, 2, 3, 4, 5]
    assert keys(SORTABLE) == [1, 2, 3, 4, 5]  # input untouched


def test_search_sort_many_equal_keys_is_stable() -> None:
    rows = [{"k": i, "Count": i % 3} for i in range(60)]
    out = sort_records_search(rows, [{"field_name": "Count", "desc": True}], TYPES)
    assert keys(out) == [i for c in (2, 1, 0) for i in range(60) if i % 3 == c]


def test_formula_sort_strings() -> None:
    types = {**TYPES, "Full Name": 1, "Name DESC": 1}
    assert keys(sort_records_formula(SORTABLE, ["Count DESC", "Name ASC"], types)) == \
        [2, 1, 3, 5, 4]
    assert keys(sort_records_formula(SORTABLE, ["Name"], types)) == [2, 4, 1, 3, 5]
    assert keys(sort_records_formula(SORTABLE, ["Name desc"], types)) == [3, 1, 2, 4, 5]
    rows = [{"k": 1, "Full Name": "b"}, {"k": 2, "Full Name": "a"}]
    assert keys(sort_records_formula(rows, ["Full Name DESC"], types)) == [1, 2]
    assert keys(sort_records_formula(rows, ["Full Name"], types)) == [2, 1]
    # a field literally called "Name DESC" wins over the direction reading
    rows2 = [{"k": 1, "Name DESC": "b"}, {"k": 2, "Name DESC": "a"}]
    assert keys(sort_records_formula(rows2, ["Name DESC"], types)) == [2, 1]


@pytest.mark.parametrize("sort", [
    [{"field_name": "Nope"}], ["x"], [{"field_name": "Name", "desc": "yes"}],
    [{"field_name": "Name", "order": "asc"}], [{"desc": True}],
])
def test_search_sort_errors(sort: list[Any]) -> None:
    with pytest.raises(FilterError) as info:
        sort_records_search(SORTABLE, sort, TYPES)
    assert info.value.code == 1254016


@pytest.mark.parametrize("sort", [["Nope DESC"], [""], [3], ["Name SIDEWAYS"]])
def test_formula_sort_errors(sort: list[Any]) -> None:
    with pytest.raises(FilterError) as info:
        sort_records_formula(SORTABLE, sort, TYPES)
    assert info.value.code == 1254016
    assert "sort[0]" in info.value.msg
