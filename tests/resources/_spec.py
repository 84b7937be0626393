"""Load every endpoint of the spec: the OpenAPI files, endpoints.md and supplement.md.

Each endpoint becomes an :class:`EndpointSpec` (method, path template, declared
query parameters, declared body keys) so the request-shape tests can be
generated from the spec instead of being written by hand.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SPEC_DIR = Path(os.environ.get("BITABLE_SPEC_DIR", Path(__file__).parent / "spec"))


@dataclass(frozen=True)
class EndpointSpec:
    """One endpoint as the spec declares it."""

    name: str
    method: str
    path: str  # template with {param} placeholders, without /open-apis
    query: dict[str, bool]  # name -> required
    body: dict[str, bool] | None  # top-level key -> required; None = no JSON body
    source: str
    path_params: tuple[str, ...] = field(default=())

    def path_regex(self) -> re.Pattern[str]:
        """A regex matching a concrete ``/open-apis`` path of this endpoint."""
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(self.path))
        return re.compile(f"^/open-apis{pattern}$")


def _openapi(path: Path) -> EndpointSpec:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    ((route, ops),) = doc["paths"].items()
    ((method, op),) = ops.items()
    params = op.get("parameters", [])
    query = {p["name"]: bool(p.get("required")) for p in params if p["in"] == "query"}
    path_params = tuple(p["name"] for p in params if p["in"] == "path")
    body: dict[str, bool] | None = None
    content = op.get("requestBody", {}).get("content", {})
    for ctype, spec in content.items():
        assert ctype.startswith("application/json"), (path.name, ctype)
        schema = spec.get("schema", {})
        required = set(schema.get("required") or ())
        body = {k: k in required for k in schema.get("properties", {})}
    return EndpointSpec(
        name=path.stem,
        method=method.upper(),
        path=route,
        query=query,
        body=body,
        source=f"openapi/{path.name}",
        path_params=path_params,
    )


_ROW = re.compile(
    r"^\|\s*(\d+)\s*\|\s*([\w.]+)\s*\|\s*(\w+)\s*\|\s*`([^`]+)`\s*\|([^|]*)\|([^|]*)\|"
)
_NAME = re.compile(r"`(\w+)(\*?)")


def _names(cell: str) -> dict[str, bool]:
    return {m.group(1): bool(m.group(2)) for m in _NAME.finditer(cell)}


def _table_rows() -> list[EndpointSpec]:
    rows = []
    for line in (SPEC_DIR / "endpoints.md").read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if not m:
            continue
        _, name, method, route, qcell, bcell = m.groups()
        path = re.sub(r":(\w+)", r"{\1}", route)
        body = _names(bcell)
        rows.append(
            EndpointSpec(
                name=name,
                method=method.upper(),
                path=path,
                query=_names(qcell),
                body=body or None,
                source="endpoints.md",
                path_params=tuple(re.findall(r"\{(\w+)\}", path)),
            )
        )
    return rows


def _search() -> EndpointSpec:
    text = (SPEC_DIR / "supplement.md").read_text(encoding="utf-8")
    section = text.split("## Records search", 1)[1].split("\n## ", 1)[0]
    m = re.search(r"`(POST|GET) /open-apis(/[^`]+)`", section)
    assert m, "records search endpoint not found in supplement.md"
    path = re.sub(r":(\w+)", r"{\1}", m.group(2))
    qline = next(line for line in section.splitlines() if line.startswith("Query:"))
    example = section.split("```json", 1)[1].split("```", 1)[0]
    body = {k: False for k in json.loads(example)}
    return EndpointSpec(
        name="app_table_record.search",
        method=m.group(1),
        path=path,
        query={k: False for k in _names(qline)},
        body=body,
        source="supplement.md",
        path_params=tuple(re.findall(r"\{(\w+)\}", path)),
    )


@cache
def endpoint_table() -> dict[str, EndpointSpec]:
    """The 43 rows of endpoints.md, by name."""
    return {row.name: row for row in _table_rows()}


@cache
def all_endpoints() -> dict[str, EndpointSpec]:
    """Every endpoint: the OpenAPI file where one exists, else the endpoints.md row; + search."""
    out = dict(endpoint_table())
    for path in sorted((SPEC_DIR / "openapi").glob("*.yaml")):
        spec = _openapi(path)
        out[spec.name] = spec
    search = _search()
    out[search.name] = search
    return out


def example_response(name: str) -> Any | None:
    """The JSON example response of an endpoint, when the spec has one."""
    path = SPEC_DIR / "examples" / f"{name}.response.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
