"""records.batch_create (the chunked path outside the writer) when responses are lost.

The emulator commits a ``batch_create`` and then drops the connection without
answering (``FaultConfig.p_drop_after_commit``). The SDK must retry the chunk
with the SAME ``client_token`` so the emulator replays its stored answer
instead of writing the rows a second time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from emulated_support import client_on

from bitable_async._wire import RawResponse
from bitable_async.config import ClientConfig, RateLimitConfig, RetryConfig
from bitable_async.emulator import Emulator, EmulatorConfig, demo_seed
from bitable_async.emulator.config import FaultConfig

BATCH_CREATE = "app_table_record.batch_create"


async def _no_sleep(_: float) -> None:
    return None


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    faults = FaultConfig(seed=7, p_drop_after_commit=0.5, endpoints=(BATCH_CREATE,))
    config = EmulatorConfig(seed_apps=[demo_seed()], rate_limits_enabled=False, faults=faults)
    async with Emulator(config) as running:
        yield running


@pytest.mark.asyncio
async def test_dropped_batch_create_answers_are_retried_with_the_same_token_and_no_duplicate(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = ClientConfig(
        rate_limit=RateLimitConfig(enabled=False),
        retry=RetryConfig(max_attempts=12, base=0.001, cap=0.001),
    )
    async with client_on(emu, config=config, sleep=_no_sleep) as bc:
        # A request hook: the client_token of every batch_create attempt on the wire.
        tokens: list[str] = []
        send = bc.transport._send

        async def spy(
            method: str, path: str, params: list[tuple[str, str]], *args: Any
        ) -> RawResponse:
            if path.endswith("/records/batch_create"):
                tokens.append(dict(params)["client_token"])
            return await send(method, path, params, *args)

        monkeypatch.setattr(bc.transport, "_send", spy)
        t = bc.table(emu.app_token, emu.table_id)
        rows = [{"Name": f"row {i}", "Count": i} for i in range(1200)]

        created = await t.records.batch_create(rows, chunk_size=300)

        stored = [r async for r in t.records.search(page_size=500)]

    drops = [f for f in emu.stats()["faults"] if f[1:] == [BATCH_CREATE, "drop"]]
    assert drops, "the fault knob never fired: the test proves nothing"
    # Every attempt the emulator saw was counted by the hook, and each drop cost one retry.
    requests = emu.stats()["endpoints"][BATCH_CREATE]["requests"]
    assert len(tokens) == requests == 4 + len(drops)
    # One token per chunk; the retries of a chunk repeat its token, back to back.
    per_chunk = [tok for i, tok in enumerate(tokens) if i == 0 or tokens[i - 1] != tok]
    assert len(per_chunk) == len(set(per_chunk)) == 4
    assert max(Counter(tokens).values()) > 1  # at least one chunk was sent again

    # Exactly once: 1,200 rows, no duplicate key, and the ids returned are the rows stored.
    names = [r.fields["Name"] for r in stored]
    assert len(names) == 1200
    assert len(set(names)) == 1200
    assert [r.fields["Name"] for r in created] == [f"row {i}" for i in range(1200)]
    assert {r.record_id for r in created} == {r.record_id for r in stored}
