"""Routes: the live transcription WebSocket, ``/v1/listen``.

The handshake, as the real API does it:

* **Credentials** come from the ``Authorization`` header (``Token <key>`` or ``Bearer <token>``,
  any case) or, for browsers, from the subprotocols ``token, <key>`` / ``bearer, <token>``. With
  subprotocols the server accepts the scheme's one (``Sec-WebSocket-Protocol: token``), as a
  browser requires the server to pick one of those it offered.
* **Refusals happen before the upgrade**, with an HTTP answer instead of 101 (the ASGI
  ``websocket.http.response`` extension; uvicorn supports it): 401 with Deepgram's
  ``{"err_code": "INVALID_AUTH", ...}`` body for a bad credential, 400
  ``INVALID_QUERY_PARAMETER`` for a bad option, each with ``dg-request-id`` and ``dg-error``
  headers. (A server without the extension can only refuse with 403.)
* **A full server**: at most ``max_live_streams`` streams run at once. A new one waits up to
  ``live_wait`` seconds for a slot during the handshake; if none frees up it is accepted and at
  once closed with **1013 "try again later"** (the code RFC 6455 defines for this; dgdata's
  client and the SDKs treat 1013 as retryable), and recorded as a 429 request.

After the upgrade :class:`dgdata.server.listen.live_session.LiveSession` serves the stream.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket

from dgdata.server.backend.auth import Principal, credential_from_subprotocols
from dgdata.server.backend.calls import Call
from dgdata.server.errors import ApiError, query_error
from dgdata.server.listen.live_session import LiveSession
from dgdata.server.listen.options import ListenOptions, parse_listen_options
from dgdata.server.listen.outbound import ascii_text
from dgdata.server.routes._context import RouteTable, request_id, server_state, start_call

__all__ = ["ROUTES", "TRY_AGAIN_LATER"]

table = RouteTable()

#: Close code and reason of a stream refused because every slot is busy.
TRY_AGAIN_LATER = (1013, "try again later: too many concurrent live streams")


async def _deny(websocket: WebSocket, error: ApiError) -> None:
    """Answer the upgrade with an HTTP error (Deepgram's body) instead of 101."""
    rid = request_id(websocket)
    headers = {"dg-request-id": rid, "dg-error": ascii_text(error.err_msg), **error.headers}
    response = JSONResponse(error.body(rid), status_code=error.status, headers=headers)
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(response)
        _settle_denied_handshake(websocket)
    else:  # pragma: no cover - every ASGI server dgdata runs under supports the extension
        await websocket.close(1008, error.err_msg[:120])


def _settle_denied_handshake(websocket: WebSocket) -> None:
    """Tell uvicorn the handshake is over once a denial response was sent.

    uvicorn's ``websockets-sansio`` protocol (0.54) only marks the handshake complete when the
    connection is lost, so an app that returns right after a denial response makes it log
    "ASGI callable returned without completing handshake." although nothing went wrong. The
    protocol is reached through the transport whose ``abort`` the app put in the scope.
    """
    abort = websocket.scope.get("state", {}).get("abort")
    transport = getattr(abort, "__self__", None)
    get_protocol = getattr(transport, "get_protocol", None)
    protocol = get_protocol() if callable(get_protocol) else None
    if getattr(protocol, "initial_response", None) is not None and hasattr(
        protocol, "handshake_complete"
    ):
        protocol.handshake_complete = True  # type: ignore[union-attr]


def _accept_headers(websocket: WebSocket) -> list[tuple[bytes, bytes]]:
    """Headers of the 101 answer: the stream's ``dg-request-id``, as Deepgram sends it."""
    return [(b"dg-request-id", request_id(websocket).encode())]


def _credentials(websocket: WebSocket) -> tuple[str | None, str | None]:
    """``(authorization value, subprotocol to accept)``."""
    header = websocket.headers.get("authorization")
    if header:
        return header, None
    found = credential_from_subprotocols(websocket.scope.get("subprotocols") or [])
    if found is None:
        return None, None
    return found


def _options(websocket: WebSocket, decoders: int) -> ListenOptions:
    """The stream's options; the API's 400 for a bad one, or for more channels to transcribe
    apart than the server has decoders."""
    options = parse_listen_options(websocket.query_params, live=True)
    if options.multichannel and options.channels > decoders:
        raise query_error(
            f"multichannel with {options.channels} channels needs "
            f"{options.channels} decoders at once; this local server runs {decoders} "
            "(start it with more decoders).",
        )
    return options


async def _refuse_busy(
    websocket: WebSocket, call: Call, options: ListenOptions, subprotocol: str | None
) -> None:
    """Record a stream refused for want of a slot (429), accept it and close it with 1013."""
    await run_in_threadpool(
        call.record,
        code=429,
        message="Too many concurrent live streams; the stream was closed with 1013.",
        models=[options.model],
        features=options.features,
        config=options.config,
        streams=1,
    )
    try:
        await websocket.accept(subprotocol=subprotocol, headers=_accept_headers(websocket))
        await websocket.close(*TRY_AGAIN_LATER)
    except Exception:  # the client gave up waiting
        pass


@table.websocket("/v1/listen")
async def listen_socket(websocket: WebSocket) -> None:
    state = server_state(websocket)
    authorization, subprotocol = _credentials(websocket)
    try:
        principal: Principal = await run_in_threadpool(
            state.backend.authenticate, authorization, allow_bearer=True
        )
    except ApiError as exc:
        await _deny(websocket, exc)
        return
    call = start_call(websocket, principal, "listen", "streaming")
    settings = state.settings
    try:
        options = _options(websocket, settings.decoders)
    except ApiError as exc:
        await run_in_threadpool(call.record, code=exc.status, message=exc.err_msg, streams=1)
        await _deny(websocket, exc)
        return
    slots = state.live_streams
    if not await slots.acquire(settings.live_wait):  # waits on the loop: holds no thread
        await _refuse_busy(websocket, call, options, subprotocol)
        return
    try:
        try:
            await websocket.accept(subprotocol=subprotocol, headers=_accept_headers(websocket))
        except Exception:  # the client gave up during the handshake
            await run_in_threadpool(
                call.record, code=499, message="The client left during the handshake.", streams=1
            )
            return
        session = LiveSession(
            websocket,
            options=options,
            call=call,
            decoders=state.live_decoders,
            model=state.model,
            idle_timeout=settings.live_idle_timeout,
            abort=websocket.scope.get("state", {}).get("abort"),
            drop_after_ms=websocket.scope.get("state", {}).get("ws_drop_after_ms"),
        )
        await session.run()
    finally:
        slots.release()


ROUTES = table.routes
