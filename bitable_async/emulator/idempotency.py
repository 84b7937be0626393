"""``client_token`` idempotency of the create endpoints (records, fields).

A create call with a ``client_token`` stores its answer under
``(app_token, table_id, operation, client_token)``. The same call again gets
the stored answer and writes nothing; the same token with another body is a
1255006 conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import web

from . import errors as E
from .errors import ApiError
from .middleware import envelope_of_encoded
from .runtime import COMMITTED, Runtime, body_json

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def client_token(request: web.Request) -> str | None:
    """Return the validated ``client_token`` query parameter.

    Args:
        request: the request.

    Returns:
        the token, or None when absent or empty.

    Raises:
        ApiError: 1254037 when present but not a UUID.
    """
    value = request.query.get("client_token")
    if value is None or value == "":
        return None
    if not _UUID.match(value):
        raise ApiError(E.BAD_CLIENT_TOKEN)
    return value


@dataclass
class IdempotentWrite:
    """The body of a create call and, for a repeated ``client_token``, its stored answer.

    Attributes:
        rt: the runtime holding the stored answers.
        body: the decoded JSON body.
        key: the idempotency key, or None when the call has no ``client_token``.
        replayed: the stored answer when the call repeats an earlier one (the
            handler returns it as is and writes nothing), else None.
    """

    rt: Runtime
    body: dict[str, Any]
    key: tuple[str, ...] | None
    replayed: web.StreamResponse | None = None
    raw: bytes = b""

    def answer(self, data: dict[str, Any]) -> web.Response:
        """Answer ``data`` and store the answer under this call's key (if any).

        ``data`` is encoded once, for the response and for later replays. The
        request body is kept as the bytes that were sent; a later call with the
        same token is compared with it by :func:`same_body`.

        Args:
            data: the ``data`` of the success envelope.

        Returns:
            the success envelope.
        """
        data_json = msgspec.json.encode(data)
        if self.key is not None:
            self.rt.state.idempotency[self.key] = (self.raw, data_json)
        return envelope_of_encoded(data_json)


def same_body(stored: bytes, raw: bytes, body: Any) -> bool:
    """Whether a repeated call sent the same JSON body as the stored one.

    Identical bytes are the same body; otherwise the two bodies are compared
    decoded and re-encoded, so whitespace alone is not a different body.

    Args:
        stored: the body bytes of the first call.
        raw: the body bytes of this call.
        body: this call's decoded body.

    Returns:
        True when both encode to the same JSON.
    """
    if stored == raw:
        return True
    return bool(msgspec.json.encode(msgspec.json.decode(stored)) == msgspec.json.encode(body))


async def idempotent_write(request: web.Request, rt: Runtime, *scope: str) -> IdempotentWrite:
    """Validate ``client_token``, read the body and look for a stored answer.

    Args:
        request: the request; marked not committed when it is a replay.
        rt: the runtime.
        scope: what the token is scoped to, e.g. ``(app_token, table_id, "record.create")``.

    Returns:
        the write; its ``replayed`` is set when the call repeats an earlier one.

    Raises:
        ApiError: 1254037 for a malformed token, 1254000 / 1254001 for a bad
            body, 1255006 when the token was used with a different body.
    """
    token = client_token(request)
    body = await body_json(request)
    write = IdempotentWrite(rt, body, (*scope, token) if token else None, raw=await request.read())
    found = rt.state.idempotency.get(write.key) if write.key is not None else None
    if found is not None:
        if not same_body(found[0], write.raw, body):
            raise ApiError(E.CLIENT_TOKEN_CONFLICT)
        request[COMMITTED] = False
        write.replayed = envelope_of_encoded(found[1])
    return write
