"""Upsert keys: compare a written value with the value read back."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

__all__ = ["normalize_key"]


def _number(v: float) -> str:
    if v == int(v):
        return str(int(v))
    return repr(float(v))


def normalize_key(value: Any) -> Hashable:
    """Bring a written or read cell value to a comparable form (upsert keys).

    Text segments are joined, numbers (and numeric strings) get one canonical
    form, lists become tuples, objects with ``text`` / ``id`` / ``link`` use it.

    Args:
        value: a cell value in write or read shape.

    Returns:
        A hashable value; equal for the written and the read shape of one value.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        try:
            return _number(float(value)) if value.strip() == value and value else value
        except (ValueError, OverflowError):
            return value
    if isinstance(value, Mapping):
        for k in ("text", "id", "link", "value"):
            if k in value:
                return normalize_key(value[k])
        return tuple(sorted((str(k), normalize_key(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, Mapping) and v.get("type") == "text" for v in value):
            return normalize_key("".join(str(v.get("text", "")) for v in value))
        return tuple(normalize_key(v) for v in value)
    return str(value)
