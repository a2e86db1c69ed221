"""Routes: usage requests (list, get), the usage summary, usage fields and the usage breakdown.

Everything is computed from the ``requests`` table (see :mod:`dgdata.server.backend.usage_stats` for the
units and shapes). Reading usage needs the member role.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dgdata.server.backend import usage_stats
from dgdata.server.backend.store import Store, iso, utcnow
from dgdata.server.backend.usage_stats import Filters
from dgdata.server.errors import not_found
from dgdata.server.routes._params import (
    DEPLOYMENTS,
    ENDPOINTS,
    METHODS,
    date_range,
    moment_range,
    query_enum,
    query_strings,
)
from dgdata.server.state import (
    json_response,
    project_caller,
    query_bool,
    query_int,
    server_state,
)

__all__ = ["ROUTES", "aggregate_filters", "aggregate_range"]


async def list_requests(request: Request) -> Response:
    _, project_id = project_caller(request)
    limit = query_int(request, "limit", 10, low=1, high=1000)
    page = query_int(request, "page", 0, low=0)
    assert limit is not None and page is not None
    start, end, end_exclusive = moment_range(request)
    sql = ["SELECT * FROM requests WHERE project_id = ?"]
    params: list[Any] = [project_id]
    if start is not None:
        sql.append("AND created >= ?")
        params.append(iso(start))
    if end is not None:
        sql.append("AND created < ?" if end_exclusive else "AND created <= ?")
        params.append(iso(end))
    for name, column, choices in (
        ("deployment", "deployment", DEPLOYMENTS),
        ("endpoint", "endpoint", ENDPOINTS),
        ("method", "method", METHODS),
    ):
        value = query_enum(request, name, choices)
        if value is not None:
            sql.append(f"AND {column} = ?")
            params.append(value)
    for name, column in (("accessor", "api_key_id"), ("request_id", "request_id")):
        value = request.query_params.get(name)
        if value:
            sql.append(f"AND {column} = ?")
            params.append(value)
    status = query_enum(request, "status", ("succeeded", "failed"))
    if status == "succeeded":
        sql.append("AND code < 300")
    elif status == "failed":
        sql.append("AND code >= 400")
    sql.append("ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?")
    params.extend([limit, page * limit])
    rows = server_state(request).store.query(" ".join(sql), params)
    return json_response(
        {"page": page, "limit": limit, "requests": [usage_stats.request_json(r) for r in rows]}
    )


async def get_request(request: Request) -> Response:
    _, project_id = project_caller(request)
    row = server_state(request).store.one(
        "SELECT * FROM requests WHERE project_id = ? AND request_id = ?",
        (project_id, request.path_params["request_id"]),
    )
    if row is None:
        raise not_found("Request")
    return json_response({"request": usage_stats.request_json(row)})


def aggregate_range(request: Request, store: Store, project_id: str) -> tuple[date, date]:
    """``start``/``end`` of an aggregate query; by default the first request's day to today."""
    today = utcnow().date()
    first = usage_stats.first_request_day(store, project_id)
    return date_range(request, min(first, today) if first else today, today)


def aggregate_filters(request: Request) -> Filters:
    """The filters of ``/usage`` and ``/usage/breakdown``."""
    features: dict[str, bool] = {}
    for name in usage_stats.FEATURE_FILTERS:
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


async def get_usage(request: Request) -> Response:
    _, project_id = project_caller(request)
    store = server_state(request).store
    start, end = aggregate_range(request, store, project_id)
    rows = usage_stats.usage_rows(store, project_id, start, end, aggregate_filters(request))
    return json_response(usage_stats.usage_summary(rows, start, end))


async def get_fields(request: Request) -> Response:
    _, project_id = project_caller(request)
    store = server_state(request).store
    start, end = aggregate_range(request, store, project_id)
    rows = usage_stats.usage_rows(store, project_id, start, end, Filters())
    return json_response(usage_stats.usage_fields(rows))


async def get_breakdown(request: Request) -> Response:
    _, project_id = project_caller(request)
    store = server_state(request).store
    grouping = query_enum(request, "grouping", usage_stats.USAGE_GROUPINGS)
    start, end = aggregate_range(request, store, project_id)
    rows = usage_stats.usage_rows(store, project_id, start, end, aggregate_filters(request))
    return json_response(usage_stats.usage_breakdown(rows, start, end, grouping))


ROUTES: list[BaseRoute] = [
    Route("/v1/projects/{project_id}/requests", list_requests, methods=["GET"]),
    Route("/v1/projects/{project_id}/requests/{request_id}", get_request, methods=["GET"]),
    Route("/v1/projects/{project_id}/usage", get_usage, methods=["GET"]),
    Route("/v1/projects/{project_id}/usage/fields", get_fields, methods=["GET"]),
    Route("/v1/projects/{project_id}/usage/breakdown", get_breakdown, methods=["GET"]),
]
