"""ORM-lite record models: typed attributes mapped to field names.

Declare a model::

    class Task(RecordModel):
        title: Annotated[str, Field("任务描述")]
        due: datetime | None = None
        owners: list[Person] = []

Bind it to a table with ``record_codec.model_codec(Task)`` (cached per model and
schema; the model is checked against the schema once), then decode records
straight into ``Task`` instances and encode instances back. Encoding writes only
the attributes assigned since construction or decoding (partial update);
assigning ``None`` clears the cell.

Some annotations see a cell through a one-way conversion: ``Person`` on a
person field (the first person), ``str`` on a URL field (the link) or a text
field (the plain text), ``list[str]`` on a link field (the known record ids),
``date`` on a date field. A decoded instance remembers the cell as it was read
for such attributes, so a full write (``ModelCodec.encode(only_changed=False)``)
of an attribute that was not assigned sends the cell back as read instead of
the converted value: every person, the URL's text, the exact timestamp. See
:meth:`ModelCodec.encode` for the two cells that cannot be sent back as read.

An attribute can be UNSET: the instance holds no value for it, a full write
leaves its cell out, and reading it raises :class:`UnsetAttributeError` (an
``AttributeError``: ``hasattr`` is False). That is the case for an attribute
without a default that was not given to the constructor, and for the cells an
instance returned by a write does not know: Bitable answers a create or update
with the written cells only, so the other attributes of such an instance are
left unset rather than read as empty (a full write of it would clear them).
See :meth:`ModelCodec.decode_written`.
"""

from __future__ import annotations

import copy
import functools
import logging
import operator
import types
import typing
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, TypeVar, Union

import msgspec
from msgspec.structs import astuple

from bitable_async.errors import JSON_DECODE_ERRORS, FieldValueError
from bitable_async.models.record import RawRecord, RawRecordPage
from bitable_async.values.base import (
    FAST_PATH_REFUSED,
    BaseCodec,
    CellValueError,
    Finisher,
    decode_raw_records,
    same,
    short_repr,
)
from bitable_async.values.codecs_scalar import TextCodec
from bitable_async.values.types import TextSegment

if TYPE_CHECKING:
    from bitable_async.values.record_codec import RecordCodec

_RAW_PAGE = msgspec.json.Decoder(RawRecordPage)
_RAW_LIST = msgspec.json.Decoder(list[RawRecord])
_ANSWER_CELL_ERRORS: tuple[type[Exception], ...] = (CellValueError, *JSON_DECODE_ERRORS)

__all__ = ["Field", "ModelCodec", "ModelPage", "RecordModel", "UnsetAttributeError"]

logger = logging.getLogger("bitable_async.values")

_MISSING: Any = object()

# Where an instance's values come from (instance attribute ``_origin``): the
# constructor (values given or class defaults, not cells), a read (every
# attribute holds its cell), or a write's answer (the attributes it knows).
_BUILT = "built"
_READ = "read"
_WRITTEN = "written"

# The cells of an instance as read, for attributes whose annotation converts
# them one way (attribute -> decoded value before the conversion) and for
# empty cells shown as a non-None default (attribute -> None). Instances that
# were not decoded share this empty, immutable mapping.
_NOTHING_READ: typing.Mapping[str, Any] = types.MappingProxyType({})


