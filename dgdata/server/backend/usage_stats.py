"""Usage statistics computed from the ``requests`` table: the summary, fields and breakdown.

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
:class:`UsageStats` reads the rows (:meth:`UsageStats.usage_rows`, filtered by :class:`Filters`);
billing (:mod:`dgdata.server.backend.billing`) aggregates the same rows in dollars.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dgdata.server.backend import catalog
from dgdata.server.backend.store import Tables, loads

__all__ = [
    "FEATURE_FILTERS",
    "USAGE_GROUPINGS",
    "Filters",
    "UsageRow",
    "UsageStats",
    "period",
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

RESOLUTION = {"units": "day", "amount": 1}


def period(start: date, end: date, results: list[dict[str, Any]]) -> dict[str, Any]:
    """An aggregate answer: ``{start, end, resolution, results}``."""
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "resolution": dict(RESOLUTION),
        "results": results,
    }


@dataclass
class Filters:
    """The filters of an aggregate query (all optional)."""

    accessor: str | None = None
    deployment: str | None = None
    endpoint: str | None = None
    method: str | None = None
    model: str | None = None
    tag: list[str] = field(default_factory=list)
    #: Feature filters: True includes requests that used the feature (several are OR-ed), False
    #: excludes requests that used it (AND-ed).
    features: dict[str, bool] = field(default_factory=dict)


@dataclass
class UsageRow:
    """One request as the aggregates read it: its UTC day and the columns they use."""

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


def _uses(row: UsageRow, feature: str) -> bool:
    if feature in row.features:
        return True
    if feature == "callback" and row.callback:
        return True
    return _used(row.config.get(feature))


def _model_names(row: UsageRow) -> set[str]:
    names = {m.lower() for m in row.models}
    requested = row.config.get("model")
    if isinstance(requested, str):
        names.add(requested.lower())
    return names


def _matches_model(row: UsageRow, wanted: set[str]) -> bool:
    return bool(_model_names(row) & wanted)


def _model_keys(model: str) -> set[str]:
    """Every name a model filter (a UUID or a name) may match in a request."""
    entry = catalog.find(model)
    keys = {model.strip().lower()}
    if entry is not None:
        keys.update(name.lower() for name in entry.names())
        keys.add(entry.uuid)
    return keys


def _row(r: Any) -> UsageRow:
    return UsageRow(
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


def _passes(row: UsageRow, filters: Filters, wanted_models: set[str] | None) -> bool:
    """Whether a row passes the filters that SQL does not apply (models, tags, features)."""
    if wanted_models is not None and not _matches_model(row, wanted_models):
        return False
    if filters.tag and not set(filters.tag) & set(row.tags):
        return False
    including = [name for name, on in filters.features.items() if on]
    if including and not any(_uses(row, name) for name in including):
        return False
    return not any(_uses(row, name) for name, on in filters.features.items() if not on)


class _Metrics:
    __slots__ = ("agent", "audio", "billed", "chars", "count", "tin", "tout", "tts_requests")

    def __init__(self) -> None:
        self.audio = self.billed = self.agent = 0.0
        self.tin = self.tout = self.chars = self.count = self.tts_requests = 0

    def add(self, row: UsageRow) -> None:
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


def _feature_set(row: UsageRow) -> str:
    return ",".join(sorted(set(row.features)))


_USAGE_KEYS: dict[str, Callable[[UsageRow], Any]] = {
    "accessor": lambda r: r.api_key_id,
    "endpoint": lambda r: r.endpoint,
    "feature_set": _feature_set,
    "models": lambda r: tuple(sorted(set(r.models))),
    "method": lambda r: r.method,
    "tags": lambda r: tuple(sorted(set(r.tags))),
    "deployment": lambda r: r.deployment,
}

#: The grouping fields of a ``/usage/breakdown`` result, null unless grouped by (``models``,
#: which the spec types as a plain array, is ``[]``).
_NO_GROUPING: dict[str, Any] = {
    "accessor": None,
    "endpoint": None,
    "feature_set": None,
    "models": [],
    "method": None,
    "tags": None,
    "deployment": None,
}


def grouping_value(key: Any) -> Any:
    """A group key as JSON shows it (tuples, such as tags, become lists)."""
    return list(key) if isinstance(key, tuple) else key


class UsageStats(Tables):
    """Reading the ``requests`` table in aggregate."""

    def usage_rows(
        self, project_id: str, start: date, end: date, filters: Filters
    ) -> list[UsageRow]:
        """The project's requests of the days ``start``..``end`` (inclusive) that pass
        ``filters``."""
        sql = [
            f"SELECT {_COLUMNS} FROM requests WHERE project_id = ? AND created >= ? AND created < ?"
        ]
        params: list[Any] = [project_id, start.isoformat(), (end + timedelta(days=1)).isoformat()]
        for column, value in (
            ("deployment", filters.deployment),
            ("endpoint", filters.endpoint),
            ("method", filters.method),
            ("api_key_id", filters.accessor),
        ):
            if value is not None:
                sql.append(f"AND {column} = ?")
                params.append(value)
        wanted_models = _model_keys(filters.model) if filters.model else None
        rows = (_row(r) for r in self.store.query(" ".join(sql), params))
        return [row for row in rows if _passes(row, filters, wanted_models)]

    def first_request_day(self, project_id: str) -> date | None:
        """The UTC day of the project's first request, or None."""
        row = self.store.one(
            "SELECT min(created) AS first FROM requests WHERE project_id = ?", (project_id,)
        )
        if row is None or row["first"] is None:
            return None
        return date.fromisoformat(str(row["first"])[:10])

    def usage_summary(
        self, project_id: str, start: date, end: date, filters: Filters
    ) -> dict[str, Any]:
        """``/usage``: one result per day of the range (days without requests included)."""
        per_day: dict[str, _Metrics] = defaultdict(_Metrics)
        for row in self.usage_rows(project_id, start, end, filters):
            per_day[row.day].add(row)
        results = [
            {"start": day, "end": day, **per_day.get(day, _Metrics()).as_json()}
            for day in _days(start, end)
        ]
        return period(start, end, results)

    def usage_breakdown(
        self, project_id: str, start: date, end: date, filters: Filters, grouping: str | None
    ) -> dict[str, Any]:
        """``/usage/breakdown``: one result per day and group (groups without requests left
        out); grouping fields not grouped by are null."""
        key_of = _USAGE_KEYS[grouping] if grouping else (lambda r: None)
        groups: dict[tuple[str, Any], _Metrics] = defaultdict(_Metrics)
        for row in self.usage_rows(project_id, start, end, filters):
            groups[(row.day, key_of(row))].add(row)
        results = []
        for (day, key), metrics in sorted(
            groups.items(), key=lambda item: (item[0][0], repr(item[0][1]))
        ):
            group: dict[str, Any] = {"start": day, "end": day, **_NO_GROUPING}
            if grouping is not None:
                group[grouping] = grouping_value(key)
            results.append({**metrics.as_json(), "grouping": group})
        return period(start, end, results)

    def usage_fields(self, project_id: str, start: date, end: date) -> dict[str, Any]:
        """``/usage/fields``: the tags, models, methods and features the requests used."""
        return _fields(self.usage_rows(project_id, start, end, Filters()))


def _fields(rows: Sequence[UsageRow]) -> dict[str, Any]:
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
