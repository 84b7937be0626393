"""Dashboard objects returned by app_dashboard list / copy (A.18, A.19)."""

from __future__ import annotations

import msgspec

__all__ = ["Dashboard"]


class Dashboard(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One dashboard block of a Bitable.

    Attributes:
        block_id: the dashboard's block id.
        name: the dashboard's name.
    """

    block_id: str
    name: str = ""
