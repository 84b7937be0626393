"""The Bitable app ("base") object returned by app get / update."""

from __future__ import annotations

import msgspec

__all__ = ["App"]


class App(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One Bitable (a "base"); ``data.app`` of app get (A.10) and app update (A.11).

    Attributes:
        app_token: the Bitable's token.
        name: the Bitable's name.
        revision: the version number (get only).
        is_advanced: whether advanced permissions are on.
    """

    app_token: str = ""
    name: str = ""
    revision: int | None = None
    is_advanced: bool | None = None
