"""Fields (columns) of a data table: list, create, update, delete (A.37-A.40).

Field writes through this resource invalidate the table's cached schema, so
the next record read or write fetches the new schema.

No field entry makes a call fail: the entries of a list page and the field of
a create / update response are decoded by :mod:`bitable_async.models.fields`
(one pass per page; an entry that does not fit is read as far as it can be,
with ``raw_entry`` / ``entry_error`` on its schema, and logged).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import msgspec

from bitable_async.errors import JSON_DECODE_ERRORS, ResponseDecodeError
from bitable_async.models.fields import FieldSchema, decode_field, decode_fields
from bitable_async.pagination import Page, PageIterator, resolve_page_size
from bitable_async.resources._base import WRITE, CallContext, TableResource, path_id, query

__all__ = ["DeletedField", "FieldsResource"]

MAX_PAGE_SIZE = 100
"""No maximum is documented for app_table_field.list (A.37); 100 is used."""


class DeletedField(msgspec.Struct, kw_only=True):
    """The result of a field delete (A.40).

    Attributes:
        field_id: the deleted field.
        deleted: whether it was deleted.
    """

    field_id: str = ""
    deleted: bool = False


_NULL = msgspec.Raw(b"null")


class _FieldData(msgspec.Struct):
    """``data`` of field create / update; the field is decoded by :func:`decode_field`."""

    field: msgspec.Raw = _NULL


class _FieldListData(msgspec.Struct, kw_only=True):
    """``data`` of field list; the entries are decoded by :func:`decode_fields`."""

    items: msgspec.Raw = _NULL
    has_more: bool = False
    page_token: str | None = None
    total: int | None = None


def _returned(data: _FieldData, sent: FieldSchema) -> FieldSchema:
    """The field a write response describes (``sent`` when it describes none)."""
    if bytes(data.field).strip() == b"null":
        return sent
    return decode_field(data.field)


def _check_schema(field: FieldSchema) -> None:
    if not isinstance(field, FieldSchema):
        raise TypeError(f"field must be a FieldSchema (e.g. TextField), got {type(field).__name__}")
    if not isinstance(field.field_name, str) or not field.field_name.strip():
        raise ValueError(f"field_name must be a non-empty string, got {field.field_name!r}")


class FieldsResource(TableResource):
    """The fields of one table (``client.table(app, table).fields``)."""

    def __init__(
        self,
        ctx: CallContext,
        app_token: str,
        table_id: str,
        *,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        """Bind to one table.

        Args:
            ctx: the transport and identity to call with.
            app_token: the Bitable.
            table_id: the table.
            on_change: called after every successful field write (drops the
                cached schema).

        Raises:
            ValueError: an id is empty.
        """
        super().__init__(ctx, app_token, table_id)
        self._on_change = on_change

    def _path(self, field_id: str | None = None) -> str:
        base = f"{self._table_path}/fields"
        return base if field_id is None else f"{base}/{path_id('field_id', field_id)}"

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    def list(
        self,
        *,
        view_id: str | None = None,
        text_field_as_array: bool | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> PageIterator[FieldSchema]:
        """Iterate over the table's fields as typed schemas.

        API: ``GET .../tables/:table_id/fields`` (app_table_field.list, A.37).
        Unknown field types come back as :class:`~bitable_async.models.fields.UnknownField`.
        Every entry gives one schema, in order: an entry that does not fit
        (an attribute of an unexpected JSON type, no usable ``field_name`` or
        ``type``, not an object) is kept as far as it could be read, with
        ``raw_entry`` and ``entry_error`` set (an ``UnknownField`` with
        ``field_name=""`` when it has no usable name), and logged.

        Args:
            view_id: only the fields of this view (in its order).
            text_field_as_array: return field descriptions as rich-text arrays.
            page_size: fields per request, capped at 100 (default 100).
            page_token: resume at this page.

        Returns:
            A lazy iterator of :class:`~bitable_async.models.fields.FieldSchema`.

        Raises:
            ValueError: ``page_size`` is less than 1.
            BitableError: a request failed (when iterated);
                ``ResponseDecodeError`` when a page's ``items`` is not an array.
        """
        size = resolve_page_size(page_size, MAX_PAGE_SIZE)
        path = self._path()

        async def fetch(token: str | None, size: int) -> Page[FieldSchema]:
            params = query(
                view_id=view_id,
                text_field_as_array=text_field_as_array,
                page_size=size,
                page_token=token,
            )
            data = await self._call("GET", path, _FieldListData, params=params)
            try:
                schemas = decode_fields(data.items)
            except JSON_DECODE_ERRORS:
                # The page itself is unusable (no entry can make this fail).
                raise ResponseDecodeError(
                    "field list items is not an array", code=0, method="GET", path=path
                ) from None
            return Page(schemas, data.has_more, data.page_token, data.total)

        return PageIterator(fetch, page_size=size, page_token=page_token)

    async def create(self, field: FieldSchema, *, client_token: str | None = None) -> FieldSchema:
        """Create a field.

        API: ``POST .../tables/:table_id/fields`` (app_table_field.create, A.38).

        Args:
            field: the schema to create, e.g. ``NumberField(field_name="Price",
                property=NumberProperty(formatter="0.00"))``; ``field_id`` is ignored.
            client_token: idempotency key (a UUID); one is generated when omitted,
                so a retry after an unknown outcome cannot create two fields.

        Returns:
            The created field, as the server describes it (as far as it can
            be read: see ``entry_error``); ``field`` when it describes none.

        Raises:
            TypeError: ``field`` is not a schema.
            ValueError: the field has no name.
            BitableError: the request failed.
        """
        _check_schema(field)
        payload = field.to_body()
        token = client_token or str(uuid.uuid4())

        async def call() -> FieldSchema:
            data = await self._call(
                "POST",
                self._path(),
                _FieldData,
                params=query(client_token=token),
                json=payload,
                endpoint_class=WRITE,
                retry_unknown_outcome=True,
            )
            self._changed()
            return _returned(data, field)

        return await self._write("fields.create", call)

    async def update(self, field_id: str, field: FieldSchema) -> FieldSchema:
        """Replace a field's name, type and property (full overwrite of ``property``).

        API: ``PUT .../tables/:table_id/fields/:field_id`` (app_table_field.update, A.39).
        Select options not re-sent (with their ids) are deleted.

        Args:
            field_id: the field.
            field: the new schema.

        Returns:
            The field after the change, as the server describes it (as far as
            it can be read: see ``entry_error``); ``field`` when it describes none.

        Raises:
            TypeError: ``field`` is not a schema.
            ValueError: an argument is empty.
            BitableError: the request failed (1254606 when nothing changed).
        """
        path = self._path(field_id)
        _check_schema(field)
        payload = field.to_body()

        async def call() -> FieldSchema:
            data = await self._call("PUT", path, _FieldData, json=payload, endpoint_class=WRITE)
            self._changed()
            return _returned(data, field)

        return await self._write("fields.update", call)

    async def delete(self, field_id: str) -> DeletedField:
        """Delete a field.

        API: ``DELETE .../tables/:table_id/fields/:field_id`` (app_table_field.delete, A.40).

        Args:
            field_id: the field.

        Returns:
            The deleted field's id and flag.

        Raises:
            ValueError: ``field_id`` is empty.
            BitableError: the request failed.
        """
        path = self._path(field_id)

        async def call() -> DeletedField:
            data = await self._call("DELETE", path, DeletedField, endpoint_class=WRITE)
            self._changed()
            return data

        return await self._write("fields.delete", call)
