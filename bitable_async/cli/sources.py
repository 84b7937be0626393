"""Reading import files (CSV, JSONL) in batches, off the event loop, with line numbers.

The file is read in a worker thread a batch at a time, so the event loop never
blocks on disk and memory stays bounded whatever the file's length. Each row
carries the line where it starts; a line that cannot be parsed becomes a row
with an ``error`` instead of being dropped.

Files are UTF-8 (a byte order mark is skipped). Open them with
:func:`open_source` / :func:`stdin_source`: bytes that are not UTF-8 are kept
(as lone surrogates, ``surrogateescape``) instead of failing the read, so the
row holding them is rejected with its line number like any other bad row.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import IO, Any, Literal

import anyio.to_thread
import msgspec

from bitable_async.errors import JSON_DECODE_ERRORS, decode_failure

__all__ = [
    "Format",
    "InputRow",
    "count_rows",
    "format_for",
    "open_source",
    "read_header",
    "read_rows",
    "stdin_source",
]

Format = Literal["csv", "jsonl"]

BATCH = 500
ENCODING = "utf-8-sig"
ENCODING_ERRORS = "surrogateescape"
"""A byte that is not UTF-8 becomes U+DC80..U+DCFF: found again by :func:`_not_utf8`."""

_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def open_source(path: str) -> IO[str]:
    """Open an import file for :func:`read_header` / :func:`read_rows`.

    Args:
        path: the file.

    Returns:
        The file as text (UTF-8, a byte order mark skipped, bytes that are not
        UTF-8 kept for the rows to report, newlines as in the file).

    Raises:
        OSError: the file cannot be opened.
    """
    return open(path, encoding=ENCODING, errors=ENCODING_ERRORS, newline="")


def stdin_source() -> IO[str]:
    """Standard input, set up like :func:`open_source` (call before reading it).

    Returns:
        ``sys.stdin``, whose bytes that are not UTF-8 are kept for the rows to
        report (when it is a text wrapper that can be reconfigured).
    """
    stdin = sys.stdin
    if isinstance(stdin, io.TextIOWrapper):
        stdin.reconfigure(errors=ENCODING_ERRORS)
    return stdin


def _not_utf8(text: str) -> str | None:
    """Describe the first byte of ``text`` that was not UTF-8 (``None``: all were)."""
    found = _ESCAPED_BYTE.search(text)
    if found is None:
        return None
    return f"byte 0x{ord(found.group()) - 0xDC00:02x} at character {found.start() + 1}"


@dataclass(frozen=True)
class InputRow:
    """One input row.

    Attributes:
        line: the line (1-based) where the row starts.
        data: column -> cell, or None when the line could not be parsed.
        error: why the line could not be parsed.
    """

    line: int
    data: dict[str, Any] | None
    error: str | None = None


def format_for(path: str, given: str | None) -> Format:
    """The file format: the one given, else from the extension (``.jsonl``/``.ndjson``), else CSV.

    Args:
        path: the file path (``-`` for a standard stream).
        given: ``--format``.

    Returns:
        ``csv`` or ``jsonl``.
    """
    if given in ("csv", "jsonl"):
        return given  # type: ignore[return-value]
    return "jsonl" if path.lower().endswith((".jsonl", ".ndjson", ".json")) else "csv"


def _bad_cell(header: list[str], cells: list[str]) -> str | None:
    """Why a CSV row must be rejected for bytes that are not UTF-8 (``None``: it need not)."""
    for i, cell in enumerate(cells):
        problem = _not_utf8(cell)
        if problem is not None:
            column = repr(header[i]) if i < len(header) else str(i + 1)
            return f"invalid UTF-8 in column {column} ({problem})"
    return None


class _CsvReader:
    def __init__(self, f: IO[str], delimiter: str) -> None:
        self._reader = csv.reader(f, delimiter=delimiter)
        self.header: list[str] = []
        self._last = 0

    def read_header(self) -> list[str]:
        for cells in self._reader:
            self._last = self._reader.line_num
            if cells:
                problem = _bad_cell([], cells)
                if problem is not None:
                    raise ValueError(f"line {self._last}: the header holds {problem}")
                self.header = [c.strip() for c in cells]
                if self.header and self.header[0].startswith("\ufeff"):
                    self.header[0] = self.header[0][1:]
                return self.header
        return []

    def batch(self) -> list[InputRow]:
        out: list[InputRow] = []
        width = len(self.header)
        for cells in self._reader:
            line = self._last + 1
            self._last = self._reader.line_num
            if not cells:
                continue  # a blank line holds no row
            problem = _bad_cell(self.header, cells)
            if problem is not None:
                out.append(InputRow(line, None, problem))
            elif len(cells) != width:
                out.append(InputRow(line, None, f"{len(cells)} cells where the header has {width}"))
            else:
                out.append(InputRow(line, dict(zip(self.header, cells, strict=True))))
            if len(out) >= BATCH:
                break
        return out


class _JsonlReader:
    def __init__(self, f: IO[str]) -> None:
        self._f = f
        self._line = 0
        self._decoder = msgspec.json.Decoder()

    def batch(self) -> list[InputRow]:
        out: list[InputRow] = []
        for text in self._f:
            self._line += 1
            if not text.strip():
                continue
            out.append(self._row(text))
            if len(out) >= BATCH:
                break
        return out

    def _row(self, text: str) -> InputRow:
        problem = _not_utf8(text)
        if problem is not None:
            return InputRow(self._line, None, f"invalid UTF-8 ({problem})")
        try:
            value = self._decoder.decode(text)
        except JSON_DECODE_ERRORS as exc:
            return InputRow(self._line, None, f"invalid JSON: {decode_failure(exc)}")
        if isinstance(value, dict):
            return InputRow(self._line, value)
        return InputRow(self._line, None, f"expected a JSON object, got {type(value).__name__}")


async def read_header(f: IO[str], delimiter: str) -> tuple[list[str], _CsvReader]:
    """Read a CSV header (in a worker thread).

    Args:
        f: the open text file.
        delimiter: the CSV delimiter.

    Returns:
        The header and the reader positioned after it.

    Raises:
        ValueError: the header holds bytes that are not UTF-8 (the message
            names the line, the column and the byte).
    """
    reader = _CsvReader(f, delimiter)
    header = await anyio.to_thread.run_sync(reader.read_header)
    return header, reader


async def read_rows(
    f: IO[str], fmt: Format, csv_reader: _CsvReader | None = None
) -> AsyncIterator[InputRow]:
    """Yield the rows of a file, reading a batch at a time in a worker thread.

    Args:
        f: the open text file.
        fmt: its format.
        csv_reader: for CSV, the reader returned by :func:`read_header`.

    Yields:
        The rows in file order (unparsable lines as rows with ``error``).
    """
    reader: Any = csv_reader if fmt == "csv" else _JsonlReader(f)
    assert reader is not None, "read the CSV header first"
    while True:
        batch: list[InputRow] = await anyio.to_thread.run_sync(reader.batch)
        if not batch:
            return
        for row in batch:
            yield row


def count_rows(path: str, fmt: Format, delimiter: str) -> int:
    """Count the data rows of a file (for the progress bar's total); call it in a thread.

    Args:
        path: the file.
        fmt: its format.
        delimiter: the CSV delimiter.

    Returns:
        The number of non-blank records (CSV: minus the header).
    """
    with open_source(path) as f:
        if fmt == "csv":
            return max(0, sum(1 for cells in csv.reader(f, delimiter=delimiter) if cells) - 1)
        return sum(1 for text in f if text.strip())
