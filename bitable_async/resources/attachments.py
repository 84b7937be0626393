"""Attachment files: upload for an attachment cell, download an attachment cell's file.

Upload uses Drive media (supplement.md, "Attachments"): ``medias/upload_all``
(multipart) for files up to 20 MB, and above that the chunked
``upload_prepare`` / ``upload_part`` / ``upload_finish`` flow, reading the file
one block at a time. The result is an :class:`~bitable_async.values.types.Attachment`
ready to be written into an attachment cell (``[attachment, ...]``).

Download reads ``GET /open-apis/drive/v1/medias/:file_token/download``, passing
on the ``extra`` parameter (Bitable permission context) of the cell's ``url``.

The multipart body is built here (plain bytes); it travels through the
transport's :meth:`~bitable_async._transport.Transport.request_raw` like every
other request.
"""

from __future__ import annotations

import os
import uuid
import zlib
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlsplit

import anyio
import msgspec

from bitable_async._wire import decode_envelope
from bitable_async.errors import ResponseDecodeError
from bitable_async.resources._base import WRITE, Resource, path_id
from bitable_async.values.types import Attachment

__all__ = ["MAX_UPLOAD_ALL", "AttachmentsResource", "ParentType", "encode_multipart"]

MAX_UPLOAD_ALL = 20 * 1024 * 1024
"""Largest file sent with one ``upload_all`` call; larger files use the chunked flow."""

ParentType = Literal["bitable_file", "bitable_image"]
"""Where Drive mounts the file: a Bitable file or a Bitable image."""

_MEDIAS = "/open-apis/drive/v1/medias"


class _TokenData(msgspec.Struct):
    file_token: str = ""


class _PrepareData(msgspec.Struct):
    upload_id: str = ""
    block_size: int = 0
    block_num: int = 0


def _quote_param(value: str) -> str:
    # RFC 7578: quoted-string; escape the characters that would end it.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode_multipart(
    fields: Sequence[tuple[str, str]],
    *,
    file_name: str,
    data: bytes | memoryview,
    file_field: str = "file",
    file_type: str = "application/octet-stream",
) -> tuple[bytes, str]:
    """Encode a ``multipart/form-data`` body with text fields and one file.

    Args:
        fields: ``(name, value)`` text fields, in order.
        file_name: the file part's file name.
        data: the file part's bytes.
        file_field: the file part's name.
        file_type: the file part's content type.

    Returns:
        The body and its ``Content-Type`` header value.
    """
    boundary = f"bitable-async-{uuid.uuid4().hex}"
    out = bytearray()
    for name, value in fields:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote_param(name)}"'
            f"\r\n\r\n{value}\r\n"
        ).encode()
    out += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote_param(file_field)}"; '
        f'filename="{_quote_param(file_name)}"\r\nContent-Type: {file_type}\r\n\r\n'
    ).encode()
    out += data
    out += f"\r\n--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _checksum(data: bytes | memoryview) -> str:
    return str(zlib.adler32(data))


