"""Every write goes through the writer: each write method, the escape hatch, and what must not.

Two independent proofs per write method:

* a spy on the writer registry's seam (``WriteLane.submit``, where both the
  coalesced record writes and every other write enter a serial lane) records
  which lane each call entered;
* the fake server records, for each request, the lane whose turn the request
  was sent in (``current_lane_key()`` read in the sending task) -- so a write
  that entered the lane but sent its request elsewhere would fail too.

The write cases are the request-shape cases of every non-GET endpoint that
writes (generated from the spec, so none is forgotten) plus the coalesced
single-record forms.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import pytest

from bitable_async.client import BitableClient
from bitable_async.config import ClientConfig, RateLimitConfig, RetryConfig
from bitable_async.writer import WriterConfig
from bitable_async.writing.lane import Op, WriteLane, current_lane_key

from ._spec import all_endpoints, example_response
from .conftest import BASE, FakeServer, Sent, StaticAuth, ok
from .test_request_shapes import APP, CASES, RECORD, RECORD_ROW, RECORD_ROW_WIRE, TABLE, Call

APAAS_LANE = "package_test__c:_user"
TABLE_LANE = f"{APP}:{TABLE}"
# Non-GET endpoints that only read.
POST_READS = {
    "app_table_record.search",
    "app_table_record.batch_get",
    "apaas.application_object_record.batch_query",
}


@dataclass(frozen=True)
class WriteCase:
    call: Call
    lane: str
    response: Any = None


def _lane_of(name: str) -> str:
    if name.startswith("apaas."):
        return APAAS_LANE
    path = all_endpoints()[name].path
    # Table renames and deletes take the table's turn too.
    return TABLE_LANE if "{table_id}" in path else APP


WRITE_CASES: dict[str, WriteCase] = {
    name: WriteCase(case.call, _lane_of(name), case.response)
    for name, case in CASES.items()
    if all_endpoints()[name].method != "GET" and name not in POST_READS
}
# The coalesced forms of the single-record writes (the default of create/update/delete).
WRITE_CASES |= {
    "records.create (coalesced)": WriteCase(
        lambda c: c.table(APP, TABLE).records.create(RECORD_ROW),
        TABLE_LANE,
        ok({"records": [{"record_id": "recNew0001", "fields": RECORD_ROW_WIRE}]}),
    ),
    "records.update (coalesced)": WriteCase(
        lambda c: c.table(APP, TABLE).records.update(RECORD, RECORD_ROW),
        TABLE_LANE,
        ok({"records": [{"record_id": RECORD, "fields": RECORD_ROW_WIRE}]}),
    ),
    "records.delete (coalesced)": WriteCase(
        lambda c: c.table(APP, TABLE).records.delete(RECORD),
        TABLE_LANE,
        ok({"records": [{"record_id": RECORD, "deleted": True}]}),
    ),
}


@dataclass
class Seen:
    """A request the fake server got, with the lane whose turn it was sent in."""

    sent: Sent
    lane: str | None


@pytest.fixture
def entered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Spy on the registry's seam: the key of the lane every write op entered."""
    keys: list[str] = []
    real = WriteLane.submit

    def spy(self: WriteLane, op: Op) -> None:
        keys.append(self.key)
        real(self, op)

    monkeypatch.setattr(WriteLane, "submit", spy)
    return keys


def _server(serve: Any, answer: Callable[[Sent], Any]) -> tuple[FakeServer, list[Seen]]:
    seen: list[Seen] = []

    def respond(sent: Sent) -> Any:
        seen.append(Seen(sent, current_lane_key()))
        return answer(sent)

    return serve(respond), seen


async def _let_run() -> None:
    # Give every ready task many turns (no real time passes).
    for _ in range(50):
        await asyncio.sleep(0)


def _answer(name: str, case: WriteCase) -> Callable[[Sent], Any]:
    schema = example_response("app_table_field.list")
    spec_name = name if name in CASES else None
    answer = case.response
    if answer is None:
        answer = (example_response(spec_name) if spec_name else None) or ok()

    def respond(sent: Sent) -> Any:
        if sent.method == "GET" and sent.path.endswith(f"/tables/{TABLE}/fields"):
            return schema  # the record codec's schema fetch: a read
        return answer

    return respond


def test_the_cases_cover_every_write_endpoint_of_the_spec() -> None:
    writes = {n for n, s in all_endpoints().items() if s.method != "GET"} - POST_READS
    assert writes <= set(WRITE_CASES)
    assert len(WRITE_CASES) == len(writes) + 3  # + the three coalesced forms


@pytest.mark.asyncio
@pytest.mark.parametrize("name", sorted(WRITE_CASES))
async def test_every_write_method_goes_through_the_writer(
    name: str, client: BitableClient, serve: Any, entered: list[str]
) -> None:
    case = WRITE_CASES[name]
    _, seen = _server(serve, _answer(name, case))

    await case.call(client)

    writes = [s for s in seen if s.sent.method != "GET"]
    assert len(writes) == 1, seen
    assert writes[0].lane == case.lane, f"{name}: sent outside its turn: {writes[0]}"
    assert entered == [case.lane], f"{name}: entered lanes {entered}"
    reads = [s for s in seen if s.sent.method == "GET"]
    assert all(r.lane is None for r in reads)  # reads never take a write turn


