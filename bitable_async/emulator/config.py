"""Configuration objects of the Bitable emulator.

Everything here is plain data: credentials, knobs for timing, rate limits and
faults, and the seed (apps, tables, fields, records) loaded at start-up.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_APP_ID = "cli_emulator0001"
DEFAULT_APP_SECRET = "emulator-secret-0001"


class ManualClock:
    """A clock for tests: time only moves when ``advance`` is called.

    Args:
        start: initial value in seconds since the epoch.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start

    def __call__(self) -> float:
        """Return the current time in seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward.

        Args:
            seconds: how far to move (must be >= 0).

        Raises:
            ValueError: when ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds


@dataclass
class AppCredential:
    """A developer app allowed to fetch tokens from the emulator.

    Attributes:
        app_id: the app ID (``cli_...``).
        app_secret: the app secret; never echoed by the emulator.
        marketplace: True for a store (ISV) app that needs an ``app_ticket``.
        tenant_keys: tenants that installed a marketplace app.
    """

    app_id: str
    app_secret: str
    marketplace: bool = False
    tenant_keys: tuple[str, ...] = ("tenant_emulator",)

    def __repr__(self) -> str:
        return f"AppCredential(app_id={self.app_id!r}, marketplace={self.marketplace!r})"


@dataclass
class FaultConfig:
    """Seeded fault injection knobs (probabilities are in [0, 1]).

    Attributes:
        seed: seed of the ``random.Random`` drawing fault decisions.
        p_5xx: probability of an HTTP 5xx answer before any processing.
        p_5xx_json: share of those 5xx answers carrying a JSON body (code 1255001).
        p_not_ready: probability of a 1254607 "data not ready" answer.
        p_html_502: probability of an HTML 502 gateway page.
        p_drop_after_commit: probability that a successful write is committed
            and then the connection is aborted without a response.
        latency: extra seconds added to every affected request.
        latency_jitter: extra uniform random seconds in [0, latency_jitter].
        writes_only: limit all faults to write endpoints.
        endpoints: when non-empty, only these endpoint names get faults.
    """

    seed: int = 0
    p_5xx: float = 0.0
    p_5xx_json: float = 0.5
    p_not_ready: float = 0.0
    p_html_502: float = 0.0
    p_drop_after_commit: float = 0.0
    latency: float = 0.0
    latency_jitter: float = 0.0
    writes_only: bool = False
    endpoints: tuple[str, ...] = ()

    def any_enabled(self) -> bool:
        """Return True when at least one fault or latency knob is non-zero."""
        return any(
            v > 0
            for v in (
                self.p_5xx,
                self.p_not_ready,
                self.p_html_502,
                self.p_drop_after_commit,
                self.latency,
                self.latency_jitter,
            )
        )


@dataclass
class SeedLookup:
    """Where a seeded lookup field (type 19) takes its values from.

    The Field API cannot create lookups (fields.md §2) and a lookup's
    ``property`` is null in the field list, so only seeds define them.

    Attributes:
        link_field: name of a link field (18 or 21) of the lookup's own table.
        field: name of the field of the linked table whose values are shown.
    """

    link_field: str
    field: str


@dataclass
class SeedField:
    """A field to create in a seeded table (``property`` as in fields.md).

    Attributes:
        name: field name.
        type: type ID.
        property: the field's property (None for types without settings).
        lookup: for a lookup field (type 19, seeds only), what it looks up.
    """

    name: str
    type: int
    property: dict[str, Any] | None = None
    lookup: SeedLookup | None = None


@dataclass
class SeedTable:
    """A table to create in a seeded app.

    Attributes:
        name: table name.
        fields: fields; the first is the primary field (defaults to a text field "Text").
        records: rows written through the normal write validation (field name -> value).
        table_id: fixed table ID (generated when None).
    """

    name: str
    fields: list[SeedField] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    table_id: str | None = None


@dataclass
class SeedApp:
    """A Bitable (base) to create at start-up."""

    name: str = "Emulator Base"
    app_token: str | None = None
    tables: list[SeedTable] = field(default_factory=list)
    dashboards: list[str] = field(default_factory=lambda: ["Dashboard 1"])
    is_advanced: bool = False


@dataclass
class EmulatorConfig:
    """All knobs of one emulator instance.

    Attributes:
        apps: developer apps that may fetch tokens.
        seed_apps: Bitables created at start-up.
        token_ttl: lifetime of issued tokens in seconds (spec: 2 h).
        token_renew_window: a fetch with less than this left returns a new token.
        write_service_time: seconds each table write is "in progress" (base).
        write_service_time_per_record: extra seconds per record of a batch.
        read_conflicts: a read on a table with a write in progress -> 1254607.
        rate_limits_enabled: enforce per-app, per-endpoint QPS caps.
        qps_overrides: endpoint name -> QPS cap (replaces the documented one).
        default_write_qps / default_read_qps: caps of endpoints with no stated QPS.
        max_batch: records per batch write (1254104 above it).
        max_records_per_table: 1254103 above it.
        max_tables_per_app: tables plus dashboards per base (seed 000); 1254100 above it.
        page_size_caps: endpoint name -> max page size (larger values are clamped).
        numbers_as_strings_on_list: list/search return numbers as strings (spec fact 6).
        duplex_link_writable: allow writing type-21 cells (the spec says no).
        strict_attachments: reject attachment cells whose file_token was not uploaded.
        users: directory of person IDs -> {name, en_name, email, avatar_url}.
        extra_field_entries: table ID -> JSON values appended, as they are, to
            the entries of every ``app_table_field.list`` answer for that table
            (after its real fields, before paging). A test hook for field
            entries the service may send but the emulator never makes (a new
            type, an odd attribute, not an object); they are not fields of the
            table: records, writes and other endpoints ignore them.
        faults: fault injection knobs.
        clock: time source in seconds (tokens, rate limits, timestamps).
        sleep: coroutine used for service time and latency.
        host: interface to bind.
        port: port to bind (0 = a free port).
        id_seed: seed of the ID generator (reproducible IDs).
    """

    apps: list[AppCredential] = field(
        default_factory=lambda: [AppCredential(DEFAULT_APP_ID, DEFAULT_APP_SECRET)]
    )
    seed_apps: list[SeedApp] = field(default_factory=list)
    token_ttl: int = 7200
    token_renew_window: int = 1800
    write_service_time: float = 0.0
    write_service_time_per_record: float = 0.0
    read_conflicts: bool = False
    rate_limits_enabled: bool = True
    qps_overrides: dict[str, int] = field(default_factory=dict)
    default_write_qps: int = 10
    default_read_qps: int = 20
    max_batch: int = 500
    max_records_per_table: int = 20_000
    max_tables_per_app: int = 100
    page_size_caps: dict[str, int] = field(default_factory=dict)
    numbers_as_strings_on_list: bool = True
    duplex_link_writable: bool = False
    strict_attachments: bool = True
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    extra_field_entries: dict[str, list[Any]] = field(default_factory=dict)
    faults: FaultConfig = field(default_factory=FaultConfig)
    clock: Clock = time.time
    sleep: Sleep = asyncio.sleep
    host: str = "127.0.0.1"
    port: int = 0
    id_seed: int = 1

    def __repr__(self) -> str:
        ids = [a.app_id for a in self.apps]
        return f"EmulatorConfig(apps={ids!r}, host={self.host!r}, port={self.port!r})"


def _seed_lookup(raw: Any) -> SeedLookup | None:
    if raw is None:
        return None
    return SeedLookup(link_field=str(raw["link_field"]), field=str(raw["field"]))


def _seed_table(raw: Mapping[str, Any]) -> SeedTable:
    fields = [
        SeedField(str(f["name"]), int(f["type"]), f.get("property"), _seed_lookup(f.get("lookup")))
        for f in raw.get("fields", [])
    ]
    return SeedTable(
        name=str(raw["name"]),
        fields=fields,
        records=list(raw.get("records", [])),
        table_id=raw.get("table_id"),
    )


def seed_from_mapping(raw: Mapping[str, Any]) -> tuple[list[AppCredential], list[SeedApp]]:
    """Read credentials and seeded Bitables from a JSON-like mapping.

    The format is ``{"apps": [{"app_id", "app_secret", "marketplace"?,
    "tenant_keys"?}], "bases": [{"name", "app_token"?, "is_advanced"?,
    "tables": [{"name", "table_id"?, "fields": [{"name", "type", "property"?,
    "lookup"?: {"link_field", "field"}}],
    "records": [{...}]}]}]}``.

    Args:
        raw: the decoded document.

    Returns:
        (credentials, seeded apps); credentials is empty when not given.

    Raises:
        KeyError: when a required key is missing.
    """
    creds = [
        AppCredential(
            str(a["app_id"]),
            str(a["app_secret"]),
            bool(a.get("marketplace", False)),
            tuple(a.get("tenant_keys", ("tenant_emulator",))),
        )
        for a in raw.get("apps", [])
    ]
    bases = [
        SeedApp(
            name=str(b.get("name", "Emulator Base")),
            app_token=b.get("app_token"),
            tables=[_seed_table(t) for t in b.get("tables", [])],
            dashboards=list(b.get("dashboards", ["Dashboard 1"])),
            is_advanced=bool(b.get("is_advanced", False)),
        )
        for b in raw.get("bases", [])
    ]
    return creds, bases


def load_seed_file(path: str | Path) -> tuple[list[AppCredential], list[SeedApp]]:
    """Load a seed JSON file (see ``seed_from_mapping`` for the format).

    Args:
        path: path of the JSON file.

    Returns:
        (credentials, seeded apps).

    Raises:
        OSError: when the file cannot be read.
        ValueError: when it is not valid JSON.
    """
    return seed_from_mapping(json.loads(Path(path).read_text(encoding="utf-8")))


def demo_seed() -> SeedApp:
    """A small Bitable with one table whose schema covers the common field types.

    Returns:
        the seed: table "Tasks" with text, number, select, multi-select, date,
        checkbox, person, phone, URL, attachment, link, created time and auto number.
    """
    fields = [
        SeedField("Name", 1),
        SeedField("Count", 2, {"formatter": "0"}),
        SeedField("Status", 3, {"options": [{"name": "Todo"}, {"name": "Done"}]}),
        SeedField("Tags", 4, {"options": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}),
        SeedField("Due", 5, {"date_formatter": "yyyy/MM/dd", "auto_fill": False}),
        SeedField("Done", 7),
        SeedField("Owner", 11, {"multiple": True}),
        SeedField("Phone", 13),
        SeedField("Website", 15),
        SeedField("Files", 17),
        SeedField("Related", 18, {"multiple": True, "table_id": "tblEmulatorTasks"}),
        SeedField("Created", 1001, {"date_formatter": "yyyy/MM/dd"}),
        SeedField("No", 1005, {"auto_serial": {"type": "auto_increment_number"}}),
    ]
    return SeedApp(
        name="Emulator Base",
        tables=[SeedTable("Tasks", fields=fields, table_id="tblEmulatorTasks")],
    )
