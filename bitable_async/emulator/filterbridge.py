"""Bridge from the record routes to the filter/sort engine in ``filtering.py``.

The engine raises :class:`~.filtering.FilterError`; the routes need
:class:`~.errors.ApiError`. Each function here calls the engine and translates
that one error type, keeping its code (1254018 / 1254016) and message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from . import filtering
from .errors import ApiError
from .filter_values import Record
from .filtering import Predicate as Predicate  # routes name it FB.Predicate


@contextmanager
def _as_api_error() -> Iterator[None]:
    try:
        yield
    except filtering.FilterError as exc:
        raise ApiError(exc.code, exc.msg) from None


def search_filter(filter_obj: Any, field_types: Mapping[str, int]) -> Predicate:
    """Compile a records/search ``filter`` object.

    Args:
        filter_obj: the ``filter`` of the request body.
        field_types: field name -> field type ID of the table.

    Returns:
        A predicate over records (field name -> stored value).

    Raises:
        ApiError: 1254018 for an invalid filter.
    """
    with _as_api_error():
        return filtering.compile_search_filter(filter_obj, field_types)


def formula_filter(expr: str, field_types: Mapping[str, int]) -> Predicate:
    """Compile a list-records formula ``filter``.

    Args:
        expr: the ``filter`` query parameter.
        field_types: field name -> field type ID of the table.

    Returns:
        A predicate over records (field name -> stored value).

    Raises:
        ApiError: 1254018 for an invalid filter.
    """
    with _as_api_error():
        return filtering.compile_formula(expr, field_types)


def sort_search(records: list[Record], sort: Any, field_types: Mapping[str, int]) -> list[Record]:
    """Sort records by a records/search ``sort`` list (stable).

    Args:
        records: the records (not modified).
        sort: the ``sort`` of the request body.
        field_types: field name -> field type ID of the table.

    Returns:
        A new, sorted list.

    Raises:
        ApiError: 1254016 for an invalid sort.
    """
    with _as_api_error():
        return filtering.sort_records_search(records, sort, field_types)


def sort_formula(records: list[Record], sort: list[str], field_types: Mapping[str, int]
                 ) -> list[Record]:
    """Sort records by a list-records ``sort`` (``["Name DESC", ...]``, stable).

    Args:
        records: the records (not modified).
        sort: the decoded ``sort`` query parameter.
        field_types: field name -> field type ID of the table.

    Returns:
        A new, sorted list.

    Raises:
        ApiError: 1254016 for an invalid sort.
    """
    with _as_api_error():
        return filtering.sort_records_formula(records, sort, field_types)
