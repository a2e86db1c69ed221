"""Routes: usage requests (list, get), the usage summary, usage fields and the usage breakdown.

Everything is computed from the ``requests`` table (see :mod:`dgdata.server.backend.usage_stats`
for the units and shapes). Reading usage needs the member role.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.requests import Request

from dgdata.server.backend import Backend
from dgdata.server.backend.store import utcnow
from dgdata.server.backend.usage_log import RequestQuery
from dgdata.server.backend.usage_stats import FEATURE_FILTERS, USAGE_GROUPINGS, Filters
from dgdata.server.routes._context import Answer, RouteTable, project_caller, run
from dgdata.server.routes._params import (
    DEPLOYMENTS,
    ENDPOINTS,
    METHODS,
    date_range,
    moment_range,
    query_bool,
    query_enum,
    query_int,
    query_strings,
)

__all__ = ["ROUTES", "aggregate_filters", "aggregate_period", "period_call"]

table = RouteTable("/v1/projects/{project_id}")


@table.get("/requests")
async def list_requests(request: Request) -> Answer:
    _, project_id = await project_caller(request)
    limit = query_int(request, "limit", 10, low=1, high=1000)
    page = query_int(request, "page", 0, low=0)
    assert limit is not None and page is not None
    start, end, end_exclusive = moment_range(request)
    query = RequestQuery(
        start=start,
        end=end,
        end_exclusive=end_exclusive,
        deployment=query_enum(request, "deployment", DEPLOYMENTS),
        endpoint=query_enum(request, "endpoint", ENDPOINTS),
        method=query_enum(request, "method", METHODS),
        accessor=request.query_params.get("accessor") or None,
        request_id=request.query_params.get("request_id") or None,
        status=query_enum(request, "status", ("succeeded", "failed")),
        limit=limit,
        page=page,
    )
    found = await run(request, Backend.list_requests, project_id, query)
    return {"page": page, "limit": limit, "requests": found}


table.project_call("/requests/{request_id}", Backend.get_request, key="request")


async def aggregate_period(request: Request, project_id: str) -> tuple[date, date]:
    """``start``/``end`` of an aggregate query; by default the day of the project's first
    request to today."""
    today = utcnow().date()
    first = await run(request, Backend.first_request_day, project_id)
    return date_range(request, min(first, today) if first else today, today)


def aggregate_filters(request: Request) -> Filters:
    """The filters of ``/usage`` and ``/usage/breakdown``."""
    features: dict[str, bool] = {}
    for name in FEATURE_FILTERS:
        value = query_bool(request, name)
        if value is not None:
            features[name] = value
    return Filters(
        accessor=request.query_params.get("accessor") or None,
        deployment=query_enum(request, "deployment", DEPLOYMENTS),
        endpoint=query_enum(request, "endpoint", ENDPOINTS),
        method=query_enum(request, "method", METHODS),
        model=request.query_params.get("model") or None,
        tag=query_strings(request, "tag"),
        features=features,
    )


@table.get("/usage")
async def get_usage(request: Request) -> Answer:
    _, project_id = await project_caller(request)
    start, end = await aggregate_period(request, project_id)
    return await run(
        request, Backend.usage_summary, project_id, start, end, aggregate_filters(request)
    )


def period_call(table: RouteTable, path: str, action: Callable[..., Any]) -> None:
    """``GET path``: ``action(project_id, start, end)`` of the project and period asked for,
    for a member (the fields endpoints)."""

    @table.get(path)
    async def handler(request: Request) -> Answer:
        _, project_id = await project_caller(request)
        start, end = await aggregate_period(request, project_id)
        return await run(request, action, project_id, start, end)

    handler.__name__ = getattr(action, "__name__", "period_call")


period_call(table, "/usage/fields", Backend.usage_fields)


@table.get("/usage/breakdown")
async def get_breakdown(request: Request) -> Answer:
    _, project_id = await project_caller(request)
    grouping = query_enum(request, "grouping", USAGE_GROUPINGS)
    start, end = await aggregate_period(request, project_id)
    filters = aggregate_filters(request)
    return await run(request, Backend.usage_breakdown, project_id, start, end, filters, grouping)


ROUTES = table.routes
