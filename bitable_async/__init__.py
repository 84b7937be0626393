"""bitable-async: an async-first SDK for the Feishu / Lark Bitable open API.

Start with :class:`BitableClient`::

    async with BitableClient(app_id, app_secret) as client:
        table = client.table(app_token, table_id)
        async for record in table.records.iterate():
            ...

Every public name of the SDK is importable from here; the token caches live in
the sibling package ``cache_backends`` and the emulator in
``bitable_async.emulator``.

The names are resolved lazily (PEP 562): ``import bitable_async`` loads none of
the SDK's modules (nor aiohttp); ``from bitable_async import BitableClient``
imports what that name needs on first use. This keeps
``import bitable_async.emulator`` free of the client, the transport and the
value codecs, so the emulator stays an independent implementation.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_EXPORTS: dict[str, tuple[str, ...]] = {
    "bitable_async.auth": (
        "AppTicketMissingError",
        "AppTokenAuth",
        "MarketplaceAuth",
        "TenantTokenAuth",
        "TokenFetcher",
        "TokenProvider",
    ),
    "bitable_async.batching": ("BatchError", "ChunkFailure", "ChunkResult"),
    "bitable_async.bulk": (
        "BulkAbortedError",
        "BulkFailure",
        "BulkProgress",
        "BulkSummary",
        "bulk_insert",
        "bulk_update",
        "bulk_upsert",
    ),
    "bitable_async.client": ("BitableClient",),
    "bitable_async.config": (
        "ClientConfig",
        "ConnectionLimits",
        "EndpointClass",
        "RateLimitConfig",
        "RetryConfig",
        "Timeouts",
    ),
    "bitable_async.errors": (
        "CODE_TABLE",
        "APIError",
        "AuthError",
        "BadRequestError",
        "BitableError",
        "CodeInfo",
        "ConfigurationError",
        "ConnectionFailedError",
        "DataNotReadyError",
        "FieldValueError",
        "IdempotencyError",
        "InternalServerError",
        "InvalidFieldValueError",
        "LimitExceededError",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitError",
        "RequestTimeoutError",
        "ResponseDecodeError",
        "ServerError",
        "ServiceBusyError",
        "ServiceTimeoutError",
        "TransportError",
        "WriteConflictError",
        "error_for_code",
    ),
    "bitable_async.filters": (
        "AND",
        "NOT",
        "OR",
        "TODAY",
        "CurrentValue",
        "ExactDate",
        "F",
        "FilterTooLongError",
        "Sort",
        "SortTooLongError",
        "asc",
        "desc",
    ),
    "bitable_async.handles": ("AppHandle", "TableHandle"),
    "bitable_async.models.record": ("Record",),
    "bitable_async.values": (
        "Attachment",
        "Field",
        "GroupChat",
        "LinkValue",
        "Location",
        "Person",
        "RecordCodec",
        "RecordModel",
        "TextSegment",
        "Url",
    ),
    "bitable_async.writer": (
        "LeaseLostError",
        "LeaseTimeoutError",
        "OutcomeUnknownError",
        "WriteOptions",
        "WriterClosedError",
        "WriterConfig",
        "WriterError",
    ),
}
"""Where the public names live: module -> the names ``__getattr__`` imports from it.

Every name of ``__all__`` but ``__version__`` (defined above), the same as the
``TYPE_CHECKING`` imports (tests/emulator/test_emu_independence.py checks both).
"""

_ORIGIN = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import a public name (or a submodule) on first access and cache it here.

    Args:
        name: the attribute looked up on the package.

    Returns:
        the public object, or the submodule ``bitable_async.<name>``.

    Raises:
        AttributeError: when ``name`` is neither a public name nor a submodule.
    """
    module = _ORIGIN.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    if not name.startswith("__"):
        # ``import bitable_async`` used to load most submodules as a side effect;
        # keep ``bitable_async.errors`` (etc.) reachable as attributes.
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """List the public names too, imported or not (for ``dir()`` and completion).

    Returns:
        the module's globals and every name of ``__all__``, sorted.
    """
    return sorted(set(globals()) | set(__all__))
