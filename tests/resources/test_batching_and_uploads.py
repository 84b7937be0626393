"""Chunking rules, per-chunk client tokens, the schema cache, and the chunked upload flow."""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Callable, Sequence
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
import pytest

from bitable_async.batching import (
    BatchError,
    ChunkSpan,
    check_chunk_size,
    chunked,
    run_chunks,
)
from bitable_async.client import BitableClient
from bitable_async.errors import FieldValueError, InternalServerError, LimitExceededError
from bitable_async.resources import attachments as attachments_mod
from bitable_async.resources.attachments import encode_multipart
from bitable_async.resources.record_io import chunk_token
from bitable_async.values.types import Attachment

from ._spec import example_response
from .conftest import FakeServer, Sent, ok

APP = "bascnApp"
TABLE = "tblTable"


def test_chunked_spans_cover_the_input_once() -> None:
    chunks = chunked(list(range(1201)), 500)
    assert [(s.index, s.start, s.stop) for s, _ in chunks] == [
        (0, 0, 500),
        (1, 500, 1000),
        (2, 1000, 1201),
    ]
    assert [len(c) for _, c in chunks] == [500, 500, 201]
    assert chunked([], 500) == []


def test_chunk_size_is_validated() -> None:
    assert check_chunk_size(500, 1000) == 500
    for bad in (0, -1, 1001, True, 2.5):
        with pytest.raises(ValueError, match="chunk_size"):
            check_chunk_size(bad, 1000)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_run_chunks_stops_at_the_first_failure() -> None:
    sent: list[ChunkSpan] = []

    async def send(span: ChunkSpan, chunk: Sequence[int]) -> list[int]:
        sent.append(span)
        if span.index == 1:
            raise InternalServerError("internal", code=1255001)
        return [x * 2 for x in chunk]

    with pytest.raises(BatchError) as caught:
        await run_chunks(list(range(10)), 3, send)
    err = caught.value
    assert [s.index for s in sent] == [0, 1]
    assert err.committed[0].result == [0, 2, 4]
    assert err.failed.span == ChunkSpan(1, 3, 6)
    assert err.outcome_unknown  # a 1255001 may have been applied
    assert "may have been applied" in str(err)
    assert [(s.start, s.stop) for s in err.not_sent] == [(6, 9), (9, 10)]
    assert err.total == 10
    assert isinstance(err.__cause__, InternalServerError)


@pytest.mark.asyncio
async def test_non_api_errors_propagate_unwrapped() -> None:
    async def send(span: ChunkSpan, chunk: Sequence[int]) -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        await run_chunks([1, 2], 1, send)


def test_chunk_tokens_are_uuids_derived_from_the_callers_token() -> None:
    base = str(uuid.uuid4())
    assert chunk_token(base, 0) == base
    derived = [chunk_token(base, i) for i in range(1, 4)]
    assert len(set(derived)) == 3
    assert all(uuid.UUID(t) for t in derived)
    # Deterministic: repeating the whole batch replays the same keys.
    assert derived == [chunk_token(base, i) for i in range(1, 4)]
    fresh = {chunk_token(None, 0) for _ in range(3)}
    assert len(fresh) == 3


FIELDS = example_response("app_table_field.list")


def _records_server(serve: Callable[..., FakeServer], fail_chunk: int | None = None) -> FakeServer:
    state = {"batch": 0}

    def respond(sent: Sent) -> Any:
        if sent.method == "GET" and sent.path.endswith("/fields"):
            return FIELDS
        if sent.path.endswith("/batch_create"):
            index = state["batch"]
            state["batch"] += 1
            if index == fail_chunk:
                return {"code": 1254104, "msg": "RecordAddOnceExceedLimit", "data": {}}
            rows = sent.json()["records"]
            return ok(
                {"records": [{"record_id": f"rec{index}_{i}", **r} for i, r in enumerate(rows)]}
            )
        raise AssertionError(f"unexpected {sent.method} {sent.path}")

    return serve(respond)


@pytest.mark.asyncio
async def test_batch_create_sends_one_token_per_chunk(client: BitableClient, serve: Any) -> None:
    server = _records_server(serve)
    token = str(uuid.uuid4())
    rows = ({"多行文本": f"r{i}"} for i in range(1001))  # a generator: any iterable
    created = await client.table(APP, TABLE).records.batch_create(rows, client_token=token)
    assert len(created) == 1001
    assert created[1000].record_id == "rec2_0"
    calls = [s for s in server.sent if s.path.endswith("/batch_create")]
    assert [len(s.json()["records"]) for s in calls] == [500, 500, 1]
    tokens = [s.query_dict["client_token"] for s in calls]
    assert tokens[0] == token
    assert len(set(tokens)) == 3
    # The schema was fetched once for the whole batch.
    assert sum(1 for s in server.sent if s.path.endswith("/fields")) == 1


@pytest.mark.asyncio
async def test_invalid_rows_are_reported_before_anything_is_sent(
    client: BitableClient, serve: Any
) -> None:
    server = _records_server(serve)
    rows: list[dict[str, Any]] = [{"多行文本": f"r{i}"} for i in range(800)]
    rows[650] = {"数字": "NaN please"}
    rows[700] = {"no such field": 1}
    with pytest.raises(FieldValueError) as caught:
        await client.table(APP, TABLE).records.batch_create(rows)
    assert caught.value.record_index == 650
    assert not [s for s in server.sent if s.path.endswith("/batch_create")]


