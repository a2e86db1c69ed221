"""Billing as frames: balances, purchases (orders), the billing breakdown and billing fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dgdata.frames._columns import Schema, as_dict
from dgdata.frames._responses import iter_items, period_attrs, response_dicts, result_items

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
    {"balance_id": "string", "amount": "float", "units": "string", "purchase_order_id": "string"}
)

#: Columns of :func:`purchases`.
PURCHASE_SCHEMA = Schema(
    {
        "order_id": "string",
        "created": "time",
        "expiration": "time",
        "amount": "float",
        "units": "string",
        "order_type": "string",
    }
)

#: Columns of :func:`billing_breakdown`.
BILLING_BREAKDOWN_SCHEMA = Schema(
    {
        "start": "time",
        "end": "time",
        "accessor": "string",
        "deployment": "string",
        "line_item": "string",
        "tags": "list",
        "dollars": "float",
    }
)

#: Columns of :func:`billing_fields` (tidy: one row per value).
BILLING_FIELDS_SCHEMA = Schema({"kind": "string", "value": "string", "description": "string"})


def balances(data: Any) -> pd.DataFrame:
    """Project balances: ``{"balances": [...]}``, one balance (``get``), or a list of either.

    The older ``purchase`` field fills ``purchase_order_id``; the seed SDK's ``{"balance":
    {...}}`` wrapper is unwrapped.

    Example::

        >>> balances({"balances": [{"balance_id": "b1", "amount": 12.5, "units": "usd"}]}).amount
        0    12.5
        Name: amount, dtype: float64
    """
    items = iter_items(
        data,
        func="balances",
        list_keys=("balances",),
        wrapper_keys=("balance",),
        item_keys=(*BALANCE_SCHEMA.names, "purchase"),
    )
    return BALANCE_SCHEMA.from_rows([_balance_row(item) for item in items])


def _balance_row(item: Mapping[str, Any]) -> tuple[Any, ...]:
    order = item.get("purchase_order_id")
    return (
        item.get("balance_id"),
        item.get("amount"),
        item.get("units"),
        order if order is not None else item.get("purchase"),
    )


def purchases(data: Any) -> pd.DataFrame:
    """Purchases (``/purchases``): one row per order in ``{"orders": [...]}``.

    Example::

        >>> purchases({"orders": [{"order_id": "o1", "amount": 150, "units": "usd",
        ...     "created": "2023-02-21T21:13:40Z"}]}).loc[0, "amount"].item()
        150.0
    """
    items = iter_items(
        data, func="purchases", list_keys=("orders",), item_keys=PURCHASE_SCHEMA.names
    )
    return PURCHASE_SCHEMA.from_rows(
        [tuple(item.get(name) for name in PURCHASE_SCHEMA.names) for item in items]
    )


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
    rows = [
        _billing_row(result, response)
        for result, response in result_items(data, func="billing_breakdown")
    ]
    frame = BILLING_BREAKDOWN_SCHEMA.from_rows(rows)
    frame.attrs.update(period_attrs(data))
    return frame


def _billing_row(result: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[Any, ...]:
    grouping = as_dict(result.get("grouping"))
    start = grouping.get("start")
    end = grouping.get("end")
    return (
        start if start is not None else response.get("start"),
        end if end is not None else response.get("end"),
        grouping.get("accessor"),
        grouping.get("deployment"),
        grouping.get("line_item"),
        grouping.get("tags"),
        result.get("dollars"),
    )


def _as_list(value: Any) -> list[Any]:
    return value if type(value) is list else []


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
            values = response.get(kind)
            rows.extend((kind, value, None) for value in _as_list(values))
        line_items = as_dict(response.get("line_items"))
        rows.extend(("line_items", name, label) for name, label in line_items.items())
    return BILLING_FIELDS_SCHEMA.from_rows(rows)
