"""Routes: balances (list, get), the billing breakdown, billing fields and purchases.

See :mod:`dgdata.server.backend.billing` for how balances move and what a line item is. Reading
billing needs the member role.
"""

from __future__ import annotations

from starlette.requests import Request

from dgdata.server.backend import Backend
from dgdata.server.backend.billing import BILLING_GROUPINGS
from dgdata.server.backend.usage_stats import Filters
from dgdata.server.errors import query_error
from dgdata.server.routes._context import Answer, RouteTable, project_caller, run
from dgdata.server.routes._params import DEPLOYMENTS, query_enum, query_int, query_strings
from dgdata.server.routes.usage import aggregate_period, period_call

__all__ = ["ROUTES"]

table = RouteTable("/v1/projects/{project_id}")


table.project_call("/balances", Backend.list_balances, key="balances")
table.project_call("/balances/{balance_id}", Backend.get_balance)


@table.get("/billing/breakdown")
async def get_breakdown(request: Request) -> Answer:
    _, project_id = await project_caller(request)
    groupings = query_strings(request, "grouping")
    bad = [g for g in groupings if g not in BILLING_GROUPINGS]
    if bad:
        raise query_error(f"grouping must be among {', '.join(BILLING_GROUPINGS)}, not {bad[0]!r}.")
    start, end = await aggregate_period(request, project_id)
    filters = Filters(
        accessor=request.query_params.get("accessor") or None,
        deployment=query_enum(request, "deployment", DEPLOYMENTS),
        tag=query_strings(request, "tag"),
    )
    item = request.query_params.get("line_item") or None
    groupings = list(dict.fromkeys(groupings))
    return await run(
        request, Backend.billing_breakdown, project_id, start, end, filters, groupings, item=item
    )


period_call(table, "/billing/fields", Backend.billing_fields)


@table.get("/purchases")
async def list_purchases(request: Request) -> Answer:
    _, project_id = await project_caller(request)
    limit = query_int(request, "limit", 10, low=1, high=1000)
    assert limit is not None
    return {"orders": await run(request, Backend.list_purchases, project_id, limit)}


ROUTES = table.routes
