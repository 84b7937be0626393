"""The cheap write path keeps the emulator's behaviour: IDs, bodies, replays, commit turns."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable

import aiohttp
import pytest
from emu_support import Client

from bitable_async.emulator import Emulator, EmulatorConfig
from bitable_async.emulator.gate import TableGates
from bitable_async.emulator.model import _ALPHABET, IdFactory


@pytest.mark.parametrize("seed", [0, 7, 20240101])
def test_ids_are_the_random_choice_sequence_of_the_seed(seed: int) -> None:
    # The IDs of a seed are those random.choice(alphabet) would draw, in order,
    # so a seeded emulator hands out the same IDs as before the faster draw.
    ids = IdFactory(seed)
    rng = random.Random(seed)
    for n in range(3000):
        prefix, length = [("rec", 10), ("fld", 7), ("tbl", 13), ("bas", 24)][n % 4]
        expected = prefix + "".join(rng.choice(_ALPHABET) for _ in range(length))
        assert ids.new(prefix, length) == expected


def test_ids_skip_ones_already_reserved() -> None:
    first = IdFactory(3).new("rec", 10)
    second = IdFactory(3)
    second.reserve(first)
    assert second.new("rec", 10) not in (first, "")


@pytest.mark.asyncio
async def test_replay_with_the_same_json_differently_spaced(client: Client, emu: Emulator) -> None:
    token = str(uuid.uuid4())
    url = f"{client.emu.base_url}{client.records}/batch_create?client_token={token}"
    headers = {"Authorization": f"Bearer {client.token}", "Content-Type": "application/json"}
    compact = b'{"records":[{"fields":{"Name":"a"}},{"fields":{"Name":"b"}}]}'
    spaced = b'{ "records": [ {"fields": {"Name": "a"}},\n {"fields": {"Name": "b"}} ] }'
    async with aiohttp.ClientSession() as s:
        async with s.post(url, data=compact, headers=headers) as r:
            first = await r.read()
        async with s.post(url, data=spaced, headers=headers) as r:
            again = await r.read()
        async with s.post(url, data=compact.replace(b'"b"', b'"c"'), headers=headers) as r:
            changed = await r.json()
    assert again == first  # the stored answer, byte for byte
    assert changed["code"] == 1255006
    assert emu.stats()["records_stored"][emu.table_id] == 2
    assert emu.stats()["tables"][emu.table_id]["writes_committed"] == 1


@pytest.mark.asyncio
async def test_per_record_service_time_with_bad_json_and_bad_values(
        make_config: Callable[..., EmulatorConfig]) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    config = make_config(write_service_time_per_record=0.01, sleep=fake_sleep)
    async with Emulator(config) as emu, aiohttp.ClientSession() as s:
        c = Client(emu, s)
        await c.login()
        url = f"{c.records}/batch_create"
        bad_json = await c.call("POST", url, data=b'{"records": [',
                                headers={"Content-Type": "application/json"})
        assert bad_json.code == 1254000
        bad_value = await c.call("POST", url, json={"records": [{"fields": {"Name": "a"}},
                                                               {"fields": {"Name": 5}}]})
        assert bad_value.code == 1254060
        assert "records[1]" in bad_value.body["msg"]
        ok = await c.call("POST", url, json={"records": [{"fields": {"Name": str(i)}}
                                                        for i in range(3)]})
        assert ok.code == 0
        assert [r["fields"] for r in ok.data["records"]] == [{"Name": "0"}, {"Name": "1"},
                                                             {"Name": "2"}]
        assert slept == [pytest.approx(0.01), pytest.approx(0.02), pytest.approx(0.03)]
        assert emu.stats()["records_stored"][emu.table_id] == 3


@pytest.mark.asyncio
async def test_commits_take_turns_with_the_event_loop() -> None:
    # Two commits ready together: something the loop schedules during the first
    # (as reading a new request would be) runs before the second commit.
    gates = TableGates()
    order: list[str] = []
    loop = asyncio.get_running_loop()

    async def commit(name: str) -> None:
        async with gates.commit_turn():
            order.append(name)
            loop.call_soon(order.append, f"after {name}")

    await asyncio.gather(commit("a"), commit("b"))
    assert order.index("after a") < order.index("b")
    assert order[0] == "a"
