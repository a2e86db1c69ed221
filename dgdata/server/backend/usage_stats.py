"""Usage and billing computed from the ``requests`` table: request records, summaries, breakdowns.

Units, as the ``requests`` table holds them (see :mod:`dgdata.server.backend.usage_log`):

* ``duration``: seconds of audio of the request (one channel's length, as ``metadata.duration``);
* ``total_audio``: seconds of audio processed over all channels;
* ``channels``: channels billed; ``usd``: what the request cost.

What the API reports:

* a request's ``response.details.duration`` is in **hours** (as the usage reference gives it)
  and ``total_audio`` in seconds;
* ``hours``: hours of speech-to-text audio (``listen``); ``total_hours``: the same, times the
  channels billed (multichannel audio counts once per channel); ``agent_hours``: hours of voice
  agent sessions; ``tokens_in``/``tokens_out``: text-intelligence tokens; ``tts_characters``:
  characters spoken; ``requests``: requests, failed ones included (a failed request adds to
  ``requests`` only).

Periods are UTC days: every aggregate has ``resolution {"units": "day", "amount": 1}``.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dgdata.server.backend.pricing import LISTEN_PER_MINUTE
from dgdata.server.backend.store import Store, loads

__all__ = [
    "BILLING_GROUPINGS",
    "FEATURE_FILTERS",
    "USAGE_GROUPINGS",
    "Filters",
    "billing_breakdown",
    "billing_fields",
    "first_request_day",
    "line_item",
    "request_json",
    "usage_breakdown",
    "usage_fields",
    "usage_rows",
    "usage_summary",
]

#: The boolean feature filters of ``/usage`` and ``/usage/breakdown`` (the spec's list).
FEATURE_FILTERS: tuple[str, ...] = (
    "alternatives",
    "callback_method",
    "callback",
    "channels",
    "custom_intent_mode",
    "custom_intent",
    "custom_topic_mode",
    "custom_topic",
    "detect_entities",
    "detect_language",
    "diarize",
    "dictation",
    "encoding",
    "extra",
    "filler_words",
    "intents",
    "keyterm",
    "keywords",
    "language",
    "measurements",
    "multichannel",
    "numerals",
    "paragraphs",
    "profanity_filter",
    "punctuate",
    "redact",
    "replace",
    "sample_rate",
    "search",
    "sentiment",
    "smart_format",
    "summarize",
    "topics",
    "utt_split",
    "utterances",
    "version",
)

USAGE_GROUPINGS = ("accessor", "endpoint", "feature_set", "models", "method", "tags", "deployment")
BILLING_GROUPINGS = ("accessor", "deployment", "line_item", "tags")

RESOLUTION = {"units": "day", "amount": 1}

_FAILURE_MESSAGES = {
    400: "Bad Request: failed to process audio: corrupt or unsupported data",
    402: "Project does not have enough credits for this request.",
    500: "Internal server error.",
}

# --------------------------------------------------------------------------- request records


def request_json(row: sqlite3.Row) -> dict[str, Any]:
    """A ``requests`` row as ``/requests`` shows it: the spec's fields and the details.

    ``response`` holds ``{details{usd, duration (h), total_audio (s), channels, streams, method,
    models, tags, features, config}, code, completed}`` for a request that succeeded, or
    ``{message, code, completed}`` for one that failed; speak and read requests add
    ``tts_details`` / ``token_details``. Fields the spec types as strings are left out rather
    than sent as null.
    """
    code = int(row["code"])
    out: dict[str, Any] = {
        "request_id": row["request_id"],
        "project_uuid": row["project_id"],
        "created": row["created"],
        "path": row["path"],
    }
    if row["api_key_id"] is not None:
        out["api_key_id"] = row["api_key_id"]
    response: dict[str, Any]
    models = loads(row["models"], [])
    if code < 400:
        duration = float(row["duration"])
        response = {
            "details": {
                "usd": float(row["usd"]),
                "duration": round(duration / 3600.0, 9),
                "total_audio": float(row["total_audio"]),
                "channels": int(row["channels"]),
                "streams": int(row["streams"]),
                "method": row["method"],
                "models": models,
                "tags": loads(row["tags"], []),
                "features": loads(row["features"], []),
                "config": loads(row["config"], {}),
            },
            "code": code,
        }
        if row["tts_characters"]:
            response["tts_details"] = {
                "duration": duration,
                "speech_segments": [
                    {"characters": int(row["tts_characters"]), "model": models[0] if models else ""}
                ],
            }
        if row["tokens_in"] or row["tokens_out"]:
            response["token_details"] = [
                {
                    "feature": "read" if row["endpoint"] == "read" else "intelligence",
                    "input": int(row["tokens_in"]),
                    "output": int(row["tokens_out"]),
                    "model": models[0] if models else "",
                }
            ]
    else:
        response = {
            "message": row["message"] or _FAILURE_MESSAGES.get(code, "Request failed."),
            "code": code,
        }
    if row["completed"] is not None:
        response["completed"] = row["completed"]
    out["response"] = response
    out["method"] = row["method"]  # also outside details, so failed requests carry it too
    out["code"] = code
    out["deployment"] = row["deployment"]
    if row["callback"] is not None:
        out["callback"] = row["callback"]
    return out


# --------------------------------------------------------------------------- filtering


@dataclass
class Filters:
    """The filters of an aggregate query (all optional)."""

    accessor: str | None = None
    deployment: str | None = None
    endpoint: str | None = None
    method: str | None = None
    model: str | None = None
    tag: list[str] = field(default_factory=list)
    line_item: str | None = None
    #: Feature filters: True includes requests that used the feature (several are OR-ed), False
    #: excludes requests that used it (AND-ed).
    features: dict[str, bool] = field(default_factory=dict)


@dataclass
class _Row:
    day: str
    api_key_id: str | None
    endpoint: str
    method: str
    deployment: str
    code: int
    duration: float
    channels: int
    usd: float
    models: list[str]
    tags: list[str]
    features: list[str]
    config: dict[str, Any]
    callback: str | None
    tts_characters: int
    tokens_in: int
    tokens_out: int


_COLUMNS = (
    "created, api_key_id, endpoint, method, deployment, code, duration, channels, usd, models, "
    "tags, features, config, callback, tts_characters, tokens_in, tokens_out"
)


def _used(value: Any) -> bool:
    return value not in (None, False, "", "false", 0, [], {})


def _uses(row: _Row, feature: str) -> bool:
    if feature in row.features:
        return True
    if feature == "callback" and row.callback:
        return True
    return _used(row.config.get(feature))


def _model_names(row: _Row) -> set[str]:
    names = {m.lower() for m in row.models}
    requested = row.config.get("model")
    if isinstance(requested, str):
        names.add(requested.lower())
    return names


def _matches_model(row: _Row, wanted: set[str]) -> bool:
    return bool(_model_names(row) & wanted)


def _model_keys(model: str) -> set[str]:
    """Every name a model filter (a UUID or a name) may match in a request."""
    from dgdata.server.backend import catalog

    entry = catalog.find(model)
    keys = {model.strip().lower()}
    if entry is not None:
        keys.update(name.lower() for name in entry.names())
        keys.add(entry.uuid)
    return keys


def usage_rows(
    store: Store, project_id: str, start: date, end: date, filters: Filters
) -> list[_Row]:
    """The project's requests of the days ``start``..``end`` (inclusive) that pass ``filters``."""
    sql = [f"SELECT {_COLUMNS} FROM requests WHERE project_id = ? AND created >= ? AND created < ?"]
    params: list[Any] = [project_id, start.isoformat(), (end + timedelta(days=1)).isoformat()]
    for column in ("deployment", "endpoint", "method"):
        value = getattr(filters, column)
        if value is not None:
            sql.append(f"AND {column} = ?")
            params.append(value)
    if filters.accessor is not None:
        sql.append("AND api_key_id = ?")
        params.append(filters.accessor)
    rows = [_row(r) for r in store.query(" ".join(sql), params)]
    wanted_models = _model_keys(filters.model) if filters.model else None
    wanted_tags = set(filters.tag)
    including = [name for name, on in filters.features.items() if on]
    excluding = [name for name, on in filters.features.items() if not on]
    out = []
    for row in rows:
        if wanted_models is not None and not _matches_model(row, wanted_models):
            continue
        if wanted_tags and not wanted_tags & set(row.tags):
            continue
        if filters.line_item is not None and line_item(row) != filters.line_item:
            continue
        if including and not any(_uses(row, name) for name in including):
            continue
        if any(_uses(row, name) for name in excluding):
            continue
        out.append(row)
    return out