@pytest.mark.asyncio
async def test_server_rejection_of_a_later_chunk(client: BitableClient, serve: Any) -> None:
    _records_server(serve, fail_chunk=1)
    with pytest.raises(BatchError) as caught:
        await client.table(APP, TABLE).records.batch_create(
            [{"多行文本": "x"}] * 1200, chunk_size=400
        )
    err = caught.value
    assert isinstance(err.failed.error, LimitExceededError)
    assert err.code == 1254104
    assert [len(c.result) for c in err.committed] == [400]
    assert [(s.start, s.stop) for s in err.not_sent] == [(800, 1200)]


@pytest.mark.asyncio
async def test_schema_is_fetched_once_and_refreshed_on_demand(
    client: BitableClient, serve: Any
) -> None:
    server = serve(lambda sent: FIELDS)
    table = client.table(APP, TABLE)
    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(table.records.codec)
    assert len(server.sent) == 1  # concurrent first users share one fetch
    codec = await table.refresh_schema()
    assert len(server.sent) == 2
    assert "数字" in codec.field_names
    # A field write through the handle drops the cache.
    await table.fields.delete("fldjX7dUj5")
    await table.records.codec()
    assert [s.method for s in server.sent] == ["GET", "GET", "DELETE", "GET"]


def _parts(body: bytes, content_type: str) -> dict[str, bytes]:
    msg = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    return {
        part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
        for part in msg.iter_parts()
    }


def test_multipart_encoding_round_trips() -> None:
    body, ctype = encode_multipart(
        [("file_name", "a.txt"), ("size", "3")], file_name='we"ird.txt', data=b"abc"
    )
    parts = _parts(body, ctype)
    assert parts == {"file_name": b"a.txt", "size": b"3", "file": b"abc"}


@pytest.mark.asyncio
async def test_upload_all_for_small_files(client: BitableClient, serve: Any) -> None:
    server = serve(lambda sent: ok({"file_token": "boxSmall"}))
    att = await client.app(APP).attachments.upload(b"hello", file_name="h.txt")
    assert att.file_token == "boxSmall"
    (sent,) = server.sent
    assert sent.path == "/open-apis/drive/v1/medias/upload_all"
    parts = _parts(sent.body or b"", sent.headers["Content-Type"])
    assert parts["file_name"] == b"h.txt"
    assert parts["parent_type"] == b"bitable_file"
    assert parts["parent_node"] == APP.encode()
    assert parts["size"] == b"5"
    assert parts["checksum"] == str(zlib.adler32(b"hello")).encode()
    assert parts["file"] == b"hello"


@pytest.mark.asyncio
async def test_chunked_upload_above_the_limit(
    client: BitableClient, serve: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachments_mod, "MAX_UPLOAD_ALL", 10)  # stand-in for 20 MB
    data = bytes(range(256)) * 3  # 768 bytes -> blocks of 300, 300, 168
    path = tmp_path / "big.bin"
    path.write_bytes(data)

    def respond(sent: Sent) -> Any:
        if sent.path.endswith("/upload_prepare"):
            return ok({"upload_id": "up1", "block_size": 300, "block_num": 3})
        if sent.path.endswith("/upload_part"):
            return ok()
        if sent.path.endswith("/upload_finish"):
            return ok({"file_token": "boxBig"})
        raise AssertionError(sent.path)

    server = serve(respond)
    att = await client.app(APP).attachments.upload(path, parent_type="bitable_image")
    assert att.file_token == "boxBig"
    assert att.size == 768
    assert [s.path.rsplit("/", 1)[1] for s in server.sent] == [
        "upload_prepare",
        "upload_part",
        "upload_part",
        "upload_part",
        "upload_finish",
    ]
    prepare = server.sent[0].json()
    assert prepare == {
        "file_name": "big.bin",
        "parent_type": "bitable_image",
        "parent_node": APP,
        "size": 768,
    }
    parts = [_parts(s.body or b"", s.headers["Content-Type"]) for s in server.sent[1:4]]
    assert [p["seq"] for p in parts] == [b"0", b"1", b"2"]
    assert b"".join(p["file"] for p in parts) == data
    assert all(p["upload_id"] == b"up1" for p in parts)
    assert server.sent[4].json() == {"upload_id": "up1", "block_num": 3}


@pytest.mark.asyncio
async def test_download_passes_the_cells_extra(client: BitableClient, serve: Any) -> None:
    server = serve(lambda sent: b"\x00binary")
    extra = json.dumps({"bitablePerm": {"tableId": "tbl1", "rev": 9}})
    att = Attachment(
        file_token="boxTok",
        url=f"https://open.feishu.cn/open-apis/drive/v1/medias/boxTok/download?extra={quote(extra)}",
    )
    assert await client.app(APP).attachments.download(att) == b"\x00binary"
    (sent,) = server.sent
    assert sent.method == "GET"
    assert sent.path == "/open-apis/drive/v1/medias/boxTok/download"
    assert sent.query_dict == {"extra": extra}
