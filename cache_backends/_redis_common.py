"""Helpers shared by the Redis token cache and the Redis lease (private)."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["COMPARE_DELETE", "Sleep", "check_prefix", "ms"]

Sleep = Callable[[float], Awaitable[Any]]
"""An async sleep (``anyio.sleep`` in production, a fake in tests)."""

COMPARE_DELETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
"""Lua: delete KEYS[1] only if it still holds ARGV[1]; returns the number deleted."""


def check_prefix(prefix: str) -> None:
    """Reject a key prefix that is empty or would break the Cluster hash tag.

    Args:
        prefix: the key namespace.

    Raises:
        ValueError: ``prefix`` is empty or contains a brace.
    """
    if not prefix or "{" in prefix or "}" in prefix:
        raise ValueError(f"prefix must be non-empty and contain no braces: {prefix!r}")


def ms(seconds: float) -> int:
    """Seconds to whole milliseconds for ``PX`` / ``PEXPIRE``, rounded up, at least 1.

    Args:
        seconds: a duration.

    Returns:
        The duration in milliseconds (never 0, which Redis rejects).
    """
    return max(1, math.ceil(seconds * 1000))