def _row(r: sqlite3.Row) -> _Row:
    return _Row(
        day=str(r["created"])[:10],
        api_key_id=r["api_key_id"],
        endpoint=str(r["endpoint"]),
        method=str(r["method"]),
        deployment=str(r["deployment"]),
        code=int(r["code"]),
        duration=float(r["duration"]),
        channels=int(r["channels"]),
        usd=float(r["usd"]),
        models=list(loads(r["models"], [])),
        tags=list(loads(r["tags"], [])),
        features=list(loads(r["features"], [])),
        config=dict(loads(r["config"], {})),
        callback=r["callback"],
        tts_characters=int(r["tts_characters"]),
        tokens_in=int(r["tokens_in"]),
        tokens_out=int(r["tokens_out"]),
    )


def first_request_day(store: Store, project_id: str) -> date | None:
    """The UTC day of the project's first request, or None."""
    row = store.one(
        "SELECT min(created) AS first FROM requests WHERE project_id = ?", (project_id,)
    )
    if row is None or row["first"] is None:
        return None
    return date.fromisoformat(str(row["first"])[:10])


# --------------------------------------------------------------------------- usage


class _Metrics:
    __slots__ = ("agent", "audio", "billed", "chars", "count", "tin", "tout", "tts_requests")

    def __init__(self) -> None:
        self.audio = self.billed = self.agent = 0.0
        self.tin = self.tout = self.chars = self.count = self.tts_requests = 0

    def add(self, row: _Row) -> None:
        self.count += 1
        if row.code >= 400:  # counted as a request; what it did not do is not usage
            return
        if row.endpoint == "listen":
            self.audio += row.duration
            self.billed += row.duration * max(row.channels, 1)
        elif row.endpoint == "agent":
            self.agent += row.duration
        self.tin += row.tokens_in
        self.tout += row.tokens_out
        self.chars += row.tts_characters
        if row.endpoint == "speak":
            self.tts_requests += 1

    def as_json(self) -> dict[str, Any]:
        return {
            "hours": round(self.audio / 3600.0, 9),
            "total_hours": round(self.billed / 3600.0, 9),
            "agent_hours": round(self.agent / 3600.0, 9),
            "tokens_in": self.tin,
            "tokens_out": self.tout,
            "tts_characters": self.chars,
            "requests": self.count,
            # The older shape, which earlier SDKs (and dgdata's frames) also read:
            "tokens": {"in": self.tin, "out": self.tout},
            "tts": {"characters": self.chars, "requests": self.tts_requests},
        }


