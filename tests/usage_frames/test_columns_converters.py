"""The schema machinery shared by the usage, billing and account frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dgdata.frames._columns import (
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
from dgdata.frames._responses import iter_items


def test_to_float_reads_numbers_and_numeric_strings_and_drops_the_rest() -> None:
    values = [1, 2.5, "3.25", None, True, {"x": 1}, [1], "abc", 10**400]
    result = to_float(values)
    assert result.dtype == np.float64
    assert result[:3].tolist() == [1.0, 2.5, 3.25]
    assert all(math.isnan(v) for v in result[3:])


def test_to_int_keeps_integral_floats_and_rejects_fractions() -> None:
    result = to_int([200.0, 404, "500", 1.1, None, 2**70, True])
    assert result.dtype == "Int64"
    assert result.tolist() == [200, 404, 500, pd.NA, pd.NA, pd.NA, pd.NA]


def test_to_bool_reads_json_booleans_and_yes_no_words_only() -> None:
    result = to_bool([True, False, None, "yes", "False", 1, 0, 2, "maybe", [True]])
    assert result.dtype == "boolean"
    assert result.tolist() == [True, False, pd.NA, True, False, True, False, pd.NA, pd.NA, pd.NA]


def test_to_flag_means_the_option_was_used() -> None:
    values = [True, False, None, "v2", "false", ["pci"], [], 0, 3, {"a": 1}, math.nan]
    assert to_flag(values).tolist() == [
        True, False, pd.NA, True, False, True, False, False, True, True, pd.NA,
    ]  # fmt: skip


def test_to_time_parses_iso_variants_as_utc_nanoseconds() -> None:
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


def test_to_time_turns_placeholders_numbers_and_out_of_range_dates_into_nat() -> None:
    result = to_time(["YYYY-MM-DDThh:mm:ss.sTZD", 1700000000, None, "9999-12-31T00:00:00Z"])
    assert result.dtype == "datetime64[ns, UTC]"
    assert result.isna().all()


def test_to_string_writes_scalars_out_and_drops_containers() -> None:
    result = to_string(["a", 7, 1.5, True, None, {"k": 1}, math.nan])
    assert result.dtype == "string"
    assert result.tolist() == ["a", "7", "1.5", "true", pd.NA, pd.NA, pd.NA]


def test_list_columns_hold_one_list_of_strings_per_row() -> None:
    result = to_list([["a", "b"], "c", None, [1, None, "x", {"no": 1}], [["x"]]])
    assert result.dtype == object and result.shape == (5,)
    assert result.tolist() == [["a", "b"], ["c"], [], ["1", "x"], []]
    assert str_list(["a"]) == ["a"]


def test_schema_builds_declared_columns_in_order_with_missing_ones_filled() -> None:
    schema = Schema({"id": "string", "n": "int", "at": "time", "tags": "list", "ok": "bool"})
    frame = schema.build({"n": [1, 2], "id": ["a", None]}, 2)
    assert frame.columns.tolist() == ["id", "n", "at", "tags", "ok"]
    assert frame.dtypes.to_dict() == schema.dtypes()
    assert frame["at"].isna().all() and frame["ok"].isna().all()
    assert frame["tags"].tolist() == [[], []]
    assert frame["tags"][0] is not frame["tags"][1]  # no shared list between rows


def test_schema_empty_frame_has_every_column_and_dtype() -> None:
    schema = Schema({"a": "float", "b": "flag", "c": "object"})
    empty = schema.empty()
    assert len(empty) == 0
    assert empty.dtypes.to_dict() == schema.dtypes()


def test_schema_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown column kinds"):
        Schema({"a": "decimal"})


def test_iter_items_reads_list_responses_single_items_and_lists_of_both() -> None:
    kwargs = {"func": "f", "list_keys": ("things",), "item_keys": ("thing_id",)}
    assert list(iter_items({"things": [{"thing_id": 1}, None, 5]}, **kwargs)) == [{"thing_id": 1}]
    assert list(iter_items({"thing_id": 2}, **kwargs)) == [{"thing_id": 2}]
    both = [{"things": [{"thing_id": 1}]}, None, {"thing_id": 2}]
    assert [i["thing_id"] for i in iter_items(both, **kwargs)] == [1, 2]
    assert list(iter_items({"things": None}, **kwargs)) == []


def test_iter_items_raises_clear_errors_for_input_of_the_wrong_kind() -> None:
    kwargs = {"func": "f", "list_keys": ("things",), "item_keys": ("thing_id",)}
    with pytest.raises(TypeError, match=r"f\(\) expects"):
        list(iter_items("things", **kwargs))
    with pytest.raises(TypeError, match="element 1 is a int"):
        list(iter_items([{"thing_id": 1}, 3], **kwargs))
    with pytest.raises(ValueError, match="does not recognise"):
        list(iter_items({"unrelated": 1}, **kwargs))
