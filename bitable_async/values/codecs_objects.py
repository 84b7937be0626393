"""Codecs of object-shaped types: URL (15), attachment (17), links (18, 21), location (22)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import msgspec

from bitable_async.models.fields import DuplexLinkProperty, LinkProperty
from bitable_async.values.base import BaseCodec, Finisher, same
from bitable_async.values.types import Attachment, LinkValue, Location, Url

__all__ = ["AttachmentCodec", "DuplexLinkCodec", "LinkCodec", "LocationCodec", "UrlCodec"]


class UrlCodec(BaseCodec):
    """Type 15. Reads :class:`Url`; writes ``{"text": ..., "link": ...}``.

    Accepts a :class:`Url`, a mapping with ``link`` (and ``text``), or a link
    string (written with the link as its text).
    """

    kind: ClassVar[str] = "url"
    expected = "a Url, a {'text', 'link'} mapping, or a link str"
    read_expected = "an object with link and text"

    def make_wire_type(self) -> Any:
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            :class:`Url`.
        """
        return Url

    def value_annotations(self) -> dict[Any, Finisher]:
        """Record model annotations of this field (see :meth:`BaseCodec.value_annotations`).

        Returns:
            ``Url``, or ``str`` (the link).
        """
        return {Url: same, str: _url_link}

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (see :meth:`BaseCodec.encode_value`).

        Args:
            value: a Url, a ``{"text", "link"}`` mapping, or a link string.

        Returns:
            ``{"text": ..., "link": ...}``.

        Raises:
            FieldValueError: not a URL, an empty link or a non-str text.
        """
        if isinstance(value, Url):
            link: Any = value.link
            text: Any = value.text
        elif isinstance(value, str):
            link = text = value
        elif isinstance(value, Mapping):
            link = value.get("link")
            text = value.get("text", link)
        else:
            raise self.error("not a URL", value)
        if not isinstance(link, str) or not link:
            raise self.error("empty or missing link", value)
        if not isinstance(text, str):
            raise self.error("text is not a str", value)
        return {"text": text, "link": link}


def _url_link(v: Url) -> str:
    return v.link


class AttachmentCodec(BaseCodec):
    """Type 17. Reads a list of :class:`Attachment`; writes ``[{"file_token": ...}]``.

    Accepts a file token string, an :class:`Attachment`, a mapping with
    ``file_token``, or a list of those (tokens come from Drive media upload).
    """

    kind: ClassVar[str] = "attachment"
    list_shaped: ClassVar[bool] = True
    expected = "a file_token str, an Attachment, or a list of them"
    read_expected = "a list of attachment objects"

    def make_wire_type(self) -> Any:
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            ``list[Attachment]``.
        """
        return list[Attachment]

    def value_annotations(self) -> dict[Any, Finisher]:
        """Record model annotations of this field (see :meth:`BaseCodec.value_annotations`).

        Returns:
            ``list[Attachment]``.
        """
        return {list[Attachment]: same}

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (see :meth:`BaseCodec.encode_value`).

        Args:
            value: a file token, an Attachment, a ``{"file_token"}`` mapping, or a list of them.

        Returns:
            ``[{"file_token": ...}, ...]``.

        Raises:
            FieldValueError: not an attachment or an empty token.
        """
        items = value if isinstance(value, (list, tuple)) else (value,)
        out = []
        for item in items:
            if isinstance(item, Attachment):
                token: Any = item.file_token
            elif isinstance(item, str):
                token = item
            elif isinstance(item, Mapping):
                token = item.get("file_token")
            else:
                raise self.error("not an attachment", value)
            if not isinstance(token, str) or not token:
                raise self.error("empty or missing file_token", value)
            out.append({"file_token": token})
        return out


class _LinkItem(msgspec.Struct, kw_only=True, gc=False):
    """The list/get read shape of a link element.

    ``record_ids`` is ``None`` when the element carries only display text
    (fields.md §3, "对应 OKR" read back as ``[{"text": ..., "type": "text"}]``).
    """

    record_ids: list[str] | None = None
    table_id: str | None = None
    text: str | None = None
    type: str | None = None


class _LinkIds(msgspec.Struct, kw_only=True, gc=False):
    """The batch_get read shape ``{"link_record_ids": [...]}``."""

    link_record_ids: list[str]


def _to_link(v: Any) -> LinkValue:
    if type(v) is _LinkIds:
        return LinkValue(record_ids=tuple(v.link_record_ids))
    if len(v) == 1 and type(v[0]) is _LinkItem:
        item = v[0]  # the usual list/get shape
        if item.record_ids is not None:
            return LinkValue(
                record_ids=tuple(item.record_ids), table_id=item.table_id, text=item.text
            )
    ids: list[str] = []
    known = True
    table_id: str | None = None
    texts: list[str] = []
    for item in v:
        if isinstance(item, str):
            ids.append(item)
            continue
        if item.record_ids is None:
            known = False
        else:
            ids.extend(item.record_ids)
        if table_id is None:
            table_id = item.table_id
        if item.text is not None:
            texts.append(item.text)
    return LinkValue(
        record_ids=tuple(ids),
        table_id=table_id,
        text=",".join(texts) if texts else None,
        ids_known=known,
    )


def _link_ids(v: LinkValue) -> list[str]:
    # A model attribute typed list[str] gets the ids that are known; models
    # write only assigned attributes, so an unknown-ids link read this way is
    # not written back unless the caller assigns it.
    return list(v.record_ids)


_IDS_UNKNOWN = (
    "record ids: pass the record id strings, or read the record with "
    "records.batch_get (which returns link_record_ids) before writing the link back"
)


class LinkCodec(BaseCodec):
    """Type 18. Normalises all three read shapes to :class:`LinkValue`; writes record ids.

    Read shapes: ``[{record_ids, table_id, text, type}]`` (list/get),
    ``{"link_record_ids": [...]}`` (batch_get), ``["rec..."]`` (A.3). A list/get
    element that carries only display text (``[{"text": ..., "type": "text"}]``)
    decodes to a :class:`LinkValue` with ``ids_known=False``.

    Writes accept a :class:`LinkValue`, a record id string, or a list of ids /
    LinkValues. With ``property.multiple == False`` at most one record is
    allowed (when the property could not be read, ``FieldSchema.property_error``,
    ``multiple`` is unknown and only the API checks it). A LinkValue with
    ``ids_known=False`` is refused with a
    :class:`~bitable_async.errors.FieldValueError` naming the field: writing its
    (incomplete) ids would silently clear or truncate the link. It is never
    dropped from the write quietly either, so a copied value cannot vanish.
    """

    kind: ClassVar[str] = "link"
    list_shaped: ClassVar[bool] = True
    expected = "a record id str, a LinkValue, or a list of them"
    read_expected = "a list of link objects or ids, or {link_record_ids}"

    def make_wire_type(self) -> Any:
        """The three read shapes of fields.md §3.

        Returns:
            ``list[_LinkItem | str] | _LinkIds``.
        """
        return list[_LinkItem | str] | _LinkIds

    def make_finish(self) -> Finisher | None:
        """Wire shape -> :class:`LinkValue`.

        Returns:
            The converter.
        """
        return _to_link

    def value_annotations(self) -> dict[Any, Finisher]:
        """``LinkValue`` as is, or ``list[str]`` of the known record ids.

        Returns:
            Annotation -> converter.
        """
        return {LinkValue: same, list[str]: _link_ids}

    def encode_value(self, value: Any) -> Any:
        """Encode record ids / LinkValues to a list of record-id strings.

        Args:
            value: a record id, a LinkValue, or a list of them.

        Returns:
            ``["rec...", ...]``.

        Raises:
            FieldValueError: not ids, an empty id, a LinkValue whose ids are
                unknown, or several ids for a single-record field.
        """
        items = value if isinstance(value, (list, tuple)) else (value,)
        out: list[str] = []
        for item in items:
            if isinstance(item, LinkValue):
                if not item.ids_known:
                    raise self.error(
                        "link record ids unknown (the cell was read as display text only)",
                        value,
                        expected=_IDS_UNKNOWN,
                    )
                ids: Any = item.record_ids
            elif isinstance(item, str):
                ids = (item,)
            else:
                raise self.error("not a record id", value)
            for rid in ids:
                if not isinstance(rid, str) or not rid:
                    raise self.error("empty record id", value)
                out.append(rid)
        prop = self.field.property
        single = isinstance(prop, (LinkProperty, DuplexLinkProperty)) and prop.multiple is False
        if single and len(out) > 1:
            raise self.error("the field links one record", value, expected="at most one id")
        return out


class DuplexLinkCodec(LinkCodec):
    """Type 21 (read-only: "only listing is supported, writing is not yet", A.3)."""

    kind: ClassVar[str] = "duplex_link"
    read_only: ClassVar[bool] = True


def _to_location(v: Any) -> Location:
    if isinstance(v, str):
        return Location(location=v)
    return v  # type: ignore[no-any-return]


def _loc_text(lng: Any, lat: Any) -> str | None:
    try:
        x, y = float(lng), float(lat)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        return None
    return f"{lng},{lat}".replace(" ", "")


class LocationCodec(BaseCodec):
    """Type 22. Reads :class:`Location`; writes ``"lng,lat"``.

    The write format is not documented in the seeds (fields.md §3); the
    ``"lng,lat"`` string is inferred from the read shape's ``location`` key.
    Accepts a :class:`Location` (its ``location``), a ``"lng,lat"`` string or a
    ``(lng, lat)`` pair. A bare ``"lng,lat"`` string cell is also read.
    """

    kind: ClassVar[str] = "location"
    expected = "a Location, a 'lng,lat' str, or a (lng, lat) pair"
    read_expected = "a location object"

    def make_wire_type(self) -> Any:
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            ``Location | str``.
        """
        return Location | str

    def make_finish(self) -> Finisher | None:
        """The wire -> value conversion (see :meth:`BaseCodec.make_finish`).

        Returns:
            The converter of a bare ``"lng,lat"`` string to :class:`Location`.
        """
        return _to_location

    def finish_column(self, values: Sequence[Any]) -> list[Any]:
        """Wrap a page's bare ``"lng,lat"`` strings of this field; objects stay.

        Args:
            values: wire values (``None`` = empty).

        Returns:
            Locations or ``None``.
        """
        return [Location(location=v) if type(v) is str else v for v in values]

    def value_annotations(self) -> dict[Any, Finisher]:
        """Record model annotations of this field (see :meth:`BaseCodec.value_annotations`).

        Returns:
            ``Location``.
        """
        return {Location: same}

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (see :meth:`BaseCodec.encode_value`).

        Args:
            value: a Location, a ``"lng,lat"`` string or a ``(lng, lat)`` pair.

        Returns:
            ``"lng,lat"``.

        Raises:
            FieldValueError: not a coordinate pair in range.
        """
        text: str | None = None
        if isinstance(value, Location):
            value = value.location
        if isinstance(value, str):
            parts = value.split(",")
            if len(parts) == 2:
                text = _loc_text(parts[0].strip(), parts[1].strip())
        elif (
            isinstance(value, (tuple, list))
            and len(value) == 2
            and not any(isinstance(c, bool) for c in value)
        ):
            text = _loc_text(value[0], value[1])
        if text is None:
            raise self.error("not a coordinate pair", value)
        return text