def _days(start: date, end: date) -> Iterable[str]:
    for offset in range((end - start).days + 1):
        yield (start + timedelta(days=offset)).isoformat()


def usage_summary(rows: Sequence[_Row], start: date, end: date) -> dict[str, Any]:
    """``/usage``: one result per day of the range (days without requests included)."""
    per_day: dict[str, _Metrics] = defaultdict(_Metrics)
    for row in rows:
        per_day[row.day].add(row)
    results = [
        {"start": day, "end": day, **(per_day[day] if day in per_day else _Metrics()).as_json()}
        for day in _days(start, end)
    ]
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "resolution": dict(RESOLUTION),
        "results": results,
    }


def _feature_set(row: _Row) -> str:
    return ",".join(sorted(set(row.features)))


_USAGE_KEYS: dict[str, Callable[[_Row], Any]] = {
    "accessor": lambda r: r.api_key_id,
    "endpoint": lambda r: r.endpoint,
    "feature_set": _feature_set,
    "models": lambda r: tuple(sorted(set(r.models))),
    "method": lambda r: r.method,
    "tags": lambda r: tuple(sorted(set(r.tags))),
    "deployment": lambda r: r.deployment,
}


def usage_breakdown(
    rows: Sequence[_Row], start: date, end: date, grouping: str | None
) -> dict[str, Any]:
    """``/usage/breakdown``: one result per day and group (groups without requests left out).

    Grouping fields not grouped by are null (``models``, which the spec types as a plain array,
    is ``[]``).
    """
    key_of = _USAGE_KEYS[grouping] if grouping else (lambda r: None)
    groups: dict[tuple[str, Any], _Metrics] = defaultdict(_Metrics)
    for row in rows:
        groups[(row.day, key_of(row))].add(row)
    results = []
    for (day, key), metrics in sorted(
        groups.items(), key=lambda item: (item[0][0], repr(item[0][1]))
    ):
        group: dict[str, Any] = {
            "start": day,
            "end": day,
            "accessor": None,
            "endpoint": None,
            "feature_set": None,
            "models": [],
            "method": None,
            "tags": None,
            "deployment": None,
        }
        if grouping is not None:
            group[grouping] = list(key) if isinstance(key, tuple) else key
        results.append({**metrics.as_json(), "grouping": group})
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "resolution": dict(RESOLUTION),
        "results": results,
    }


