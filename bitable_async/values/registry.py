"""The registry: field type code (and ``ui_type`` variant) -> codec class.

The codec of a field is chosen from its schema only -- never from a cell's
shape. ``ui_type`` refines types 1 and 2 (barcode, email; progress, currency,
rating), which share their type code with text and number (inferred: the seeds
show these values but not their type codes).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timezone, tzinfo
from functools import partial

from bitable_async.models.fields import FieldSchema, UnknownField
from bitable_async.values.base import BaseCodec, CodecOptions
from bitable_async.values.codecs_derived import FormulaCodec, LookupCodec, RawCodec
from bitable_async.values.codecs_objects import (
    AttachmentCodec,
    DuplexLinkCodec,
    LinkCodec,
    LocationCodec,
    UrlCodec,
)
from bitable_async.values.codecs_people import (
    CreatedUserCodec,
    GroupChatCodec,
    ModifiedUserCodec,
    PersonCodec,
)
from bitable_async.values.codecs_scalar import (
    AutoNumberCodec,
    BarcodeCodec,
    CheckboxCodec,
    CurrencyCodec,
    EmailCodec,
    MultiSelectCodec,
    NumberCodec,
    PhoneCodec,
    ProgressCodec,
    RatingCodec,
    SingleSelectCodec,
    TextCodec,
)
from bitable_async.values.codecs_time import CreatedTimeCodec, DateCodec, ModifiedTimeCodec

__all__ = ["CODECS", "READ_ONLY_TYPES", "UI_VARIANTS", "codec_class_for", "codec_for"]

CODECS: Mapping[int, type[BaseCodec]] = {
    1: TextCodec,
    2: NumberCodec,
    3: SingleSelectCodec,
    4: MultiSelectCodec,
    5: DateCodec,
    7: CheckboxCodec,
    11: PersonCodec,
    13: PhoneCodec,
    15: UrlCodec,
    17: AttachmentCodec,
    18: LinkCodec,
    19: LookupCodec,
    20: FormulaCodec,
    21: DuplexLinkCodec,
    22: LocationCodec,
    23: GroupChatCodec,
    1001: CreatedTimeCodec,
    1002: ModifiedTimeCodec,
    1003: CreatedUserCodec,
    1004: ModifiedUserCodec,
    1005: AutoNumberCodec,
}
"""Type code -> codec class."""

UI_VARIANTS: Mapping[tuple[int, str], type[BaseCodec]] = {
    (1, "Barcode"): BarcodeCodec,
    (1, "Email"): EmailCodec,
    (2, "Progress"): ProgressCodec,
    (2, "Currency"): CurrencyCodec,
    (2, "Rating"): RatingCodec,
}
"""(type code, ui_type) -> codec class, for UI variants that share a type code."""

READ_ONLY_TYPES = frozenset(code for code, cls in CODECS.items() if cls.read_only)
"""Type codes the record API cannot write."""


def codec_class_for(field: FieldSchema) -> type[BaseCodec]:
    """The codec class the schema names.

    Args:
        field: the field schema.

    Returns:
        The codec class; :class:`RawCodec` for unknown types.
    """
    if isinstance(field, UnknownField):
        return RawCodec
    if field.ui_type is not None:
        variant = UI_VARIANTS.get((field.type, field.ui_type))
        if variant is not None:
            return variant
    return CODECS.get(field.type, RawCodec)


def codec_for(
    field: FieldSchema,
    *,
    tz: tzinfo = timezone.utc,
    allow_new_options: bool = False,
    display_formula_ref: bool | None = None,
    references: Mapping[str, FieldSchema | int] | None = None,
) -> BaseCodec:
    """Build the codec bound to one field.

    Args:
        field: the field schema.
        tz: time zone of decoded datetimes and of ``date`` values on write.
        allow_new_options: accept select option names missing from the schema.
        display_formula_ref: the read request's ``display_formula_ref`` option
            (``None``: unknown); see :mod:`bitable_async.values.codecs_derived`.
        references: formula / lookup field name -> the referenced field's schema
            or type code (used only with ``display_formula_ref=True``).

    Returns:
        The codec (implements :class:`~bitable_async.values.base.FieldCodec`).
    """
    resolve = partial(codec_for, tz=tz, allow_new_options=allow_new_options)
    options = CodecOptions(
        tz=tz,
        allow_new_options=allow_new_options,
        resolve=resolve,
        display_formula_ref=display_formula_ref,
        references=references or {},
    )
    return codec_class_for(field)(field, options)
