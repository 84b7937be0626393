"""View objects of the app_table_view endpoints (A.20-A.24)."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "View",
    "ViewConjunction",
    "ViewFilterCondition",
    "ViewFilterInfo",
    "ViewOperator",
    "ViewProperty",
    "ViewType",
]

ViewType = Literal["grid", "kanban", "gallery", "gantt", "form"]
"""The view kinds; create accepts grid, kanban, gallery and gantt."""

ViewConjunction = Literal["and", "or"]
"""How the conditions of a view filter combine."""

ViewOperator = Literal[
    "is",
    "isNot",
    "contains",
    "doesNotContain",
    "isEmpty",
    "isNotEmpty",
    "isGreater",
    "isGreaterEqual",
    "isLess",
    "isLessEqual",
]
"""The operators of a view filter condition (A.20)."""


class ViewFilterCondition(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One condition of a view filter.

    Attributes:
        field_id: the field the condition tests.
        operator: the comparison (see :data:`ViewOperator`).
        value: a string holding a JSON array, e.g. ``'["text"]'`` or option ids;
            build it with :meth:`values` to get the encoding right.
        condition_id: the condition's id (read only).
        field_type: the field's type id (read only).
    """

    field_id: str
    operator: str
    value: str | None = None
    condition_id: str | None = None
    field_type: int | None = None

    @classmethod
    def values(cls, field_id: str, operator: str, *values: str) -> ViewFilterCondition:
        """Build a condition whose ``value`` is the JSON array of ``values``.

        Args:
            field_id: the field the condition tests.
            operator: the comparison, e.g. ``"is"``.
            *values: the compared values (texts or option ids).

        Returns:
            The condition, with ``value`` JSON-encoded as the API expects.
        """
        encoded = msgspec.json.encode(list(values)).decode() if values else None
        return cls(field_id=field_id, operator=operator, value=encoded)


class ViewFilterInfo(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A view's filter.

    Attributes:
        conditions: up to 50 conditions.
        conjunction: ``"and"`` or ``"or"`` (``None``: left out; the server's default is and).
        condition_omitted: whether some conditions were left out (read only).
    """

    conditions: list[ViewFilterCondition] = msgspec.field(default_factory=list)
    conjunction: str | None = None
    condition_omitted: bool | None = None


class ViewProperty(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A view's settings.

    Attributes:
        filter_info: the view's filter, if any.
        hidden_fields: ids of hidden fields (up to 100), if any.
    """

    filter_info: ViewFilterInfo | None = None
    hidden_fields: list[str] | None = None


class View(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A view of a data table.

    Attributes:
        view_id: the view's id.
        view_name: the view's name.
        view_type: the view's kind (see :data:`ViewType`).
        property: the view's settings (get / update only).
    """

    view_id: str
    view_name: str = ""
    view_type: str = ""
    property: ViewProperty | None = None
