"""What every route needs: its table, the server's state, the caller, the request id, the body.

Routes are declared next to their handlers, on a module's :class:`RouteTable`::

    table = RouteTable("/v1/projects/{project_id}")

    @table.post("/keys")
    async def create_key(request: Request) -> Answer: ...

    table.project_call("/keys/{key_id}", Backend.get_key, key="item")

    ROUTES = table.routes

and the app mounts the ``ROUTES`` of every module (:data:`dgdata.server.routes.ROUTES`). A
handler answers a :class:`~starlette.responses.Response`, or the JSON body itself (a dict);
:meth:`RouteTable.project_call` declares the many routes that only check the caller's role in
the path's project, call one backend method and answer what it returns.

Handlers are async; the backend is blocking. :func:`caller` and :func:`project_caller` run the
credential checks in a worker thread, and handlers call the backend the same way, with
:func:`run` (``await run(request, Backend.list_keys, project_id)``), so the event loop never
waits on SQLite.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from dgdata.server.backend import Backend
from dgdata.server.backend.auth import Principal, required_scope
from dgdata.server.backend.calls import Call
from dgdata.server.errors import (
    MAX_JSON_BODY,
    NOT_JSON,
    SafeJSONResponse,
    bad_request,
    body_too_large,
    parse_json,
)
from dgdata.server.listen.sources import read_body
from dgdata.server.state import ServerState

__all__ = [
    "Answer",
    "RouteTable",
    "backend",
    "caller",
    "json_body",
    "json_response",
    "project_caller",
    "request_id",
    "run",
    "server_state",
    "start_call",
]

#: What a handler returns: a response, or the JSON body of a 200 answer.
Answer = Response | dict[str, Any]
Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])
P = ParamSpec("P")
T = TypeVar("T")


def _responding(handler: Callable[[Request], Awaitable[Answer]]) -> Callable[..., Any]:
    """The endpoint of a handler: its answer, a JSON body becoming a JSON response."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        answer = await handler(request)
        return answer if isinstance(answer, Response) else SafeJSONResponse(answer)

    return endpoint


class RouteTable:
    """The routes of one module, registered by decorators on their handlers."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.routes: list[BaseRoute] = []

    def route(self, path: str, *methods: str) -> Callable[[Handler], Handler]:
        """Register the decorated handler for ``methods`` on ``prefix + path``."""

        def register(handler: Handler) -> Handler:
            endpoint = _responding(handler)
            self.routes.append(Route(self.prefix + path, endpoint, methods=list(methods)))
            return handler

        return register

    def project_call(
        self,
        path: str,
        action: Callable[..., Any],
        *,
        method: str = "GET",
        role: str = "member",
        key: str | None = None,
        message: str | None = None,
    ) -> None:
        """``method`` on ``path`` checks the caller has ``role`` in the path's project, runs
        ``action(backend, project_id, *the other path parameters)`` in a worker thread and
        answers its result: as ``{key: result}`` with ``key``, as ``{"message": message}`` with
        ``message``."""

        async def handler(request: Request) -> Answer:
            _, project_id = await project_caller(request, role)
            params = [v for k, v in request.path_params.items() if k != "project_id"]
            result = await run(request, action, project_id, *params)
            if message is not None:
                return {"message": message}
            return {key: result} if key is not None else result

        handler.__name__ = getattr(action, "__name__", "project_call")
        self.route(path, method)(handler)

    def get(self, path: str = "") -> Callable[[Handler], Handler]:
        """``@table.get(path)``."""
        return self.route(path, "GET")

    def post(self, path: str = "") -> Callable[[Handler], Handler]:
        """``@table.post(path)``."""
        return self.route(path, "POST")

    def put(self, path: str = "") -> Callable[[Handler], Handler]:
        """``@table.put(path)``."""
        return self.route(path, "PUT")

    def patch(self, path: str = "") -> Callable[[Handler], Handler]:
        """``@table.patch(path)``."""
        return self.route(path, "PATCH")

    def delete(self, path: str = "") -> Callable[[Handler], Handler]:
        """``@table.delete(path)``."""
        return self.route(path, "DELETE")

    def project_delete(
        self, path: str, action: Callable[..., Any], *, role: str = "admin", message: str = ""
    ) -> None:
        """:meth:`project_call` for ``DELETE`` (by an admin, by default)."""
        self.project_call(path, action, method="DELETE", role=role, message=message or None)

    def websocket(self, path: str = "") -> Callable[[Handler], Handler]:
        """``@table.websocket(path)``: a WebSocket endpoint."""

        def register(handler: Handler) -> Handler:
            self.routes.append(WebSocketRoute(self.prefix + path, handler))
            return handler

        return register


def server_state(conn: HTTPConnection) -> ServerState:
    """The :class:`ServerState` of the app serving this request."""
    state: ServerState = conn.app.state.dgdata
    return state


def backend(conn: HTTPConnection) -> Backend:
    """The backend of the app serving this request (blocking: call it in a worker thread)."""
    return server_state(conn).backend


async def run(
    conn: HTTPConnection,
    action: Callable[Concatenate[Backend, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``action(the server's backend, *args, **kwargs)``, run in a worker thread:
    ``await run(request, Backend.list_keys, project_id)``."""
    return await run_in_threadpool(action, backend(conn), *args, **kwargs)


