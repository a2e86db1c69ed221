"""Usage requests (``GET /v1/projects/{id}/requests``) as one tidy row per request.

Deepgram has described a usage request in two shapes, and real responses mix them:

* the older docs and SDKs: ``accessor``, ``response.details{usd, duration, total_audio, channels,
  streams, model(s), method, tier, tags, features, config{...}}`` or ``response.message`` when the
  request failed, ``response.code`` / ``response.completed`` and ``callback{code, completed,
  attempts}``;
* the current OpenAPI spec: ``project_uuid``, ``api_key_id``, a top-level ``code`` (a float),
  ``deployment``, ``callback`` as the callback URL, and ``response`` as an open object.

:func:`usage_requests` reads both, tolerates missing and odd values, and always returns the
columns of :data:`REQUEST_SCHEMA` with the same dtypes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from dgdata.frames._responses import as_dict, as_list, first, is_iterable_input
from dgdata.frames._schema import BOOL, FLAG, FLOAT, INT, LIST, STRING, TIME, Schema, str_list

__all__ = ["CONFIG_FLAGS", "REQUEST_SCHEMA", "usage_requests"]

#: Request options reported in ``response.details.config``, as ``config_<name>`` boolean columns:
#: the union of the old docs' config keys and the spec's per-feature usage filters.  A value is
#: True when the request used the option (``summarize="v2"``, ``keywords=[...]`` count as used).
CONFIG_FLAGS: tuple[str, ...] = (
    "alternatives", "callback", "callback_method", "channels", "custom_intent",
    "custom_intent_mode", "custom_topic", "custom_topic_mode", "detect_entities",
    "detect_language", "diarize", "dictation", "encoding", "extra", "filler_words", "intents",
    "interim_results", "keyterm", "keywords", "language", "measurements", "multichannel", "ner",
    "numerals", "paragraphs", "profanity_filter", "punctuate", "redact", "replace", "sample_rate",
    "search", "sentiment", "smart_format", "summarize", "tag", "topics", "utt_split", "utterances",
    "version",
)  # fmt: skip

# Fields collected per request by _request_row, in order; "has_details" and "config" are
# internal (status inference and the config flags) and do not become columns.
_ROW_FIELDS = (
    "request_id", "project_id", "created", "path", "api_key_id", "accessor", "deployment",
    "endpoint", "method", "code", "message", "has_details", "completed", "duration",
    "total_audio", "channels", "streams", "usd", "model", "models", "tags", "features", "tier",
    "language", "callback_url", "callback_code", "callback_completed", "callback_attempts",
    "tokens_in", "tokens_out", "tts_characters", "config",
)  # fmt: skip

#: Columns of :func:`usage_requests` and their kinds (see ``dgdata.frames._schema``).
REQUEST_SCHEMA = Schema(
    "usage_requests",
    {
        "request_id": STRING,
        "project_id": STRING,
        "created": TIME,
        "path": STRING,
        "api_key_id": STRING,
        "accessor": STRING,
        "deployment": STRING,
        "endpoint": STRING,
        "method": STRING,
        "code": INT,
        "status": STRING,
        "message": STRING,
        "completed": TIME,
        "duration": FLOAT,
        "total_audio": FLOAT,
        "channels": INT,
        "streams": INT,
        "usd": FLOAT,
        "usd_available": BOOL,
        "model": STRING,
        "models": LIST,
        "tags": LIST,
        "features": LIST,
        "tier": STRING,
        "language": STRING,
        "callback_url": STRING,
        "callback_code": INT,
        "callback_completed": TIME,
        "callback_attempts": INT,
        "tokens_in": INT,
        "tokens_out": INT,
        "tts_characters": INT,
        **{f"config_{name}": FLAG for name in CONFIG_FLAGS},
    },
)

_VERSION_SEGMENT = re.compile(r"v\d+\Z")
_NO_CALLBACK = (None, None, None, None)
_NO_TOKENS = (None, None, None)


def usage_requests(data: Any, project_id: str | None = None) -> pd.DataFrame:
    """One row per usage request, from ``/requests`` pages, a get-response or request dicts.

    ``data`` may be one ``{page, limit, requests: [...]}`` page, a list (or any iterable, e.g. a
    generator of pages) of pages, a single ``{request: {...}}`` get-response, or an iterable of
    request dicts.  ``project_id`` fills the ``project_id`` column where a request does not name
    its project (``project_id`` / ``project_uuid``).

    Columns (:data:`REQUEST_SCHEMA`): ids and ``path`` as text; ``created``, ``completed`` and
    ``callback_completed`` as UTC timestamps; ``code`` (Int64) with ``status`` "succeeded"
    (code < 300) or "failed" (code >= 400; also a response carrying only a ``message``), else
    <NA>; the error text in ``message``; ``usd`` (NaN when absent) and ``usd_available`` (False
    when Deepgram reported no cost, e.g. not computed yet, a contract project or a failure);
    ``duration``, ``total_audio`` as reported (the usage reference gives ``duration`` in hours);
    ``model`` (the requested model name, else the reported model(s) joined by "+");
    ``models``, ``tags`` and ``features`` as one list of str per row (``[]`` when absent); and
    one nullable boolean ``config_<option>`` per :data:`CONFIG_FLAGS` entry (<NA> when the
    request did not report the option).

    Example::

        >>> page = {"page": 0, "limit": 10, "requests": [{
        ...     "request_id": "r1", "created": "2024-05-01T10:00:00.000Z", "code": 200,
        ...     "response": {"details": {"usd": 0.01, "models": ["nova-2"]}}}]}
        >>> df = usage_requests(page, project_id="p1")
        >>> df[["project_id", "status", "usd"]].to_dict("records")
        [{'project_id': 'p1', 'status': 'succeeded', 'usd': 0.01}]
    """
    rows = [_request_row(item, project_id) for item in _request_items(data)]
    columns: dict[str, Any] = {}
    if rows:
        columns = dict(zip(_ROW_FIELDS, zip(*rows, strict=True), strict=True))
    has_details = columns.pop("has_details", ())
    columns.update(_config_columns(columns.pop("config", ()), len(rows)))
    frame = REQUEST_SCHEMA.frame(columns, len(rows))
    frame["status"] = _status(frame["code"], columns.get("message", ()), has_details)
    frame["usd_available"] = pd.array(np.isfinite(frame["usd"].to_numpy()), dtype="boolean")
    return frame


# --------------------------------------------------------------------------- input shapes


def _request_items(data: Any) -> Iterator[dict[str, Any]]:
    """Request dicts from a page, a get-response, a request, or an iterable of any of those."""
    if isinstance(data, Mapping):
        yield from _items_of_response(data, top_level=True)
        return
    if not is_iterable_input(data):
        raise TypeError(
            "usage_requests() expects a /requests page, a list of pages or request dicts, "
            f"got {type(data).__name__}"
        )
    for index, element in enumerate(data):
        if element is None:
            continue
        if not isinstance(element, Mapping):
            raise TypeError(
                f"usage_requests(): element {index} is a {type(element).__name__}, not a dict"
            )
        yield from _items_of_response(element, top_level=False)


def _items_of_response(data: Mapping[str, Any], *, top_level: bool) -> Iterator[dict[str, Any]]:
    if "requests" in data:  # a page; a null or odd "requests" means an empty page
        requests = data["requests"]
        if type(requests) is list:
            yield from (item for item in requests if type(item) is dict)
        return
    if "request" in data:  # the get-response
        if type(data["request"]) is dict:
            yield data["request"]
        return
    if not data or (top_level and set(data) <= {"page", "limit"}):
        return
    if top_level and "request_id" not in data and "created" not in data:
        raise ValueError(
            "usage_requests() expects a /requests page ({'requests': [...]}), a get-response "
            f"({{'request': {{...}}}}) or a request dict; got keys {sorted(map(str, data))[:8]}"
        )
    yield data if type(data) is dict else dict(data)


# --------------------------------------------------------------------------- the walker


def _request_row(item: dict[str, Any], default_project: str | None) -> tuple[Any, ...]:
    """The raw values of one request, in ``_ROW_FIELDS`` order (typed later, per column).

    Written out flat rather than with helpers: it runs once per request (100k+ in a month).
    """
    response = as_dict(item.get("response"))
    details = as_dict(response.get("details"))
    config = as_dict(details.get("config"))
    code = item.get("code")
    project = item.get("project_id") or item.get("project_uuid")
    key_id = item.get("api_key_id")
    accessor = item.get("accessor")
    path = item.get("path")
    endpoint = item.get("endpoint")
    deployment = item.get("deployment")
    method = details.get("method")
    message = response.get("message")
    models = details.get("models")
    model = config.get("model")
    callback = item.get("callback")
    return (
        item.get("request_id"),
        project if project is not None else default_project,
        item.get("created"),
        path,
        key_id if key_id is not None else accessor,
        accessor if accessor is not None else key_id,
        deployment if deployment is not None else details.get("deployment"),
        endpoint if endpoint is not None or type(path) is not str else _endpoint_of(path),
        method if method is not None else item.get("method"),
        code if code is not None else response.get("code"),
        message if message is not None else first(response.get("err_msg"), item.get("message")),
        len(details) > 0,
        response.get("completed"),
        details.get("duration"),
        details.get("total_audio"),
        details.get("channels"),
        details.get("streams"),
        details.get("usd"),
        model if type(model) is str else _model_name(details),
        models if models is not None else details.get("model"),
        details.get("tags"),
        details.get("features"),
        details.get("tier"),
        config.get("language"),
        *(
            _callback_parts(callback, config)
            if callback is not None or "callback" in config
            else _NO_CALLBACK
        ),
        *(
            _token_parts(response)
            if "token_details" in response or "tts_details" in response
            else _NO_TOKENS
        ),
        config,
    )


_FLAG_COLUMNS = {name: f"config_{name}" for name in CONFIG_FLAGS}


def _config_columns(configs: Iterable[Mapping[str, Any]], length: int) -> dict[str, list[Any]]:
    """One raw list per config flag; walks only the keys each config has (most have few)."""
    columns: dict[str, list[Any]] = {column: [None] * length for column in _FLAG_COLUMNS.values()}
    for row, config in enumerate(configs):
        for key, value in config.items():
            column = _FLAG_COLUMNS.get(key)
            if column is not None:
                columns[column][row] = value
    return columns


@functools.lru_cache(maxsize=4096)
def _endpoint_of(path: str) -> str | None:
    """``/v1/listen?model=x`` -> ``listen``; ``/v1/agent/converse`` -> ``agent``."""
    segments = [s for s in path.split("?", 1)[0].split("/") if s]
    while segments and _VERSION_SEGMENT.match(segments[0]):
        segments.pop(0)
    return segments[0] if segments else None


def _model_name(details: Mapping[str, Any]) -> str | None:
    """The reported model when the request's config names none: ``model``, or ``models`` joined."""
    name = details.get("model")
    if type(name) is str:
        return name
    models = str_list(details.get("models"))
    return "+".join(models) if models else None


