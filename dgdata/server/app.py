"""The Starlette application of ``dgdata serve``: REST and WebSocket on one port.

:func:`create_app` assembles the routes of :mod:`dgdata.server.routes` (the control endpoints
under ``/_dgdata`` among them), the Deepgram error responses, the ``dg-request-id`` header and
failure injection.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dgdata.server.backend.store import Store, new_id
from dgdata.server.errors import ApiError, SafeJSONResponse
from dgdata.server.routes import ROUTES
from dgdata.server.state import ServerSettings, ServerState

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def _error_response(request_id: str, error: ApiError) -> JSONResponse:
    # Header values must be latin-1; a message echoing user input may not be.
    # h11 also refuses control characters and whitespace at either end of a value.
    safe = " ".join(error.err_msg.encode("ascii", "backslashreplace").decode("ascii").split())
    headers = {"dg-error": safe, **error.headers}
    return SafeJSONResponse(error.body(request_id), status_code=error.status, headers=headers)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error_response(request.scope["state"]["request_id"], exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
    message = {404: "No such endpoint.", 405: "Method not allowed."}.get(
        exc.status_code, exc.detail
    )
    error = ApiError(exc.status_code, codes.get(exc.status_code, "Bad Request"), str(message))
    return _error_response(request.scope["state"]["request_id"], error)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error serving %s %s", request.method, request.url.path)
    error = ApiError(500, "INTERNAL_SERVER_ERROR", "The local server failed; see its log.")
    return _error_response(request.scope["state"]["request_id"], error)


class DeepgramMiddleware:
    """Gives every request an id and the ``dg-request-id`` header; applies injected faults."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = new_id()
        scope.setdefault("state", {})["request_id"] = rid
        path = scope["path"]
        if scope["type"] == "websocket":
            state: ServerState = scope["app"].state.dgdata
            fault = (
                state.faults.take("GET", path, websocket=True) if path.startswith("/v") else None
            )
            scope["state"]["ws_drop_after_ms"] = fault.ws_drop_after_ms if fault else None
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"dg-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        if path.startswith("/v"):
            state = scope["app"].state.dgdata
            fault = state.faults.take(scope["method"], path)
            if fault is not None:
                if fault.latency_ms:
                    await asyncio.sleep(fault.latency_ms / 1000.0)
                if fault.status is not None:
                    headers = {}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = f"{fault.retry_after:g}"
                    message = "Injected fault: " + (
                        "too many requests." if fault.status == 429 else "server error."
                    )
                    error = ApiError(int(fault.status), fault.err_code, message, headers)
                    await _error_response(rid, error)(scope, receive, send_with_id)
                    return
                if fault.drop == "after_processing":
                    # The work is done (and logged, and billed); only the answer is lost.
                    async def swallow(message: Message) -> None:
                        return None

                    await self.app(scope, receive, swallow)
                    await _drop(scope, send, "before_response")
                    return
                if fault.drop is not None:
                    await _drop(scope, send, fault.drop)
                    return
        await self.app(scope, receive, send_with_id)


class _App(Starlette):
    """Starlette, noting the server connection's ``abort`` so a fault can cut it dead."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            owner = getattr(send, "__self__", None)  # uvicorn's protocol cycle
            transport = getattr(owner, "transport", None)
            scope.setdefault("state", {})["abort"] = getattr(transport, "abort", None)
        await super().__call__(scope, receive, send)


async def _drop(scope: Scope, send: Send, how: str) -> None:
    abort = scope["state"].get("abort")
    if how == "mid_response":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"partial": ', "more_body": True})
        await asyncio.sleep(0.05)
    if abort is not None:
        abort()
        return
    raise ConnectionAbortedError("injected connection drop")  # no transport: make the server cut it


def create_app(store: Store | None = None, settings: ServerSettings | None = None) -> Starlette:
    """The server's ASGI app over ``store`` (in memory by default)."""
    state = ServerState(store or Store(), settings or ServerSettings())
    if state.settings.demo:
        from dgdata.server.demo.account import seed_demo

        state.seeders.append(seed_demo)
    state.seed()
    app = _App(
        routes=ROUTES,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )
    app.state.dgdata = state
    app.add_middleware(DeepgramMiddleware)
    return app
