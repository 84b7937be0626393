"""Forms of a data table and their questions (A.25-A.28)."""

from __future__ import annotations

import msgspec

from bitable_async.models.form import Form, FormField, FormSharedLimit
from bitable_async.pagination import PageIterator
from bitable_async.resources._base import WRITE, TableResource, body, list_pages, path_id

__all__ = ["FormsResource"]

MAX_PAGE_SIZE = 100
"""app_table_form_field.list page_size maximum (A.28)."""

_SHARED_LIMITS = ("off", "tenant_editable", "anyone_editable")


class _FormData(msgspec.Struct):
    form: Form | None = None


class _FieldData(msgspec.Struct):
    field: FormField | None = None


class FormsResource(TableResource):
    """The forms of one table (``client.table(app, table).forms``); a form id is a view id."""

    def _path(self, form_id: str) -> str:
        return f"{self._table_path}/forms/{path_id('form_id', form_id)}"

    async def get(self, form_id: str) -> Form:
        """Get a form's metadata.

        API: ``GET .../tables/:table_id/forms/:form_id`` (app_table_form.get, A.26).

        Args:
            form_id: the form (its view id).

        Returns:
            The form.

        Raises:
            ValueError: ``form_id`` is empty.
            BitableError: the request failed.
        """
        data = await self._call("GET", self._path(form_id), _FormData)
        return data.form or Form()

    async def update(
        self,
        form_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        shared: bool | None = None,
        shared_limit: FormSharedLimit | None = None,
        submit_limit_once: bool | None = None,
    ) -> Form:
        """Change a form's metadata; arguments left ``None`` are unchanged.

        API: ``PATCH .../tables/:table_id/forms/:form_id`` (app_table_form.update, A.25).

        Args:
            form_id: the form.
            name: the new title.
            description: the new description.
            shared: turn sharing on or off.
            shared_limit: ``off``, ``tenant_editable`` or ``anyone_editable``.
            submit_limit_once: allow one submission per person.

        Returns:
            The form after the change.

        Raises:
            ValueError: nothing to change, or a bad ``shared_limit``.
            BitableError: the request failed.
        """
        path = self._path(form_id)
        if shared_limit is not None and shared_limit not in _SHARED_LIMITS:
            raise ValueError(f"shared_limit must be one of {_SHARED_LIMITS}, got {shared_limit!r}")
        payload = body(
            name=name,
            description=description,
            shared=shared,
            shared_limit=shared_limit,
            submit_limit_once=submit_limit_once,
        )
        if not payload:
            raise ValueError("form update needs at least one attribute to change")

        async def call() -> Form:
            data = await self._call("PATCH", path, _FormData, json=payload, endpoint_class=WRITE)
            return data.form or Form()

        return await self._write("forms.update", call)

    def list_fields(
        self, form_id: str, *, page_size: int | None = None, page_token: str | None = None
    ) -> PageIterator[FormField]:
        """Iterate over a form's questions.

        API: ``GET .../forms/:form_id/fields`` (app_table_form_field.list, A.28).

        Args:
            form_id: the form.
            page_size: questions per request, capped at 100 (default 100).
            page_token: resume at this page.

        Returns:
            A lazy iterator of :class:`FormField`.

        Raises:
            ValueError: ``form_id`` is empty or ``page_size`` < 1.
        """
        return list_pages(
            self,
            f"{self._path(form_id)}/fields",
            FormField,
            maximum=MAX_PAGE_SIZE,
            page_size=page_size,
            page_token=page_token,
        )

    async def update_field(
        self,
        form_id: str,
        field_id: str,
        *,
        pre_field_id: str | None = None,
        title: str | None = None,
        description: str | None = None,
        required: bool | None = None,
        visible: bool | None = None,
    ) -> FormField:
        """Change one question of a form.

        API: ``PATCH .../forms/:form_id/fields/:field_id`` (app_table_form_field.update, A.27).

        Args:
            form_id: the form.
            field_id: the question (its field id).
            pre_field_id: the question to place it after (``""`` = first).
            title: the new title.
            description: the new description.
            required: whether an answer is required.
            visible: show or hide it (a hidden question takes no other change).

        Returns:
            The question after the change.

        Raises:
            ValueError: nothing to change, or other changes with ``visible=False``.
            BitableError: the request failed.
        """
        path = f"{self._path(form_id)}/fields/{path_id('field_id', field_id)}"
        payload = body(
            pre_field_id=pre_field_id,
            title=title,
            description=description,
            required=required,
            visible=visible,
        )
        if not payload:
            raise ValueError("form field update needs at least one attribute to change")
        if visible is False and len(payload) > 1:
            raise ValueError("a form question hidden with visible=False takes no other change")

        async def call() -> FormField:
            data = await self._call("PATCH", path, _FieldData, json=payload, endpoint_class=WRITE)
            return data.field or FormField(field_id=field_id)

        return await self._write("forms.update_field", call)
