"""Routes: balances (list, get), the billing breakdown, billing fields and purchases.

Balances go down as requests are recorded (:func:`dgdata.server.backend.usage_log.record_request` takes
each request's cost off them, oldest balance first); the breakdown and fields are computed from
the requests that did not fail. Reading billing needs the member role.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dgdata.server.backend import usage_stats
from dgdata.server.backend.usage_stats import Filters
from dgdata.server.errors import not_found, query_error
from dgdata.server.routes._params import DEPLOYMENTS, query_enum, query_strings
from dgdata.server.routes.usage import aggregate_range
from dgdata.server.state import json_response, project_caller, query_int, server_state

__all__ = ["ROUTES"]


def _balance_json(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "balance_id": row["balance_id"],
        "amount": round(float(row["amount"]), 6),
        "units": row["units"],
    }
    if row["purchase_order_id"] is not None:
        out["purchase_order_id"] = row["purchase_order_id"]
    return out


async def list_balances(request: Request) -> Response:
    _, project_id = project_caller(request)
    rows = server_state(request).store.query(
        "SELECT * FROM balances WHERE project_id = ? ORDER BY rowid", (project_id,)
    )
    return json_response({"balances": [_balance_json(row) for row in rows]})


async def get_balance(request: Request) -> Response:
    _, project_id = project_caller(request)
    row = server_state(request).store.one(
        "SELECT * FROM balances WHERE project_id = ? AND balance_id = ?",
        (project_id, request.path_params["balance_id"]),
    )
    if row is None:
        raise not_found("Balance")
    return json_response(_balance_json(row))


async def get_breakdown(request: Request) -> Response:
    _, project_id = project_caller(request)
    store = server_state(request).store
    groupings = query_strings(request, "grouping")
    bad = [g for g in groupings if g not in usage_stats.BILLING_GROUPINGS]
    if bad:
        raise query_error(
            f"grouping must be among {', '.join(usage_stats.BILLING_GROUPINGS)}, not {bad[0]!r}."
        )
    groupings = list(dict.fromkeys(groupings))
    start, end = aggregate_range(request, store, project_id)
    filters = Filters(
        accessor=request.query_params.get("accessor") or None,
        deployment=query_enum(request, "deployment", DEPLOYMENTS),
        tag=query_strings(request, "tag"),
        line_item=request.query_params.get("line_item") or None,
    )
    rows = usage_stats.usage_rows(store, project_id, start, end, filters)
    return json_response(usage_stats.billing_breakdown(rows, start, end, groupings))


async def get_fields(request: Request) -> Response:
    _, project_id = project_caller(request)
    store = server_state(request).store
    start, end = aggregate_range(request, store, project_id)
    rows = usage_stats.usage_rows(store, project_id, start, end, Filters())
    return json_response(usage_stats.billing_fields(rows))


async def list_purchases(request: Request) -> Response:
    _, project_id = project_caller(request)
    limit = query_int(request, "limit", 10, low=1, high=1000)
    rows = server_state(request).store.query(
        "SELECT * FROM purchases WHERE project_id = ? ORDER BY created DESC, rowid DESC LIMIT ?",
        (project_id, limit),
    )
    orders = []
    for row in rows:
        order: dict[str, Any] = {"order_id": row["order_id"]}
        if row["expiration"] is not None:
            order["expiration"] = row["expiration"]
        order.update(
            created=row["created"],
            amount=float(row["amount"]),
            units=row["units"],
            order_type=row["order_type"],
        )
        orders.append(order)
    return json_response({"orders": orders})


ROUTES: list[BaseRoute] = [
    Route("/v1/projects/{project_id}/balances", list_balances, methods=["GET"]),
    Route("/v1/projects/{project_id}/balances/{balance_id}", get_balance, methods=["GET"]),
    Route("/v1/projects/{project_id}/billing/breakdown", get_breakdown, methods=["GET"]),
    Route("/v1/projects/{project_id}/billing/fields", get_fields, methods=["GET"]),
    Route("/v1/projects/{project_id}/purchases", list_purchases, methods=["GET"]),
]
