"""The one schema of every frame: what each kind of column makes of every kind of value.

The coercion table below is the one in ``dgdata.frames._schema``'s docstring; each value is
checked alone (the per-value rules) and among well-formed values (the vectorised paths), so
a value becomes the same thing whatever its neighbours.
"""

from __future__ import annotations

import doctest
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dgdata.frames import _html, _schema
from dgdata.frames._schema import (
    BOOL,
    FLAG,
    FLOAT,
    INT,
    LIST,
    OBJECT,
    STRING,
    TIME,
    Schema,
    str_list,
    to_bool,
    to_flag,
    to_float,
    to_int,
    to_list,
    to_string,
    to_time,
)

NA = pd.NA
KINDS = (INT, FLOAT, BOOL, FLAG, STRING, TIME)
BIG = 2**63
#: value, then what it becomes in an int, float, bool, flag, string and time column
COERCIONS: list[tuple[Any, ...]] = [
    (True, NA, NA, True, True, "true", NA),
    (False, NA, NA, False, False, "false", NA),
    ("True", NA, NA, True, True, "True", NA),
    ("true", NA, NA, True, True, "true", NA),
    ("TRUE", NA, NA, True, True, "TRUE", NA),
    (" yes ", NA, NA, True, True, " yes ", NA),
    ("no", NA, NA, False, False, "no", NA),
    ("Off", NA, NA, False, False, "Off", NA),
    ("1", 1, 1.0, True, True, "1", NA),
    ("0", 0, 0.0, False, False, "0", NA),
    ("maybe", NA, NA, NA, True, "maybe", NA),
    (1, 1, 1.0, True, True, "1", NA),
    (0, 0, 0.0, False, False, "0", NA),
    (1.5, NA, 1.5, NA, True, "1.5", NA),
    (2.0, 2, 2.0, NA, True, "2.0", NA),
    ("7", 7, 7.0, NA, True, "7", NA),
    ("2.0", 2, 2.0, NA, True, "2.0", NA),
    (-3, -3, -3.0, NA, True, "-3", NA),
    ("-3", -3, -3.0, NA, True, "-3", NA),
    (-0.5, NA, -0.5, NA, True, "-0.5", NA),
    (BIG - 1, BIG - 1, float(BIG), NA, True, str(BIG - 1), NA),
    (-BIG, -BIG, -float(BIG), NA, True, str(-BIG), NA),
    (BIG, NA, float(BIG), NA, True, str(BIG), NA),
    ("9007199254740993", 2**53 + 1, 2.0**53, NA, True, "9007199254740993", NA),
    (10**400, NA, NA, NA, True, str(10**400), NA),
    ("1e400", NA, NA, NA, True, "1e400", NA),
    (1e30, NA, 1e30, NA, True, "1e+30", NA),
    (math.inf, NA, math.inf, NA, True, "inf", NA),
    ("", NA, NA, NA, NA, "", NA),
    (None, NA, NA, NA, NA, NA, NA),
    (math.nan, NA, NA, NA, NA, NA, NA),
    ([], NA, NA, NA, False, NA, NA),
    (["pci"], NA, NA, NA, True, NA, NA),
    ({"k": 1}, NA, NA, NA, True, NA, NA),
    ("2024-01-15T09:30:00Z", NA, NA, NA, True, "2024-01-15T09:30:00Z", "2024-01-15 09:30Z"),
]
#: a well-formed value of each kind, to surround the odd one with
TYPICAL = {INT: 5, FLOAT: 0.25, BOOL: True, FLAG: False, STRING: "text", TIME: "2025-01-01"}


def _cases() -> list[Any]:
    cases = []
    for value, *expected in COERCIONS:
        for kind, result in zip(KINDS, expected, strict=True):
            cases.append(pytest.param(value, kind, result, id=f"{kind}-{value!r:.24}"))
    return cases


def _same(actual: Any, expected: Any, kind: str) -> bool:
    if expected is NA:
        return bool(pd.isna(actual))
    if kind == TIME:
        return bool(actual == pd.Timestamp(expected))
    return type(actual) is type(expected) and actual == expected


