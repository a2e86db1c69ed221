"""Routes: the control endpoints under ``/_dgdata``, which answer loopback callers only.

``/_dgdata/faults`` lists (``GET``), adds (``POST``) and clears (``DELETE``) injected faults
(see :mod:`dgdata.server.backend.faults`); ``POST /_dgdata/reset`` clears faults and state back
to how the server started; ``GET /_dgdata/health`` answers ``{"status": "ok"}``.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dgdata.server.errors import ApiError
from dgdata.server.routes._context import Answer, RouteTable, json_body, json_response, server_state

__all__ = ["ROUTES"]

_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}

table = RouteTable("/_dgdata")


def _loopback_only(request: Request) -> None:
    host = request.client.host if request.client else ""
    if host not in _LOOPBACK:
        raise ApiError(403, "FORBIDDEN", "The /_dgdata control endpoints answer loopback only.")


@table.route("/faults", "GET", "POST", "DELETE")
async def faults(request: Request) -> Answer:
    _loopback_only(request)
    state = server_state(request)
    if request.method == "POST":
        body = await json_body(request)
        try:
            fault = state.faults.add(body)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, "Bad Request", str(exc)) from None
        return json_response(fault.as_json(), status=201)
    if request.method == "DELETE":
        state.faults.clear()
    return {"faults": state.faults.list()}


@table.post("/reset")
async def reset(request: Request) -> Answer:
    _loopback_only(request)
    await run_in_threadpool(server_state(request).reset)
    return {"message": "State reset; faults cleared."}


@table.get("/health")
async def health(request: Request) -> Answer:
    return {"status": "ok"}


ROUTES = table.routes
