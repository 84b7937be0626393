"""Typed cell values: frozen msgspec Structs for the object-shaped field values.

Plain Python types are used where natural: text ``str``, number ``int | float``,
select ``str`` / ``list[str]``, date ``datetime`` (timezone-aware), checkbox
``bool``, phone and auto number ``str``. The Structs below decode straight from
the read shapes of fields.md §3 (unknown keys such as ``annotation_union_type``
are ignored).

This module imports nothing from the package, so any module may depend on it.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "Attachment",
    "GroupChat",
    "LinkValue",
    "Location",
    "Person",
    "RefValue",
    "TextSegment",
    "Url",
    "segments_to_text",
]


class TextSegment(msgspec.Struct, kw_only=True, frozen=True, gc=False, omit_defaults=True):
    """One segment of a text cell read as an array (``text_field_as_array``, batch_get).

    Attributes:
        type: ``"text"``, ``"mention"`` or ``"url"`` (other values are kept as is).
        text: the display text (``"@name"`` for a user mention).
        mention_type: ``"User"`` or ``"Bitable"`` for mentions (wire key ``mentionType``).
        mention_notify: whether the mention notified (wire key ``mentionNotify``).
        name: the mentioned user's name.
        token: the mentioned user's open id or the mentioned Bitable's token.
        link: the URL of a ``url`` segment or a Bitable mention.
    """

    type: str = "text"
    text: str = ""
    mention_type: str | None = msgspec.field(default=None, name="mentionType")
    mention_notify: bool | None = msgspec.field(default=None, name="mentionNotify")
    name: str | None = None
    token: str | None = None
    link: str | None = None


def segments_to_text(segments: list[TextSegment] | tuple[TextSegment, ...]) -> str:
    """Concatenate the display text of segments.

    Args:
        segments: text segments.

    Returns:
        The plain text the cell shows.
    """
    return "".join(s.text for s in segments)


class Person(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    """A user in a person / created-by / modified-by cell.

    ``id`` follows the request's ``user_id_type``. Only ``id`` is sent on write.
    """

    id: str
    name: str | None = None
    en_name: str | None = None
    email: str | None = None
    avatar_url: str | None = None


class GroupChat(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    """A group chat in a group cell (``oc_...`` id)."""

    id: str
    name: str | None = None
    avatar_url: str | None = None


class Url(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    """A hyperlink cell: the display ``text`` and the target ``link``."""

    link: str
    text: str = ""


class Attachment(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    """One attachment: ``file_token`` (what is written), plus read-only metadata.

    Attributes:
        file_token: the Drive media token.
        name: file name.
        type: MIME type.
        size: size in bytes.
        url: Drive media download URL.
        tmp_url: URL that yields a temporary download link (needs a token).
    """

    file_token: str
    name: str | None = None
    type: str | None = None
    size: int | None = None
    url: str | None = None
    tmp_url: str | None = None


class LinkValue(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    """A one-way or two-way link cell, whichever of the three read shapes it came in.

    A list/get cell may carry only display text (``[{"text": ..., "type":
    "text"}]``, fields.md §3): its record ids are then unknown, ``record_ids``
    is empty and ``ids_known`` is False. Such a value is refused on write (it
    would otherwise be sent as ``[]`` and clear the link).

    Attributes:
        record_ids: ids of the linked records (empty when the response only
            carried display text).
        table_id: the linked table, when the response said.
        text: the display text of the linked records, when the response said.
        ids_known: False when at least one linked element came without its
            record ids, so ``record_ids`` is incomplete.
    """

    record_ids: tuple[str, ...] = ()
    table_id: str | None = None
    text: str | None = None
    ids_known: bool = True


class Location(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    """A location cell.

    Attributes:
        location: ``"lng,lat"`` (e.g. ``"116.397755,39.903179"``).
        pname: province.
        cityname: city.
        adname: district.
        address: street address.
        name: place name.
        full_address: the full address.
    """

    location: str | None = None
    pname: str | None = None
    cityname: str | None = None
    adname: str | None = None
    address: str | None = None
    name: str | None = None
    full_address: str | None = None

    def _coord(self, index: int) -> float | None:
        if not self.location:
            return None
        parts = self.location.split(",")
        if len(parts) != 2:
            return None
        try:
            return float(parts[index])
        except ValueError:
            return None

    @property
    def lng(self) -> float | None:
        """Longitude, parsed from ``location`` (``None`` if absent or malformed)."""
        return self._coord(0)

    @property
    def lat(self) -> float | None:
        """Latitude, parsed from ``location`` (``None`` if absent or malformed)."""
        return self._coord(1)


class RefValue(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    """A formula / lookup value decoded in the shape of its referenced field.

    Produced only for reads made with ``display_formula_ref=true`` of fields
    whose referenced field was declared (``RecordCodec(references=...)``); see
    :mod:`bitable_async.values.codecs_derived`.

    Attributes:
        type: the type code of the referenced field (from the declaration).
        value: the decoded value(s): for list-shaped types (text, multi select,
            person, attachment, link, group) the codec's value; for scalar
            types a list cell gives a list with one decoded value per element,
            a single value decodes as is.
    """

    type: int
    value: Any