def _python(value: Any) -> Any:
    """A frame cell as a plain Python value (numpy scalars unwrapped)."""
    return value.item() if isinstance(value, np.generic) else value


@pytest.mark.parametrize(("value", "kind", "expected"), _cases())
def test_each_kind_makes_the_documented_value_of_each_odd_input(
    value: Any, kind: str, expected: Any
) -> None:
    schema = Schema("coercion", {"column": kind})
    alone = _python(schema.frame({"column": [value]}, 1)["column"].iloc[0])
    assert _same(alone, expected, kind), alone
    typical = TYPICAL[kind]
    among = schema.frame({"column": [typical, value, typical]}, 3)["column"]
    assert _same(_python(among.iloc[1]), expected, kind), among.iloc[1]
    assert str(among.dtype) == str(schema.dtypes()["column"])


def test_the_coercion_table_is_the_one_the_module_documents() -> None:
    doc = _schema.__doc__ or ""
    for value in ("``True``", '``"True"``', '``"true"``', "``1.5``", '``""``', "``None``"):
        assert value in doc
    assert "a boolean is not a number" in doc and "never truncated" in doc


@pytest.mark.parametrize("module", [_schema, _html], ids=lambda m: m.__name__)
def test_the_docstring_examples_are_true(module: object) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert tried > 0 and failures == 0


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "1", "-2", "2.5", "true", "No", "x", "2024-01-15T09:30:00Z"]),
    st.lists(st.text(max_size=3), max_size=2),
)


@settings(max_examples=80, deadline=None)
@given(values=st.lists(SCALARS, max_size=12), kind=st.sampled_from(KINDS))
def test_a_value_becomes_the_same_whatever_its_neighbours(values: list[Any], kind: str) -> None:
    schema = Schema("mixed", {"column": kind})
    column = schema.frame({"column": values}, len(values))["column"]
    assert column.dtype == schema.dtypes()["column"]
    for position, value in enumerate(values):
        alone = schema.frame({"column": [value]}, 1)["column"].iloc[0]
        cell = column.iloc[position]
        assert (pd.isna(alone) and pd.isna(cell)) or alone == cell, (value, alone, cell)


def test_floats_read_numbers_and_numeric_strings_and_drop_the_rest() -> None:
    values = [1, 2.5, "3.25", None, True, {"x": 1}, [1], "abc", 10**400]
    result = to_float(values)
    assert result.dtype == np.float64
    assert result[:3].tolist() == [1.0, 2.5, 3.25]
    assert all(math.isnan(v) for v in result[3:])


def test_floats_of_nested_lists_of_equal_length_do_not_become_two_dimensional() -> None:
    assert to_float([[1, 2], [3, 4]]).shape == (2,)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2.0, None], [1, 2, NA]),
        ([1.5, 1e30, float("inf"), float("nan")], [NA] * 4),
        ([True, 1.5], [NA, NA]),  # a bool is not an integer (it was 1 before the merge)
        ([2**63, -(2**63)], [NA, -(2**63)]),
        (["7", "x"], [7, NA]),
        ([200.0, 404, "500", 1.1, None, 2**70, True], [200, 404, 500, NA, NA, NA, NA]),
    ],
    ids=["plain", "non-integral", "bool-with-float", "int64-range", "text", "mixed"],
)
def test_ints_are_never_truncated_or_wrapped(values: list, expected: list) -> None:
    array = to_int(values)
    assert str(array.dtype) == "Int64"
    assert array.tolist() == expected


def test_strings_write_scalars_out_and_drop_containers() -> None:
    result = to_string(["a", 7, 1.5, True, None, {"k": 1}, math.nan])
    assert str(result.dtype) == "string"
    assert result.tolist() == ["a", "7", "1.5", "true", NA, NA, NA]


def test_booleans_read_json_booleans_ones_and_zeros_and_words_in_any_case() -> None:
    result = to_bool([True, False, None, "yes", "False", 1, 0, 2, "maybe", [True]])
    assert result.dtype == "boolean"
    assert result.tolist() == [True, False, NA, True, False, True, False, NA, NA, NA]