class AttachmentsResource(Resource):
    """Upload and download attachment files of one Bitable (``client.app(token).attachments``)."""

    async def upload(
        self,
        source: bytes | str | os.PathLike[str],
        *,
        file_name: str | None = None,
        parent_type: ParentType = "bitable_file",
        content_type: str = "application/octet-stream",
        extra: str | None = None,
    ) -> Attachment:
        """Upload a file and return the value to write into an attachment cell.

        API: ``POST /open-apis/drive/v1/medias/upload_all`` for up to 20 MB,
        otherwise ``upload_prepare`` / ``upload_part`` / ``upload_finish``
        (supplement.md). The file is mounted under this Bitable.

        Args:
            source: the file's bytes, or a path to read (read block by block).
            file_name: the name shown in the cell (default: the path's name).
            parent_type: ``bitable_file`` (default) or ``bitable_image``.
            content_type: the file part's MIME type.
            extra: the optional ``extra`` form field (JSON permission context).

        Returns:
            An :class:`Attachment` with the new ``file_token``; write
            ``[attachment]`` into the cell.

        Raises:
            ValueError: no file name, or an empty file.
            OSError: the path cannot be read.
            BitableError: an upload call failed.
        """
        if isinstance(source, bytes):
            name = file_name
            size = len(source)
        else:
            name = file_name or Path(source).name
            size = (await anyio.Path(source).stat()).st_size
        if not name:
            raise ValueError("upload needs a file_name when given bytes")
        if size == 0:
            raise ValueError(f"cannot upload the empty file {name!r}")
        if size <= MAX_UPLOAD_ALL:
            if isinstance(source, bytes):
                data = source
            else:
                data = await anyio.Path(source).read_bytes()
            token = await self._upload_all(name, data, parent_type, content_type, extra)
        else:
            token = await self._upload_chunked(name, source, size, parent_type, content_type, extra)
        return Attachment(file_token=token, name=name, size=size, type=content_type)

    async def _upload_all(
        self, name: str, data: bytes, parent_type: str, content_type: str, extra: str | None
    ) -> str:
        fields = [
            ("file_name", name),
            ("parent_type", parent_type),
            ("parent_node", self.app_token),
            ("size", str(len(data))),
            ("checksum", _checksum(data)),
        ]
        if extra is not None:
            fields.append(("extra", extra))
        payload, ctype = encode_multipart(fields, file_name=name, data=data, file_type=content_type)
        path = f"{_MEDIAS}/upload_all"
        # Not through the write seam: a Drive upload writes no Bitable table,
        # so it must not hold (or wait for) the app's write lane.
        raw = await self._ctx.transport.request_raw(
            "POST",
            path,
            body=payload,
            content_type=ctype,
            tenant_key=self._ctx.tenant_key,
            user_access_token=self._ctx.user_access_token,
            endpoint_class=WRITE,
        )
        decoded = decode_envelope(raw, _TokenData, "POST", path, require_data=True).data
        return self._token(decoded, path)

    def _token(self, data: _TokenData | None, path: str) -> str:
        if data is None or not data.file_token:
            raise ResponseDecodeError("upload response has no file_token", method="POST", path=path)
        return data.file_token

    async def _upload_chunked(
        self,
        name: str,
        source: bytes | str | os.PathLike[str],
        size: int,
        parent_type: str,
        content_type: str,
        extra: str | None,
    ) -> str:
        prepare = {
            "file_name": name,
            "parent_type": parent_type,
            "parent_node": self.app_token,
            "size": size,
        }
        if extra is not None:
            prepare["extra"] = extra

        # Outside the write seam, like upload_all: Drive, not a Bitable table.
        plan = await self._call(
            "POST",
            f"{_MEDIAS}/upload_prepare",
            _PrepareData,
            json=prepare,
            endpoint_class=WRITE,
        )
        if not plan.upload_id or plan.block_size <= 0:
            raise ResponseDecodeError(
                "upload_prepare returned no upload_id / block_size",
                method="POST",
                path=f"{_MEDIAS}/upload_prepare",
            )
        seq = 0
        async with aclosing(_blocks(source, plan.block_size)) as blocks:
            async for block in blocks:
                await self._upload_part(plan.upload_id, seq, block, name, content_type)
                seq += 1
        data = await self._call(
            "POST",
            f"{_MEDIAS}/upload_finish",
            _TokenData,
            json={"upload_id": plan.upload_id, "block_num": seq},
            endpoint_class=WRITE,
        )
        return self._token(data, f"{_MEDIAS}/upload_finish")

    async def _upload_part(
        self, upload_id: str, seq: int, block: bytes, name: str, content_type: str
    ) -> None:
        fields = [
            ("upload_id", upload_id),
            ("seq", str(seq)),
            ("size", str(len(block))),
            ("checksum", _checksum(block)),
        ]
        payload, ctype = encode_multipart(
            fields, file_name=name, data=block, file_type=content_type
        )
        await self._ctx.transport.request_raw(
            "POST",
            f"{_MEDIAS}/upload_part",
            body=payload,
            content_type=ctype,
            tenant_key=self._ctx.tenant_key,
            user_access_token=self._ctx.user_access_token,
            # Re-sending the same part of the same upload is harmless.
            retry_unknown_outcome=True,
            endpoint_class=WRITE,
        )

    async def download(self, attachment: Attachment | str) -> bytes:
        """Download the file of an attachment cell.

        API: ``GET /open-apis/drive/v1/medias/:file_token/download`` (supplement.md);
        the ``extra`` parameter of the cell's ``url`` is passed on.

        Args:
            attachment: an attachment value read from a cell, or a file token.

        Returns:
            The file's bytes.

        Raises:
            ValueError: no file token.
            BitableError: the download failed.
        """
        if isinstance(attachment, Attachment):
            token, url = attachment.file_token, attachment.url
        else:
            token, url = attachment, None
        path = f"{_MEDIAS}/{path_id('file_token', token)}/download"
        params: dict[str, str] = {}
        if url:
            extra = parse_qs(urlsplit(url).query).get("extra")
            if extra:
                params["extra"] = extra[0]
        raw = await self._ctx.transport.request_raw(
            "GET",
            path,
            query=params or None,
            tenant_key=self._ctx.tenant_key,
            user_access_token=self._ctx.user_access_token,
            endpoint_class="read",
        )
        return raw.body


async def _blocks(
    source: bytes | str | os.PathLike[str], block_size: int
) -> AsyncGenerator[bytes, None]:
    """Yield the file's blocks, holding one block at a time."""
    if isinstance(source, bytes):
        view = memoryview(source)
        for start in range(0, len(view), block_size):
            yield bytes(view[start : start + block_size])
        return
    async with await anyio.open_file(Path(source), "rb") as fh:
        while True:
            block = await fh.read(block_size)
            if not block:
                return
            yield block