def _callback_parts(callback: Any, config: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
    """(url, code, completed, attempts) from the old object shape or the spec's URL string."""
    if type(callback) is str:
        return callback, None, None, None
    info = as_dict(callback)
    url = first(info.get("url"), config.get("callback"))
    return (
        url if type(url) is str else None,
        info.get("code"),
        info.get("completed"),
        info.get("attempts"),
    )


def _token_parts(response: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """(tokens_in, tokens_out, tts_characters) summed over token_details / tts speech segments."""
    tokens = [t for t in as_list(response.get("token_details")) if type(t) is dict]
    segments = as_dict(response.get("tts_details")).get("speech_segments")
    characters = [s.get("characters") for s in as_list(segments) if type(s) is dict]
    return (
        _total(t.get("input") for t in tokens) if tokens else None,
        _total(t.get("output") for t in tokens) if tokens else None,
        _total(characters) if characters else None,
    )


def _total(values: Iterable[Any]) -> float | None:
    numbers = [v for v in values if type(v) in (int, float)]
    return sum(numbers) if numbers else None


def _status(code: pd.Series, messages: Iterable[Any], has_details: Iterable[bool]) -> pd.Series:
    """succeeded (< 300) / failed (>= 400) by code; without a code, by message vs details."""
    numeric = code.astype("float64").to_numpy(na_value=np.nan)
    labels = np.full(len(code), None, dtype=object)
    labels[numeric < 300] = "succeeded"
    labels[numeric >= 400] = "failed"
    no_code = np.isnan(numeric)
    if no_code.any():
        message = np.fromiter((m is not None for m in messages), dtype=bool, count=len(code))
        detailed = np.fromiter(has_details, dtype=bool, count=len(code))
        labels[no_code & message & ~detailed] = "failed"
        labels[no_code & detailed & ~message] = "succeeded"
    return pd.Series(pd.array(labels, dtype="string"), index=code.index)
