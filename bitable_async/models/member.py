"""Collaborators of a custom role (app_role_member, A.45-A.49)."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["MemberIdType", "MemberRef", "RoleMember"]

MemberIdType = Literal[
    "open_id", "union_id", "user_id", "chat_id", "department_id", "open_department_id"
]
"""The kind of id a member is named by."""


class MemberRef(msgspec.Struct, kw_only=True):
    """A member named by id, for batch create / batch delete.

    Attributes:
        id: the member's id.
        type: the kind of id (see :data:`MemberIdType`), default ``open_id``.
    """

    id: str
    type: str = "open_id"


class RoleMember(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A collaborator of a role (an item of role member list).

    Attributes:
        member_type: ``user``, ``chat`` or ``department``.
        member_name: the display name.
        member_en_name: the English display name.
        open_id: users only.
        union_id: users only.
        user_id: users only.
        chat_id: chats only.
        department_id: departments only.
        open_department_id: departments only.
    """

    member_type: str | None = None
    member_name: str | None = None
    member_en_name: str | None = None
    open_id: str | None = None
    union_id: str | None = None
    user_id: str | None = None
    chat_id: str | None = None
    department_id: str | None = None
    open_department_id: str | None = None
