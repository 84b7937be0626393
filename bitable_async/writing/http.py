"""The writer's executor over the SDK transport: the real record batch endpoints.

Writes are sent with the transport's own retries turned OFF: the writer owns
the retry loop of its batches (the decisions come from :mod:`bitable_async.retry`),
because between attempts it must know whether an earlier attempt may have
been committed, settle deletes and bisect. It runs the lease's fencing check
before each attempt; the transport runs it again (the lane's send guard, see
:mod:`bitable_async.fencing`) before each send, so a token replay is fenced
too. Token replay on 99991663/99991664 and the client-side rate limiter
(endpoint class ``write``, shared by every table of the client) still apply.

A ``batch_create`` body is encoded once per batch: a retry of the same batch
(same records, same ``client_token``) sends the bytes encoded for its first
attempt.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .._wire import encode_body
from ..config import EndpointClass, RetryConfig
from ..errors import ResponseDecodeError
from .types import EncodedFields, RecordResult, WriteOptions

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = ["TransportExecutor"]

_NO_RETRY = RetryConfig(enabled=False)
_APPS = "/open-apis/bitable/v1/apps"


def _records(data: Any, path: str) -> list[RecordResult]:
    records = data.get("records") if isinstance(data, Mapping) else None
    if not isinstance(records, list):
        raise ResponseDecodeError(f"response data has no 'records' list ({path})", path=path)
    return records


class TransportExecutor:
    """Sends one table's record batches through a :class:`~bitable_async._transport.Transport`.

    Args:
        transport: the client's transport.
        app_token: the Bitable.
        table_id: the table.
        tenant_key: tenant of a marketplace app.
        user_access_token: write as this user instead of as the app.
        user_id_type: how person ids in cells are named (``open_id`` ...).
        ignore_consistency_check: sent on writes when not None (000 mentions it).
    """

    def __init__(
        self,
        transport: Transport,
        app_token: str,
        table_id: str,
        *,
        tenant_key: str | None = None,
        user_access_token: str | None = None,
        user_id_type: str | None = None,
        ignore_consistency_check: bool | None = None,
    ) -> None:
        self._t = transport
        self._app_token = app_token
        self._table_id = table_id
        self._tenant = tenant_key
        self._user = user_access_token
        self._user_id_type = user_id_type
        self._icc = ignore_consistency_check
        self.path = f"{_APPS}/{quote(app_token, safe='')}/tables/{quote(table_id, safe='')}/records"
        # (client_token, records, body) of the last batch_create: retries reuse the body.
        self._last_create: tuple[str, Sequence[EncodedFields], bytes | None] | None = None

    def __repr__(self) -> str:
        # Never the user access token.
        return f"TransportExecutor(path={self.path!r}, tenant_key={self._tenant!r})"

    def with_options(self, options: WriteOptions) -> TransportExecutor:
        """A copy of this executor sending with ``options`` (set values win).

        Args:
            options: identity (tenant key, user access token) and query options.

        Returns:
            The derived executor (cheap; no I/O).
        """

        def pick(new: Any, old: Any) -> Any:
            return old if new is None else new

        return TransportExecutor(
            self._t,
            self._app_token,
            self._table_id,
            tenant_key=pick(options.tenant_key, self._tenant),
            user_access_token=pick(options.user_access_token, self._user),
            user_id_type=pick(options.user_id_type, self._user_id_type),
            ignore_consistency_check=pick(options.ignore_consistency_check, self._icc),
        )

    def _query(self, **extra: Any) -> dict[str, Any]:
        q: dict[str, Any] = {"user_id_type": self._user_id_type}
        if self._icc is not None:
            q["ignore_consistency_check"] = self._icc
        q.update(extra)
        return {k: v for k, v in q.items() if v is not None}

    async def _post(
        self,
        action: str,
        body: Any,
        query: Mapping[str, Any],
        *,
        write: bool,
        eclass: EndpointClass = EndpointClass.WRITE,
    ) -> Any:
        resp = await self._t.request(
            "POST",
            f"{self.path}/{action}",
            query=query or None,
            body=body,
            tenant_key=self._tenant,
            user_access_token=self._user,
            retry=_NO_RETRY if write else None,
            retry_unknown_outcome=not write,
            endpoint_class=eclass,
        )
        return resp.data

    async def batch_create(
        self, records: Sequence[EncodedFields], *, client_token: str
    ) -> Sequence[RecordResult]:
        """``POST .../records/batch_create`` (A.34), one attempt.

        Args:
            records: encoded fields of each new record.
            client_token: the batch's idempotency key.

        Returns:
            The created records in request order.

        Raises:
            BitableError: the mapped error of this attempt.
        """
        data = await self._post(
            "batch_create",
            self._create_body(records, client_token),
            self._query(client_token=client_token),
            write=True,
        )
        self._last_create = None  # answered: no retry of this batch will follow
        return _records(data, self.path)

    def _create_body(self, records: Sequence[EncodedFields], client_token: str) -> bytes | None:
        last = self._last_create
        if last is not None and last[0] == client_token and last[1] is records:
            return last[2]
        body = encode_body({"records": [{"fields": f} for f in records]})
        self._last_create = (client_token, records, body)
        return body

    async def batch_update(
        self, records: Sequence[tuple[str, EncodedFields]]
    ) -> Sequence[RecordResult]:
        """``POST .../records/batch_update`` (A.35), one attempt.

        Args:
            records: ``(record_id, fields)`` pairs.

        Returns:
            The updated records in request order.

        Raises:
            BitableError: the mapped error of this attempt.
        """
        body = {"records": [{"record_id": rid, "fields": f} for rid, f in records]}
        return _records(
            await self._post("batch_update", body, self._query(), write=True), self.path
        )

    async def batch_delete(self, record_ids: Sequence[str]) -> Sequence[RecordResult]:
        """``POST .../records/batch_delete`` (A.36), one attempt.

        Args:
            record_ids: ids to delete.

        Returns:
            ``{"record_id", "deleted"}`` per id.

        Raises:
            BitableError: the mapped error of this attempt.
        """
        q = {"ignore_consistency_check": self._icc} if self._icc is not None else {}
        data = await self._post("batch_delete", {"records": list(record_ids)}, q, write=True)
        return _records(data, self.path)

    async def existing_ids(self, record_ids: Sequence[str]) -> set[str]:
        """Which ids exist, by ``POST .../records/batch_get`` (100 ids per call).

        Args:
            record_ids: ids to look up.

        Returns:
            The ids the server did not report absent.

        Raises:
            BitableError: the lookup failed.
        """
        present: set[str] = set()
        ids = list(dict.fromkeys(record_ids))
        for i in range(0, len(ids), 100):
            chunk = ids[i : i + 100]
            data = await self._post(
                "batch_get", {"record_ids": chunk}, {}, write=False, eclass=EndpointClass.READ
            )
            absent = (
                set(data.get("absent_record_ids") or []) if isinstance(data, Mapping) else set()
            )
            present.update(rid for rid in chunk if rid not in absent)
        return present

    async def scan(
        self, field_names: Sequence[str], *, page_size: int = 500
    ) -> AsyncIterator[RecordResult]:
        """Every record of the table with only ``field_names``, by ``records/search``.

        Args:
            field_names: the fields to return (e.g. the upsert keys).
            page_size: records per page (search allows up to 500).

        Yields:
            ``{"record_id", "fields"}`` per record, one page in memory at a time.

        Raises:
            BitableError: a page request failed.
        """
        token: str | None = None
        while True:
            q = {"page_size": page_size, "page_token": token, "user_id_type": self._user_id_type}
            q = {k: v for k, v in q.items() if v is not None}
            data = await self._post(
                "search",
                {"field_names": list(field_names)},
                q,
                write=False,
                eclass=EndpointClass.LIST_RECORDS,
            )
            if not isinstance(data, Mapping):
                return
            for item in data.get("items") or []:
                yield item
            token = data.get("page_token")
            if not data.get("has_more") or not token:
                return
