"""Records of a data table: list, search, get, batch_get (A.29, A.30, 000, search).

Reads decode every cell with the codec its field's schema names (the schema is
fetched once per handle, see :mod:`bitable_async.resources.schema`). Formula and
lookup cells are decoded for the request's ``display_formula_ref`` option
(:meth:`RecordCodec.for_request`): with ``display_formula_ref=True``, in the
shape of the field they reference when the table's ``references`` name it;
otherwise as the schema says (raw, or by the formula's formatter). Only list
and get take the option; search and batch_get results never carry it. With
``model=Task`` (a :class:`~bitable_async.values.model.RecordModel` subclass)
they return ``Task`` instances instead of :class:`Record` (batch_get: in its
result's ``records``); the model is checked against the table's schema once
(the check is cached with the schema's codec) and before the first record
request. The writes live in :mod:`bitable_async.resources.record_writes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar, overload

import msgspec
from typing_extensions import TypeVar as DefaultTypeVar

from bitable_async.batching import DEFAULT_GET_CHUNK_SIZE, check_chunk_size, chunked
from bitable_async.config import EndpointClass
from bitable_async.errors import ResponseDecodeError
from bitable_async.models.record import RawRecord, Record
from bitable_async.pagination import Page, PageIterator, resolve_page_size
from bitable_async.resources._base import READ, UserIdType, body, json_list, query
from bitable_async.resources.record_io import DeletedRecord, RecordData
from bitable_async.resources.record_io import record_ids as _ids
from bitable_async.resources.record_writes import RecordWrites
from bitable_async.resources.schema import TableSchema
from bitable_async.resources.search import SearchFilterLike, SortLike, filter_body, sort_body
from bitable_async.values.model import ModelCodec, RecordModel
from bitable_async.values.record_codec import RecordCodec

M = TypeVar("M", bound=RecordModel)
R = DefaultTypeVar("R", default=Record)

__all__ = [
    "LIST_MAX_PAGE_SIZE",
    "SEARCH_MAX_PAGE_SIZE",
    "BatchGetResult",
    "DeletedRecord",
    "RecordsResource",
    "TableSchema",
]

LIST_MAX_PAGE_SIZE = 100
"""list records page_size maximum by the parameter rule (A.30; the prose says 500)."""

SEARCH_MAX_PAGE_SIZE = 500
"""records/search page_size maximum (supplement.md)."""

FILTER_MAX_LEN = 2000
SORT_MAX_LEN = 1000


class BatchGetResult(msgspec.Struct, Generic[R], kw_only=True):
    """The result of :meth:`RecordsResource.batch_get`, over every chunk.

    ``BatchGetResult`` alone is ``BatchGetResult[Record]``; a read with
    ``model=Task`` gives ``BatchGetResult[Task]``.

    Attributes:
        records: the records found, typed (:class:`Record`, or ``model``
            instances), in the order the calls returned them.
        absent_record_ids: ids that do not exist.
        forbidden_record_ids: ids the caller may not read.
    """

    records: list[R]
    absent_record_ids: list[str]
    forbidden_record_ids: list[str]


_EMPTY = msgspec.Raw(b"[]")


class _BatchGetData(msgspec.Struct):
    # msgspec cannot decode ``Raw | None``: a Raw default stands for "absent".
    records: msgspec.Raw = _EMPTY
    absent_record_ids: list[str] | None = None
    forbidden_record_ids: list[str] | None = None


class _RawPage(msgspec.Struct):
    """The ``data`` of list / search, records left as raw JSON for the codec's fast path."""

    items: msgspec.Raw = _EMPTY
    has_more: bool = False
    page_token: str | None = None
    total: int | None = None


def _empty(raw: msgspec.Raw) -> bool:
    # A short Raw only: copying a page's bytes to look at them costs a memcpy per page.
    return len(raw) <= 8 and bytes(raw).strip() in (b"null", b"[]", b"")


def _decode_items(
    codec: RecordCodec, model: ModelCodec[Any] | None, raw: msgspec.Raw, method: str, path: str
) -> list[Any]:
    """Decode a response's records; a records array of the wrong shape is a ResponseDecodeError.

    A cell that does not fit its field stays a ``FieldValueError`` naming the
    record and the field; what msgspec refuses outside the cells (a record that
    is not an object, a record id that is not a string, JSON that is not JSON)
    is the server's answer not having the documented shape.
    """
    try:
        if _empty(raw):
            return []
        return (model or codec).decode_record_list(raw)
    except msgspec.DecodeError as exc:  # msgspec.ValidationError included
        raise ResponseDecodeError(
            f"the records in the response do not have the documented shape: {exc}",
            code=0,
            method=method,
            path=path,
        ) from None


def _model_codec(codec: RecordCodec, model: type[RecordModel] | None) -> ModelCodec[Any] | None:
    # Cached per codec: the model is checked against the schema once.
    return None if model is None else codec.model_codec(model)


