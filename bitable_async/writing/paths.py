"""Which serial lane a raw API call belongs to, judged from its method and path.

Used by :meth:`bitable_async.client.BitableClient.request` (the escape hatch)
so that a write sent by hand still takes its table's (or app's) turn:

* a non-GET call under ``/open-apis/bitable/v1/apps/{app}/tables/{table}``
  (the table itself or anything below it) is a write to that table;
* any other non-GET call under ``/open-apis/bitable/v1/apps/{app}`` is an
  app-level write (tables batch create / delete, roles, dashboards ...);
* everything else -- GET, the two POST reads of records (``search``,
  ``batch_get``), paths outside Bitable -- is not routed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from ..fencing import POST_READS

__all__ = ["LaneRoute", "route_for"]

_APP = re.compile(
    r"^/open-apis/bitable/v1/apps/(?P<app>[^/]+)(?:/tables/(?P<table>[^/]+)(?P<rest>/.*)?)?/?"
)
# Path segments after /tables/ that name an app-level action, not a table id.
_TABLE_ACTIONS = frozenset({"batch_create", "batch_delete"})
# POST endpoints that only read (the transport's fencing check skips them too).
_POST_READS = POST_READS


@dataclass(frozen=True)
class LaneRoute:
    """The turn a raw call must take.

    Attributes:
        app_token: the Bitable.
        table_id: the table written, or ``None`` for an app-level write.
    """

    app_token: str
    table_id: str | None


def route_for(method: str, path: str) -> LaneRoute | None:
    """Decide whether a raw call is a Bitable write and whose turn it takes.

    Args:
        method: the HTTP method (any case).
        path: the API path, already starting with ``/open-apis/``.

    Returns:
        The lane route, or ``None`` when the call is not a Bitable write.
    """
    if method.upper() == "GET":
        return None
    match = _APP.match(path)
    if match is None:
        return None
    app = unquote(match["app"])
    table = match["table"]
    if table is None or table in _TABLE_ACTIONS:
        return LaneRoute(app, None)
    rest = match["rest"] or ""
    if rest.rstrip("/") in _POST_READS:
        return None
    return LaneRoute(app, unquote(table))
