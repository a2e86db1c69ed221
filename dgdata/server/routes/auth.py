"""Routes: ``POST /v1/auth/grant``, short-lived bearer tokens for listen, speak and read.

Any API key may ask for one (a token cannot ask for another); the body ``{"ttl_seconds": n}`` is
optional, 30 seconds by default, between 1 and 3600.
"""

from __future__ import annotations

from starlette.requests import Request

from dgdata.server.backend import Backend
from dgdata.server.errors import bad_request
from dgdata.server.routes._context import Answer, RouteTable, caller, json_body, run

__all__ = ["ROUTES"]

DEFAULT_TTL = 30.0

table = RouteTable()


@table.post("/v1/auth/grant")
async def grant(request: Request) -> Answer:
    principal = await caller(request, allow_bearer=True)
    body = await json_body(request, required=False)
    ttl = body.get("ttl_seconds")
    if ttl is None:
        ttl = DEFAULT_TTL
    elif isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise bad_request("ttl_seconds must be a number of seconds between 1 and 3600.")
    token, _ = await run(request, Backend.issue_grant, principal, float(ttl))
    expires_in = int(ttl) if float(ttl).is_integer() else float(ttl)
    return {"access_token": token, "expires_in": expires_in}


ROUTES = table.routes
