"""Make aioresponses 0.7.x work with aiohttp >= 3.14 (tests only).

aiohttp 3.14 added a required ``stream_writer`` argument to
``ClientResponse.__init__``; aioresponses (0.7.9, the latest release) does not
pass it (upstream issue pnuckowski/aioresponses#289). Importing this module
swaps the response class aioresponses builds for a subclass that supplies a
stand-in writer. Harmless on older aiohttp. Import ``aioresponses`` from here.
"""

from __future__ import annotations

import inspect
from typing import Any

import aioresponses.core as _core
from aiohttp import ClientResponse
from aioresponses import CallbackResult, aioresponses

__all__ = ["CallbackResult", "aioresponses"]

_NEEDS_WRITER = "stream_writer" in inspect.signature(ClientResponse.__init__).parameters


class _SentWriter:
    """Stands in for the writer of a request that was already sent."""

    output_size = 0


class _CompatResponse(ClientResponse):
    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        if _NEEDS_WRITER:
            kwargs.setdefault("stream_writer", _SentWriter())
        super().__init__(method, url, **kwargs)


if getattr(_core, "ClientResponse", None) is ClientResponse:
    setattr(_core, "ClientResponse", _CompatResponse)  # noqa: B010 -- patching a module
