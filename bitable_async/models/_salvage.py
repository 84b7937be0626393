"""Reading a JSON object attribute by attribute, when it does not fit its Struct.

A listing decodes every entry with one typed decoder (fast, in C). When an
entry does not fit -- an attribute of an unexpected JSON type, a required one
missing, not an object at all -- :func:`read_object` reads it again one
attribute at a time with the same per-attribute types, so the attributes that
can be read are kept and the others are reported. It is only used on that
slow path.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from bitable_async.errors import JSON_DECODE_ERRORS, decode_failure

__all__ = ["ObjectRead", "json_kind", "plain", "read_object"]

_PARTS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ANY = msgspec.json.Decoder()

_KINDS = {
    ord("{"): "an object",
    ord("["): "an array",
    ord('"'): "a string",
    ord("t"): "a boolean",
    ord("f"): "a boolean",
    ord("n"): "null",
}


def json_kind(raw: msgspec.Raw | bytes) -> str:
    """Name the JSON type of a value without decoding it.

    Args:
        raw: the JSON text of one value.

    Returns:
        ``"an object"``, ``"an array"``, ``"a string"``, ``"a number"``,
        ``"a boolean"`` or ``"null"``.
    """
    text = bytes(raw).lstrip()
    return _KINDS.get(text[0], "a number") if text else "nothing"


def plain(raw: msgspec.Raw | bytes) -> Any:
    """A JSON value as plain Python values, whatever numbers it holds.

    msgspec refuses numbers outside the float range (``1e999``); the standard
    library reads them (as ``inf``), so a value is kept even then.

    Args:
        raw: the JSON text of one value.

    Returns:
        The value; ``None`` when it is not readable JSON at all (invalid
        UTF-8 in a string included).
    """
    try:
        return _ANY.decode(raw)
    except UnicodeError:
        return None  # the standard library would let encoded surrogates through
    except msgspec.DecodeError:
        pass
    try:
        return json.loads(bytes(raw))
    except (ValueError, RecursionError):
        return None


@dataclass
class ObjectRead:
    """What :func:`read_object` could read of one JSON value.

    Attributes:
        values: attribute -> decoded value, for the attributes that were
            present and fit their type.
        parts: every key of the object -> its JSON text (``None`` when the
            value is not an object).
        problems: one message per attribute that was missing (and required)
            or did not fit, or why the value is not an object.
    """

    values: dict[str, Any] = field(default_factory=dict)
    parts: dict[str, msgspec.Raw] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """The problems joined into one message (``None`` when there were none)."""
        return "; ".join(self.problems) or None


def read_object(
    raw: msgspec.Raw | bytes,
    decoders: Mapping[str, msgspec.json.Decoder[Any]],
    *,
    required: Collection[str] = (),
    what: str = "the entry",
) -> ObjectRead:
    """Read the attributes of a JSON object one by one.

    Messages name the attribute and what was expected (msgspec's message,
    which names the JSON type found), never the value.

    Args:
        raw: the JSON text of the value (any JSON value).
        decoders: attribute -> decoder of its type; other keys are only kept
            in ``parts``.
        required: attributes reported when missing.
        what: how messages name the value when it is not an object.

    Returns:
        The attributes that could be read and the problems found.
    """
    try:
        parts = _PARTS.decode(raw)
    except UnicodeError as exc:  # in a key: the attributes cannot be told apart
        return ObjectRead(problems=[f"{what} is not readable: {decode_failure(exc)}"])
    except msgspec.DecodeError:
        return ObjectRead(problems=[f"{what} is {json_kind(raw)}, not an object"])
    out = ObjectRead(parts=parts)
    for name, decoder in decoders.items():
        part = parts.get(name)
        if part is None:
            if name in required:
                out.problems.append(f"{name} is missing")
            continue
        try:
            out.values[name] = decoder.decode(part)
        except JSON_DECODE_ERRORS as exc:
            out.problems.append(f"{name}: {decode_failure(exc)}")
    return out
