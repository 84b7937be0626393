"""Advanced-permission roles (app_role, A.41-A.44).

The same Structs serve requests and responses: unset optional attributes are
left out of request bodies. The response of role update names the two record
flags ``addrecords_perm`` / ``deleterecords_perm`` where requests use
``allow_add_record`` / ``allow_delete_record``; both spellings are kept.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "BlockRole",
    "RecordRule",
    "RecordRuleCondition",
    "Role",
    "TablePerm",
    "TableRole",
]

TablePerm = Literal[0, 1, 2, 4]
"""0 no access, 1 read, 2 edit records, 4 edit fields and records."""


class RecordRuleCondition(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One condition of a record rule.

    Attributes:
        field_name: the field tested; ``""`` means "created by contains the visitor".
        operator: ``is``, ``isNot``, ``contains``, ``doesNotContain``, ``isEmpty``
            or ``isNotEmpty``.
        value: option ids for select fields; ``None`` when not needed.
        field_type: the field's type id (responses only).
    """

    field_name: str
    operator: str | None = None
    value: list[str] | None = None
    field_type: int | None = None


class RecordRule(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Which records a role may read or edit (``rec_rule``).

    Attributes:
        conditions: up to 100 conditions.
        conjunction: ``"and"`` or ``"or"``.
        other_perm: 0 other records hidden, 1 read only (table_perm 2 only).
    """

    conditions: list[RecordRuleCondition] = msgspec.field(default_factory=list)
    conjunction: str | None = None
    other_perm: int | None = None


class TableRole(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A role's permissions on one table.

    Attributes:
        table_perm: see :data:`TablePerm`.
        table_name: the table's name.
        table_id: the table's id.
        allow_add_record: may add records (table_perm 2; request spelling).
        allow_delete_record: may delete records (table_perm 2; request spelling).
        addrecords_perm: ``allow_add_record`` as spelled in update responses.
        deleterecords_perm: ``allow_delete_record`` as spelled in update responses.
        rec_rule: which records the role reaches.
        field_perm: field name -> 1 read or 2 edit (table_perm 2 only).
    """

    table_perm: int
    table_name: str | None = None
    table_id: str | None = None
    allow_add_record: bool | None = None
    allow_delete_record: bool | None = None
    addrecords_perm: bool | None = None
    deleterecords_perm: bool | None = None
    rec_rule: RecordRule | None = None
    field_perm: dict[str, int] | None = None


class BlockRole(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A role's permission on one dashboard block.

    Attributes:
        block_id: the dashboard's block id.
        block_perm: 0 none, 1 read.
        block_type: ``"dashboard"`` (responses only).
    """

    block_id: str
    block_perm: int = 0
    block_type: str | None = None


class Role(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A custom role of a Bitable with advanced permissions.

    Attributes:
        role_name: the role's name.
        role_id: the role's id (absent from the update response).
        table_roles: per-table permissions.
        block_roles: per-dashboard permissions.
    """

    role_name: str = ""
    role_id: str | None = None
    table_roles: list[TableRole] = msgspec.field(default_factory=list)
    block_roles: list[BlockRole] = msgspec.field(default_factory=list)
