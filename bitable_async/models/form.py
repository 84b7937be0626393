"""Form objects of the app_table_form and app_table_form_field endpoints (A.25-A.28)."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["Form", "FormField", "FormSharedLimit"]

FormSharedLimit = Literal["off", "tenant_editable", "anyone_editable"]
"""Who may fill a shared form: invited people only, anyone in the org, anyone."""


class Form(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A form's metadata (``data.form`` of form get / update).

    Attributes:
        name: the form's title.
        description: the form's description.
        shared: whether sharing is on.
        shared_url: the share link (read only).
        shared_limit: who may fill it when shared (see :data:`FormSharedLimit`).
        submit_limit_once: whether each person may submit only once.
    """

    name: str | None = None
    description: str | None = None
    shared: bool | None = None
    shared_url: str | None = None
    shared_limit: str | None = None
    submit_limit_once: bool | None = None


class FormField(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One question of a form (an item of form field list, ``data.field`` of update).

    Attributes:
        field_id: the question's id (the same id as the table field).
        title: the question's title.
        description: the question's description.
        required: whether an answer is required.
        visible: whether the question is shown.
        pre_field_id: the question shown before this one (update response only).
    """

    field_id: str | None = None
    title: str | None = None
    description: str | None = None
    required: bool | None = None
    visible: bool | None = None
    pre_field_id: str | None = None
