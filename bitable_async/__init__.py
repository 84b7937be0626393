"""bitable-async: an async-first SDK for the Feishu / Lark Bitable open API.

Start with :class:`BitableClient`::

    async with BitableClient(app_id, app_secret) as client:
        table = client.table(app_token, table_id)
        async for record in table.records.iterate():
            ...

Every public name of the SDK is importable from here; the token caches live in
the sibling package ``cache_backends`` and the emulator in
``bitable_async.emulator``.
"""

from __future__ import annotations

from bitable_async.auth import (
    AppTicketMissingError,
    AppTokenAuth,
    MarketplaceAuth,
    TenantTokenAuth,
    TokenFetcher,
    TokenProvider,
)
from bitable_async.batching import BatchError, ChunkFailure, ChunkResult
from bitable_async.bulk import (
    BulkAbortedError,
    BulkFailure,
    BulkProgress,
    BulkSummary,
    bulk_insert,
    bulk_update,
    bulk_upsert,
)
from bitable_async.client import BitableClient
from bitable_async.config import (
    ClientConfig,
    ConnectionLimits,
    EndpointClass,
    RateLimitConfig,
    RetryConfig,
    Timeouts,
)
from bitable_async.errors import (
    CODE_TABLE,
    APIError,
    AuthError,
    BadRequestError,
    BitableError,
    CodeInfo,
    ConfigurationError,
    ConnectionFailedError,
    DataNotReadyError,
    FieldValueError,
    IdempotencyError,
    InternalServerError,
    InvalidFieldValueError,
    LimitExceededError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ResponseDecodeError,
    ServerError,
    ServiceBusyError,
    ServiceTimeoutError,
    TransportError,
    WriteConflictError,
    error_for_code,
)
from bitable_async.filters import (
    AND,
    NOT,
    OR,
    TODAY,
    CurrentValue,
    ExactDate,
    F,
    FilterTooLongError,
    Sort,
    SortTooLongError,
    asc,
    desc,
)
from bitable_async.handles import AppHandle, TableHandle
from bitable_async.models.record import Record
from bitable_async.values import (
    Attachment,
    Field,
    GroupChat,
    LinkValue,
    Location,
    Person,
    RecordCodec,
    RecordModel,
    TextSegment,
    Url,
)
from bitable_async.writer import (
    LeaseLostError,
    LeaseTimeoutError,
    OutcomeUnknownError,
    WriteOptions,
    WriterClosedError,
    WriterConfig,
    WriterError,
)

__version__ = "0.1.0"

__all__ = [
    "AND",
    "CODE_TABLE",
    "NOT",
    "OR",
    "TODAY",
    "APIError",
    "AppHandle",
    "AppTicketMissingError",
    "AppTokenAuth",
    "Attachment",
    "AuthError",
    "BadRequestError",
    "BatchError",
    "BitableClient",
    "BitableError",
    "BulkAbortedError",
    "BulkFailure",
    "BulkProgress",
    "BulkSummary",
    "ChunkFailure",
    "ChunkResult",
    "ClientConfig",
    "CodeInfo",
    "ConfigurationError",
    "ConnectionFailedError",
    "ConnectionLimits",
    "CurrentValue",
    "DataNotReadyError",
    "EndpointClass",
    "ExactDate",
    "F",
    "Field",
    "FieldValueError",
    "FilterTooLongError",
    "GroupChat",
    "IdempotencyError",
    "InternalServerError",
    "InvalidFieldValueError",
    "LeaseLostError",
    "LeaseTimeoutError",
    "LimitExceededError",
    "LinkValue",
    "Location",
    "MarketplaceAuth",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "Person",
    "RateLimitConfig",
    "RateLimitError",
    "Record",
    "RecordCodec",
    "RecordModel",
    "RequestTimeoutError",
    "ResponseDecodeError",
    "RetryConfig",
    "ServerError",
    "ServiceBusyError",
    "ServiceTimeoutError",
    "Sort",
    "SortTooLongError",
    "TableHandle",
    "TenantTokenAuth",
    "TextSegment",
    "Timeouts",
    "TokenFetcher",
    "TokenProvider",
    "TransportError",
    "Url",
    "WriteConflictError",
    "WriteOptions",
    "WriterClosedError",
    "WriterConfig",
    "WriterError",
    "__version__",
    "asc",
    "bulk_insert",
    "bulk_update",
    "bulk_upsert",
    "desc",
    "error_for_code",
]
