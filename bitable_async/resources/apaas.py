"""aPaaS application-object records: batch_query and batch_update (002, 004).

A different product from Bitable, reached with a tenant token. The wire format
hides JSON in strings (operand ``settings``, the query result ``items``, the
update ``records``); this module takes and returns plain Python values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from bitable_async.batching import ChunkSpan, check_chunk_size, flatten, run_chunks
from bitable_async.errors import JSON_DECODE_ERRORS, ResponseDecodeError, decode_failure
from bitable_async.models.apaas import (
    ApaasBatchQueryResult,
    ApaasCriterion,
    ApaasGroupBy,
    ApaasOrderBy,
    ApaasRecordResult,
)
from bitable_async.pagination import Page, PageIterator, resolve_page_size
from bitable_async.resources._base import READ, WRITE, CallContext, Resource, body, path_id

__all__ = ["ApaasRecordsResource"]

MAX_PAGE_SIZE = 500
"""batch_query page_size maximum and default (002)."""

MAX_BATCH = 500
"""batch_update records per call (004)."""

_items_decoder: msgspec.json.Decoder[list[dict[str, Any]]] = msgspec.json.Decoder(
    list[dict[str, Any]]
)


class _QueryData(msgspec.Struct):
    items: str | list[dict[str, Any]] | None = None
    total: int | None = None
    next_page_token: str | None = None
    has_more: bool = False


class _UpdateData(msgspec.Struct):
    items: list[ApaasRecordResult] = msgspec.field(default_factory=list)


def _criterion(flt: ApaasCriterion) -> dict[str, Any]:
    if len(flt.conditions) > 10:
        raise ValueError("an aPaaS filter takes at most 10 conditions")
    return {
        "conditions": [
            {
                "index": c.index,
                "left": {"type": c.left.type, "settings": _settings(c.left.settings)},
                "right": {"type": c.right.type, "settings": _settings(c.right.settings)},
                "operator": c.operator,
            }
            for c in flt.conditions
        ],
        "logic_expression": flt.logic_expression,
    }


def _settings(value: Any) -> str:
    # The API takes the operand settings as a JSON string; a str is passed as is.
    return value if isinstance(value, str) else msgspec.json.encode(value).decode()


def _check_len(name: str, values: Sequence[Any]) -> None:
    if len(values) > 256:
        raise ValueError(f"{name} takes at most 256 entries, got {len(values)}")


class ApaasRecordsResource(Resource):
    """Records of one aPaaS object (``client.apaas(namespace, object_api_name)``).

    Attributes:
        namespace: the aPaaS application namespace.
        object_api_name: the object's API name.
    """

    _apaas_prefix = "/open-apis/apaas/v1/applications"

    def __init__(self, ctx: CallContext, namespace: str, object_api_name: str) -> None:
        """Bind to one object.

        Args:
            ctx: the transport and identity (a tenant token) to call with.
            namespace: the application namespace, e.g. ``package_test__c``.
            object_api_name: the object's API name, e.g. ``_user``.

        Raises:
            ValueError: an argument is empty or longer than 256 characters.
        """
        for name, value in (("namespace", namespace), ("object_api_name", object_api_name)):
            if isinstance(value, str) and len(value) > 256:
                raise ValueError(f"{name} is at most 256 characters")
        super().__init__(ctx, namespace)
        self.namespace = namespace
        self.object_api_name = object_api_name
        self._base = (
            f"{self._apaas_prefix}/{path_id('namespace', namespace)}/objects/"
            f"{path_id('object_api_name', object_api_name)}/records"
        )

    @property
    def _table_id(self) -> str | None:
        return self.object_api_name

    async def batch_query(
        self,
        select: Sequence[str],
        *,
        filter: ApaasCriterion | None = None,
        order_by: Sequence[ApaasOrderBy] = (),
        group_by: Sequence[ApaasGroupBy] = (),
        page_size: int | None = None,
        offset: int | None = None,
        need_total_count: bool | None = None,
        page_token: str | None = None,
        use_page_token: bool | None = None,
    ) -> ApaasBatchQueryResult:
        """Query records once (one page).

        API: ``POST /open-apis/apaas/v1/applications/:namespace/objects/:object_api_name/
        records/batch_query`` (002).

        Args:
            select: field API names to return (``.`` drills into lookups; <= 256).
            filter: the criterion (conditions + logic expression).
            order_by: sort keys, applied in order (<= 256).
            group_by: grouping keys (<= 256).
            page_size: records per page, capped at 500 (server default 500).
            offset: skip this many records (slow for large offsets).
            need_total_count: also return the total count.
            page_token: start here (with ``use_page_token=True``).
            use_page_token: page with tokens instead of offsets.

        Returns:
            The records (decoded from the response's JSON string) and paging info.

        Raises:
            ValueError: a bad argument.
            BitableError: the request failed.
        """
        payload = self._query_body(
            select,
            filter,
            order_by,
            group_by,
            page_size,
            offset,
            need_total_count,
            page_token,
            use_page_token,
        )
        data = await self._call(
            "POST",
            f"{self._base}/batch_query",
            _QueryData,
            json=payload,
            endpoint_class=READ,
            retry_unknown_outcome=True,
        )
        return self._result(data)

    def query(
        self,
        select: Sequence[str],
        *,
        filter: ApaasCriterion | None = None,
        order_by: Sequence[ApaasOrderBy] = (),
        group_by: Sequence[ApaasGroupBy] = (),
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> PageIterator[dict[str, Any]]:
        """Iterate over every matching record, paging with tokens.

        API: batch_query (002) with ``use_page_token=true``.

        Args:
            select: field API names to return.
            filter: the criterion.
            order_by: sort keys.
            group_by: grouping keys.
            page_size: records per page, capped at 500 (default 500).
            page_token: resume at this page.

        Returns:
            A lazy iterator of records (plain dicts).

        Raises:
            ValueError: a bad argument.
        """
        size = resolve_page_size(page_size, MAX_PAGE_SIZE)
        self._query_body(select, filter, order_by, group_by, size, None, None, None, True)

        async def fetch(token: str | None, size: int) -> Page[dict[str, Any]]:
            result = await self.batch_query(
                select,
                filter=filter,
                order_by=order_by,
                group_by=group_by,
                page_size=size,
                page_token=token,
                use_page_token=True,
            )
            return Page(result.items, result.has_more, result.next_page_token, result.total)

        return PageIterator(fetch, page_size=size, page_token=page_token)

    def _query_body(
        self,
        select: Sequence[str],
        filter: ApaasCriterion | None,
        order_by: Sequence[ApaasOrderBy],
        group_by: Sequence[ApaasGroupBy],
        page_size: int | None,
        offset: int | None,
        need_total_count: bool | None,
        page_token: str | None,
        use_page_token: bool | None,
    ) -> dict[str, Any]:
        if isinstance(select, str):
            raise TypeError("select must be a list of field API names, not one string")
        fields = list(select)
        if not all(isinstance(f, str) for f in fields):
            raise TypeError("select must hold strings")
        _check_len("select", fields)
        _check_len("order_by", order_by)
        _check_len("group_by", group_by)
        if offset is not None and not 0 <= offset <= 10_000_000_000:
            raise ValueError(f"offset must be in 0..10,000,000,000, got {offset}")
        size = None if page_size is None else resolve_page_size(page_size, MAX_PAGE_SIZE)
        return body(
            select=fields,
            filter=None if filter is None else _criterion(filter),
            order_by=[{"field": o.field, "direction": o.direction} for o in order_by] or None,
            group_by=[{"field": g.field} for g in group_by] or None,
            page_token=page_token,
            use_page_token=use_page_token,
            page_size=size,
            offset=offset,
            need_total_count=need_total_count,
        )

    def _result(self, data: _QueryData) -> ApaasBatchQueryResult:
        items: list[dict[str, Any]]
        if data.items is None:
            items = []
        elif isinstance(data.items, str):
            try:
                items = _items_decoder.decode(data.items) if data.items.strip() else []
            except JSON_DECODE_ERRORS as exc:
                raise ResponseDecodeError(
                    f"batch_query items is not a JSON list of objects: {decode_failure(exc)}",
                    path=f"{self._base}/batch_query",
                    method="POST",
                ) from None
        else:
            items = data.items
        token = data.next_page_token
        if token in ("", "null"):
            token = None
        return ApaasBatchQueryResult(
            items=items, total=data.total, next_page_token=token, has_more=data.has_more
        )

    async def batch_update(
        self, records: Iterable[Mapping[str, Any]], *, chunk_size: int = MAX_BATCH
    ) -> list[ApaasRecordResult]:
        """Update records, 500 per call; results are per record (partial success).

        API: ``PATCH .../objects/:object_api_name/records/batch_update`` (004). The
        records travel as a JSON string; each names its record by ``_id``.

        Args:
            records: one mapping per record: ``{"_id": ..., "<field>": value, ...}``.
            chunk_size: records per call (1-500).

        Returns:
            One result per input record, in order (check ``success``).

        Raises:
            ValueError: a record is not a mapping with an ``_id`` (before any request).
            BatchError: a call failed as a whole; says which chunks were applied.
        """
        size = check_chunk_size(chunk_size, MAX_BATCH)
        encoded: list[str] = []
        rows = list(records)
        for i, rec in enumerate(rows):
            if not isinstance(rec, Mapping) or "_id" not in rec:
                raise ValueError(f"record {i} must be a mapping with an '_id' key, got {rec!r}")
            try:
                encoded.append(msgspec.json.encode(dict(rec)).decode())
            except (TypeError, msgspec.EncodeError) as exc:
                raise ValueError(f"record {i} cannot be encoded as JSON: {exc}") from None
        path = f"{self._base}/batch_update"

        async def send(span: ChunkSpan, chunk: Sequence[str]) -> list[ApaasRecordResult]:
            payload = {"records": "[" + ",".join(chunk) + "]"}

            async def call() -> list[ApaasRecordResult]:
                data = await self._call(
                    "PATCH", path, _UpdateData, json=payload, endpoint_class=WRITE
                )
                return data.items

            return await self._write("apaas.batch_update", call)

        return flatten(await run_chunks(encoded, size, send))