def _check_len(name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise ValueError(f"{name} is {len(value)} characters; the API allows at most {limit}")


def _formula(value: object | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    # A formula builder (bitable_async.filters) renders itself with str().
    return str(value)


class RecordsResource(RecordWrites):
    """The records of one table (``client.table(app, table).records``).

    Reads are defined here, writes in :class:`~bitable_async.resources.record_writes.RecordWrites`.

    Attributes:
        schema: the table's cached schema (field list and codec).
    """

    # ------------------------------------------------------------------ reads

    @overload
    def list(
        self,
        *,
        view_id: str | None = ...,
        filter: object | None = ...,
        sort: Iterable[str | object] | str | None = ...,
        field_names: Iterable[str] | str | None = ...,
        text_field_as_array: bool | None = ...,
        display_formula_ref: bool | None = ...,
        automatic_fields: bool | None = ...,
        user_id_type: UserIdType | None = ...,
        page_size: int | None = ...,
        page_token: str | None = ...,
        model: None = ...,
    ) -> PageIterator[Record]: ...

    @overload
    def list(
        self,
        *,
        view_id: str | None = ...,
        filter: object | None = ...,
        sort: Iterable[str | object] | str | None = ...,
        field_names: Iterable[str] | str | None = ...,
        text_field_as_array: bool | None = ...,
        display_formula_ref: bool | None = ...,
        automatic_fields: bool | None = ...,
        user_id_type: UserIdType | None = ...,
        page_size: int | None = ...,
        page_token: str | None = ...,
        model: type[M],
    ) -> PageIterator[M]: ...

    def list(
        self,
        *,
        view_id: str | None = None,
        filter: object | None = None,
        sort: Iterable[str | object] | str | None = None,
        field_names: Iterable[str] | str | None = None,
        text_field_as_array: bool | None = None,
        display_formula_ref: bool | None = None,
        automatic_fields: bool | None = None,
        user_id_type: UserIdType | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        model: type[RecordModel] | None = None,
    ) -> PageIterator[Any]:
        """Iterate over the table's records, typed.

        API: ``GET .../tables/:table_id/records`` (app_table_record.list, A.30);
        rate class ``list_records`` (10 QPS and 1000 per minute).

        Args:
            view_id: read through this view (ignored by the server when
                ``filter`` or ``sort`` is given).
            filter: a formula string such as ``'CurrentValue.[Age]>18'`` or a
                formula builder from :mod:`bitable_async.filters` (<= 2,000 chars).
            sort: ``"<field> DESC|ASC"`` strings or sort helpers (``desc("Due")``),
                sent as a JSON array (<= 1,000 chars).
            field_names: only these fields (sent as a JSON array).
            text_field_as_array: read text cells as segment arrays.
            display_formula_ref: formula / lookup cells in the referenced field's
                format; those whose referenced field is known (the table's
                ``references``) then decode to
                :class:`~bitable_async.values.types.RefValue`.
            automatic_fields: also return created/modified by and time.
            user_id_type: id kind of persons in the result.
            page_size: records per request, capped at 100 (default 100).
            page_token: resume at this page.
            model: a :class:`~bitable_async.values.model.RecordModel` subclass to
                decode each record into (checked against the schema once).

        Returns:
            A lazy iterator of :class:`~bitable_async.models.record.Record`, or
            of ``model`` instances.

        Raises:
            ValueError: a filter or sort too long, or ``page_size`` < 1.
            FieldValueError: (while iterating) ``model`` does not fit the table,
                or a cell does not fit its field.
        """
        size = resolve_page_size(page_size, LIST_MAX_PAGE_SIZE)
        formula = _formula(filter)
        _check_len("filter", formula, FILTER_MAX_LEN)
        sort_keys: list[str] | str | None = None
        if sort is not None:
            # Sort helpers (bitable_async.filters.Sort) render as "<field> ASC|DESC".
            sort_keys = sort if isinstance(sort, str) else [str(item) for item in sort]
        sort_s = json_list("sort", sort_keys)
        _check_len("sort", sort_s, SORT_MAX_LEN)
        fields_s = json_list("field_names", field_names)
        base = query(
            view_id=view_id,
            filter=formula,
            sort=sort_s,
            field_names=fields_s,
            text_field_as_array=text_field_as_array,
            user_id_type=user_id_type,
            display_formula_ref=display_formula_ref,
            automatic_fields=automatic_fields,
        )

        async def fetch(token: str | None, size: int) -> Page[Any]:
            codec = (await self.schema.codec()).for_request(display_formula_ref=display_formula_ref)
            mc = _model_codec(codec, model)
            data = await self._call(
                "GET",
                self._path,
                _RawPage,
                params={**base, **query(page_size=size, page_token=token)},
                endpoint_class=EndpointClass.LIST_RECORDS,
            )
            items = _decode_items(codec, mc, data.items, "GET", self._path)
            return Page(items, data.has_more, data.page_token, data.total)

        return PageIterator(fetch, page_size=size, page_token=page_token)

    @overload
    def search(
        self,
        *,
        filter: SearchFilterLike | None = ...,
        sort: Iterable[SortLike] | None = ...,
        view_id: str | None = ...,
        field_names: Iterable[str] | None = ...,
        automatic_fields: bool | None = ...,
        user_id_type: UserIdType | None = ...,
        page_size: int | None = ...,
        page_token: str | None = ...,
        model: None = ...,
    ) -> PageIterator[Record]: ...

    @overload
    def search(
        self,
        *,
        filter: SearchFilterLike | None = ...,
        sort: Iterable[SortLike] | None = ...,
        view_id: str | None = ...,
        field_names: Iterable[str] | None = ...,
        automatic_fields: bool | None = ...,
        user_id_type: UserIdType | None = ...,
        page_size: int | None = ...,
        page_token: str | None = ...,
        model: type[M],
    ) -> PageIterator[M]: ...

    def search(
        self,
        *,
        filter: SearchFilterLike | None = None,
        sort: Iterable[SortLike] | None = None,
        view_id: str | None = None,
        field_names: Iterable[str] | None = None,
        automatic_fields: bool | None = None,
        user_id_type: UserIdType | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        model: type[RecordModel] | None = None,
    ) -> PageIterator[Any]:
        """Iterate over the records matching a structured filter, typed.

        API: ``POST .../tables/:table_id/records/search`` (supplement.md,
        "Records search"). An empty search returns every record. The endpoint
        has no ``display_formula_ref`` option: formula / lookup cells decode as
        in a list without it.

        Args:
            filter: a filter from :mod:`bitable_async.filters` or the JSON
                mapping ``{"conjunction", "conditions", "children"}``.
            sort: ``"<field> [DESC|ASC]"`` strings, ``{"field_name", "desc"}``
                mappings or sort helpers.
            view_id: search within this view.
            field_names: only these fields.
            automatic_fields: also return created/modified by and time.
            user_id_type: id kind of persons in the result.
            page_size: records per request, capped at 500 (default 500).
            page_token: resume at this page.
            model: a :class:`~bitable_async.values.model.RecordModel` subclass to
                decode each record into (checked against the schema once).

        Returns:
            A lazy iterator of :class:`~bitable_async.models.record.Record`, or
            of ``model`` instances.

        Raises:
            TypeError: a filter or sort of an unsupported type.
            ValueError: ``page_size`` < 1.
            FieldValueError: (while iterating) ``model`` does not fit the table,
                or a cell does not fit its field.
        """
        size = resolve_page_size(page_size, SEARCH_MAX_PAGE_SIZE)
        payload = body(
            view_id=view_id,
            field_names=None if field_names is None else _ids("field_names", field_names),
            sort=None if sort is None else sort_body(sort),
            filter=None if filter is None else filter_body(filter),
            automatic_fields=automatic_fields,
        )
        path = f"{self._path}/search"

        async def fetch(token: str | None, size: int) -> Page[Any]:
            # records/search has no display_formula_ref option (supplement.md).
            codec = (await self.schema.codec()).for_request(display_formula_ref=None)
            mc = _model_codec(codec, model)
            data = await self._call(
                "POST",
                path,
                _RawPage,
                params=query(page_size=size, page_token=token, user_id_type=user_id_type),
                json=payload,
                endpoint_class=READ,
                retry_unknown_outcome=True,
            )
            items = _decode_items(codec, mc, data.items, "POST", path)
            return Page(items, data.has_more, data.page_token, data.total)

        return PageIterator(fetch, page_size=size, page_token=page_token)

    @overload
    async def get(
        self,
        record_id: str,
        *,
        text_field_as_array: bool | None = ...,
        display_formula_ref: bool | None = ...,
        automatic_fields: bool | None = ...,
        user_id_type: UserIdType | None = ...,
        model: None = ...,
    ) -> Record: ...

    @overload
    async def get(
        self,
        record_id: str,
        *,
        text_field_as_array: bool | None = ...,
        display_formula_ref: bool | None = ...,
        automatic_fields: bool | None = ...,
        user_id_type: UserIdType | None = ...,
        model: type[M],
    ) -> M: ...

    async def get(
        self,
        record_id: str,
        *,
        text_field_as_array: bool | None = None,
        display_formula_ref: bool | None = None,
        automatic_fields: bool | None = None,
        user_id_type: UserIdType | None = None,
        model: type[RecordModel] | None = None,
    ) -> Any:
        """Get one record, typed.

        API: ``GET .../tables/:table_id/records/:record_id`` (app_table_record.get, A.29).

        Args:
            record_id: the record.
            text_field_as_array: read text cells as segment arrays.
            display_formula_ref: formula / lookup cells in the referenced field's
                format; those whose referenced field is known (the table's
                ``references``) then decode to
                :class:`~bitable_async.values.types.RefValue`.
            automatic_fields: also return created/modified by and time.
            user_id_type: id kind of persons in the result.
            model: a :class:`~bitable_async.values.model.RecordModel` subclass to
                decode the record into (checked against the schema first).

        Returns:
            The record, or a ``model`` instance.

        Raises:
            ValueError: ``record_id`` is empty.
            NotFoundError: no such record (1254043).
            FieldValueError: a cell does not fit its field's type, or ``model``
                does not fit the table (before the record is requested).
        """
        path = self._rec_path(record_id)
        codec = (await self.schema.codec()).for_request(display_formula_ref=display_formula_ref)
        mc = _model_codec(codec, model)
        data = await self._call(
            "GET",
            path,
            RecordData,
            params=query(
                text_field_as_array=text_field_as_array,
                user_id_type=user_id_type,
                display_formula_ref=display_formula_ref,
                automatic_fields=automatic_fields,
            ),
        )
        if mc is not None:
            return mc.decode_record(data.record or RawRecord(record_id=record_id))
        if data.record is None:
            return Record(record_id=record_id, fields=dict.fromkeys(codec.field_names))
        return codec.decode_record(data.record)

    @overload
    async def batch_get(
        self,
        record_ids: Iterable[str],
        *,
        user_id_type: UserIdType | None = ...,
        with_shared_url: bool | None = ...,
        automatic_fields: bool | None = ...,
        chunk_size: int = ...,
        model: None = ...,
    ) -> BatchGetResult[Record]: ...

    @overload
    async def batch_get(
        self,
        record_ids: Iterable[str],
        *,
        user_id_type: UserIdType | None = ...,
        with_shared_url: bool | None = ...,
        automatic_fields: bool | None = ...,
        chunk_size: int = ...,
        model: type[M],
    ) -> BatchGetResult[M]: ...

    async def batch_get(
        self,
        record_ids: Iterable[str],
        *,
        user_id_type: UserIdType | None = None,
        with_shared_url: bool | None = None,
        automatic_fields: bool | None = None,
        chunk_size: int = DEFAULT_GET_CHUNK_SIZE,
        model: type[RecordModel] | None = None,
    ) -> BatchGetResult[Any]:
        """Get many records by id, 100 per call, typed.

        API: ``POST .../tables/:table_id/records/batch_get`` (000). The options
        travel in the body, not the query. The endpoint has no
        ``display_formula_ref`` option: formula / lookup cells decode as in a
        list without it. Link cells come as ``{"link_record_ids": [...]}``, so
        a link read here always has its record ids (a ``list[str]`` or
        :class:`~bitable_async.values.types.LinkValue` attribute can be written
        back as read).

        Args:
            record_ids: the ids (any number; split into chunks, sent in order).
            user_id_type: id kind of persons in the result.
            with_shared_url: also return each record's share link.
            automatic_fields: also return created/modified by and time.
            chunk_size: ids per call (1-100).
            model: a :class:`~bitable_async.values.model.RecordModel` subclass to
                decode each record into (checked against the schema before the
                first call).

        Returns:
            The records found (:class:`Record`, or ``model`` instances), chunk
            after chunk in the order the calls returned them, and the absent
            and forbidden ids.

        Raises:
            ValueError: an empty id or a bad chunk size (before any request).
            FieldValueError: ``model`` does not fit the table (before any
                batch_get call), or a cell does not fit its field.
            BitableError: a call failed (earlier chunks' results are dropped).
        """
        ids = _ids("record_ids", record_ids)
        size = check_chunk_size(chunk_size, DEFAULT_GET_CHUNK_SIZE)
        # batch_get has no display_formula_ref option (000).
        codec = (await self.schema.codec()).for_request(display_formula_ref=None)
        mc = _model_codec(codec, model)
        result: BatchGetResult[Any] = BatchGetResult(
            records=[], absent_record_ids=[], forbidden_record_ids=[]
        )
        path = f"{self._path}/batch_get"
        for _, chunk in chunked(ids, size):
            payload = body(
                record_ids=list(chunk),
                user_id_type=user_id_type,
                with_shared_url=with_shared_url,
                automatic_fields=automatic_fields,
            )
            data = await self._call(
                "POST", path, _BatchGetData, json=payload, retry_unknown_outcome=True
            )
            result.records.extend(_decode_items(codec, mc, data.records, "POST", path))
            result.absent_record_ids.extend(data.absent_record_ids or ())
            result.forbidden_record_ids.extend(data.forbidden_record_ids or ())
        return result
