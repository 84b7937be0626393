"""Reading import files (CSV, JSONL) in batches, off the event loop, with line numbers.

The file is read in a worker thread a batch at a time, so the event loop never
blocks on disk and memory stays bounded whatever the file's length. Each row
carries the line where it starts; a line that cannot be parsed becomes a row
with an ``error`` instead of being dropped.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import IO, Any, Literal

import anyio.to_thread
import msgspec

__all__ = ["Format", "InputRow", "count_rows", "format_for", "read_header", "read_rows"]

Format = Literal["csv", "jsonl"]

BATCH = 500


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


class _CsvReader:
    def __init__(self, f: IO[str], delimiter: str) -> None:
        self._reader = csv.reader(f, delimiter=delimiter)
        self.header: list[str] = []
        self._last = 0

    def read_header(self) -> list[str]:
        for cells in self._reader:
            self._last = self._reader.line_num
            if cells:
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
            if len(cells) != width:
                out.append(
                    InputRow(line, None, f"{len(cells)} cells where the header has {width}")
                )
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
            try:
                value = self._decoder.decode(text)
            except msgspec.DecodeError as exc:
                out.append(InputRow(self._line, None, f"invalid JSON: {exc}"))
            else:
                if isinstance(value, dict):
                    out.append(InputRow(self._line, value))
                else:
                    kind = type(value).__name__
                    out.append(InputRow(self._line, None, f"expected a JSON object, got {kind}"))
            if len(out) >= BATCH:
                break
        return out


async def read_header(f: IO[str], delimiter: str) -> tuple[list[str], _CsvReader]:
    """Read a CSV header (in a worker thread).

    Args:
        f: the open text file.
        delimiter: the CSV delimiter.

    Returns:
        The header and the reader positioned after it.
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
    with open(path, encoding="utf-8-sig", newline="") as f:
        if fmt == "csv":
            return max(0, sum(1 for cells in csv.reader(f, delimiter=delimiter) if cells) - 1)
        return sum(1 for text in f if text.strip())
