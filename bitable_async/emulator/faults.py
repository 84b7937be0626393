"""Seeded, reproducible fault decisions.

Every eligible request consumes exactly three draws of one ``random.Random``, so
for a given seed and the same sequence of eligible requests the same faults
are injected.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from .config import FaultConfig

HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request.

    Attributes:
        kind: None, ``"5xx_json"``, ``"5xx_plain"``, ``"not_ready"``, ``"html_502"``
            or ``"drop"`` (commit, then abort the connection).
        latency: extra seconds before answering.
    """

    kind: str | None
    latency: float


NO_FAULT = FaultDecision(None, 0.0)


class FaultInjector:
    """Draws fault decisions from a seeded RNG.

    Args:
        config: the fault knobs (replaceable at runtime with ``configure``).
    """

    def __init__(self, config: FaultConfig) -> None:
        self._lock = threading.Lock()
        self.configure(config)

    def configure(self, config: FaultConfig) -> None:
        """Replace the knobs and re-seed the RNG.

        Args:
            config: new knobs.
        """
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)

    def decide(self, endpoint: str, is_write: bool) -> FaultDecision:
        """Decide the fault for one request.

        Args:
            endpoint: endpoint name.
            is_write: True for write endpoints.

        Returns:
            the decision (``NO_FAULT`` when the request is not eligible).
        """
        c = self.config
        if not c.any_enabled() or (c.writes_only and not is_write):
            return NO_FAULT
        if c.endpoints and endpoint not in c.endpoints:
            return NO_FAULT
        with self._lock:
            r_kind, r_body, r_lat = self._rng.random(), self._rng.random(), self._rng.random()
        latency = c.latency + c.latency_jitter * r_lat
        edge = 0.0
        for kind, p in (
            ("5xx", c.p_5xx),
            ("not_ready", c.p_not_ready),
            ("html_502", c.p_html_502),
            ("drop", c.p_drop_after_commit),
        ):
            edge += p
            if r_kind < edge:
                if kind == "5xx":
                    kind = "5xx_json" if r_body < c.p_5xx_json else "5xx_plain"
                return FaultDecision(kind, latency)
        return FaultDecision(None, latency)
