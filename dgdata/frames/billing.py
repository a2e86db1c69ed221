"""Billing as frames: balances, purchases (orders), the billing breakdown and billing fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dgdata.frames._responses import (
    aggregate_frame,
    as_dict,
    as_list,
    items_frame,
    period,
    pick,
    response_dicts,
)
from dgdata.frames._schema import FLOAT, LIST, STRING, TIME, Schema

__all__ = [
    "BALANCE_SCHEMA",
    "BILLING_BREAKDOWN_SCHEMA",
    "BILLING_FIELDS_SCHEMA",
    "PURCHASE_SCHEMA",
    "balances",
    "billing_breakdown",
    "billing_fields",
    "purchases",
]

#: Columns of :func:`balances`.
BALANCE_SCHEMA = Schema(
    "balances",
    {"balance_id": STRING, "amount": FLOAT, "units": STRING, "purchase_order_id": STRING},
)

#: Columns of :func:`purchases`.
PURCHASE_SCHEMA = Schema(
    "purchases",
    {
        "order_id": STRING,
        "created": TIME,
        "expiration": TIME,
        "amount": FLOAT,
        "units": STRING,
        "order_type": STRING,
    },
)

#: Columns of :func:`billing_breakdown`.
BILLING_BREAKDOWN_SCHEMA = Schema(
    "billing_breakdown",
    {
        "start": TIME,
        "end": TIME,
        "accessor": STRING,
        "deployment": STRING,
        "line_item": STRING,
        "tags": LIST,
        "dollars": FLOAT,
    },
)

#: Columns of :func:`billing_fields` (tidy: one row per value).
BILLING_FIELDS_SCHEMA = Schema(
    "billing_fields", {"kind": STRING, "value": STRING, "description": STRING}
)


def balances(data: Any) -> pd.DataFrame:
    """Project balances: ``{"balances": [...]}``, one balance (``get``), or a list of either.

    The older ``purchase`` field fills ``purchase_order_id``; the seed SDK's ``{"balance":
    {...}}`` wrapper is unwrapped.

    Example::

        >>> balances({"balances": [{"balance_id": "b1", "amount": 12.5, "units": "usd"}]}).amount
        0    12.5
        Name: amount, dtype: float64
    """
    return items_frame(
        BALANCE_SCHEMA,
        data,
        lambda item: pick(item, "balance_id", "amount", "units", ("purchase_order_id", "purchase")),
        list_keys=("balances",),
        wrapper_keys=("balance",),
        item_keys=(*BALANCE_SCHEMA.names, "purchase"),
    )


def purchases(data: Any) -> pd.DataFrame:
    """Purchases (``/purchases``): one row per order in ``{"orders": [...]}``.

    Example::

        >>> purchases({"orders": [{"order_id": "o1", "amount": 150, "units": "usd",
        ...     "created": "2023-02-21T21:13:40Z"}]}).loc[0, "amount"].item()
        150.0
    """
    return items_frame(PURCHASE_SCHEMA, data, list_keys=("orders",))


def billing_breakdown(data: Any) -> pd.DataFrame:
    """``/billing/breakdown``: one row per result, its grouping columns and ``dollars``.

    Grouping fields are null unless the request grouped by them (<NA>, or ``[]`` for ``tags``).
    The response's period is in ``attrs``.

    Example::

        >>> df = billing_breakdown({"results": [{"dollars": 0.25,
        ...     "grouping": {"start": "2025-01-16", "line_item": "streaming::nova-3"}}]})
        >>> df[["line_item", "dollars"]].to_dict("records")
        [{'line_item': 'streaming::nova-3', 'dollars': 0.25}]
    """
    return aggregate_frame(BILLING_BREAKDOWN_SCHEMA, data, _billing_row)


def _billing_row(result: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[Any, ...]:
    grouping = as_dict(result.get("grouping"))
    return (
        *period(result, response),
        *pick(grouping, "accessor", "deployment", "line_item", "tags"),
        result.get("dollars"),
    )


def billing_fields(data: Any) -> pd.DataFrame:
    """``/billing/fields`` as a tidy frame: kind, value and (for line items) description.

    Kinds: ``accessors``, ``deployments``, ``tags`` and ``line_items`` (whose map of name ->
    label becomes value -> description).

    Example::

        >>> df = billing_fields({"deployments": ["hosted"],
        ...     "line_items": {"streaming::nova-3": "Nova - 3 (Stream)"}})
        >>> df.values.tolist()
        [['deployments', 'hosted', <NA>], ['line_items', 'streaming::nova-3', 'Nova - 3 (Stream)']]
    """
    rows: list[tuple[Any, ...]] = []
    for response in response_dicts(data, func="billing_fields"):
        for kind in ("accessors", "deployments", "tags"):
            rows.extend((kind, value, None) for value in as_list(response.get(kind)))
        line_items = as_dict(response.get("line_items"))
        rows.extend(("line_items", name, label) for name, label in line_items.items())
    return BILLING_FIELDS_SCHEMA.from_rows(rows)