def test_flags_mean_the_option_was_used() -> None:
    values = [True, False, None, "v2", "false", ["pci"], [], 0, 3, {"a": 1}, math.nan]
    assert to_flag(values).tolist() == [
        True, False, NA, True, False, True, False, False, True, True, NA,
    ]  # fmt: skip


def test_times_parse_iso_variants_as_utc_nanoseconds() -> None:
    result = to_time(
        [
            "2024-01-15T09:30:00Z",
            "2025-07-22T16:56:38.656Z",
            "2024-01-15T11:30:00+02:00",
            "2024-10-16",
            "2024-01-15T09:30:00",
        ]
    )
    assert result.dtype == "datetime64[ns, UTC]"
    assert result[0] == result[2] == result[4] == pd.Timestamp("2024-01-15 09:30", tz="UTC")
    assert result[1] == pd.Timestamp("2025-07-22 16:56:38.656", tz="UTC")
    assert result[3] == pd.Timestamp("2024-10-16", tz="UTC")


def test_times_turn_placeholders_numbers_and_out_of_range_dates_into_nat() -> None:
    result = to_time(["YYYY-MM-DDThh:mm:ss.sTZD", 1700000000, None, "9999-12-31T00:00:00Z", ""])
    assert result.dtype == "datetime64[ns, UTC]"
    assert result.isna().all()


def test_list_columns_hold_one_list_of_strings_per_row() -> None:
    result = to_list([["a", "b"], "c", None, [1, None, "x", {"no": 1}], [["x"]], ""])
    assert result.dtype == object and result.shape == (6,)
    assert result.tolist() == [["a", "b"], ["c"], [], ["1", "x"], [], []]
    assert str_list(["a"]) == ["a"]


def test_a_schema_builds_declared_columns_in_order_with_missing_ones_filled() -> None:
    schema = Schema("demo", {"id": STRING, "n": INT, "at": TIME, "tags": LIST, "ok": BOOL})
    frame = schema.frame({"n": [1, 2], "id": ["a", None]}, 2)
    assert frame.columns.tolist() == ["id", "n", "at", "tags", "ok"]
    assert frame.dtypes.to_dict() == schema.dtypes()
    assert frame["at"].isna().all() and frame["ok"].isna().all()
    assert frame["tags"].tolist() == [[], []]
    assert frame["tags"][0] is not frame["tags"][1]  # no shared list between rows
    assert isinstance(frame.index, pd.RangeIndex)


def test_object_columns_keep_text_as_python_objects() -> None:
    frame = Schema("demo", {"value": OBJECT}).frame({"value": ["Ada", {"k": 1}, ""]}, 3)
    assert frame["value"].dtype == object
    assert frame["value"].tolist() == ["Ada", {"k": 1}, ""]


def test_every_kind_gives_its_dtype_in_an_empty_frame() -> None:
    kinds = (STRING, FLOAT, INT, BOOL, FLAG, TIME, LIST, OBJECT)
    schema = Schema("all", {kind: kind for kind in kinds})
    empty = schema.empty()
    assert len(empty) == 0 and empty.columns.tolist() == list(kinds)
    assert empty.dtypes.astype(str).tolist() == [
        "string", "float64", "Int64", "boolean", "boolean", "datetime64[ns, UTC]", "object",
        "object",
    ]  # fmt: skip


def test_rows_in_column_order_give_the_same_frame_as_columns() -> None:
    schema = Schema("demo", {"a": INT, "b": STRING})
    by_rows = schema.from_rows([(1, "x"), (None, 2)])
    pd.testing.assert_frame_equal(by_rows, schema.frame({"a": [1, None], "b": ["x", 2]}, 2))


def test_a_schema_refuses_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown column kinds"):
        Schema("bad", {"a": "decimal"})


def test_a_schema_refuses_columns_of_the_wrong_length() -> None:
    with pytest.raises(AssertionError, match=r"demo\.a"):
        Schema("demo", {"a": FLOAT}).frame({"a": [1.0]}, 2)
