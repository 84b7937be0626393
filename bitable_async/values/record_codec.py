"""RecordCodec: decode and encode the records of one table, driven by its field list.

Every cell is decoded by the codec its field's schema names, never by guessing
from the cell's shape. Two decode paths give the same :class:`Record`:

* :meth:`RecordCodec.decode_records` takes :class:`RawRecord` (cells as
  ``msgspec.Raw``, decodable without a schema) and decodes cell by cell;
* :meth:`RecordCodec.decode_page` / :meth:`RecordCodec.decode_record_list`
  decode response bytes straight into a msgspec Struct built for this table
  (``msgspec.defstruct``, one attribute per field renamed to the field name).
  This is about twice as fast (see ``benchmarks/RESULTS.md``). Cells whose
  wire value is final (text, selects, persons, attachments ...) get no Python
  work at all; the others are finished column by column, one comprehension per
  field over the page. When that decode fails, the page is decoded again cell
  by cell so that the error names the record and the field.

Formula and lookup cells follow the schema and the request's
``display_formula_ref`` option (:meth:`RecordCodec.for_request`); see
:mod:`bitable_async.values.codecs_derived`.

Encoding validates every value against its field before returning anything.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timezone, tzinfo
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from msgspec.structs import astuple

from bitable_async.errors import JSON_DECODE_ERRORS, FieldValueError
from bitable_async.models.fields import FieldSchema
from bitable_async.models.record import RawRecord, RawRecordPage, Record, RecordPage
from bitable_async.values.base import (
    FAST_PATH_REFUSED,
    BaseCodec,
    CellValueError,
    decode_raw_records,
    short_repr,
)
from bitable_async.values.codecs_derived import FormulaCodec, references_of
from bitable_async.values.codecs_time import ms_to_datetime
from bitable_async.values.registry import codec_for
from bitable_async.values.types import Person

if TYPE_CHECKING:
    from bitable_async.values.model import ModelCodec, RecordModel

__all__ = ["BatchFieldValueError", "RecordCodec", "encode_each", "raise_collected"]

_T = TypeVar("_T")
_Out = TypeVar("_Out")
_RAW_PAGE = msgspec.json.Decoder(RawRecordPage)
_RAW_LIST = msgspec.json.Decoder(list[RawRecord])


class BatchFieldValueError(FieldValueError):
    """Several values of a batch were rejected; the attributes describe the first.

    Attributes:
        errors: every error found, in record order.
    """

    def __init__(self, errors: Sequence[FieldValueError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        records = sorted({e.record_index for e in self.errors if e.record_index is not None})
        shown = ", ".join(str(i) for i in records[:20]) + (" ..." if len(records) > 20 else "")
        detail = getattr(first, "detail", None) or first.msg
        super().__init__(
            f"{detail} [{len(self.errors)} invalid values in records: {shown}]",
            record_index=first.record_index,
            record_id=first.record_id,
            field_name=first.field_name,
            field_type=first.field_type,
            expected=first.expected,
            given=first.given,
        )


def _raise_all(errors: list[FieldValueError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    raise BatchFieldValueError(errors)


def raise_collected(errors: Sequence[FieldValueError]) -> None:
    """Raise the errors collected over a batch, if any.

    Args:
        errors: the errors, in record order.

    Raises:
        FieldValueError: the only error as is; several as one
            :class:`BatchFieldValueError` listing them all.
    """
    if errors:
        _raise_all(list(errors))


def encode_each(items: Iterable[_T], encode: Callable[[int, _T], _Out]) -> list[_Out]:
    """Encode every item of a batch, validating all before returning anything.

    Args:
        items: the items, in batch order.
        encode: ``(index, item) -> wire value``; raises FieldValueError.

    Returns:
        One wire value per item, in order.

    Raises:
        FieldValueError: see :func:`raise_collected` (every item is tried first).
    """
    out: list[_Out] = []
    errors: list[FieldValueError] = []
    for index, item in enumerate(items):
        try:
            out.append(encode(index, item))
        except BatchFieldValueError as exc:
            errors.extend(exc.errors)
        except FieldValueError as exc:
            errors.append(exc)
    raise_collected(errors)
    return out


def _matchable(name: str) -> bool:
    """Whether msgspec can match ``name`` as a renamed Struct key.

    msgspec refuses key names holding ``"``, ``\\`` or a control character
    (they would need JSON escapes); Bitable field names may hold them.
    """
    return not any(c in '"\\' or c < " " for c in name)


def _make_builder(
    names: Sequence[str], attrs: Sequence[str], finished: set[int]
) -> Callable[..., list[Record]]:
    """Generate the function that turns a decoded page into records.

    The function is compiled once per table so that each record's ``fields``
    dict is one dict display with constant keys (the field names, which enter
    the source only as ``repr`` literals) instead of a ``dict(zip(...))``; for
    22 fields this builds a page about twice as fast.

    Args:
        names: the field names, in schema order.
        attrs: the per-table Struct attribute of each field.
        finished: positions of the fields whose values come from finished
            columns (passed to the function in ``cols``, in position order).

    Returns:
        ``build(items, cells, cols, Record, time) -> list[Record]`` where
        ``items`` are the decoded wire records, ``cells`` their ``fields``
        Structs and ``time`` converts a millisecond timestamp.
    """
    entries = []
    col_vars = []
    for pos, (name, attr) in enumerate(zip(names, attrs, strict=True)):
        if pos in finished:
            col_vars.append(f"x{pos}")
            entries.append(f"{name!r}: x{pos}")
        else:
            entries.append(f"{name!r}: c.{attr}")
    loop_vars = ", ".join(["r", "c", *col_vars])
    iterables = ", ".join(["items", "cells", *(f"cols[{i}]" for i in range(len(col_vars)))])
    source = (
        "def build(items, cells, cols, Record, time):\n"
        "    return [\n"
        "        Record(\n"
        "            record_id=r.record_id if r.record_id is not None else r.id,\n"
        f"            fields={{{', '.join(entries)}}},\n"
        "            created_by=r.created_by,\n"
        "            created_time=None if r.created_time is None else time(r.created_time),\n"
        "            last_modified_by=r.last_modified_by,\n"
        "            last_modified_time=(\n"
        "                None if r.last_modified_time is None else time(r.last_modified_time)\n"
        "            ),\n"
        "            shared_url=r.shared_url,\n"
        "            record_url=r.record_url,\n"
        "        )\n"
        f"        for {loop_vars} in zip({iterables}, strict=True)\n"
        "    ]\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<bitable_async record builder>", "exec"), namespace)
    return namespace["build"]  # type: ignore[no-any-return]


class RecordCodec:
    """Decoder and encoder of one table's records.

    Build it with :meth:`from_fields` from the table's field list (field API
    ``app_table_field.list``). It is immutable and cheap to share.

    Attributes:
        fields: the schema, in order (duplicate names: the last one wins).
        tz: time zone of decoded datetimes.
        allow_new_options: select option names missing from the schema are accepted.
        display_formula_ref: the read request's ``display_formula_ref`` option this
            codec decodes for (``None``: unknown, treated as not set).
        references: formula / lookup field name -> referenced field schema or type code.
    """

    def __init__(
        self,
        fields: Sequence[FieldSchema],
        *,
        tz: tzinfo = timezone.utc,
        allow_new_options: bool = False,
        display_formula_ref: bool | None = None,
        references: Mapping[str, FieldSchema | int] | None = None,
    ) -> None:
        """Build the codecs and the per-table Structs.

        Args:
            fields: the table's fields.
            tz: time zone of decoded datetimes (and of ``date`` values on write).
            allow_new_options: accept select option names missing from the schema.
            display_formula_ref: the read request's ``display_formula_ref``
                option (``None``: unknown). Use :meth:`for_request` to get the
                codec of another setting.
            references: formula / lookup field name -> the schema (or type code)
                of the field it references. Applied only when
                ``display_formula_ref`` is ``True``.

        Raises:
            TypeError: a ``references`` value is not a FieldSchema or int.
        """
        by_name: dict[str, FieldSchema] = {}
        for f in fields:
            by_name[f.field_name] = f
        self.fields: tuple[FieldSchema, ...] = tuple(by_name.values())
        self.tz = tz
        self.allow_new_options = allow_new_options
        self.display_formula_ref = display_formula_ref
        self.references: dict[str, FieldSchema | int] = references_of(references)
        self._codecs: dict[str, BaseCodec] = {
            name: codec_for(
                f,
                tz=tz,
                allow_new_options=allow_new_options,
                display_formula_ref=display_formula_ref,
                references=self.references,
            )
            for name, f in by_name.items()
        }
        self._by_id: dict[str, BaseCodec] = {
            c.field.field_id: c for c in self._codecs.values() if c.field.field_id
        }
        self._names: tuple[str, ...] = tuple(self._codecs)
        self._attrs: tuple[str, ...] = tuple(f"f{i}" for i in range(len(self._names)))
        self._finish_at = tuple(
            (pos, c.finish) for pos, c in enumerate(self._codecs.values()) if c.finish is not None
        )
        self._finish_cols = tuple(
            (pos, c.finish_column)
            for pos, c in enumerate(self._codecs.values())
            if c.finish is not None
        )
        self._finish_attrs = tuple(
            (self._attrs[pos], finish_column) for pos, finish_column in self._finish_cols
        )
        self._build: Callable[..., list[Record]] = _make_builder(
            self._names, self._attrs, {pos for pos, _ in self._finish_cols}
        )
        self._option_sensitive = bool(self.references) or any(
            isinstance(c, FormulaCodec) and c.format_mode() != "raw" for c in self._codecs.values()
        )
        self._models: dict[type[Any], Any] = {}
        self._siblings: dict[bool | None, RecordCodec] = {}
        self._build_types()

    @classmethod
    def from_fields(
        cls,
        fields: Sequence[FieldSchema],
        *,
        tz: tzinfo = timezone.utc,
        allow_new_options: bool = False,
        display_formula_ref: bool | None = None,
        references: Mapping[str, FieldSchema | int] | None = None,
    ) -> RecordCodec:
        """Build the codec of a table from its field list.

        Args:
            fields: the table's fields (``app_table_field.list`` items).
            tz: time zone of decoded datetimes (and of ``date`` values on write).
            allow_new_options: accept select option names missing from the schema
                (fields.md does not document that writes create options).
            display_formula_ref: the read request's ``display_formula_ref``
                option (``None``: unknown).
            references: formula / lookup field name -> the referenced field's
                schema or type code (used with ``display_formula_ref=True``).

        Returns:
            The codec.

        Raises:
            TypeError: a ``references`` value is not a FieldSchema or int.
        """
        return cls(
            fields,
            tz=tz,
            allow_new_options=allow_new_options,
            display_formula_ref=display_formula_ref,
            references=references,
        )

    def for_request(self, *, display_formula_ref: bool | None) -> RecordCodec:
        """The codec for reads made with the given ``display_formula_ref`` option.

        Only ``True`` changes decoding, and only of formula / lookup fields
        with a known reference or a formula with a number or date formatter;
        ``False`` and ``None`` decode alike. When the option would change
        nothing this returns ``self``; otherwise the sibling codec is built
        once and cached.

        Args:
            display_formula_ref: the option the read request was sent with
                (``None``: not sent).

        Returns:
            A codec sharing this one's schema and settings.
        """
        wanted = display_formula_ref is True
        if wanted == (self.display_formula_ref is True) or not self._option_sensitive:
            return self
        sibling = self._siblings.get(wanted)
        if sibling is None:
            sibling = self._siblings[wanted] = RecordCodec(
                self.fields,
                tz=self.tz,
                allow_new_options=self.allow_new_options,
                display_formula_ref=wanted,
                references=self.references,
            )
        return sibling

    # ------------------------------------------------------------------ types

    def _build_types(self) -> None:
        pairs = [
            (attr, name)
            for attr, name in zip(self._attrs, self._names, strict=True)
            if _matchable(name)
        ]
        self.fast_path: bool = len(pairs) == len(self._names)
        """False when a field name cannot be a msgspec key (it holds ``"``, ``\\``
        or a control character): pages are then decoded cell by cell."""
        self.record_type: type[msgspec.Struct]
        """A msgspec Struct type of one wire record of this table (cells typed).

        Without :attr:`fast_path` it lacks the fields whose names cannot be matched."""
        self.page_type: type[msgspec.Struct]
        """A msgspec Struct type of the ``data`` of list / search records for this table."""
        self.record_type, self.page_type = self._wire_types(pairs)
        self._page_decoder = msgspec.json.Decoder(self.page_type)
        self._list_decoder = msgspec.json.Decoder(list[self.record_type])  # type: ignore[name-defined]
        self._subsets: dict[
            frozenset[str],
            tuple[msgspec.json.Decoder[Any], msgspec.json.Decoder[Any], dict[str, int]],
        ] = {}

    def _wire_types(
        self, pairs: Sequence[tuple[str, str]]
    ) -> tuple[type[msgspec.Struct], type[msgspec.Struct]]:
        """Struct types of a wire record and page reading the cells of ``pairs`` only.

        Args:
            pairs: (attribute, field name) of the fields to read, in schema order;
                msgspec skips the other cells without building them.

        Returns:
            The record type and the page type.
        """
        spec = [(attr, self._codecs[name].wire_type | None, None) for attr, name in pairs]
        fields_type = msgspec.defstruct(
            "TableFields", spec, rename=dict(pairs), kw_only=True, gc=False
        )
        record_type = msgspec.defstruct(
            "TableRecord",
            [
                ("record_id", str | None, None),
                ("id", str | None, None),
                ("fields", fields_type, msgspec.field(default_factory=fields_type)),
                ("created_by", Person | None, None),
                ("created_time", int | None, None),
                ("last_modified_by", Person | None, None),
                ("last_modified_time", int | None, None),
                ("shared_url", str | None, None),
                ("record_url", str | None, None),
            ],
            kw_only=True,
            gc=False,
        )
        page_type = msgspec.defstruct(
            "TablePage",
            [
                ("items", list[record_type] | None, None),  # type: ignore[valid-type]
                ("has_more", bool, False),
                ("page_token", str | None, None),
                ("total", int | None, None),
            ],
            kw_only=True,
            gc=False,
        )
        return record_type, page_type

    def _subset_decoder(
        self, names: Iterable[str]
    ) -> tuple[msgspec.json.Decoder[Any], msgspec.json.Decoder[Any], dict[str, int]]:
        """Decoders that read only the cells of some fields (built once per set).

        Record models use it: a model of 10 of a table's 40 fields pays msgspec
        only for its 10 cells. Only valid with :attr:`fast_path`.

        Args:
            names: field names of this table.

        Returns:
            The decoders of pages (:attr:`page_type`'s shape) and of record
            arrays whose records' ``fields`` hold only those cells, and each
            name's position in ``astuple(fields)``.
        """
        key = frozenset(names)
        cached = self._subsets.get(key)
        if cached is None:
            pairs = [
                (attr, name)
                for attr, name in zip(self._attrs, self._names, strict=True)
                if name in key
            ]
            record_type, page_type = self._wire_types(pairs)
            positions = {name: i for i, (_, name) in enumerate(pairs)}
            cached = self._subsets[key] = (
                msgspec.json.Decoder(page_type),
                msgspec.json.Decoder(list[record_type]),  # type: ignore[valid-type]
                positions,
            )
        return cached

    # ---------------------------------------------------------------- lookup

    @property
    def field_names(self) -> tuple[str, ...]:
        """The field names, in schema order."""
        return self._names

    def codec(self, field_name: str) -> BaseCodec:
        """The codec of a field.

        Args:
            field_name: the field's name.

        Returns:
            Its codec.

        Raises:
            FieldValueError: no field has that name.
        """
        codec = self._codecs.get(field_name)
        if codec is None:
            raise self._unknown(field_name, None, None)
        return codec

    def codec_by_id(self, field_id: str) -> BaseCodec | None:
        """The codec of a field by its id (``None`` when unknown)."""
        return self._by_id.get(field_id)

    def _unknown(self, name: Any, value: Any, record_index: int | None) -> CellValueError:
        close = difflib.get_close_matches(str(name), self._names, n=3) if self._names else []
        hint = f"a field name of the table (did you mean {', '.join(map(repr, close))}?)"
        return CellValueError(
            "unknown field",
            record_index=record_index,
            field_name=str(name),
            expected=hint if close else "a field name of the table",
            given=short_repr(value),
        )

    # ---------------------------------------------------------------- decode

    def _time(self, ms: int | None) -> Any:
        if ms is None:
            return None
        try:
            return ms_to_datetime(ms, self.tz)
        except (OverflowError, ValueError, OSError):
            return None

    def decode_record(
        self, raw: RawRecord, *, index: int | None = None, complete: bool = True
    ) -> Record:
        """Decode one record whose cells are ``msgspec.Raw``.

        Args:
            raw: the record as decoded from the response.
            index: its position in the page (named in errors).
            complete: fill in every schema field (``None`` for a cell the
                record lacks), as a read's record is. ``False`` keeps only the
                cells ``raw`` holds, for a write's answer, which holds the
                written cells only (a missing cell there is unknown, not empty).

        Returns:
            The typed record: with ``complete``, every schema field present,
            ``None`` when empty; without, the cells of ``raw`` the schema knows.

        Raises:
            FieldValueError: a cell does not have its field type's read shape
                (the error names the record and the field).
        """
        values: dict[str, Any] = dict.fromkeys(self._names) if complete else {}
        codecs = self._codecs
        try:
            for name, cell in raw.fields.items():
                codec = codecs.get(name)
                if codec is not None:
                    values[name] = codec.decode(cell)
        except CellValueError as exc:
            raise exc.in_record(index, raw.rid) from None
        return Record(
            record_id=raw.rid,
            fields=values,
            created_by=raw.created_by,
            created_time=self._time(raw.created_time),
            last_modified_by=raw.last_modified_by,
            last_modified_time=self._time(raw.last_modified_time),
            shared_url=raw.shared_url,
            record_url=raw.record_url,
        )

    def decode_records(
        self, raw_items: Sequence[RawRecord], *, complete: bool = True
    ) -> list[Record]:
        """Decode records whose cells are ``msgspec.Raw``.

        Args:
            raw_items: records as decoded from a response (list, get, batch_get,
                create, batch_create, update, batch_update, search).
            complete: as :meth:`decode_record` (``False`` for a write's answer).

        Returns:
            Typed records, in order.

        Raises:
            FieldValueError: a cell does not fit its field (names record index,
                record id and field).
        """
        return [self.decode_record(r, index=i, complete=complete) for i, r in enumerate(raw_items)]

    def convert(self, typed: Any, *, index: int | None = None) -> Record:
        """Turn one record of :attr:`record_type` into a :class:`Record`.

        Args:
            typed: an instance of :attr:`record_type`.
            index: its position in the page (named in errors).

        Returns:
            The typed record.

        Raises:
            FieldValueError: a cell's value is out of range for its type.
        """
        cells = list(astuple(typed.fields))
        try:
            for pos, finish in self._finish_at:
                v = cells[pos]
                if v is not None:
                    cells[pos] = finish(v)
        except CellValueError as exc:
            rid = typed.record_id if typed.record_id is not None else typed.id
            raise exc.in_record(index, rid) from None
        created = typed.created_time
        modified = typed.last_modified_time
        return Record(
            record_id=typed.record_id if typed.record_id is not None else typed.id,
            fields=dict(zip(self._names, cells, strict=True)),
            created_by=typed.created_by,
            created_time=None if created is None else self._time(created),
            last_modified_by=typed.last_modified_by,
            last_modified_time=None if modified is None else self._time(modified),
            shared_url=typed.shared_url,
            record_url=typed.record_url,
        )

    def _convert_all(self, items: Sequence[Any]) -> list[Record]:
        """Turn a page of :attr:`record_type` instances into records.

        Columns that need finishing are finished column by column (one
        comprehension per field over the page); the records and their
        ``fields`` dicts are then built by :attr:`_build`, a function generated
        for this table (see :func:`_make_builder`).
        """
        if not items:
            return []
        cells = [r.fields for r in items]
        cols: list[Any] = []
        try:
            for attr, finish_column in self._finish_attrs:
                cols.append(finish_column([getattr(c, attr) for c in cells]))
        except CellValueError:
            # Find the record: the row-wise path names it in its error.
            for i, r in enumerate(items):
                self.convert(r, index=i)
            raise
        return self._build(items, cells, cols, Record, self._time)

    def decode_page(self, data: bytes | str | msgspec.Raw) -> RecordPage:
        """Decode the ``data`` of list / search records straight from bytes (fast path).

        Args:
            data: JSON of ``{items, has_more, page_token, total}``.

        Returns:
            The page with typed records.

        Raises:
            FieldValueError: a cell does not fit its field, or is not JSON (invalid
                UTF-8 in a string); names the record and field.
            msgspec.ValidationError: the page itself is malformed.
            msgspec.DecodeError: ``data`` is not JSON (invalid UTF-8 outside the
                cells included).
        """
        if self.fast_path:
            try:
                page: Any = self._page_decoder.decode(data)
            except FAST_PATH_REFUSED:
                pass  # see FAST_PATH_REFUSED: the cell-by-cell path below decides
            else:
                return RecordPage(
                    items=self._convert_all(page.items or ()),
                    has_more=page.has_more,
                    page_token=page.page_token,
                    total=page.total,
                )
        raw = decode_raw_records(_RAW_PAGE, data)
        return RecordPage(
            items=self.decode_records(raw.items or []),
            has_more=raw.has_more,
            page_token=raw.page_token,
            total=raw.total,
        )

    def decode_record_list(self, data: bytes | str | msgspec.Raw) -> list[Record]:
        """Decode a JSON array of records (``records`` of batch_get / batch_create ...).

        Args:
            data: JSON of the array.

        Returns:
            Typed records.

        Raises:
            FieldValueError: a cell does not fit its field, or is not JSON
                (invalid UTF-8 in a string); names the record and field.
            msgspec.ValidationError: a record itself is malformed.
            msgspec.DecodeError: ``data`` is not JSON (invalid UTF-8 outside the
                cells included).
        """
        if self.fast_path:
            try:
                items: Any = self._list_decoder.decode(data)
            except FAST_PATH_REFUSED:
                pass  # see FAST_PATH_REFUSED: the cell-by-cell path below decides
            else:
                return self._convert_all(items)
        return self.decode_records(decode_raw_records(_RAW_LIST, data))

    def decode_event_values(self, values: Iterable[Any]) -> dict[str, Any]:
        """Decode the ``before_value`` / ``after_value`` list of a record-changed event.

        Args:
            values: items ``{field_id, field_value}`` (mappings or objects), where
                ``field_value`` is the JSON-serialised cell (events.md §3).

        Returns:
            field id -> typed value; values of fields missing from the schema are
            JSON-decoded but otherwise raw; an empty string decodes to ``None``.

        Raises:
            FieldValueError: a value does not fit its field.
        """
        out: dict[str, Any] = {}
        for item in values:
            if isinstance(item, Mapping):
                field_id, text = item.get("field_id"), item.get("field_value")
            else:
                field_id = getattr(item, "field_id", None)
                text = getattr(item, "field_value", None)
            if not isinstance(field_id, str):
                raise CellValueError("event value without a field_id", given=short_repr(item))
            if text is None or text == "":
                out[field_id] = None
                continue
            codec = self._by_id.get(field_id)
            if codec is None:
                try:
                    out[field_id] = msgspec.json.decode(text)
                except JSON_DECODE_ERRORS:
                    out[field_id] = text
                continue
            out[field_id] = codec.decode(text)
        return out

    # ---------------------------------------------------------------- encode

    def encode_fields(
        self, values: Mapping[str, Any], *, record_index: int | None = None
    ) -> dict[str, Any]:
        """Encode ``field name -> Python value`` into the wire ``fields`` object.

        Args:
            values: the cells to write; ``None`` clears a cell.
            record_index: position of the record in its batch (named in errors).

        Returns:
            The ``fields`` object of a create / update body.

        Raises:
            FieldValueError: an unknown field, a read-only field or a value of the
                wrong type (all of the record's errors are collected; several
                give a :class:`BatchFieldValueError`).
        """
        if not isinstance(values, Mapping):
            raise CellValueError(
                "a record's fields must be a mapping of field name to value",
                record_index=record_index,
                given=short_repr(values),
            )
        out: dict[str, Any] = {}
        errors: list[FieldValueError] = []
        codecs = self._codecs
        for name, value in values.items():
            codec = codecs.get(name)
            if codec is None:
                errors.append(self._unknown(name, value, record_index))
                continue
            try:
                out[name] = codec.encode(value)
            except CellValueError as exc:
                errors.append(exc.in_record(record_index))
        if errors:
            _raise_all(errors)
        return out

    def encode_batch(self, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Encode a batch, validating every record before returning anything.

        Args:
            rows: one ``field name -> value`` mapping per record.

        Returns:
            One wire ``fields`` object per record, in order.

        Raises:
            FieldValueError: at least one value is invalid. A single error is
                raised as is; several give a :class:`BatchFieldValueError` whose
                ``errors`` lists them all (each names its record index).
        """
        return encode_each(rows, lambda index, row: self.encode_fields(row, record_index=index))

    # ---------------------------------------------------------------- models

    def model_codec(self, model: type[RecordModel]) -> ModelCodec[Any]:
        """The (cached) codec of a record model bound to this table.

        Args:
            model: a :class:`~bitable_async.values.model.RecordModel` subclass.

        Returns:
            Its :class:`~bitable_async.values.model.ModelCodec`, checked against
            this schema once.

        Raises:
            FieldValueError: the model does not fit the schema. A misfit is
                cached too: later calls raise a copy of the same error without
                checking the model again (a batch of its instances fails once).
        """
        cached = self._models.get(model)
        if cached is None:
            from bitable_async.values.model import ModelCodec

            try:
                cached = ModelCodec(model, self)
            except FieldValueError as exc:
                cached = exc
            self._models[model] = cached
        if isinstance(cached, FieldValueError):
            from copy import copy

            raise copy(cached)  # a fresh instance: no traceback shared between raises
        return cached
