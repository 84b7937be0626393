"""Frozen client settings: base URL, timeouts, connection limits, retry, rate limits.

Every setting has a safe default, so ``ClientConfig()`` is a working Feishu
configuration. The objects are immutable; derive variants with
:func:`dataclasses.replace`. No setting holds a secret, so the default reprs
are safe to log.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bitable_async.errors import ConfigurationError

__all__ = [
    "BASE_URLS",
    "DEFAULT_USER_AGENT",
    "ClientConfig",
    "ConnectionLimits",
    "EndpointClass",
    "RateLimitConfig",
    "RetryConfig",
    "Timeouts",
    "resolve_base_url",
]

#: The named deployments accepted as ``base_url`` (supplement.md, "Base URLs").
BASE_URLS: dict[str, str] = {
    "feishu": "https://open.feishu.cn",
    "lark": "https://open.larksuite.com",
}

DEFAULT_USER_AGENT = "bitable-async/0.1"


def resolve_base_url(base_url: str) -> str:
    """Turn ``"feishu"``, ``"lark"`` or a URL into a normalised base URL.

    Args:
        base_url: a deployment name (case-insensitive) or an ``http(s)://`` URL
            such as ``http://127.0.0.1:8686`` for the local emulator.

    Returns:
        The URL without a trailing slash.

    Raises:
        ConfigurationError: the value is neither a known name nor an http(s) URL.
    """
    named = BASE_URLS.get(base_url.strip().lower())
    if named is not None:
        return named
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"base_url must be 'feishu', 'lark' or an http(s) URL, got {base_url!r}"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"base_url must not carry a query or fragment: {base_url!r}")
    return url


class EndpointClass(str, enum.Enum):
    """Rate-limit class of an endpoint (limits.md section 4)."""

    WRITE = "write"
    """Create / update / delete of anything: 10 QPS."""
    READ = "read"
    """Get and list endpoints other than list-records: 20 QPS."""
    LIST_RECORDS = "list_records"
    """List records: 10 QPS and 1000 per minute."""


@dataclass(frozen=True)
class Timeouts:
    """aiohttp ``ClientTimeout`` values in seconds (``None`` disables one).

    Attributes:
        total: the whole request, connection and body included.
        connect: acquiring a connection from the pool, including connecting.
        sock_read: the longest pause between two reads of the response.
    """

    total: float | None = 60.0
    connect: float | None = 10.0
    sock_read: float | None = 30.0

    def __post_init__(self) -> None:
        for name in ("total", "connect", "sock_read"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigurationError(f"Timeouts.{name} must be > 0 or None, got {value!r}")


@dataclass(frozen=True)
class ConnectionLimits:
    """aiohttp ``TCPConnector`` pool limits for an owned session.

    A client talks to one API host, so ``limit`` is the bound that matters;
    the per-app QPS caps, not the pool, are what limit Bitable throughput.

    Attributes:
        limit: total simultaneous connections (0 = unlimited).
        limit_per_host: simultaneous connections to one host (0 = no bound
            other than ``limit``).
    """

    limit: int = 100
    limit_per_host: int = 0

    def __post_init__(self) -> None:
        if self.limit < 0 or self.limit_per_host < 0:
            raise ConfigurationError("ConnectionLimits values must be >= 0")


@dataclass(frozen=True)
class RetryConfig:
    """Retry policy: exponential backoff with full jitter (see :mod:`bitable_async.retry`).

    Attributes:
        enabled: ``False`` turns every retry off (each error is raised at once).
        max_attempts: total tries of one request, the first included.
        base: backoff base in seconds; try ``n`` (0-based) waits up to ``base * 2**n``.
        cap: the largest backoff in seconds (before the reset header is applied).
        jitter: full jitter (uniform in ``[0, backoff]``) when true, else the
            plain exponential backoff.
        busy_min_delay: the smallest wait after 1254291 / 1254607 / 1254036;
            errors.md documents 0.5-1 s between calls for these.
        deadline: optional overall budget in seconds for one request and all
            its retries; no retry starts a sleep that would end past it.
        max_reset_wait: the longest wait honoured from an
            ``x-ogw-ratelimit-reset`` header; a larger value is clamped to it,
            so a bogus header cannot park a request for hours.
    """

    enabled: bool = True
    max_attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    jitter: bool = True
    busy_min_delay: float = 0.5
    deadline: float | None = None
    max_reset_wait: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError(
                f"RetryConfig.max_attempts must be >= 1, got {self.max_attempts}"
            )
        if self.base < 0 or self.cap < 0 or self.busy_min_delay < 0:
            raise ConfigurationError("RetryConfig.base, cap and busy_min_delay must be >= 0")
        if self.deadline is not None and self.deadline <= 0:
            raise ConfigurationError("RetryConfig.deadline must be > 0 or None")


@dataclass(frozen=True)
class RateLimitConfig:
    """Client-side rate limits per (tenant, endpoint class), matching limits.md.

    Each rate ``r`` per period ``p`` is kept as a sliding window (see
    :mod:`bitable_async.ratelimit`): at most ``ceil(r)`` requests in any window
    of ``p * ceil(r) / r`` seconds -- with the documented integer caps, at most
    N in any one-second window, which is what the server enforces. The first N
    requests therefore go at once. A fractional rate (e.g. ``write_qps=9.5``)
    keeps the same ceiling per second with some headroom on average.

    The defaults sit just under the documented caps: the client counts
    requests when they leave and the server counts them when they arrive, so
    network jitter can squeeze two departures a full window apart into one
    server window; one slot of headroom keeps that from costing a 1254290.

    Attributes:
        enabled: ``False`` sends requests as fast as the caller makes them.
        write_qps: create / update / delete endpoints (documented 10 QPS).
        read_qps: get and list endpoints (documented 20 QPS).
        list_records_qps: list records (documented 10 QPS).
        list_records_per_minute: list records (documented 1000 per minute).
        burst: ``None`` (default): as many back to back as the window allows;
            a number caps how many of one class may leave back to back before
            they are spaced by ``1 / rate`` (``1`` spaces every request).
    """

    enabled: bool = True
    write_qps: float = 9.5
    read_qps: float = 19.0
    list_records_qps: float = 9.5
    list_records_per_minute: float = 950.0
    burst: int | None = None

    def __post_init__(self) -> None:
        rates = (self.write_qps, self.read_qps, self.list_records_qps, self.list_records_per_minute)
        if any(rate <= 0 for rate in rates):
            raise ConfigurationError("RateLimitConfig rates must be > 0")
        if self.burst is not None and self.burst < 1:
            raise ConfigurationError("RateLimitConfig.burst must be >= 1 or None")

    def limits_for(self, endpoint_class: EndpointClass) -> tuple[tuple[float, float], ...]:
        """The ``(requests, period_seconds)`` limits that apply to one class.

        Args:
            endpoint_class: the class of the endpoint.

        Returns:
            One or more ``(count, period)`` pairs, all of which must hold.
        """
        if endpoint_class is EndpointClass.WRITE:
            return ((self.write_qps, 1.0),)
        if endpoint_class is EndpointClass.READ:
            return ((self.read_qps, 1.0),)
        return ((self.list_records_qps, 1.0), (self.list_records_per_minute, 60.0))


@dataclass(frozen=True)
class ClientConfig:
    """All client settings; immutable.

    Attributes:
        base_url: ``"feishu"``, ``"lark"`` or any http(s) URL; normalised on
            construction (read it back as the full URL).
        timeouts: request timeouts.
        limits: connection pool limits of an owned session.
        retry: the retry policy.
        rate_limit: client-side rate limits.
        user_agent: the ``User-Agent`` header value.
    """

    base_url: str = "feishu"
    timeouts: Timeouts = field(default_factory=Timeouts)
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)
    retry: RetryConfig = field(default_factory=RetryConfig)
    rate_limit: RateLimitConfig = field(default_factory=RateLimitConfig)
    user_agent: str = DEFAULT_USER_AGENT

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", resolve_base_url(self.base_url))
