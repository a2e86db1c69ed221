"""Routes: text intelligence, ``POST /v1/read``.

The body is ``{"text": ...}`` or ``{"url": ...}`` (the server fetches the text). What the local
server really does, and what it does not:

* ``summarize=true`` (or ``v2``): an **extractive** summary from
  :mod:`dgdata.server.listen.summaries` (the text's most representative sentences, by
  word-frequency scoring; Deepgram's is written by a language model), in the real response's
  shape: flat ``metadata {request_id, created, language, summary_info {model_uuid,
  input_tokens, output_tokens}}`` and ``results.summary.text``;
* ``topics``, ``intents``, ``sentiment`` (and their ``custom_*`` options) are **not faked**: the
  results leave them out and ``metadata.warnings`` says, for each, that it was not applied
  (``{"parameter", "type": "unsupported_feature", "message"}``, the shape of Deepgram's warnings).

Usage: ``endpoint=read``, tokens in (the text, when it was summarised) and out (the summary),
priced per token by :func:`dgdata.server.backend.pricing.read_cost`. With ``callback`` the answer is
``{"request_id"}`` and the result is delivered to the callback URL.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dgdata.server.backend import catalog
from dgdata.server.backend.calls import Call
from dgdata.server.backend.pricing import read_cost
from dgdata.server.backend.store import iso
from dgdata.server.errors import ApiError, bad_request, query_error
from dgdata.server.listen import callbacks
from dgdata.server.listen import summaries as text_summary
from dgdata.server.listen.outbound import ascii_text
from dgdata.server.listen.sources import (
    check_url,
    fetch_url,
    read_body,
    read_json_body,
)
from dgdata.server.routes._context import Answer, RouteTable, caller, server_state, start_call

__all__ = ["MAX_TEXT_BYTES", "ROUTES", "SUMMARY_MODEL"]

#: The largest text analysed, sent or fetched, in bytes (413 beyond it): the text is held in
#: memory to be analysed, so it is bounded well below ``max_upload_bytes``. Deepgram's own limit
#: is about 150,000 tokens, some 600 KB of English.
MAX_TEXT_BYTES = 16 * 1024**2
#: The name (and so the UUID) of the local summariser in ``summary_info``.
SUMMARY_MODEL = "dgdata-local-extractive-summary"
_BOOLEANS = ("summarize", "topics", "intents", "sentiment")
_NOT_APPLIED = {
    "topics": "Topic detection is not available on the local server; no topics were detected.",
    "intents": "Intent recognition is not available on the local server; no intents were "
    "recognised.",
    "sentiment": "Sentiment analysis is not available on the local server; no sentiment was "
    "analysed.",
    "custom_topic": "custom_topic was ignored: topic detection is not available on the local "
    "server.",
    "custom_intent": "custom_intent was ignored: intent recognition is not available on the "
    "local server.",
}

table = RouteTable()


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw.strip() == "":
        return False
    lowered = raw.strip().lower()
    if name == "summarize" and lowered in ("v2", "v1"):
        return True
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    what = "a boolean (true or false)" if name != "summarize" else "a boolean (or v2)"
    raise query_error(f"{name} must be {what}, not {raw!a}.")


def _options(request: Request) -> tuple[dict[str, bool], dict[str, Any], list[str]]:
    """The requested features, the usage config and the features used."""
    flags = {name: _flag(request, name) for name in _BOOLEANS}
    for name in ("custom_topic_mode", "custom_intent_mode"):
        value = request.query_params.get(name)
        if value not in (None, "", "extended", "strict"):
            raise query_error(f"{name} must be extended or strict, not {value!a}.")
    method = (request.query_params.get("callback_method") or "POST").upper()
    if method not in ("POST", "PUT"):
        raise query_error(f"callback_method must be POST or PUT, not {method!a}.")
    callback = request.query_params.get("callback")
    if callback:
        parts = urlsplit(callback)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise query_error(f"callback must be an http:// or https:// URL, not {callback!a}.")
    language = (request.query_params.get("language") or "en").strip()
    config: dict[str, Any] = {"language": language}
    features = [name for name, on in flags.items() if on]
    for name in ("custom_topic", "custom_intent"):
        values = [v for v in request.query_params.getlist(name) if v.strip()]
        if values:
            config[name] = values
            features.append(name)
    config.update({name: True for name in flags if flags[name]})
    return flags, config, sorted(features)


async def _source_text(request: Request) -> str:
    settings = server_state(request).settings
    limit = min(settings.max_upload_bytes, MAX_TEXT_BYTES)
    body = read_json_body(await read_body(request, limit))
    text = body.get("text")
    if text is not None:
        if not isinstance(text, str) or not text.strip():
            raise bad_request('The text to analyse is empty: send {"text": "..."}.')
        return text
    if "url" not in body:
        raise bad_request('The JSON body needs a text or url field: {"text": "..."}.')
    download = await fetch_url(
        check_url(body["url"]), limit, allow_private=settings.allow_private_urls
    )
    try:
        raw = await run_in_threadpool(download.read_bytes)
    finally:
        download.close()
    decoded = raw.decode("utf-8", "replace")
    if not decoded.strip():
        raise bad_request(
            f"The document at {ascii_text(str(body['url']))} is empty; there is no text to analyse."
        )
    return decoded


def _analyse(
    text: str, flags: dict[str, bool], config: dict[str, Any], request_id: str, created: str
) -> tuple[dict[str, Any], int, int]:
    """The response, and the tokens in and out."""
    language = str(config.get("language", "en"))
    metadata: dict[str, Any] = {"request_id": request_id, "created": created, "language": language}
    results: dict[str, Any] = {}
    tokens_in = tokens_out = 0
    if flags["summarize"]:
        summary = text_summary.summarize(text)
        tokens_in, tokens_out = text_summary.count_tokens(text), text_summary.count_tokens(summary)
        metadata["summary_info"] = {
            "model_uuid": catalog.model_uuid(SUMMARY_MODEL),
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
        }
        results["summary"] = {"text": summary}
    warnings = [
        {"parameter": name, "type": "unsupported_feature", "message": message}
        for name, message in _NOT_APPLIED.items()
        if flags.get(name) or name in config
    ]
    if not language.lower().startswith("en"):
        warnings.append(
            {
                "parameter": "language",
                "type": "partial_support",
                "message": f"The local summariser is tuned for English; {language!a} text is "
                "summarised by the same word-frequency method.",
            }
        )
    if warnings:
        metadata["warnings"] = warnings
    return {"metadata": metadata, "results": results}, tokens_in, tokens_out


def _record(
    call: Call,
    config: dict[str, Any],
    features: list[str],
    tokens: tuple[int, int],
    callback: str | None,
) -> None:
    tokens_in, tokens_out = tokens
    call.record(
        usd=read_cost(tokens_in + tokens_out),
        models=[SUMMARY_MODEL] if tokens_in else [],
        features=features,
        config=config,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        callback=callback,
    )


@table.post("/v1/read")
async def analyze(request: Request) -> Answer:
    principal = await caller(request, allow_bearer=True)
    callback = (request.query_params.get("callback") or "").strip() or None
    call = start_call(request, principal, "read", "async" if callback else "sync")
    allow_private = server_state(request).settings.allow_private_urls
    config: dict[str, Any] = {}
    features: list[str] = []
    try:
        flags, config, features = _options(request)
        if callback is not None:  # 400 now, not a delivery that fails later
            await callbacks.vet(callback, allow_private=allow_private)
        text = await _source_text(request)
    except ApiError as exc:
        await run_in_threadpool(
            call.record,
            code=exc.status,
            message=exc.err_msg,
            features=features,
            config=config,
            callback=callback,
        )
        raise
    created = iso(call.created)
    if callback is not None:
        method = (request.query_params.get("callback_method") or "POST").upper()

        def later() -> None:
            result, tokens_in, tokens_out = _analyse(text, flags, config, call.request_id, created)
            _record(call, config, features, (tokens_in, tokens_out), callback)
            body = json.dumps(result).encode()
            callbacks.deliver_result(
                call, callback, body, method=method, allow_private=allow_private
            )

        callbacks.submit(later)
        return {"request_id": call.request_id}
    result, tokens_in, tokens_out = await run_in_threadpool(
        _analyse, text, flags, config, call.request_id, created
    )
    await run_in_threadpool(_record, call, config, features, (tokens_in, tokens_out), None)
    return result


ROUTES = table.routes
