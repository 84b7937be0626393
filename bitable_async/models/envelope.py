"""The response envelope ``{code, msg, data}`` and its cached typed decoders.

Every Bitable response body is an envelope. The transport decodes it exactly
once, straight into ``Envelope[T]`` so that ``data`` arrives as the caller's
type ``T`` with no intermediate dict. One :class:`msgspec.json.Decoder` is
built per response type and reused.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar, cast

import msgspec

__all__ = ["Envelope", "Status", "envelope_decoder", "status_decoder"]

T = TypeVar("T")


class Envelope(msgspec.Struct, Generic[T]):
    """A decoded response body.

    Attributes:
        code: ``0`` on success; anything else is an error (see errors.md).
        msg: the server's message.
        data: the payload, decoded as ``T``; ``None`` when absent.
    """

    code: int
    msg: str = ""
    data: T | None = None


class Status(msgspec.Struct):
    """Only ``code`` and ``msg`` of a body; used when ``data`` does not fit ``T``.

    Error bodies may carry a ``data`` of any shape, so when the typed decode
    fails the transport reads just these two fields.
    """

    code: int
    msg: str = ""


_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}
_lock = threading.Lock()
_status_decoder: msgspec.json.Decoder[Status] = msgspec.json.Decoder(Status)


def envelope_decoder(data_type: Any) -> msgspec.json.Decoder[Envelope[Any]]:
    """Return the cached decoder of ``Envelope[data_type]``.

    Args:
        data_type: any type msgspec can decode (a Struct, ``dict[str, Any]``,
            ``list[X]``, ``Any`` ...).

    Returns:
        A decoder producing :class:`Envelope` whose ``data`` is ``data_type``.
    """
    decoder = _decoders.get(data_type)
    if decoder is None:
        with _lock:
            decoder = _decoders.get(data_type)
            if decoder is None:
                decoder = msgspec.json.Decoder(Envelope[data_type])
                _decoders[data_type] = decoder
    return cast("msgspec.json.Decoder[Envelope[Any]]", decoder)


def status_decoder() -> msgspec.json.Decoder[Status]:
    """Return the shared decoder of :class:`Status` (``code`` and ``msg`` only)."""
    return _status_decoder
