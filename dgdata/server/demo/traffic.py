"""The demo account's traffic: 90 days of listen, speak, read and agent requests.

Each project has a profile (requests per day, a weekly rhythm, growth over the quarter, the
models, methods, options and tags its requests use); :func:`demo_requests` draws a project's
requests from a seeded random generator, so the same seed and day give the same history, and
prices them with :mod:`dgdata.server.backend.pricing`. About 1.5% fail (400, 402, 500).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from dgdata.server.backend.pricing import listen_cost, read_cost, speak_cost
from dgdata.server.backend.usage_log import UsageRecord
from dgdata.server.demo.cast import demo_id

__all__ = ["DEMO_DAYS", "demo_requests"]

#: Days of history, ending today.
DEMO_DAYS = 90

_WEEKLY = {  # Monday first
    "support": (1.0, 1.08, 1.1, 1.05, 0.95, 0.4, 0.3),
    "podcast": (0.9, 1.0, 1.1, 1.1, 1.2, 0.7, 0.5),
    "agents": (1.0, 1.0, 1.05, 1.05, 1.0, 0.75, 0.55),
}
_PER_DAY = {"support": 21.0, "podcast": 9.0, "agents": 9.0}
_TAGS = {
    "support": [["support", "tier-1"], ["support", "tier-2"], ["support", "escalation"], ["qa"]],
    "podcast": [["episode"], ["episode", "ads"], ["trailer"], []],
    "agents": [["receptionist"], ["receptionist", "after-hours"], ["outbound"]],
}
_VOICES_2 = ["aura-2-thalia-en", "aura-2-andromeda-en", "aura-2-apollo-en", "aura-2-zeus-en"]
_VOICES_1 = ["aura-asteria-en", "aura-luna-en", "aura-orion-en", "aura-helios-en"]
_FAILURES = [
    (400, "Bad Request: failed to process audio: corrupt or unsupported data"),
    (400, "Bad Request: No such model/language/tier combination found."),
    (402, "Project does not have enough credits for this request."),
    (500, "Internal server error: the request could not be processed; please retry."),
]
_CALLBACK = "https://example.com/demo/deepgram-callback"


def _choice(rnd: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    values = [v for v, _ in weighted]
    weights = [w for _, w in weighted]
    return rnd.choices(values, weights)[0]


def _count(rnd: random.Random, mean: float) -> int:
    """A Poisson-like draw (normal approximation, which is plenty for a demo)."""
    return max(0, round(rnd.gauss(mean, math.sqrt(mean))))


def _duration(rnd: random.Random, median: float, low: float, high: float) -> float:
    return round(min(max(rnd.lognormvariate(math.log(median), 0.7), low), high), 3)


@dataclass
class _Request:
    endpoint: str
    method: str
    models: list[str]
    config: dict[str, Any]
    features: list[str]
    tags: list[str]
    duration: float = 0.0
    channels: int = 0
    tts_characters: int = 0
    tokens_in: int = 0
    tokens_out: int = 0


def _flags(rnd: random.Random, chances: dict[str, float], *always: str) -> list[str]:
    """The options a request used: ``always`` ones, and each of ``chances`` with its chance
    (drawn in order, so the seed decides)."""
    drawn = [name for name, chance in chances.items() if rnd.random() < chance]
    return sorted([*always, *drawn])


def _listen(rnd: random.Random, project: str) -> _Request:
    if project == "support":
        model = _choice(
            rnd, [("nova-3", 0.55), ("nova-2", 0.25), ("base", 0.12), ("whisper", 0.08)]
        )
        method = (
            "async"
            if model == "whisper"
            else _choice(rnd, [("streaming", 0.35), ("async", 0.35), ("sync", 0.3)])
        )
        duration = _duration(rnd, 240, 8, 3600)
        channels = 2 if rnd.random() < 0.6 else 1
        chances = {"diarize": 0.5, "redact": 0.2, "utterances": 0.3, "sentiment": 0.1}
        always = ["multichannel"] if channels > 1 else []
        used = _flags(rnd, chances, "punctuate", "smart_format", *always)
    elif project == "podcast":
        model = _choice(rnd, [("nova-3", 0.5), ("whisper", 0.3), ("nova-2", 0.2)])
        method = _choice(rnd, [("async", 0.6), ("sync", 0.4)])
        duration = _duration(rnd, 1800, 60, 7200)
        channels = 1
        chances = {"diarize": 0.8, "summarize": 0.5, "topics": 0.4, "filler_words": 0.2}
        used = _flags(rnd, chances, "punctuate", "smart_format", "paragraphs")
    else:
        model, method = "nova-3", "streaming"
        duration = _duration(rnd, 60, 5, 600)
        channels = 1
        chances = {"keyterm": 0.3, "numerals": 0.4}
        used = _flags(rnd, chances, "punctuate", "smart_format", "interim_results")
    config: dict[str, Any] = {"model": model, "language": "en", **{n: True for n in used}}
    if method == "streaming":
        config.update(
            encoding="linear16",
            sample_rate=16000 if project == "agents" else 8000,
            channels=channels,
        )
    request = _Request(
        "listen",
        method,
        [model],
        config,
        used,
        rnd.choice(_TAGS[project]),
        duration=duration,
        channels=channels,
    )
    if {"summarize", "topics", "sentiment"} & set(used):
        request.tokens_in = int(duration * rnd.uniform(2.2, 2.8))
        request.tokens_out = rnd.randint(40, 400)
    return request


def _speak(rnd: random.Random, project: str) -> _Request:
    voice = rnd.choice(_VOICES_2) if rnd.random() < 0.7 else rnd.choice(_VOICES_1)
    characters = rnd.randint(300, 4000) if project == "podcast" else rnd.randint(40, 420)
    method = "streaming" if project == "agents" and rnd.random() < 0.4 else "sync"
    config = {"model": voice, "encoding": "mp3" if project == "podcast" else "linear16"}
    return _Request(
        "speak",
        method,
        [voice],
        config,
        [],
        rnd.choice(_TAGS[project]),
        duration=round(characters / 14.0, 3),
        tts_characters=characters,
    )


def _read(rnd: random.Random, project: str) -> _Request:
    flags = {
        "summarize": rnd.random() < 0.7,
        "topics": rnd.random() < 0.5,
        "sentiment": rnd.random() < 0.4,
        "intents": rnd.random() < 0.3,
    }
    used = sorted(name for name, on in flags.items() if on) or ["summarize"]
    config: dict[str, Any] = {"language": "en", **{n: True for n in used}}
    return _Request(
        "read",
        "sync",
        [],
        config,
        used,
        rnd.choice(_TAGS[project]),
        tokens_in=rnd.randint(500, 6000),
        tokens_out=rnd.randint(50, 400),
    )


def _agent(rnd: random.Random, project: str) -> _Request:
    duration = _duration(rnd, 180, 20, 1200)
    config = {"listen": "nova-3", "think": "gpt-4o-mini", "speak": "aura-2-thalia-en"}
    return _Request(
        "agent",
        "streaming",
        ["nova-3", "aura-2-thalia-en"],
        config,
        [],
        rnd.choice(_TAGS[project]),
        duration=duration,
        channels=1,
        tts_characters=int(duration * rnd.uniform(4, 7)),
        tokens_in=int(duration * rnd.uniform(8, 12)),
        tokens_out=int(duration * rnd.uniform(1.5, 3)),
    )


_MIX = {
    "support": [(_listen, 1.0)],
    "podcast": [(_listen, 0.55), (_speak, 0.3), (_read, 0.15)],
    "agents": [(_agent, 0.35), (_listen, 0.35), (_speak, 0.3)],
}


def _cost(request: _Request) -> float:
    if request.endpoint == "listen":
        usd = listen_cost(request.models[0], request.method, request.duration, request.channels)
        return round(usd + read_cost(request.tokens_in + request.tokens_out), 6)
    if request.endpoint == "speak":
        return speak_cost(request.models[0], request.tts_characters)
    if request.endpoint == "read":
        return read_cost(request.tokens_in + request.tokens_out)
    usd = listen_cost("nova-3", "streaming", request.duration) + speak_cost(
        "aura-2-thalia-en", request.tts_characters
    )
    return round(usd + read_cost(request.tokens_in + request.tokens_out), 6)


def _path(request: _Request) -> str:
    if request.endpoint == "agent":
        return "/v1/agent/converse"
    query = [(k, "true" if v is True else str(v)) for k, v in request.config.items()]
    query += [("tag", tag) for tag in request.tags]
    return f"/v1/{request.endpoint}?{urlencode(query)}" if query else f"/v1/{request.endpoint}"


def _processing_seconds(request: _Request) -> float:
    if request.method == "streaming":
        return request.duration + 0.4
    if request.endpoint == "speak":
        return 0.2 + request.tts_characters / 2000.0
    if request.endpoint == "read":
        return 0.6 + request.tokens_in / 20000.0
    return (0.3 if request.method == "sync" else 2.0) + request.duration * 0.02


def _key_for(
    slug: str, request: _Request, keys: dict[str, str], day: int, rnd: random.Random
) -> str:
    if slug == "support":
        if request.method == "streaming":
            return keys["live"]
        intern_expired = DEMO_DAYS - 1 - day <= 35  # days before the anchor
        if not intern_expired and rnd.random() < 0.15:
            return keys["intern"]
        return keys["batch"]
    if slug == "podcast":
        return keys["editor"] if day >= DEMO_DAYS - 60 and rnd.random() < 0.25 else keys["studio"]
    return keys["voices"] if request.endpoint == "speak" and rnd.random() < 0.5 else keys["agent"]


def demo_requests(
    rnd: random.Random,
    slug: str,
    project_id: str,
    keys: dict[str, str],
    anchor: datetime,
    cutoff: datetime,
) -> list[UsageRecord]:
    """The requests of a project (``keys``: key slug to key id) over the :data:`DEMO_DAYS`
    days that end on ``anchor``'s day; those later than ``cutoff`` are drawn, then left out."""
    records = []
    number = 0
    first_day = anchor - timedelta(days=DEMO_DAYS - 1)
    for day in range(DEMO_DAYS):
        start = first_day + timedelta(days=day)
        growth = 0.6 + 0.7 * day / (DEMO_DAYS - 1)
        mean = _PER_DAY[slug] * growth * _WEEKLY[slug][start.weekday()]
        for _ in range(_count(rnd, mean)):
            number += 1
            record = _draw(rnd, slug, keys, day, start)
            if record.created <= cutoff:
                record.request_id = demo_id("request", slug, number)
                record.project_id = project_id
                records.append(record)
    return records