@pytest.mark.asyncio
async def test_table_rename_and_delete_use_the_app_lane_under_app_granularity(
    serve: Any, entered: list[str]
) -> None:
    config = ClientConfig(
        base_url=BASE, retry=RetryConfig(enabled=False), rate_limit=RateLimitConfig(enabled=False)
    )
    _, seen = _server(serve, lambda sent: ok({"name": "renamed"}))
    async with BitableClient(
        auth=StaticAuth(), config=config, writer_config=WriterConfig(granularity="app")
    ) as client:
        await client.app(APP).tables.update(TABLE, name="renamed")
        await client.app(APP).tables.delete(TABLE)
        await client.table(APP, TABLE).records.batch_delete([RECORD])
    assert entered == [APP, APP, APP]
    assert [s.lane for s in seen] == [APP, APP, APP]


@asynccontextmanager
async def busy_lane(client: BitableClient, table_id: str | None) -> AsyncIterator[list[str]]:
    """Hold a write turn of APP (table or app lane) for the body of the block.

    Yields the log the blocking write appends to when it ends; the turn is
    released when the block exits, however it exits.
    """
    release = asyncio.Event()
    started = asyncio.Event()
    log: list[str] = []

    async def blocking_write() -> None:
        started.set()
        await release.wait()
        log.append("blocking write done")

    task = asyncio.ensure_future(client.writers.run(APP, table_id, blocking_write))
    try:
        await started.wait()
        yield log
    finally:
        release.set()
        await task


@pytest.mark.asyncio
async def test_table_rename_waits_for_the_tables_record_write(
    client: BitableClient, serve: Any
) -> None:
    _, seen = _server(serve, lambda sent: ok({"name": "renamed"}))
    async with busy_lane(client, TABLE) as log:
        rename = asyncio.ensure_future(client.app(APP).tables.update(TABLE, name="renamed"))
        await _let_run()
        assert seen == []  # the rename waits for the table's write in flight
    assert await rename == "renamed"
    assert log == ["blocking write done"]
    assert [s.lane for s in seen] == [TABLE_LANE]


# -- the escape hatch ----------------------------------------------------------

ESCAPE_CASES = [
    ("POST", f"/open-apis/bitable/v1/apps/{APP}/tables/{TABLE}/records", TABLE_LANE),
    ("PATCH", f"/open-apis/bitable/v1/apps/{APP}/tables/{TABLE}", TABLE_LANE),
    ("DELETE", f"/bitable/v1/apps/{APP}/tables/{TABLE}/fields/fldX", TABLE_LANE),
    ("POST", f"/open-apis/bitable/v1/apps/{APP}/tables/batch_delete", APP),
    ("PUT", f"/open-apis/bitable/v1/apps/{APP}", APP),
    ("POST", f"/open-apis/bitable/v1/apps/{APP}/roles", APP),
    ("GET", f"/open-apis/bitable/v1/apps/{APP}/tables/{TABLE}/records", None),
    ("POST", f"/open-apis/bitable/v1/apps/{APP}/tables/{TABLE}/records/search", None),
    ("POST", f"/open-apis/bitable/v1/apps/{APP}/tables/{TABLE}/records/batch_get", None),
    ("POST", "/open-apis/drive/v1/medias/upload_all", None),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("method", "path", "lane"), ESCAPE_CASES)
async def test_client_request_writes_take_their_turn(
    method: str, path: str, lane: str | None, client: BitableClient, serve: Any, entered: list[str]
) -> None:
    _, seen = _server(serve, lambda sent: ok())
    await client.request(method, path, body={} if method != "GET" else None)
    assert [s.lane for s in seen] == [lane]
    assert entered == ([] if lane is None else [lane])


@pytest.mark.asyncio
async def test_client_request_write_queues_behind_the_tables_writes(
    client: BitableClient, serve: Any
) -> None:
    _, seen = _server(serve, lambda sent: ok())
    path = f"/open-apis/bitable/v1/apps/{APP}/tables/{TABLE}/records/batch_delete"
    async with busy_lane(client, TABLE):
        sent = asyncio.ensure_future(client.request("POST", path, body={"records": [RECORD]}))
        await _let_run()
        assert seen == []
    await sent
    assert [s.lane for s in seen] == [TABLE_LANE]


# -- what must NOT take a write turn: Drive uploads ------------------------------


@pytest.mark.asyncio
async def test_attachment_upload_does_not_wait_for_the_app_write_lane(
    client: BitableClient, serve: Any, entered: list[str]
) -> None:
    _, seen = _server(serve, lambda sent: ok({"file_token": "boxFile0001"}))
    async with busy_lane(client, None) as log:
        # The app's lane is busy; an upload that took it would never finish.
        with anyio.fail_after(10):
            attachment = await client.app(APP).attachments.upload(b"hello", file_name="a.txt")
        assert log == []  # uploaded while the app's write was still in flight
    assert attachment.file_token == "boxFile0001"
    assert [(s.sent.path, s.lane) for s in seen] == [
        ("/open-apis/drive/v1/medias/upload_all", None)
    ]
    assert entered == [APP]  # only the blocking app write itself


@pytest.mark.asyncio
async def test_chunked_upload_is_sent_outside_any_write_turn(
    client: BitableClient, serve: Any, entered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bitable_async.resources.attachments as attachments

    monkeypatch.setattr(attachments, "MAX_UPLOAD_ALL", 4)

    def answer(sent: Sent) -> Any:
        if sent.path.endswith("/upload_prepare"):
            return ok({"upload_id": "up1", "block_size": 4, "block_num": 2})
        if sent.path.endswith("/upload_finish"):
            return ok({"file_token": "boxFile0002"})
        return ok()

    _, seen = _server(serve, answer)
    attachment = await client.app(APP).attachments.upload(b"12345678", file_name="b.bin")
    assert attachment.file_token == "boxFile0002"
    assert [s.sent.path.rsplit("/", 1)[1] for s in seen] == [
        "upload_prepare",
        "upload_part",
        "upload_part",
        "upload_finish",
    ]
    assert all(s.lane is None for s in seen)
    assert entered == []
