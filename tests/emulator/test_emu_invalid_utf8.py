"""A request body holding invalid UTF-8 gets the emulator's answer to any non-JSON body.

msgspec raises ``UnicodeDecodeError`` (not ``msgspec.DecodeError``) for invalid
UTF-8 inside a JSON string or key; the emulator must not answer 500 for it but
exactly what it answers for a body that is not JSON. Real HTTP on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import pytest
from emu_support import Client, Reply

from bitable_async.emulator import Emulator, EmulatorConfig

JSON = {"Content-Type": "application/json; charset=utf-8"}
NOT_JSON = b'{"records": ['
INVALID_UTF8 = [
    b'{"records": [{"fields": {"Name": "bad\x80"}}]}',  # in a string
    b'{"records": [{"fields": {"\xff": "x"}}]}',  # in a key
    b'{"app_id": "cli_\xed\xa0\x80", "app_secret": "s"}',  # an encoded surrogate
]


def _answer(reply: Reply) -> tuple[int, int, str]:
    assert isinstance(reply.body, dict), reply.body
    return reply.status, reply.code, reply.body["msg"]


async def _same_as_not_json(client: Client, method: str, path: str, *, auth: bool = True) -> int:
    expected = await client.call(method, path, data=NOT_JSON, headers=JSON, auth=auth)
    assert expected.status < 500
    for body in INVALID_UTF8:
        got = await client.call(method, path, data=body, headers=JSON, auth=auth)
        assert _answer(got) == _answer(expected), body
    return expected.code


@pytest.mark.asyncio
async def test_token_endpoints_answer_invalid_utf8_as_a_non_json_body(client: Client) -> None:
    for path in (
        "/open-apis/auth/v3/tenant_access_token/internal",
        "/open-apis/auth/v3/app_access_token/internal",
    ):
        assert await _same_as_not_json(client, "POST", path, auth=False) == 10003


@pytest.mark.asyncio
async def test_bitable_endpoints_answer_invalid_utf8_as_a_non_json_body(
    emu: Emulator, client: Client
) -> None:
    for method, path in [
        ("POST", client.records),
        ("POST", f"{client.records}/batch_create"),
        ("POST", f"{client.records}/search"),
        ("POST", f"{client.app}/tables"),
    ]:
        assert await _same_as_not_json(client, method, path) == 1254000, path
    assert emu.stats()["records_stored"].get(emu.table_id, 0) == 0


@pytest.mark.asyncio
async def test_the_per_record_write_gate_reads_invalid_utf8_as_a_non_json_body(
    make_config: Callable[..., EmulatorConfig],
) -> None:
    """With a per-record service time the gate decodes the body first to count its records."""
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    config = make_config(write_service_time_per_record=0.01, sleep=fake_sleep)
    async with Emulator(config) as emu, aiohttp.ClientSession() as session:
        client = Client(emu, session)
        await client.login()
        assert await _same_as_not_json(client, "POST", f"{client.records}/batch_create") == 1254000
        assert slept  # the gate ran (one record counted for an unreadable body)
        assert emu.stats()["records_stored"].get(emu.table_id, 0) == 0
