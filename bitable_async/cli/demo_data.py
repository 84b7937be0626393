"""The demo's table: one field of every writable type, deterministic rows, and the check.

Row ``n`` is a pure function of ``n`` (and of the ids made at set-up: the link
targets, the attachment, the users), so the read-back can recompute what any
record must hold and compare typed values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from bitable_async.models.fields import (
    AttachmentField,
    CheckboxField,
    DateField,
    DateProperty,
    FieldSchema,
    LinkField,
    LinkProperty,
    LocationField,
    MultiSelectField,
    NumberField,
    NumberProperty,
    PersonField,
    PhoneField,
    SelectOption,
    SelectProperty,
    SingleSelectField,
    UrlField,
)
from bitable_async.models.record import Record
from bitable_async.values.types import Attachment, LinkValue, Location, Person, Url

__all__ = ["KEY", "DemoContext", "demo_fields", "expected_row", "mismatches", "sample_indexes"]

KEY = "Key"
STATUSES = ("Todo", "Doing", "Done")
TAGS = ("red", "green", "blue", "amber")
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
DEMO_USERS = {
    f"ou_demo_{i}": {"name": name, "en_name": name, "email": f"{name.lower()}@example.com"}
    for i, name in enumerate(("Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret"))
}


def _options(names: tuple[str, ...]) -> SelectProperty:
    return SelectProperty(options=[SelectOption(name=n) for n in names])


def demo_fields(link_table_id: str) -> list[FieldSchema]:
    """The fields added to the demo table (its primary text field is renamed ``Key``).

    Args:
        link_table_id: the table the link field points to.

    Returns:
        One field of every writable type after text: number, single and multi
        select, date, checkbox, person, phone, hyperlink, attachment, link, location.
    """
    return [
        NumberField(field_name="Amount", property=NumberProperty(formatter="0.00")),
        SingleSelectField(field_name="Status", property=_options(STATUSES)),
        MultiSelectField(field_name="Tags", property=_options(TAGS)),
        DateField(field_name="Due", property=DateProperty(date_formatter="yyyy/MM/dd HH:mm")),
        CheckboxField(field_name="Done"),
        PersonField(field_name="Owner"),
        PhoneField(field_name="Phone"),
        UrlField(field_name="Site"),
        AttachmentField(field_name="Files"),
        LinkField(field_name="Related", property=LinkProperty(table_id=link_table_id)),
        LocationField(field_name="Place"),
    ]


@dataclass(frozen=True)
class DemoContext:
    """Ids made at set-up that rows refer to.

    Attributes:
        link_ids: record ids of the link target table.
        attachment: an uploaded file.
        person_ids: user ids for the person field (may be empty).
    """

    link_ids: tuple[str, ...]
    attachment: Attachment | None
    person_ids: tuple[str, ...]


def _place(n: int) -> tuple[float, float]:
    return round(116.0 + (n % 1000) / 1000, 6), round(39.5 + (n % 700) / 1000, 6)


def expected_row(n: int, ctx: DemoContext) -> dict[str, Any]:
    """Row ``n`` of the demo, as typed Python values (what is written and read back).

    Args:
        n: the row number.
        ctx: the set-up ids.

    Returns:
        field name -> value.
    """
    row: dict[str, Any] = {
        KEY: f"row-{n:06d}",
        "Amount": round(n * 1.25, 2),
        "Status": STATUSES[n % len(STATUSES)],
        "Tags": [TAGS[n % 4]] + ([TAGS[(n + 2) % 4]] if n % 2 else []),
        "Due": EPOCH + timedelta(minutes=17 * n),
        "Done": n % 2 == 0,
        "Phone": f"+86131{n:08d}",
        "Site": Url(link=f"https://example.com/items/{n}", text=f"item {n}"),
        "Place": "{:.6f},{:.6f}".format(*_place(n)),
    }
    if ctx.person_ids:
        row["Owner"] = [Person(id=ctx.person_ids[n % len(ctx.person_ids)])]
    if ctx.link_ids:
        row["Related"] = [ctx.link_ids[n % len(ctx.link_ids)]]
    if ctx.attachment is not None and n % 50 == 0:
        row["Files"] = [ctx.attachment]
    return row


def sample_indexes(total: int, samples: int = 200) -> list[int]:
    """Row numbers to spot-check: evenly spread, plus the first and the last.

    Args:
        total: rows written.
        samples: how many.

    Returns:
        Sorted distinct row numbers.
    """
    if total <= 0:
        return []
    step = max(1, total // samples)
    return sorted({0, total - 1, *range(0, total, step)})


def mismatches(n: int, rec: Record, ctx: DemoContext) -> list[str]:
    """Compare a record read back with row ``n``.

    Args:
        n: the row number.
        rec: the typed record.
        ctx: the set-up ids.

    Returns:
        One line per differing field (empty when the record is right).
    """
    want = expected_row(n, ctx)
    got = rec.fields
    out: list[str] = []

    def differ(name: str, expected: Any, actual: Any) -> None:
        out.append(f"row {n} field {name!r}: expected {expected!r}, read {actual!r}")

    for name in (KEY, "Amount", "Status", "Tags", "Due", "Phone", "Site"):
        if got.get(name) != want[name]:
            differ(name, want[name], got.get(name))
    if bool(got.get("Done")) != want["Done"]:
        differ("Done", want["Done"], got.get("Done"))
    place = got.get("Place")
    lng, lat = _place(n)
    if not isinstance(place, Location) or (place.lng, place.lat) != (lng, lat):
        differ("Place", want["Place"], place)
    if "Owner" in want:
        owners = got.get("Owner") or []
        if [p.id for p in owners] != [want["Owner"][0].id]:
            differ("Owner", want["Owner"], owners)
    if "Related" in want:
        link = got.get("Related")
        if not isinstance(link, LinkValue) or list(link.record_ids) != want["Related"]:
            differ("Related", want["Related"], link)
    if "Files" in want:
        files = got.get("Files") or []
        if [f.file_token for f in files] != [want["Files"][0].file_token]:
            differ("Files", want["Files"], files)
    return out
