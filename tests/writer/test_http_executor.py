"""TransportExecutor.batch_create encodes a batch once and reuses it on retries."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from bitable_async.writing.http import TransportExecutor


class _Resp:
    def __init__(self, data: Any) -> None:
        self.data = data


class _FakeTransport:
    """Records the bodies sent; fails the first ``fail`` calls."""

    def __init__(self, fail: int = 0) -> None:
        self.bodies: list[Any] = []
        self.fail = fail

    async def request(self, method: str, path: str, **kw: Any) -> _Resp:
        self.bodies.append(kw["body"])
        if len(self.bodies) <= self.fail:
            raise TimeoutError("lost")
        n = len(msgspec.json.decode(kw["body"])["records"])
        return _Resp({"records": [{"record_id": f"rec{i}"} for i in range(n)]})


@pytest.mark.asyncio
async def test_retry_of_the_same_batch_sends_the_first_encoding() -> None:
    t = _FakeTransport(fail=1)
    ex = TransportExecutor(t, "bascn1", "tbl1")  # type: ignore[arg-type]
    records = [{"Name": "a", "N": 1}, {"Name": "b", "N": 2}]
    with pytest.raises(TimeoutError):
        await ex.batch_create(records, client_token="tok-1")
    out = await ex.batch_create(records, client_token="tok-1")
    assert [r["record_id"] for r in out] == ["rec0", "rec1"]
    assert t.bodies[1] is t.bodies[0]
    assert msgspec.json.decode(t.bodies[0]) == {
        "records": [{"fields": {"Name": "a", "N": 1}}, {"fields": {"Name": "b", "N": 2}}]
    }


@pytest.mark.asyncio
async def test_new_token_or_new_records_are_encoded_afresh() -> None:
    t = _FakeTransport(fail=2)
    ex = TransportExecutor(t, "bascn1", "tbl1")  # type: ignore[arg-type]
    records = [{"Name": "a"}]
    for token in ("tok-1", "tok-2"):
        with pytest.raises(TimeoutError):
            await ex.batch_create(records, client_token=token)
    await ex.batch_create([{"Name": "b"}], client_token="tok-2")
    assert t.bodies[1] is not t.bodies[0]
    assert t.bodies[1] == t.bodies[0]
    assert msgspec.json.decode(t.bodies[2]) == {"records": [{"fields": {"Name": "b"}}]}
