"""A token cache entry that cannot be decoded is a cache miss, whatever is wrong with it.

msgspec raises ``UnicodeDecodeError`` (not ``msgspec.DecodeError``) for invalid
UTF-8 inside the token string; such an entry must be ignored like any other
corrupt one (a warning naming the key, never the bytes), and a fresh token
fetched and stored over it. Memory and real Redis backends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec
import pytest
from auth_fakes import SECRET, TENANT_PATH, FakeClock, FakeTokenEndpoint

from bitable_async.auth import TenantTokenAuth
from cache_backends import CachedToken, TokenCache, cache_key

CacheFactory = Callable[[], TokenCache]
KEY = cache_key("cli_test", "tenant")
VALID_UNTIL = FakeClock().now + 7200

CORRUPT = {
    "invalid UTF-8": b'{"token":"t-stale\x80","expires_at":%d}' % VALID_UNTIL,
    "encoded surrogate": b'{"token":"t-stale\xed\xa0\x80","expires_at":%d}' % VALID_UNTIL,
    "not JSON": b'{"token":"t-stale","expires_at":',
    "wrong shape": b'{"token":7,"expires_at":"soon"}',
}


def test_cached_token_decode_refuses_invalid_utf8_as_a_decode_error() -> None:
    with pytest.raises(msgspec.DecodeError, match="not valid UTF-8"):
        CachedToken.decode(CORRUPT["invalid UTF-8"])
    with pytest.raises(msgspec.DecodeError):
        CachedToken.decode(CORRUPT["encoded surrogate"])


@pytest.mark.asyncio
@pytest.mark.parametrize("what", sorted(CORRUPT))
async def test_a_corrupt_cached_token_is_a_miss(
    cache_factory: CacheFactory, what: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache = cache_factory()
    await cache.set(KEY, CORRUPT[what], 3600)
    endpoint = FakeTokenEndpoint()
    auth = TenantTokenAuth("cli_test", SECRET, cache=cache, clock=FakeClock())
    auth.bind(endpoint)

    with caplog.at_level(logging.WARNING, logger="bitable_async"):
        assert await auth.get_token() == "t-internal-1"
    assert endpoint.count(TENANT_PATH) == 1
    assert "undecodable token cache entry" in caplog.text
    assert KEY in caplog.text
    assert "t-stale" not in caplog.text

    # the fresh token replaced the corrupt entry, for this provider and any other
    stored = await cache_factory().get(KEY)
    assert stored is not None
    assert CachedToken.decode(stored).token == "t-internal-1"
    other = TenantTokenAuth("cli_test", SECRET, cache=cache_factory(), clock=FakeClock())
    other.bind(endpoint)
    assert await other.get_token() == "t-internal-1"
    assert endpoint.count(TENANT_PATH) == 1
