"""A record model that does not fit the table is checked once and fails once.

``RecordCodec.model_codec`` caches a misfit like a fit, and a batch of the
model's instances (``record_io.encode_rows``) fails at the first one with the
model's own error, not with one error per row.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from _values_support import seed_schema

from bitable_async.errors import FieldValueError
from bitable_async.resources.record_io import encode_rows
from bitable_async.values import Field, RecordCodec, RecordModel
from bitable_async.values import model as model_module
from bitable_async.values.record_codec import BatchFieldValueError


class Wrong(RecordModel):
    n: Annotated[str, Field("数字")]


class Fits(RecordModel):
    n: Annotated[float | None, Field("数字")] = None


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[type[Any]]:
    """Records every ModelCodec construction (one per model check)."""
    seen: list[type[Any]] = []
    real = model_module.ModelCodec.__init__

    def counting(self: Any, model: type[Any], record_codec: RecordCodec) -> None:
        seen.append(model)
        real(self, model, record_codec)

    monkeypatch.setattr(model_module.ModelCodec, "__init__", counting)
    return seen


def test_a_misfit_is_checked_once_and_raised_as_a_fresh_error(builds: list[type[Any]]) -> None:
    codec = RecordCodec.from_fields(seed_schema())
    with pytest.raises(FieldValueError) as first:
        codec.model_codec(Wrong)
    with pytest.raises(FieldValueError) as second:
        codec.model_codec(Wrong)
    assert builds == [Wrong]  # not checked again
    assert second.value is not first.value
    assert str(second.value) == str(first.value)
    assert "attribute 'n': str does not fit field '数字' of type number(2)" in str(first.value)
    assert second.value.expected == first.value.expected
    # A model that fits is still cached as its codec.
    assert codec.model_codec(Fits) is codec.model_codec(Fits)
    assert builds == [Wrong, Fits]


def test_a_batch_of_misfit_instances_fails_once_with_the_model_error(
    builds: list[type[Any]],
) -> None:
    codec = RecordCodec.from_fields(seed_schema())
    rows = [Wrong(n=str(i)) for i in range(500)]
    with pytest.raises(FieldValueError) as info:
        encode_rows(codec, rows)
    err = info.value
    assert not isinstance(err, BatchFieldValueError)
    msg = str(err)
    assert msg.startswith("model Wrong does not fit the table: attribute 'n'")
    assert msg.count("expected") == 1
    assert "invalid values in records" not in msg
    assert err.record_index is None  # no row is at fault
    assert builds == [Wrong]


def test_the_model_error_wins_over_row_errors_in_a_mixed_batch() -> None:
    codec = RecordCodec.from_fields(seed_schema())
    rows: list[Any] = [{"数字": "bad"}, Fits(n=1.0), Wrong(n="1"), {"数字": "bad too"}]
    with pytest.raises(FieldValueError, match="model Wrong does not fit") as info:
        encode_rows(codec, rows)
    assert not isinstance(info.value, BatchFieldValueError)
    # Without the misfit, the row errors are all reported as before.
    with pytest.raises(BatchFieldValueError) as rows_info:
        encode_rows(codec, [rows[0], rows[1], rows[3]])
    assert [e.record_index for e in rows_info.value.errors] == [0, 2]