def usage_fields(rows: Sequence[_Row]) -> dict[str, Any]:
    """``/usage/fields``: the tags, models, methods and features the requests used."""
    from dgdata.server.backend import catalog

    tags: set[str] = set()
    methods: set[str] = set()
    features: set[str] = set()
    models: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:
        tags.update(row.tags)
        methods.add(row.method)
        features.update(row.features)
        language = row.config.get("language")
        language = language if isinstance(language, str) and language else "en"
        for name in row.models:
            if (name, language) in models:
                continue
            entry = catalog.find(name)
            models[(name, language)] = {
                "name": name,
                "language": language,
                "version": entry.version if entry else "unknown",
                "model_id": entry.uuid if entry else catalog.model_uuid(name),
            }
    return {
        "tags": sorted(tags),
        "models": [models[key] for key in sorted(models)],
        "processing_methods": sorted(methods),
        "features": sorted(features),
    }


# --------------------------------------------------------------------------- billing

_FAMILY_NAMES = {
    "nova-3": "Nova-3",
    "nova-2": "Nova-2",
    "nova": "Nova",
    "enhanced": "Enhanced",
    "base": "Base",
    "whisper": "Whisper",
    "aura": "Aura",
    "aura-2": "Aura-2",
    "read": "Text Intelligence",
    "agent": "Voice Agent",
}
_METHOD_NAMES = {"sync": "Sync", "async": "Async", "streaming": "Stream"}


def _family(row: _Row) -> str:
    model = (row.models[0] if row.models else str(row.config.get("model") or "")).lower()
    if row.endpoint == "speak":
        return "aura-2" if model.startswith("aura-2") else "aura"
    if row.endpoint in ("read", "agent"):
        return row.endpoint
    for family in sorted(LISTEN_PER_MINUTE, key=len, reverse=True):
        if model == family or model.startswith(family + "-") or model.endswith("-" + family):
            return family
    return model or "unknown"


def line_item(row: _Row) -> str:
    """A request's billing line item, ``{method}::{model family}``: e.g. ``streaming::nova-3``."""
    return f"{row.method}::{_family(row)}"


def _line_item_name(item: str) -> str:
    method, _, family = item.partition("::")
    return f"{_FAMILY_NAMES.get(family, family)} ({_METHOD_NAMES.get(method, method)})"


def billable(rows: Iterable[_Row]) -> list[_Row]:
    """The requests that are billed: those that did not fail."""
    return [row for row in rows if row.code < 400]


_BILLING_KEYS: dict[str, Callable[[_Row], Any]] = {
    "accessor": lambda r: r.api_key_id,
    "deployment": lambda r: r.deployment,
    "line_item": line_item,
    "tags": lambda r: tuple(sorted(set(r.tags))),
}


def billing_breakdown(
    rows: Sequence[_Row], start: date, end: date, groupings: Sequence[str]
) -> dict[str, Any]:
    """``/billing/breakdown``: dollars per day and group (fields not grouped by are null)."""
    sums: dict[tuple[Any, ...], float] = defaultdict(float)
    for row in billable(rows):
        key = (row.day, *(_BILLING_KEYS[g](row) for g in groupings))
        sums[key] += row.usd
    results = []
    for key, dollars in sorted(sums.items(), key=lambda item: repr(item[0])):
        group: dict[str, Any] = {
            "start": key[0],
            "end": key[0],
            "accessor": None,
            "deployment": None,
            "line_item": None,
            "tags": None,
        }
        for name, value in zip(groupings, key[1:], strict=True):
            group[name] = list(value) if isinstance(value, tuple) else value
        results.append({"dollars": round(dollars, 6), "grouping": group})
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "resolution": dict(RESOLUTION),
        "results": results,
    }


def billing_fields(rows: Sequence[_Row]) -> dict[str, Any]:
    """``/billing/fields``: the accessors, deployments, tags and line items billed."""
    billed = billable(rows)
    items = sorted({line_item(row) for row in billed})
    return {
        "accessors": sorted({row.api_key_id for row in billed if row.api_key_id}),
        "deployments": sorted({row.deployment for row in billed}),
        "tags": sorted({tag for row in billed for tag in row.tags}),
        "line_items": {item: _line_item_name(item) for item in items},
    }
