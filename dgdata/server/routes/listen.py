"""Routes: prerecorded transcription, ``POST /v1/listen``.

The body is the audio itself (any ``Content-Type``, or none: the SDKs differ) or, with
``Content-Type: application/json``, ``{"url": ...}`` for the server to fetch. Recognition runs
in a worker thread, never on the event loop. Media that cannot be decoded (empty, corrupt, not
audio) is the real API's 400 ``Bad Request: failed to process audio: corrupt or unsupported
data``.

With ``callback=URL`` (and ``callback_method`` POST or PUT) the answer is ``{"request_id"}`` at
once; the media is fetched and transcribed in the background and the full response (or the error
body, had it failed) is delivered to the callback URL by :mod:`dgdata.server.listen.callbacks`.

Every call is recorded as a usage request (``sync``, or ``async`` with a callback), failed ones
too, with the audio's duration and channels and the price of the requested model.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dgdata.server.asr.live_engine import RecognizerBusy
from dgdata.server.asr.processes import ProcessRecognizer
from dgdata.server.backend.calls import Call
from dgdata.server.backend.pricing import listen_cost, read_cost
from dgdata.server.errors import ApiError, bad_request
from dgdata.server.listen import callbacks
from dgdata.server.listen.options import ListenOptions, parse_listen_options
from dgdata.server.listen.prerecorded import (
    CORRUPT_AUDIO,
    SUMMARY_MODEL,
    Transcribed,
    UnsupportedAudio,
    transcribe_media,
)
from dgdata.server.listen.sources import (
    check_url,
    fetch_url,
    fetch_url_blocking,
    is_json,
    read_body,
    read_json_body,
)
from dgdata.server.routes._context import Answer, RouteTable, caller, server_state, start_call

__all__ = ["ROUTES"]

table = RouteTable()


def _record_success(call: Call, options: ListenOptions, result: Transcribed) -> None:
    billed = result.channels if options.multichannel else 1
    usd = listen_cost(options.model, call.method, result.duration, billed)
    tokens = result.tokens_in + result.tokens_out
    call.record(
        duration=result.duration,
        channels=billed,
        usd=round(usd + read_cost(tokens), 6),
        models=[options.model, SUMMARY_MODEL] if tokens else [options.model],
        features=options.features,
        config=options.config,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        callback=options.callback,
        streams=1,
    )


def _record_failure(call: Call, error: ApiError, options: ListenOptions | None) -> None:
    call.record(
        code=error.status,
        message=error.err_msg,
        models=[options.model] if options else [],
        features=options.features if options else [],
        config=options.config if options else {},
        callback=options.callback if options else None,
        streams=1,
    )


def _run(
    media: bytes, options: ListenOptions, call: Call, recognizer: ProcessRecognizer
) -> Transcribed:
    """Transcribe (blocking); the real API's 400 for undecodable media, 429 when busy."""
    try:
        return transcribe_media(
            media,
            options,
            request_id=call.request_id,
            created=call.created,
            recognizer=recognizer,
        )
    except UnsupportedAudio:
        raise bad_request(CORRUPT_AUDIO) from None
    except RecognizerBusy:
        raise ApiError(
            429,
            "TOO_MANY_REQUESTS",
            "Every decoder of the local server stayed busy; retry shortly, or start the server "
            "with more decoders.",
            {"Retry-After": "1"},
        ) from None


@table.post("/v1/listen")
async def transcribe_route(request: Request) -> Answer:
    principal = await caller(request, allow_bearer=True)
    callback = (request.query_params.get("callback") or "").strip() or None
    call = start_call(request, principal, "listen", "async" if callback else "sync")
    state = server_state(request)
    limit = state.settings.max_upload_bytes
    options: ListenOptions | None = None
    url: str | None = None
    media = b""
    try:
        options = parse_listen_options(request.query_params)
        raw = await read_body(request, limit)
        if is_json(request):
            url = check_url(read_json_body(raw).get("url"))
        elif not raw:
            raise bad_request(CORRUPT_AUDIO)
        else:
            media = raw
        if options.callback is None and url is not None:
            media = await fetch_url(url, limit)
    except ApiError as exc:
        await run_in_threadpool(_record_failure, call, exc, options)
        raise
    if options.callback is not None:
        chosen, recognizer = options, state.recognizer
        callbacks.submit(lambda: _transcribe_later(call, chosen, media, url, limit, recognizer))
        return {"request_id": call.request_id}
    try:
        result = await run_in_threadpool(_run, media, options, call, state.recognizer)
    except ApiError as exc:
        await run_in_threadpool(_record_failure, call, exc, options)
        raise
    await run_in_threadpool(_record_success, call, options, result)
    return result.response


def _transcribe_later(
    call: Call,
    options: ListenOptions,
    media: bytes,
    url: str | None,
    limit: int,
    recognizer: ProcessRecognizer,
) -> None:
    """The background half of a callback request: fetch, transcribe, record, deliver."""
    assert options.callback is not None
    body: dict[str, Any]
    try:
        if url is not None:
            media = fetch_url_blocking(url, limit)
        result = _run(media, options, call, recognizer)
    except ApiError as exc:
        _record_failure(call, exc, options)
        body = exc.body(call.request_id)
    else:
        _record_success(call, options, result)
        body = result.response
    callbacks.deliver_result(
        call, options.callback, json.dumps(body).encode(), method=options.callback_method
    )


ROUTES = table.routes
