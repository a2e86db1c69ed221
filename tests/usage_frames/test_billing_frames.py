"""balances, purchases, billing_breakdown and billing_fields."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from dgdata.frames.billing import (
    BALANCE_SCHEMA,
    BILLING_BREAKDOWN_SCHEMA,
    BILLING_FIELDS_SCHEMA,
    PURCHASE_SCHEMA,
    balances,
    billing_breakdown,
    billing_fields,
    purchases,
)

from .conftest import PROJECT, DocsExample


def test_balances_list_and_get_examples_give_the_same_row(docs_example: DocsExample) -> None:
    listed = balances(docs_example("GET", PROJECT + "/balances"))
    got = balances(docs_example("GET", PROJECT + "/balances/{balance_id}"))
    pd.testing.assert_frame_equal(listed, got)
    assert listed.iloc[0].tolist() == ["balance_id", 1.1, "units", "purchase_order_id"]


def test_seed_sdk_balance_shapes_use_purchase_and_the_balance_wrapper() -> None:
    frame = balances([{"balance": {"balance_id": "b1", "amount": "20", "purchase": "PO-7"}}])
    assert frame.loc[0, "purchase_order_id"] == "PO-7"
    assert frame.loc[0, "amount"] == 20.0  # an amount sent as a string still counts


def test_purchases_golden_row_from_docs_example(docs_example: DocsExample) -> None:
    frame = purchases(docs_example("GET", PROJECT + "/purchases"))
    assert frame.dtypes.to_dict() == PURCHASE_SCHEMA.dtypes()
    row = frame.iloc[0]
    assert row["order_id"] == "025e19ba-b6d9-4a04-9f99-4fe715aca5f1"
    assert row["created"] == pd.Timestamp("2023-02-21 21:13:40", tz="UTC")
    assert row["expiration"] == pd.Timestamp("2026-03-04", tz="UTC")
    assert (row["amount"], row["units"], row["order_type"]) == (150.0, "usd", "promotional")


def test_billing_breakdown_golden_row(docs_example: DocsExample) -> None:
    frame = billing_breakdown(docs_example("GET", PROJECT + "/billing/breakdown"))
    assert frame.dtypes.to_dict() == BILLING_BREAKDOWN_SCHEMA.dtypes()
    row = frame.iloc[0]
    assert row["start"] == pd.Timestamp("2025-01-16", tz="UTC")
    assert (row["accessor"], row["deployment"], row["line_item"]) == (
        "123456789012345678901234", "hosted", "streaming::nova-3",
    )  # fmt: skip
    assert row["tags"] == ["tag1", "tag2"] and row["dollars"] == 0.25
    assert frame.attrs["end"] == "2025-01-23"


def test_billing_breakdown_dollars_sum_by_line_item() -> None:
    response = {
        "start": "2025-02-01",
        "end": "2025-02-02",
        "results": [
            {"dollars": 1.25, "grouping": {"line_item": "streaming::nova-3", "tags": None}},
            {"dollars": 0.75, "grouping": {"line_item": "streaming::nova-3"}},
            {"dollars": "2.5", "grouping": {"line_item": "sync::aura-2"}},
            None,
        ],
    }
    frame = billing_breakdown(response)
    assert frame.groupby("line_item")["dollars"].sum().to_dict() == {
        "streaming::nova-3": 2.0,
        "sync::aura-2": 2.5,
    }
    assert (frame["start"] == pd.Timestamp("2025-02-01", tz="UTC")).all()


def test_billing_fields_are_tidy_with_line_item_descriptions(docs_example: DocsExample) -> None:
    frame = billing_fields(docs_example("GET", PROJECT + "/billing/fields"))
    assert frame.dtypes.to_dict() == BILLING_FIELDS_SCHEMA.dtypes()
    assert frame["kind"].value_counts().to_dict() == {
        "accessors": 2,
        "deployments": 2,
        "tags": 2,
        "line_items": 2,
    }
    line_items = frame[frame["kind"] == "line_items"].set_index("value")["description"]
    assert line_items.to_dict() == {
        "streaming::nova-3": "Nova - 3 (Stream)",
        "sync::aura-2": "Aura -2 (Sync)",
    }


@pytest.mark.parametrize(
    ("function", "schema", "empty"),
    [
        (balances, BALANCE_SCHEMA, {"balances": []}),
        (purchases, PURCHASE_SCHEMA, {"orders": None}),
        (billing_breakdown, BILLING_BREAKDOWN_SCHEMA, {"results": []}),
        (billing_fields, BILLING_FIELDS_SCHEMA, {}),
    ],
)
def test_empty_billing_frames_keep_declared_columns(
    function: Any, schema: Any, empty: dict[str, Any]
) -> None:
    frame = function(empty)
    assert len(frame) == 0
    assert frame.columns.tolist() == schema.names
    assert frame.dtypes.to_dict() == schema.dtypes()
