"""Where account, usage and billing responses keep their items, and how rows are picked.

The column kinds and converters these frames share with every other frame are tested in
``tests/frames/test_schema.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from dgdata.frames._responses import aggregate_frame, items_frame, iter_items, period, pick
from dgdata.frames._schema import FLOAT, STRING, TIME, Schema

THINGS = Schema("things", {"thing_id": STRING, "size": FLOAT})


def test_iter_items_reads_list_responses_single_items_and_lists_of_both() -> None:
    kwargs: dict[str, Any] = {"func": "f", "list_keys": ("things",), "item_keys": ("thing_id",)}
    assert list(iter_items({"things": [{"thing_id": 1}, None, 5]}, **kwargs)) == [{"thing_id": 1}]
    assert list(iter_items({"thing_id": 2}, **kwargs)) == [{"thing_id": 2}]
    both = [{"things": [{"thing_id": 1}]}, None, {"thing_id": 2}]
    assert [i["thing_id"] for i in iter_items(both, **kwargs)] == [1, 2]
    assert list(iter_items({"things": None}, **kwargs)) == []


def test_iter_items_raises_clear_errors_for_input_of_the_wrong_kind() -> None:
    kwargs: dict[str, Any] = {"func": "f", "list_keys": ("things",), "item_keys": ("thing_id",)}
    with pytest.raises(TypeError, match=r"f\(\) expects"):
        list(iter_items("things", **kwargs))
    with pytest.raises(TypeError, match="element 1 is a int"):
        list(iter_items([{"thing_id": 1}, 3], **kwargs))
    with pytest.raises(ValueError, match="does not recognise"):
        list(iter_items({"unrelated": 1}, **kwargs))


def test_pick_takes_fields_in_order_and_the_first_non_null_of_alternatives() -> None:
    item = {"a": 1, "old": 2, "new": None}
    assert pick(item, "a", ("new", "old"), "missing") == (1, 2, None)
    assert pick({}, ("x", "y")) == (None,)


def test_items_frame_picks_the_schemas_columns_and_names_its_function_in_errors() -> None:
    frame = items_frame(
        THINGS, {"things": [{"thing_id": "t1", "size": "2.5"}]}, list_keys=("things",)
    )
    assert frame.to_dict("records") == [{"thing_id": "t1", "size": 2.5}]
    assert items_frame(THINGS, {"size": 1}, list_keys=("things",))["size"].tolist() == [1.0]
    with pytest.raises(ValueError, match=r"things\(\) does not recognise"):
        items_frame(THINGS, {"unrelated": 1}, list_keys=("things",))


def test_a_period_comes_from_the_result_then_its_grouping_then_the_response() -> None:
    response = {"start": "r0", "end": "r1"}
    assert period({"start": "s", "grouping": {"start": "g", "end": "h"}}, response) == ("s", "h")
    assert period({"start": None, "grouping": {"start": "g"}}, response) == ("g", "r1")
    assert period({}, response) == ("r0", "r1")


def test_aggregate_frames_keep_the_response_period_in_attrs() -> None:
    schema = Schema("totals", {"start": TIME, "hours": FLOAT})
    data = {
        "start": "2024-01-01",
        "end": "2024-01-31",
        "resolution": {"units": "day", "amount": 1},
        "results": [{"hours": 1.5}, None, {"start": "2024-01-02", "hours": 2}],
    }
    frame = aggregate_frame(schema, data, lambda r, resp: (period(r, resp)[0], r.get("hours")))
    assert frame["hours"].tolist() == [1.5, 2.0]
    assert frame["start"].dt.day.tolist() == [1, 2]
    assert frame.attrs == {
        "start": "2024-01-01",
        "end": "2024-01-31",
        "resolution_units": "day",
        "resolution_amount": 1,
    }