def _draw(
    rnd: random.Random, slug: str, keys: dict[str, str], day: int, start: datetime
) -> UsageRecord:
    """One request of the day that begins at ``start`` (its id and project still to set)."""
    maker = _choice(rnd, _MIX[slug])
    request: _Request = maker(rnd, slug)
    seconds = rnd.triangular(5 * 3600, 23 * 3600, 14 * 3600)
    created = start + timedelta(seconds=round(seconds, 3))
    key_id = _key_for(slug, request, keys, day, rnd)
    deployment = (
        "self-hosted" if slug == "support" and day >= 25 and rnd.random() < 0.08 else "hosted"
    )
    failure = _FAILURES[rnd.randrange(len(_FAILURES))] if rnd.random() < 0.015 else None
    callback = _CALLBACK if request.method == "async" else None
    callback_code = (500 if rnd.random() < 0.05 else 200) if callback else None
    record = UsageRecord(
        request_id="",
        project_id="",
        api_key_id=key_id,
        path=_path(request),
        endpoint=request.endpoint,
        method=request.method,
        created=created,
        deployment=deployment,
        models=request.models,
        tags=request.tags,
        features=request.features,
        config=request.config,
        callback=callback,
    )
    if failure is None:
        _succeeded(record, request, callback_code)
    else:
        record.code, record.message = failure
        record.completed = created + timedelta(seconds=0.2)
    return record


def _succeeded(record: UsageRecord, request: _Request, callback_code: int | None) -> None:
    """Fill in what a request that succeeded did and cost."""
    record.usd = _cost(request)
    record.completed = record.created + timedelta(seconds=_processing_seconds(request))
    record.duration, record.channels = request.duration, request.channels
    if request.endpoint == "listen":
        record.total_audio = request.duration * max(request.channels, 1)
    elif request.endpoint == "agent":
        record.total_audio = request.duration
    record.streams = 1 if request.endpoint in ("listen", "agent") else 0
    record.tts_characters = request.tts_characters
    record.tokens_in, record.tokens_out = request.tokens_in, request.tokens_out
    if record.callback is not None:
        record.callback_code = callback_code
        record.callback_attempts = 1 if callback_code == 200 else 3
        record.callback_completed = record.completed + timedelta(seconds=0.4)
