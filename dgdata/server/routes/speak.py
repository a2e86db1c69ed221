"""Routes: text to speech, ``POST /v1/speak`` (Aura voices) and ``POST /v2/speak`` (Flux batch).

Both synthesise with the local engine of :mod:`dgdata.server.speak.synthesis` (flite or espeak-ng;
501 saying what to install when neither is) and answer with the audio bytes and Deepgram's
headers: ``content-type``, ``dg-request-id``, ``dg-model-name``, ``dg-model-uuid``,
``dg-char-count``, plus ``x-dgdata-tts-engine`` naming the engine that really spoke.

``/v2/speak`` is served like ``/v1/speak``, as its spec says (the synthesised audio as a binary
body, or with ``callback`` the JSON ``{"request_id"}`` and the audio delivered to the callback
URL), with the Flux rules: ``model`` is required and must be ``flux-<voice>-<language>``, and
``priority=low`` is accepted for callback requests. Every voice name is spoken by the local
engine; none sounds like Deepgram's.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dgdata.server.backend import catalog
from dgdata.server.backend.calls import Call
from dgdata.server.backend.pricing import speak_cost
from dgdata.server.errors import ApiError, bad_request, query_error
from dgdata.server.listen import callbacks
from dgdata.server.routes._context import (
    Answer,
    RouteTable,
    caller,
    json_body,
    server_state,
    start_call,
)
from dgdata.server.speak import formats
from dgdata.server.speak import synthesis as speech_synth

__all__ = ["ROUTES"]

table = RouteTable()

#: The longest text one request may speak (Deepgram's limit for ``/v1/speak``).
MAX_CHARACTERS = 2000
_DEFAULT_V1_MODEL = "aura-asteria-en"
_AURA = re.compile(r"aura(-2)?-[a-z]+-[a-z]{2}\Z")
_FLUX = re.compile(r"flux-[a-z]+-[a-z]{2}\Z")


def _model(request: Request, flux: bool) -> str:
    model = (request.query_params.get("model") or "").strip()
    if flux:
        if not model:
            raise query_error("model is required on /v2/speak, e.g. model=flux-alexis-en.")
        if not _FLUX.match(model.lower()):
            raise query_error(
                f"model must be a Flux voice, flux-<voice>-<language> (e.g. flux-alexis-en), "
                f"not {model!a}."
            )
        return model
    model = model or _DEFAULT_V1_MODEL
    entry = catalog.find(model)
    if (entry is None or entry.kind != "tts") and not _AURA.match(model.lower()):
        raise query_error(
            f"model must be an Aura voice such as aura-2-thalia-en or aura-asteria-en, "
            f"not {model!a}."
        )
    return model


def model_uuid(model: str) -> str:
    """The voice's UUID: the catalogue's, or a fixed one made from its name."""
    entry = catalog.find(model)
    return entry.uuid if entry is not None and entry.kind == "tts" else catalog.model_uuid(model)


def _speed(request: Request) -> float:
    raw = (request.query_params.get("speed") or "").strip()
    if not raw:
        return 1.0
    try:
        speed = float(raw)
    except ValueError:
        raise query_error(f"speed must be a number, not {raw!a}.") from None
    if not 0.5 <= speed <= 2.0:
        raise query_error(f"speed must be between 0.5 and 2.0, not {raw!a}.")
    return speed


async def _callback(request: Request) -> tuple[str, str, bool] | None:
    """The callback's URL, method, and whether the server allows private URLs; None without
    one. A URL the server may not send to is a 400 now, not a delivery that fails later."""
    url = (request.query_params.get("callback") or "").strip() or None
    method = (request.query_params.get("callback_method") or "POST").strip().upper()
    if method not in ("POST", "PUT"):
        raise query_error(f"callback_method must be POST or PUT, not {method!a}.")
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise query_error(f"callback must be an http:// or https:// URL, not {url!a}.")
    allow_private = server_state(request).settings.allow_private_urls
    await callbacks.vet(url, allow_private=allow_private)
    return url, method, allow_private


async def _text(request: Request) -> str:
    body = await json_body(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request('The JSON body needs a non-empty text field: {"text": "..."}.')
    if len(text) > MAX_CHARACTERS:
        raise bad_request(
            f"Text is {len(text)} characters long; one request may speak at most "
            f"{MAX_CHARACTERS}. Split it into several requests."
        )
    return text


def _synthesize(
    text: str, engine: speech_synth.Engine, speed: float, fmt: formats.OutputFormat
) -> formats.EncodedAudio:
    samples, rate = speech_synth.synthesize(text, engine, speed=speed)
    return formats.encode(samples, rate, fmt)


def _failure(exc: speech_synth.SynthesisError) -> ApiError:
    return ApiError(500, "INTERNAL_SERVER_ERROR", f"Speech synthesis failed: {exc}")


async def _speak(request: Request, *, flux: bool) -> Answer:
    principal = await caller(request, allow_bearer=True)
    callback_url = (request.query_params.get("callback") or "").strip() or None
    call = start_call(request, principal, "speak", "async" if callback_url else "sync")
    model = (request.query_params.get("model") or "").strip() or ("" if flux else _DEFAULT_V1_MODEL)
    config: dict[str, Any] = {"model": model}
    try:
        model = _model(request, flux)
        callback = await _callback(request)
        speed = _speed(request)
        if flux:
            priority = request.query_params.get("priority")
            if priority not in (None, "", "low"):
                raise query_error(f"priority must be low, not {priority!a}.")
        try:
            fmt = formats.output_format(request.query_params)
        except formats.FormatError as exc:
            raise query_error(str(exc)) from None
        config.update(fmt.as_config())
        if speed != 1.0:
            config["speed"] = speed
        text = await _text(request)
        engine = await run_in_threadpool(speech_synth.find_engine)
        if engine is None:
            raise ApiError(501, "NOT_IMPLEMENTED", speech_synth.missing_engine_message())
    except ApiError as exc:
        await run_in_threadpool(
            call.record,
            code=exc.status,
            message=exc.err_msg,
            models=[model] if model else [],
            config=config,
            callback=callback_url,
        )
        raise
    if callback is not None:
        later = callback
        callbacks.submit(lambda: _speak_later(call, text, engine, speed, fmt, model, config, later))
        return {"request_id": call.request_id}
    try:
        audio = await run_in_threadpool(_synthesize, text, engine, speed, fmt)
    except speech_synth.SynthesisError as exc:
        error = _failure(exc)
        await run_in_threadpool(
            call.record, code=error.status, message=error.err_msg, models=[model], config=config
        )
        raise error from None
    await run_in_threadpool(_record_success, call, model, text, audio, config, None)
    return Response(
        audio.data, media_type=audio.content_type, headers=_headers(model, text, engine)
    )


def _headers(model: str, text: str, engine: speech_synth.Engine) -> dict[str, str]:
    return {
        "dg-model-name": model,
        "dg-model-uuid": model_uuid(model),
        "dg-char-count": str(len(text)),
        "x-dgdata-tts-engine": engine.label,
    }


def _record_success(
    call: Call,
    model: str,
    text: str,
    audio: formats.EncodedAudio,
    config: dict[str, Any],
    callback: str | None,
) -> None:
    call.record(
        duration=audio.duration,
        channels=1,
        usd=speak_cost(model, len(text)),
        models=[model],
        config=config,
        tts_characters=len(text),
        callback=callback,
        streams=0,
    )


def _speak_later(
    call: Call,
    text: str,
    engine: speech_synth.Engine,
    speed: float,
    fmt: formats.OutputFormat,
    model: str,
    config: dict[str, Any],
    callback: tuple[str, str, bool],
) -> None:
    """The background half of a callback request: synthesise, record, deliver to ``callback``
    (its URL, method, and whether the server allows private URLs)."""
    url, method, allow_private = callback
    try:
        audio = _synthesize(text, engine, speed, fmt)
    except speech_synth.SynthesisError as exc:
        error = _failure(exc)
        call.record(
            code=error.status, message=error.err_msg, models=[model], config=config, callback=url
        )
        body = json.dumps(error.body(call.request_id)).encode()
        callbacks.deliver_result(call, url, body, method=method, allow_private=allow_private)
        return
    _record_success(call, model, text, audio, config, url)
    callbacks.deliver_result(
        call,
        url,
        audio.data,
        method=method,
        content_type=audio.content_type,
        allow_private=allow_private,
    )


@table.post("/v1/speak")
async def speak_v1(request: Request) -> Answer:
    return await _speak(request, flux=False)


@table.post("/v2/speak")
async def speak_v2(request: Request) -> Answer:
    return await _speak(request, flux=True)


ROUTES = table.routes
