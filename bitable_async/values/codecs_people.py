"""Codecs of people and chats: person (11), created by (1003), modified by (1004), group (23)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from bitable_async.models.fields import PersonProperty
from bitable_async.values.base import BaseCodec, Finisher, same
from bitable_async.values.types import GroupChat, Person

__all__ = ["CreatedUserCodec", "GroupChatCodec", "ModifiedUserCodec", "PersonCodec"]


def _first(v: Any) -> Any:
    return v[0] if v else None


class PersonCodec(BaseCodec):
    """Type 11. Reads a list of :class:`Person`; writes ``[{"id": ...}]``.

    Accepts an id string, a :class:`Person`, a mapping with ``"id"``, or a list of
    those. With ``property.multiple == False`` at most one person is allowed
    (when the property could not be read, ``FieldSchema.property_error``,
    ``multiple`` is unknown and only the API checks it).
    """

    kind: ClassVar[str] = "person"
    list_shaped: ClassVar[bool] = True
    expected = "a user id str, a Person, or a list of them"
    read_expected = "a list of person objects"

    def make_wire_type(self) -> Any:
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            ``list[Person]``.
        """
        return list[Person]

    def value_annotations(self) -> dict[Any, Finisher]:
        """Record model annotations of this field (see :meth:`BaseCodec.value_annotations`).

        Returns:
            ``list[Person]``, or ``Person`` (the first one).
        """
        return {list[Person]: same, Person: _first}

    def _id(self, item: Any, whole: Any) -> str:
        if isinstance(item, Person):
            uid: Any = item.id
        elif isinstance(item, str):
            uid = item
        elif isinstance(item, Mapping):
            uid = item.get("id")
        else:
            raise self.error("not a person", whole)
        if not isinstance(uid, str) or not uid:
            raise self.error("empty or missing user id", whole)
        return uid

    def encode_value(self, value: Any) -> Any:
        """Encode a non-``None`` value (see :meth:`BaseCodec.encode_value`).

        Args:
            value: a user id, a Person, an ``{"id": ...}`` mapping, or a list of them.

        Returns:
            ``[{"id": ...}, ...]``.

        Raises:
            FieldValueError: not a person, an empty id, or several people for a single-person field.
        """
        items = value if isinstance(value, (list, tuple)) else (value,)
        out = [{"id": self._id(item, value)} for item in items]
        prop = self.field.property
        if isinstance(prop, PersonProperty) and prop.multiple is False and len(out) > 1:
            raise self.error("the field allows one person", value, expected="at most one person")
        return out


class _UserStampCodec(BaseCodec):
    """Created / modified by: a list of one person (000) or an object (A.3) -> Person."""

    read_only: ClassVar[bool] = True
    read_expected = "a person object or a list of them"

    def make_wire_type(self) -> Any:
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            ``list[Person] | Person`` (000 and A.3 disagree).
        """
        return list[Person] | Person

    def make_finish(self) -> Finisher | None:
        """The wire -> value conversion (see :meth:`BaseCodec.make_finish`).

        Returns:
            The converter to one :class:`Person` (``None`` for an empty list).
        """

        def finish(v: Any) -> Any:
            if isinstance(v, Person):
                return v
            return v[0] if v else None

        return finish

    def finish_column(self, values: Sequence[Any]) -> list[Any]:
        """One :class:`Person` (or ``None``) per cell of a page, inline.

        Args:
            values: wire values (``None`` = empty).

        Returns:
            Persons or ``None``.
        """
        return [v if v is None or type(v) is Person else (v[0] if v else None) for v in values]

    def value_annotations(self) -> dict[Any, Finisher]:
        """Record model annotations of this field (see :meth:`BaseCodec.value_annotations`).

        Returns:
            ``Person``.
        """
        return {Person: same}


class CreatedUserCodec(_UserStampCodec):
    """Type 1003 (read-only)."""

    kind: ClassVar[str] = "created_by"


class ModifiedUserCodec(_UserStampCodec):
    """Type 1004 (read-only)."""

    kind: ClassVar[str] = "modified_by"


class GroupChatCodec(BaseCodec):
    """Type 23 (code inferred). Reads a list of :class:`GroupChat`.

    Read-only here: the record API's writable list (A.2/003) does not include it
    and its write format is not documented.
    """

    kind: ClassVar[str] = "group_chat"
    read_only: ClassVar[bool] = True
    list_shaped: ClassVar[bool] = True
    read_expected = "a list of group chat objects"

    def make_wire_type(self) -> Any:
        """The msgspec type of a non-null cell (see :meth:`BaseCodec.make_wire_type`).

        Returns:
            ``list[GroupChat]``.
        """
        return list[GroupChat]

    def value_annotations(self) -> dict[Any, Finisher]:
        """Record model annotations of this field (see :meth:`BaseCodec.value_annotations`).

        Returns:
            ``list[GroupChat]``.
        """
        return {list[GroupChat]: same}