class Field:
    """Maps a model attribute to a field name: ``Annotated[str, Field("任务描述")]``.

    Args:
        name: the exact field name in the table.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


class UnsetAttributeError(AttributeError):
    """A record model attribute holds no value (it is unset).

    Raised when reading an attribute of an instance returned by a write whose
    field was not part of the write (the answer does not say what the cell
    holds: read the record to know), or an attribute without a default that
    was not given to the constructor. ``hasattr(instance, name)`` is False for
    such an attribute, and a full write leaves its cell out.
    """


class _Slot:
    """The class attribute of one model attribute.

    An instance's value lives in its ``__dict__`` and wins over this
    (non-data) descriptor; when the instance holds none, reading the attribute
    raises :class:`UnsetAttributeError`. On the class it gives the default.
    """

    __slots__ = ("attr", "default")

    def __init__(self, attr: str, default: Any) -> None:
        self.attr = attr
        self.default = default

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            if self.default is _MISSING:
                name = owner.__name__ if owner is not None else "model"
                raise AttributeError(f"type object {name!r} has no attribute {self.attr!r}")
            return self.default
        raise UnsetAttributeError(_unset_message(obj, self.attr))


def _unset_message(obj: Any, attr: str) -> str:
    cls = type(obj).__name__
    a = type(obj).__model_index__.get(attr)
    field = a.field_name if a is not None else attr
    if obj.__dict__.get("_origin") == _WRITTEN:
        return (
            f"{cls}.{attr} is unknown: field {field!r} was not part of the write that "
            "returned this instance (the answer holds the written cells only); read the "
            "record to get it"
        )
    return f"{cls}.{attr} is unset: it was neither given nor read, and has no default"


@dataclass(frozen=True)
class _Attr:
    attr: str
    field_name: str
    annotation: Any
    base: Any
    optional: bool
    default: Any


def _normalize(tp: Any) -> tuple[Any, bool]:
    """Strip ``None`` from a union and normalise generics; return (type, optional)."""
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = typing.get_args(tp)
        rest = [a for a in args if a is not type(None)]
        optional = len(rest) != len(args)
        norm = [_normalize(a)[0] for a in rest]
        if len(norm) == 1:
            return norm[0], optional
        return functools.reduce(operator.or_, norm), optional
    if origin in (list, typing.List):  # noqa: UP006
        (arg,) = typing.get_args(tp) or (Any,)
        return list[_normalize(arg)[0]], False  # type: ignore[misc]
    return tp, tp is Any or tp is None or tp is type(None)


class RecordModel:
    """Base class of user record models.

    Attributes are declared with annotations; ``Annotated[T, Field("name")]``
    maps one to a field name (default: the attribute name). ``record_id`` holds
    the record id. Constructor keywords set attributes and mark them to be
    written; attributes not given keep their class default (not written) or stay
    unset.

    Decoding an empty or missing cell (Bitable leaves empty cells out of
    records) gives the attribute's class default when it has one, else ``None``
    for an optional attribute, else a new ``[]`` for a list-typed attribute
    (``list[Person]``, ``list[str]`` ...); for any other attribute it is a
    :class:`~bitable_async.errors.FieldValueError` naming the record.

    Reading an attribute the instance holds no value for raises
    :class:`UnsetAttributeError` (see the module docstring); on the class, an
    attribute gives its default.
    """

    __model_attrs__: ClassVar[tuple[_Attr, ...]] = ()
    __model_index__: ClassVar[dict[str, _Attr]] = {}
    record_id: str | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hints = typing.get_type_hints(cls, include_extras=True)
        attrs: list[_Attr] = []
        for name, hint in hints.items():
            if name.startswith("_") or name == "record_id":
                continue
            if typing.get_origin(hint) is ClassVar:
                continue
            field_name = name
            tp = hint
            if typing.get_origin(hint) is Annotated:
                tp, *meta = typing.get_args(hint)
                for m in meta:
                    if isinstance(m, Field):
                        field_name = m.name
            base, optional = _normalize(tp)
            default = _MISSING
            for klass in cls.__mro__:
                if name in klass.__dict__:
                    default = klass.__dict__[name]
                    if isinstance(default, _Slot):  # a model base class's attribute
                        default = default.default
                    break
            attrs.append(_Attr(name, field_name, tp, base, optional, default))
        for a in attrs:
            setattr(cls, a.attr, _Slot(a.attr, a.default))
        cls.__model_attrs__ = tuple(attrs)
        cls.__model_index__ = {a.attr: a for a in attrs}

    def __init__(self, *, record_id: str | None = None, **values: Any) -> None:
        """Create an instance (e.g. a new record, or a partial update).

        Args:
            record_id: the record id (for updates).
            **values: attribute values; these are written by ``encode``.

        Raises:
            TypeError: an unknown attribute name.
        """
        d = self.__dict__
        d["record_id"] = record_id
        d["_dirty"] = set()
        d["_read"] = _NOTHING_READ
        d["_origin"] = _BUILT
        index = self.__model_index__
        for a in self.__model_attrs__:
            if a.attr not in values and a.default is not _MISSING:
                d[a.attr] = copy.copy(a.default)
        for key, value in values.items():
            if key not in index:
                raise TypeError(f"{type(self).__name__} has no attribute {key!r}")
            setattr(self, key, value)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name in self.__model_index__:
            self.__dict__["_dirty"].add(name)

    def __copy__(self: M) -> M:
        """A shallow copy with its own record of assigned attributes.

        Returns:
            The copy: same attribute values; assigning on it does not mark the
            original (or the other way round).
        """
        cls = type(self)
        new = cls.__new__(cls)
        new.__dict__.update(self.__dict__)
        new.__dict__["_dirty"] = set(self.__dict__["_dirty"])
        return new

    @property
    def changed(self) -> frozenset[str]:
        """Attribute names assigned since construction or decoding (what encode writes)."""
        return frozenset(self.__dict__["_dirty"])

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{a.attr}={self.__dict__[a.attr]!r}"
            for a in self.__model_attrs__
            if a.attr in self.__dict__
        )
        return f"{type(self).__name__}(record_id={self.record_id!r}, {shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        keys = ["record_id", *(a.attr for a in self.__model_attrs__)]
        return all(self.__dict__.get(k, _MISSING) == other.__dict__.get(k, _MISSING) for k in keys)

    __hash__ = None  # type: ignore[assignment]


M = TypeVar("M", bound=RecordModel)


@dataclass
class ModelPage(Generic[M]):
    """A page of model instances."""

    items: list[M]
    has_more: bool = False
    page_token: str | None = None
    total: int | None = None


@dataclass(frozen=True)
class _Plan:
    attr: str
    field_name: str
    position: int
    finish: Finisher | None
    adapt: Finisher | None
    empty: Any  # value for an empty cell, or _MISSING when an empty cell is an error
    codec: BaseCodec


class ModelCodec(Generic[M]):
    """Decoder / encoder of one model class for one table schema.

    Built by :meth:`RecordCodec.model_codec` (cached there). Construction checks
    every attribute against the schema.
    """

    def __init__(self, model: type[M], record_codec: RecordCodec) -> None:
        """Check the model against the schema and build the decode plan.

        Args:
            model: the model class.
            record_codec: the table's codec.

        Raises:
            FieldValueError: an attribute maps to a missing field, or its
                annotation does not fit the field's type.
        """
        self.model = model
        self.record_codec = record_codec
        positions = {name: i for i, name in enumerate(record_codec.field_names)}
        plans: list[_Plan] = []
        problems: list[str] = []
        for a in model.__model_attrs__:
            if a.field_name not in positions:
                problems.append(
                    f"attribute {a.attr!r} maps to field {a.field_name!r}, which the table lacks"
                )
                continue
            codec = record_codec.codec(a.field_name)
            adapt = codec.adapter(a.base)
            if adapt is None:
                fits = ", ".join(_type_name(t) for t in codec.value_annotations()) or "Any"
                problems.append(
                    f"attribute {a.attr!r}: {_type_name(a.annotation)} does not fit field "
                    f"{a.field_name!r} of type {codec.type_label} (use {fits})"
                )
                continue
            if a.default is not _MISSING:
                empty = a.default
            elif a.optional:
                empty = None
            elif typing.get_origin(a.base) is list:
                # Bitable leaves empty cells out of records: no persons, options,
                # files or links is an empty list, not a missing value.
                empty = []
            else:
                empty = _MISSING
            plans.append(
                _Plan(
                    attr=a.attr,
                    field_name=a.field_name,
                    position=positions[a.field_name],
                    finish=codec.finish,
                    adapt=None if adapt is same else adapt,
                    empty=empty,
                    codec=codec,
                )
            )
        if problems:
            raise FieldValueError(
                f"model {model.__name__} does not fit the table: " + "; ".join(problems),
                expected="attributes mapped to existing fields with compatible types",
            )
        self._plans = tuple(plans)
        self._positions = tuple(p.position for p in self._plans)
        if record_codec.fast_path:
            # Pages are read into a Struct of the model's fields only: msgspec
            # skips the other cells without building them.
            self._page_decoder, self._list_decoder, at = record_codec._subset_decoder(
                p.field_name for p in plans
            )
            self._page_positions = tuple(at[p.field_name] for p in self._plans)

    # ---------------------------------------------------------------- decode

    def _build(
        self,
        record_id: str | None,
        cells: Sequence[Any],
        index: int | None,
        positions: Sequence[int] | None = None,
    ) -> M:
        obj = self.model.__new__(self.model)
        d = obj.__dict__
        d["record_id"] = record_id
        d["_dirty"] = set()
        d["_origin"] = _READ
        read: dict[str, Any] = {}
        try:
            for p, at in zip(self._plans, positions or self._positions, strict=True):
                v = cells[at]
                if v is None:
                    if p.empty is _MISSING:
                        raise CellValueError(
                            "empty cell for a required attribute",
                            field_name=p.field_name,
                            field_type=p.codec.type_label,
                            expected=f"a value (or declare {p.attr!r} optional / with a default)",
                            given="None",
                        )
                    d[p.attr] = copy.copy(p.empty)
                    if p.empty is not None:
                        # An empty cell shown as a default ([], 0, ""): a full
                        # write keeps it empty rather than writing the default.
                        read[p.attr] = None
                    continue
                if p.finish is not None:
                    v = p.finish(v)
                if p.adapt is not None:
                    read[p.attr] = v  # the cell as read, for full writes
                    v = p.adapt(v)
                d[p.attr] = v
        except CellValueError as exc:
            raise exc.in_record(index, record_id) from None
        d["_read"] = read or _NOTHING_READ
        return obj

    def from_typed(self, typed: Any, *, index: int | None = None) -> M:
        """Build an instance from one record of ``record_codec.record_type``.

        Args:
            typed: the typed wire record.
            index: its position in the page (named in errors).

        Returns:
            The instance (nothing marked as changed).

        Raises:
            FieldValueError: a cell does not fit, or a required attribute is empty.
        """
        rid = typed.record_id if typed.record_id is not None else typed.id
        return self._build(rid, astuple(typed.fields), index)

    def decode_record(self, raw: RawRecord, *, index: int | None = None) -> M:
        """Decode one record whose cells are ``msgspec.Raw``.

        Args:
            raw: the record.
            index: its position (named in errors).

        Returns:
            The instance.

        Raises:
            FieldValueError: a cell does not fit, or a required attribute is empty.
        """
        wanted = {p.field_name for p in self._plans}
        cells: list[Any] = [None] * len(self.record_codec.field_names)
        positions = {p.field_name: p.position for p in self._plans}
        try:
            for name, cell in raw.fields.items():
                if name in wanted:
                    codec = self.record_codec.codec(name)
                    wire = codec._decoder.decode(cell)
                    cells[positions[name]] = wire
        except JSON_DECODE_ERRORS:
            # Let the record codec produce the precise error.
            self.record_codec.decode_record(raw, index=index)
            raise
        return self._build(raw.rid, cells, index)

    def decode_records(self, raw_items: Sequence[RawRecord]) -> list[M]:
        """Decode records whose cells are ``msgspec.Raw``.

        Args:
            raw_items: the records.

        Returns:
            Instances, in order.

        Raises:
            FieldValueError: as :meth:`decode_record`.
        """
        return [self.decode_record(r, index=i) for i, r in enumerate(raw_items)]

    def decode_page(self, data: bytes | str | msgspec.Raw) -> ModelPage[M]:
        """Decode the ``data`` of list / search records straight into instances.

        Args:
            data: JSON of ``{items, has_more, page_token, total}``.

        Returns:
            The page of instances.

        Raises:
            FieldValueError: a cell does not fit (or is not JSON: invalid UTF-8 in
                a string), or a required attribute is empty.
            msgspec.ValidationError: the page itself is malformed.
            msgspec.DecodeError: ``data`` is not JSON (invalid UTF-8 outside the
                cells included).
        """
        if self.record_codec.fast_path:
            try:
                page: Any = self._page_decoder.decode(data)
            except FAST_PATH_REFUSED:
                pass  # the cell-by-cell path below names the record and field
            else:
                items = self._build_all(page.items or ())
                return ModelPage(items, page.has_more, page.page_token, page.total)
        raw = decode_raw_records(_RAW_PAGE, data)
        return ModelPage(
            self.decode_records(raw.items or []), raw.has_more, raw.page_token, raw.total
        )

    def decode_record_list(self, data: bytes | str | msgspec.Raw) -> list[M]:
        """Decode a JSON array of records (``items`` of list / search) straight into instances.

        Args:
            data: JSON of the array.

        Returns:
            Instances, in order.

        Raises:
            FieldValueError: as :meth:`decode_page`.
            msgspec.ValidationError: a record itself is malformed.
            msgspec.DecodeError: ``data`` is not JSON.
        """
        if self.record_codec.fast_path:
            try:
                items: Any = self._list_decoder.decode(data)
            except FAST_PATH_REFUSED:
                pass  # the cell-by-cell path below names the record and field
            else:
                return self._build_all(items)
        return self.decode_records(decode_raw_records(_RAW_LIST, data))

    def _build_all(self, items: Sequence[Any]) -> list[M]:
        at = self._page_positions
        build = self._build
        return [
            build(r.record_id if r.record_id is not None else r.id, astuple(r.fields), i, at)
            for i, r in enumerate(items)
        ]

    def decode_written(
        self,
        row: M,
        written: Collection[str],
        cells: Mapping[str, msgspec.Raw] | None,
        record_id: str | None,
    ) -> M:
        """The instance a write of ``row`` returns, built from the write's answer.

        Bitable answers a create or update with the cells written, not the
        whole record (the update and batch_update examples, and the emulator;
        a create may fill other cells itself, e.g. dates set to fill in the
        creation time). So the returned instance holds:

        * the attributes written, as the answer shows them (decoded like a
          read); a written cell the answer leaves out (an empty cell) or that
          cannot be decoded is taken as written (the value ``row`` held);
        * when ``row`` was read from this same record (a decoded instance, or
          one a write of it returned, whose ``record_id`` is ``record_id``):
          the attributes it held and did not write, as they were (what a full
          write of ``row`` would have sent, it sends the same way);
        * nothing else: the other attributes are UNSET -- a full write
          (``encode(only_changed=False)``) leaves their cells out, and reading
          one raises :class:`UnsetAttributeError`. A constructor's defaults are
          not cells, so they are not carried over: an update with
          ``Task(record_id=rid, note="x")`` returns an instance that knows
          ``note`` only, and a create returns one that knows the written
          attributes only.

        Nothing is marked as changed, and the cells remembered as read for
        full writes are the answer's (written attributes) or ``row``'s
        (carried attributes): a written attribute never sends back a cell it
        replaced. ``row`` itself is left alone.

        Args:
            row: the instance that was written (an instance of this codec's model).
            written: the field names the write sent (the keys of its ``fields``).
            cells: the answer's cells (field name -> raw JSON), or None when
                the answer held no record.
            record_id: the written record's id.

        Returns:
            A new instance.
        """
        obj = self.model.__new__(self.model)
        d = obj.__dict__
        d["record_id"] = record_id
        d["_dirty"] = set()
        d["_origin"] = _WRITTEN
        src = row.__dict__
        src_read = src.get("_read", _NOTHING_READ)
        carry = (
            record_id is not None
            and src.get("record_id") == record_id
            and src.get("_origin") in (_READ, _WRITTEN)
        )
        read: dict[str, Any] = {}
        for p in self._plans:
            attr = p.attr
            if p.field_name in written:
                cell = None if cells is None else cells.get(p.field_name)
                value = _MISSING if cell is None else self._answer_cell(p, cell, read)
                if value is not _MISSING:
                    d[attr] = value
                elif attr in src:
                    d[attr] = src[attr]  # as written
            elif carry and attr in src:
                d[attr] = copy.copy(src[attr])
                if attr in src_read:
                    read[attr] = src_read[attr]
        d["_read"] = read or _NOTHING_READ
        return obj

    def _answer_cell(self, p: _Plan, cell: msgspec.Raw, read: dict[str, Any]) -> Any:
        """Decode one written cell of a write's answer; ``_MISSING`` when it cannot be."""
        try:
            v = p.codec._decoder.decode(cell)
            if v is None:
                return _MISSING
            if p.finish is not None:
                v = p.finish(v)
            if p.adapt is not None:
                original = v
                v = p.adapt(v)
                read[p.attr] = original  # the cell as answered, for full writes
        except _ANSWER_CELL_ERRORS as exc:
            logger.debug("write answer: field %r kept as written: %s", p.field_name, exc)
            return _MISSING
        return v

    # ---------------------------------------------------------------- encode

    def encode(
        self, instance: M, *, only_changed: bool = True, record_index: int | None = None
    ) -> dict[str, Any]:
        """Encode an instance into the wire ``fields`` object.

        A full write (``only_changed=False``) never changes a cell the instance
        did not change: an attribute assigned since construction or decoding is
        written as assigned; any other set, writable attribute is written as
        its cell was read; an unset attribute (one an instance returned by a
        write does not know, see :meth:`decode_written`) is left out. For an
        attribute whose annotation converts the cell one way (``Person`` on a
        multi-person field, ``str`` on a URL or text field, ``list[str]`` on a
        link, ``date`` on a date field), that is the cell before the
        conversion: every person, the URL's display text, the full timestamp.
        An empty cell shown as the attribute's default (``[]``, ``0``) is
        written as empty (``None``), not as the default. A value changed in
        place (``task.okr.append(...)``) no longer equals what was read and is
        written as it now is. Two cells cannot be written back as read:

        * a link read as display text only (``LinkValue.ids_known`` is False;
          a ``list[str]`` attribute shows it as ``[]``): refused with the
          link codec's :class:`~bitable_async.errors.FieldValueError`, as for
          a ``LinkValue`` attribute, instead of clearing the link;
        * a text cell holding mentions or link segments: text is written as a
          plain string, which would turn them into plain text, so the cell is
          left out of the write (an update leaves it as it is; assign the
          attribute to write it).

        Args:
            instance: the model instance.
            only_changed: write only attributes assigned since construction or
                decoding (a partial update). ``False`` writes every set,
                writable attribute, as described above.
            record_index: position in a batch (named in errors).

        Returns:
            The ``fields`` object; ``None`` values clear cells.

        Raises:
            FieldValueError: a value does not fit, a read-only attribute was
                set, or (full write) a link read without its record ids.
        """
        if not isinstance(instance, self.model):
            raise CellValueError(
                f"not a {self.model.__name__} instance",
                record_index=record_index,
                given=short_repr(instance),
            )
        d = instance.__dict__
        dirty = d["_dirty"]
        read = d.get("_read", _NOTHING_READ)
        values: dict[str, Any] = {}
        for p in self._plans:
            attr = p.attr
            if attr not in d:
                continue
            if attr in dirty:
                values[p.field_name] = d[attr]
                continue
            if only_changed or p.codec.read_only:
                continue
            value = _as_read(p, d[attr], read)
            if value is not _MISSING:
                values[p.field_name] = value
        return self.record_codec.encode_fields(values, record_index=record_index)

    def encode_batch(
        self, instances: Iterable[M], *, only_changed: bool = True
    ) -> list[dict[str, Any]]:
        """Encode instances, validating all before returning anything.

        Args:
            instances: the instances.
            only_changed: as in :meth:`encode`.

        Returns:
            One wire ``fields`` object per instance.

        Raises:
            FieldValueError: at least one invalid value (see ``RecordCodec.encode_batch``).
        """
        from bitable_async.values.record_codec import encode_each

        return encode_each(
            instances,
            lambda i, inst: self.encode(inst, only_changed=only_changed, record_index=i),
        )


def _as_read(p: _Plan, value: Any, read: typing.Mapping[str, Any]) -> Any:
    """What a full write sends for an attribute not assigned since decoding.

    Args:
        p: the attribute's plan.
        value: its current value.
        read: the instance's cells as read (attributes with a one-way annotation).

    Returns:
        The cell as read when the value is still what decoding made of it, else
        the value; ``_MISSING`` when the cell must be left out of the write.
    """
    if p.attr in read:
        original = read[p.attr]
        if original is None:  # an empty cell, shown as the attribute's default
            if value == p.empty:
                return None
        elif p.adapt is not None and p.adapt(original) == value:
            value = original
    if isinstance(p.codec, TextCodec) and _rich_text(value):
        return _MISSING
    return value


def _rich_text(value: Any) -> bool:
    """Whether text segments hold more than plain text (mentions, links)."""
    if not isinstance(value, (list, tuple)):
        return False
    return any(isinstance(s, TextSegment) and s != TextSegment(text=s.text) for s in value)


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")