def request_id(conn: HTTPConnection) -> str:
    """The id of this request (also sent as the ``dg-request-id`` header)."""
    return str(conn.scope["state"]["request_id"])


def _scope_of(conn: HTTPConnection) -> str | None:
    """The granular scope this request's endpoint needs (the table is in
    :mod:`dgdata.server.backend.auth`); a WebSocket handshake counts as ``GET``."""
    return required_scope(conn.scope.get("method", "GET"), conn.url.path)


async def caller(conn: HTTPConnection, *, allow_bearer: bool = False) -> Principal:
    """The authenticated caller, holding the scope the endpoint needs (401/403 as the real API
    answers)."""
    authorization = conn.headers.get("authorization")
    return await run_in_threadpool(
        backend(conn).authenticate, authorization, allow_bearer=allow_bearer, scope=_scope_of(conn)
    )


async def project_caller(conn: HTTPConnection, role: str = "member") -> tuple[Principal, str]:
    """The caller and the ``{project_id}`` of the path, checking the caller's key belongs to
    that project, has ``role`` there and holds the scope the endpoint needs."""
    project_id = str(conn.path_params["project_id"])
    authorization = conn.headers.get("authorization")
    principal = await run_in_threadpool(
        backend(conn).authenticate_in, authorization, project_id, role, _scope_of(conn)
    )
    return principal, project_id


def start_call(conn: HTTPConnection, principal: Principal, endpoint: str, method: str) -> Call:
    """A :class:`~dgdata.server.backend.calls.Call` for this request (its path and query, its
    tags, its request id), to be recorded as usage when it ends."""
    query = conn.url.query
    return Call(
        usage=backend(conn),
        principal=principal,
        request_id=request_id(conn),
        path=conn.url.path + (f"?{query}" if query else ""),
        endpoint=endpoint,
        method=method,
        tags=[t for t in conn.query_params.getlist("tag") if t.strip()],
    )


async def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object body; the real API's 400 when it is not one.

    Read and parsed within the limits of :mod:`dgdata.server.errors` (at most 1 MiB, else 413;
    no NaN, no overflowing number, no lone surrogate, no deep nesting, else 400).
    """
    raw = await read_body(request, MAX_JSON_BODY, too_large=body_too_large)
    if not raw.strip():
        if required:
            raise bad_request(NOT_JSON)
        return {}
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise bad_request("The JSON payload must be an object.")
    return body


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON response with another status than 200 (the ``dg-request-id`` header is added by
    the app)."""
    return SafeJSONResponse(data, status_code=status)
