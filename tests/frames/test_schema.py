"""The declared-schema helper: converters keep dtypes whatever the values look like."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from dgdata.frames import _html, _schema
from dgdata.frames._schema import (
    BOOL,
    DATETIME,
    FLOAT,
    INT,
    STRING,
    Schema,
    bool_array,
    datetime_array,
    float_array,
    int_array,
    string_array,
)


@pytest.mark.parametrize("module", [_schema, _html], ids=lambda m: m.__name__)
def test_the_docstring_examples_are_true(module: object) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert tried > 0 and failures == 0


def test_floats_accept_ints_and_numeric_text_and_turn_the_rest_into_nan() -> None:
    values = float_array([1, 2.5, None, "3.5", "x", {}, [1, 2], True])
    assert values.dtype == np.float64
    assert values[[0, 1, 3, 7]].tolist() == [1.0, 2.5, 3.5, 1.0]
    assert np.isnan(values[[2, 4, 5, 6]]).all()


def test_floats_of_nested_lists_of_equal_length_do_not_become_two_dimensional() -> None:
    assert float_array([[1, 2], [3, 4]]).shape == (2,)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2.0, None], [1, 2, pd.NA]),
        ([1.5, 1e30, float("inf"), float("nan")], [pd.NA] * 4),
        ([True, 1.5], [1, pd.NA]),
        ([2**63, -(2**63)], [pd.NA, -(2**63)]),
        (["7", "x"], [7, pd.NA]),
    ],
    ids=["plain", "non-integral", "bool-with-float", "int64-range", "text"],
)
def test_ints_are_never_truncated_or_wrapped(values: list, expected: list) -> None:
    array = int_array(values)
    assert str(array.dtype) == "Int64"
    assert array.tolist() == expected


def test_strings_convert_scalars_and_keep_missing_values_missing() -> None:
    array = string_array(["a", None, 3, 1.5, float("nan")])
    assert str(array.dtype) == "string"
    assert array.tolist() == ["a", pd.NA, "3", "1.5", pd.NA]


def test_booleans_accept_only_true_and_false() -> None:
    assert bool_array([True, False, 1, "yes", None]).tolist() == [True, False, pd.NA, pd.NA, pd.NA]


def test_datetimes_are_utc_nanoseconds_and_bad_values_are_nat() -> None:
    array = datetime_array(["2025-07-22T16:56:38.656Z", "2025-07-22T18:00:00+02:00", "x", 5, None])
    assert str(array.dtype) == DATETIME
    assert str(array[0]) == "2025-07-22 16:56:38.656000+00:00"
    assert str(array[1]) == "2025-07-22 16:00:00+00:00"
    assert pd.isna(array[2:]).all()


def test_a_schema_builds_declared_dtypes_and_fills_missing_columns() -> None:
    schema = Schema("demo", (("a", FLOAT), ("b", INT), ("c", STRING), ("d", BOOL), ("e", DATETIME)))
    frame = schema.frame({"a": [1, None], "c": ["x", "y"]}, 2)
    assert frame.dtypes.astype(str).tolist() == ["float64", "Int64", "string", "boolean", DATETIME]
    assert frame["b"].isna().all() and frame["d"].isna().all() and frame["e"].isna().all()
    assert schema.empty().dtypes.astype(str).tolist() == frame.dtypes.astype(str).tolist()


def test_a_schema_refuses_unknown_dtypes() -> None:
    with pytest.raises(ValueError, match="unknown dtypes"):
        Schema("bad", (("a", "float32"),))


def test_a_schema_refuses_columns_of_the_wrong_length() -> None:
    with pytest.raises(AssertionError, match=r"demo\.a"):
        Schema("demo", (("a", FLOAT),)).frame({"a": [1.0]}, 2)
