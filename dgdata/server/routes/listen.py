"""Routes: prerecorded transcription, ``POST /v1/listen``.

The body is the audio itself (any ``Content-Type``, or none: the SDKs differ) or, with
``Content-Type: application/json``, ``{"url": ...}`` for the server to fetch. The audio is
spooled to a temporary file as it arrives (:mod:`dgdata.server.listen.uploads`), deleted when
the request is done, and decoded and recognised block by block in the recogniser's worker
processes: an upload of any size (up to ``max_upload_bytes``) costs a bounded memory.
Recognition runs in a worker thread, never on the event loop. Media that cannot be decoded
(empty, corrupt, not audio) is the real API's 400 ``Bad Request: failed to process audio:
corrupt or unsupported data``.

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
from dgdata.server.audio.media import Media
from dgdata.server.backend.calls import Call
from dgdata.server.backend.pricing import listen_cost, read_cost
from dgdata.server.errors import MAX_JSON_BODY, ApiError, bad_request
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
    vet_url,
)
from dgdata.server.listen.uploads import Upload, spool_body
from dgdata.server.routes._context import Answer, RouteTable, caller, server_state, start_call
from dgdata.server.state import LocalModel

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
    media: Media,
    options: ListenOptions,
    call: Call,
    recognizer: ProcessRecognizer,
    model: LocalModel,
) -> Transcribed:
    """Transcribe (blocking) with ``recognizer``, whose engine ``model`` describes; the real
    API's 400 for undecodable media, 429 when busy."""
    try:
        return transcribe_media(
            media,
            options,
            request_id=call.request_id,
            created=call.created,
            recognizer=recognizer,
            model=model,
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


async def _read_source(request: Request, limit: int) -> tuple[str | None, Upload | None]:
    """The body: ``(url, None)`` for JSON ``{"url": ...}`` (a small body), else ``(None, the
    audio)``, spooled to disk as it arrives: memory stays bounded whatever its size."""
    if is_json(request):
        raw = await read_body(request, min(limit, MAX_JSON_BODY))
        return check_url(read_json_body(raw).get("url")), None
    upload = await spool_body(request, limit)
    if not upload.size:
        upload.close()
        raise bad_request(CORRUPT_AUDIO)
    return None, upload


@table.post("/v1/listen")
async def transcribe_route(request: Request) -> Answer:
    principal = await caller(request, allow_bearer=True)
    callback = (request.query_params.get("callback") or "").strip() or None
    call = start_call(request, principal, "listen", "async" if callback else "sync")
    state = server_state(request)
    limit = state.settings.max_upload_bytes
    allow_private = state.settings.allow_private_urls
    options: ListenOptions | None = None
    url: str | None = None
    upload: Upload | None = None  # the audio body or download, spooled to disk: deleted when done
    try:
        options = parse_listen_options(request.query_params)
        if options.callback is not None:  # 400 now, not a delivery that fails later
            await callbacks.vet(options.callback, allow_private=allow_private)
        url, upload = await _read_source(request, limit)
        if url is not None and options.callback is not None:
            await vet_url(url, allow_private=allow_private)  # fetched in the background
        elif url is not None:
            upload = await fetch_url(url, limit, allow_private=allow_private)
    except ApiError as exc:
        if upload is not None:
            upload.close()
        await run_in_threadpool(_record_failure, call, exc, options)
        raise
    if options.callback is not None:
        chosen, recognizer, model = options, state.recognizer, state.model
        callbacks.submit(
            lambda: _transcribe_later(
                call, chosen, upload, url, limit, (recognizer, model), allow_private
            )
        )
        return {"request_id": call.request_id}
    assert upload is not None  # the body, or the media fetched from its url
    try:
        result = await run_in_threadpool(
            _run, upload.media(), options, call, state.recognizer, state.model
        )
    except ApiError as exc:
        await run_in_threadpool(_record_failure, call, exc, options)
        raise
    finally:
        if upload is not None:
            upload.close()
    await run_in_threadpool(_record_success, call, options, result)
    return result.response


def _transcribe_later(
    call: Call,
    options: ListenOptions,
    upload: Upload | None,
    url: str | None,
    limit: int,
    recognition: tuple[ProcessRecognizer, LocalModel],
    allow_private: bool,
) -> None:
    """The background half of a callback request: fetch ``url`` (or take the spooled
    ``upload``), transcribe (``recognition``: the server's recogniser and what it runs),
    record, deliver; the upload is deleted once transcribed (``allow_private``: the server's
    ``allow_private_urls``)."""
    assert options.callback is not None
    body: dict[str, Any]
    try:
        if url is not None:
            upload = fetch_url_blocking(url, limit, allow_private=allow_private)
        assert upload is not None
        result = _run(upload.media(), options, call, *recognition)
    except ApiError as exc:
        _record_failure(call, exc, options)
        body = exc.body(call.request_id)
    else:
        _record_success(call, options, result)
        body = result.response
    finally:
        if upload is not None:
            upload.close()
    callbacks.deliver_result(
        call,
        options.callback,
        json.dumps(body).encode(),
        method=options.callback_method,
        allow_private=allow_private,
    )


ROUTES = table.routes
