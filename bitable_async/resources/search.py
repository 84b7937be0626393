"""Turning search filters and sorts into the records/search JSON body.

The search body takes ``filter`` as ``{"conjunction", "conditions",
"children"}`` and ``sort`` as ``[{"field_name", "desc"}]`` (supplement.md).
Callers may pass the builders of :mod:`bitable_async.filters` (anything with
``to_dict()`` or a msgspec Struct), plain mappings, or for sorts the
``"<field> DESC"`` strings of list records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import msgspec

__all__ = ["SearchFilterLike", "SortLike", "ToDict", "filter_body", "sort_body"]


@runtime_checkable
class ToDict(Protocol):
    """Anything that renders itself as the JSON object the API expects."""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready mapping."""
        ...


SearchFilterLike = ToDict | msgspec.Struct | Mapping[str, Any]
"""A search filter: a builder (``to_dict()``), a msgspec Struct or a mapping."""

SortLike = ToDict | msgspec.Struct | Mapping[str, Any] | str
"""One sort key: a helper, a ``{"field_name", "desc"}`` mapping or ``"<field> [ASC|DESC]"``."""


def _builtin(value: object, what: str) -> dict[str, Any]:
    if isinstance(value, ToDict):
        out = value.to_dict()
    elif isinstance(value, msgspec.Struct):
        out = msgspec.to_builtins(value)
    elif isinstance(value, Mapping):
        out = dict(value)
    else:
        raise TypeError(f"{what} must be a filter builder, a Struct or a mapping, got {value!r}")
    if not isinstance(out, dict):
        raise TypeError(f"{what} must render as a JSON object, got {out!r}")
    return out


def filter_body(value: SearchFilterLike) -> dict[str, Any]:
    """Render a search filter as the body's ``filter`` object.

    Args:
        value: a filter builder, a msgspec Struct or a mapping.

    Returns:
        The ``filter`` object.

    Raises:
        TypeError: an unsupported value.
    """
    return _builtin(value, "filter")


def _sort_item(value: SortLike) -> dict[str, Any]:
    if isinstance(value, str):
        text = value.strip()
        name, _, direction = text.rpartition(" ")
        if direction.upper() in ("ASC", "DESC") and name.strip():
            return {"field_name": name.strip(), "desc": direction.upper() == "DESC"}
        if not text:
            raise ValueError("a sort key must name a field")
        return {"field_name": text, "desc": False}
    return _builtin(value, "sort")


def sort_body(values: Iterable[SortLike]) -> list[dict[str, Any]]:
    """Render sort keys as the body's ``sort`` list.

    Args:
        values: sort helpers, mappings, or ``"<field> [ASC|DESC]"`` strings.

    Returns:
        ``[{"field_name": ..., "desc": ...}, ...]``.

    Raises:
        TypeError: an unsupported value, or one string instead of a list.
        ValueError: an empty sort key.
    """
    if isinstance(values, (str, Mapping)):
        raise TypeError("sort must be a list of sort keys")
    return [_sort_item(v) for v in values]
