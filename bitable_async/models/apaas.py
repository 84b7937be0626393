"""Typed arguments and results of the aPaaS object-record endpoints (002, 004).

The wire format hides JSON inside strings: condition operands carry a JSON
``settings`` string, batch_query returns ``items`` as a JSON string and
batch_update takes ``records`` as a JSON string. These Structs take and give
plain Python values; the resource encodes and decodes the strings.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = [
    "ApaasBatchQueryResult",
    "ApaasCondition",
    "ApaasCriterion",
    "ApaasGroupBy",
    "ApaasOperand",
    "ApaasOrderBy",
    "ApaasRecordError",
    "ApaasRecordResult",
]


class ApaasOperand(msgspec.Struct, kw_only=True):
    """One side of a criterion condition.

    Attributes:
        type: ``"metadataVariable"`` (a field) or ``"constant"``.
        settings: the operand's settings as a plain value; sent JSON-encoded.
    """

    type: str
    settings: Any

    @classmethod
    def field(cls, field_api_name: str, object_api_name: str) -> ApaasOperand:
        """A field operand (``metadataVariable``).

        Args:
            field_api_name: the field's API name, e.g. ``"_id"``.
            object_api_name: the object's API name, e.g. ``"_user"``.

        Returns:
            The operand.
        """
        path = [{"fieldApiName": field_api_name, "objectApiName": object_api_name}]
        return cls(type="metadataVariable", settings={"fieldPath": path})

    @classmethod
    def constant(cls, value: Any) -> ApaasOperand:
        """A constant operand.

        Args:
            value: the constant (any JSON value).

        Returns:
            The operand.
        """
        return cls(type="constant", settings={"data": value})


class ApaasCondition(msgspec.Struct, kw_only=True):
    """One condition: ``left operator right``.

    Attributes:
        index: the condition's number, referenced by ``logic_expression``.
        left: usually a field operand.
        operator: e.g. ``"equal"``.
        right: usually a constant operand.
    """

    index: str
    left: ApaasOperand
    operator: str
    right: ApaasOperand


class ApaasCriterion(msgspec.Struct, kw_only=True):
    """The ``filter`` of batch_query.

    Attributes:
        conditions: up to 10 conditions.
        logic_expression: how they combine, e.g. ``"1 and 2"``.
    """

    conditions: list[ApaasCondition]
    logic_expression: str


class ApaasOrderBy(msgspec.Struct, kw_only=True):
    """One sort key.

    Attributes:
        field: the field's API name.
        direction: ``"ASC"`` or ``"DESC"``.
    """

    field: str
    direction: Literal["ASC", "DESC"] = "ASC"


class ApaasGroupBy(msgspec.Struct, kw_only=True):
    """One grouping key.

    Attributes:
        field: the field's API name.
    """

    field: str


class ApaasBatchQueryResult(msgspec.Struct, kw_only=True):
    """The decoded result of batch_query.

    Attributes:
        items: the records, decoded from the response's JSON string.
        total: the total count (when ``need_total_count`` was set).
        next_page_token: where the next page starts (``None`` at the end).
        has_more: whether more records follow.
    """

    items: list[dict[str, Any]]
    total: int | None
    next_page_token: str | None
    has_more: bool


class ApaasRecordError(msgspec.Struct, kw_only=True):
    """Why one record of batch_update failed.

    Attributes:
        code: the error code (a string).
        message: the error message.
        sub_code: the permission sub-code.
        fields: API ids of the fields involved.
    """

    code: str | None = None
    message: str | None = None
    sub_code: str | None = None
    fields: list[str] = msgspec.field(default_factory=list)


class ApaasRecordResult(msgspec.Struct, kw_only=True):
    """The outcome of one record of batch_update (results are per record).

    Attributes:
        success: whether this record was updated.
        id: the record's id.
        errors: why it failed.
    """

    success: bool
    id: str | None = None
    errors: list[ApaasRecordError] = msgspec.field(default_factory=list)
