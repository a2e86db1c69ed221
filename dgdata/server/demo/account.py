"""The synthetic demo account of ``dgdata serve --demo``.

Everything here is made up, and says so: projects are called ``Demo — …``, people live at
``@example.com``, companies end in ``(demo)``. What it holds:

* three projects (support calls, a podcast studio, a voice-agent lab) whose owner includes the
  server's bootstrap owner, so the key ``dgdata serve`` prints sees them all;
* members with every role, API keys (one expired, several member-scoped, one granular),
  pending invitations, purchases and the balances left after the usage, self-hosted
  credentials, an agent configuration and agent variables;
* 90 days of usage ending today: a few thousand requests across models (nova-3, nova-2, base,
  whisper, aura and aura-2 voices), methods (sync, async, streaming), endpoints (listen, speak,
  read, agent), tags, features and request options, with weekly seasonality, growth over the
  quarter, and a few failed requests (400, 402, 500). Costs come from
  :mod:`dgdata.server.backend.pricing`.

Deterministic: one random generator with a fixed seed, ids derived with UUID 5, times relative to
an anchor. The anchor is midnight UTC of the day the seed runs (so the history always ends
today); requests that would fall later today than the moment of seeding are left out. Two seeds
on the same day give the same ids and numbers. API key secrets are random (the demo keys are not
meant to be used; the secrets are never shown).

The seed is one transaction and takes well under a second. It runs after start and after every
reset; on a database that already holds the demo (a ``--db`` file), it does nothing.
"""

from __future__ import annotations

import math
import random
import secrets
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from dgdata.server.backend.pricing import listen_cost, read_cost, speak_cost
from dgdata.server.backend.store import Store, digest, dumps, iso, utcnow
from dgdata.server.state import ServerState

__all__ = ["DEMO_DAYS", "DEMO_SEED", "DemoSummary", "build_demo", "demo_id", "seed_demo"]

DEMO_SEED = 20240917
DEMO_DAYS = 90
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/dgdata/dgdata/server/demo")
_META_KEY = "demo_seeded"


def demo_id(kind: str, *parts: object) -> str:
    """The fixed UUID of a demo object (``demo_id("project", "support")``)."""
    return str(uuid.uuid5(_NAMESPACE, ":".join([kind, *map(str, parts)])))


@dataclass
class DemoSummary:
    """What a seed inserted (also stored, as JSON, in the ``meta`` table)."""

    anchor: str
    projects: list[str] = field(default_factory=list)
    requests: int = 0
    failed: int = 0
    usd: float = 0.0


# --------------------------------------------------------------------------- the cast

_PEOPLE = {
    "priya": ("priya.patel@example.com", "Priya", "Patel"),
    "sam": ("sam.okafor@example.com", "Sam", "Okafor"),
    "lee": ("lee.chen@example.com", "Lee", "Chen"),
    "maria": ("maria.garcia@example.com", "María", "García"),
    "jo": ("jo.smith@example.com", "Jo", "Smith"),
}

_PROJECTS = {
    "support": ("Demo — Support calls", "Example Telecom (demo)"),
    "podcast": ("Demo — Podcast studio", "Example Media (demo)"),
    "agents": ("Demo — Voice agent lab", "Example Dental (demo)"),
}

_MEMBERS = {
    "support": [("priya", "owner"), ("sam", "admin"), ("lee", "member"), ("jo", "member")],
    "podcast": [("maria", "owner"), ("lee", "admin"), ("jo", "member")],
    "agents": [("sam", "owner"), ("priya", "admin"), ("maria", "member")],
}


@dataclass(frozen=True)
class _Key:
    slug: str
    person: str
    comment: str
    scopes: tuple[str, ...]
    tags: tuple[str, ...]
    created_days_ago: int
    expires_in_days: int | None = None  # relative to the anchor; negative: already expired


_KEYS = {
    "support": [
        _Key(
            "batch", "sam", "Demo — nightly batch transcription", ("admin",), ("batch", "prod"), 120
        ),
        _Key("live", "lee", "Demo — live call assist", ("member",), ("streaming", "prod"), 110),
        _Key(
            "intern",
            "jo",
            "Demo — intern sandbox (expired)",
            ("member",),
            ("sandbox",),
            95,
            expires_in_days=-35,
        ),
        _Key(
            "dashboard",
            "priya",
            "Demo — usage dashboard (read only)",
            ("usage:read",),
            ("reporting",),
            80,
        ),
    ],
    "podcast": [
        _Key("studio", "maria", "Demo — studio pipeline", ("admin",), ("prod",), 130),
        _Key(
            "editor", "jo", "Demo — editor laptop", ("member",), ("dev",), 60, expires_in_days=120
        ),
    ],
    "agents": [
        _Key("agent", "sam", "Demo — receptionist agent", ("member",), ("agent", "prod"), 100),
        _Key("voices", "priya", "Demo — voice prompts", ("admin",), ("tts",), 90),
    ],
}

_INVITES = {
    "support": [("new.hire@example.com", "member"), ("contractor@example.com", "admin")],
    "podcast": [("guest.editor@example.com", "member")],
    "agents": [],
}

#: (slug, amount in USD, order type, created days before the anchor)
_PURCHASES = {
    "support": [("welcome", 200.0, "promotional", 150), ("q3", 1000.0, "prepaid", 75)],
    "podcast": [("welcome", 200.0, "promotional", 140), ("topup", 250.0, "prepaid", 40)],
    "agents": [("welcome", 200.0, "promotional", 110)],
}

_CREDENTIALS = {
    "support": [("pilot", "sam", "Demo — on-prem pilot cluster", ["self-hosted:products"], 70)],
    "agents": [
        (
            "edge",
            "sam",
            "Demo — edge box",
            ["self-hosted:product:api", "self-hosted:product:engine"],
            45,
        ),
    ],
    "podcast": [],
}

_AGENT_CONFIG = {
    "listen": {"provider": {"type": "deepgram", "model": "nova-3"}},
    "think": {
        "provider": {"type": "open_ai", "model": "gpt-4o-mini"},
        "prompt": "You are the friendly receptionist of {{DG_COMPANY}}. Opening hours: "
        "{{DG_OPENING_HOURS}}. Book, move or cancel appointments; never give medical advice.",
    },
    "speak": {"provider": {"type": "deepgram", "model": "aura-2-thalia-en"}},
    "greeting": "Hello! You have reached {{DG_COMPANY}}. How can I help you today?",
}
_VARIABLES = {
    "DG_COMPANY": "Example Dental (demo)",
    "DG_OPENING_HOURS": {"weekdays": "08:00-18:00", "saturday": "09:00-13:00", "sunday": "closed"},
}

# --------------------------------------------------------------------------- usage profiles

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
        flags = {
            "punctuate": True,
            "smart_format": True,
            "diarize": rnd.random() < 0.5,
            "redact": rnd.random() < 0.2,
            "utterances": rnd.random() < 0.3,
            "sentiment": rnd.random() < 0.1,
            "multichannel": channels > 1,
        }
    elif project == "podcast":
        model = _choice(rnd, [("nova-3", 0.5), ("whisper", 0.3), ("nova-2", 0.2)])
        method = _choice(rnd, [("async", 0.6), ("sync", 0.4)])
        duration = _duration(rnd, 1800, 60, 7200)
        channels = 1
        flags = {
            "punctuate": True,
            "smart_format": True,
            "paragraphs": True,
            "diarize": rnd.random() < 0.8,
            "summarize": rnd.random() < 0.5,
            "topics": rnd.random() < 0.4,
            "filler_words": rnd.random() < 0.2,
        }
    else:
        model, method = "nova-3", "streaming"
        duration = _duration(rnd, 60, 5, 600)
        channels = 1
        flags = {
            "punctuate": True,
            "smart_format": True,
            "interim_results": True,
            "keyterm": rnd.random() < 0.3,
            "numerals": rnd.random() < 0.4,
        }
    used = sorted(name for name, on in flags.items() if on)
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


# --------------------------------------------------------------------------- the seed


def seed_demo(state: ServerState) -> None:
    """Seed the demo account into the server's store (once; see the module docstring)."""
    now = utcnow()
    build_demo(state.store, state.boot.member_id, today=now.date(), now=now)


def build_demo(
    store: Store, owner_member_id: str, *, today: date, now: datetime | None = None
) -> DemoSummary | None:
    """Insert the demo account, anchored at midnight UTC of ``today``; None if already there.

    ``owner_member_id`` (the server's bootstrap owner) becomes an owner of every demo project.
    Requests later than ``now`` (default: the end of ``today``) are left out.
    """
    if store.get_meta(_META_KEY) is not None:
        return None
    anchor = datetime.combine(today, time(), tzinfo=timezone.utc)
    cutoff = now if now is not None else anchor + timedelta(days=1)
    rnd = random.Random(DEMO_SEED)
    summary = DemoSummary(anchor=iso(anchor))

    def ago(days: float) -> str:
        return iso(anchor - timedelta(days=days))

    with store.transaction() as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO accounts (member_id, email, first_name, last_name) "
            "VALUES (?, ?, ?, ?)",
            [(demo_id("member", slug), *person) for slug, person in _PEOPLE.items()],
        )
        member_ids = {
            slug: conn.execute(
                "SELECT member_id FROM accounts WHERE email = ?", (person[0],)
            ).fetchone()[0]
            for slug, person in _PEOPLE.items()
        }
        for order, (slug, (name, company)) in enumerate(_PROJECTS.items()):
            project_id = demo_id("project", slug)
            summary.projects.append(project_id)
            conn.execute(
                "INSERT INTO projects (project_id, name, company, created) VALUES (?, ?, ?, ?)",
                (project_id, name, company, ago(200 - order * 10)),
            )
            conn.executemany(
                "INSERT INTO memberships (project_id, member_id, scope) VALUES (?, ?, ?)",
                [(project_id, owner_member_id, "owner")]
                + [(project_id, member_ids[p], scope) for p, scope in _MEMBERS[slug]],
            )
            keys = _insert_keys(conn, slug, project_id, member_ids, anchor)
            conn.executemany(
                "INSERT INTO invitations (project_id, email, scope, created) VALUES (?, ?, ?, ?)",
                [
                    (project_id, email, scope, ago(3 + i))
                    for i, (email, scope) in enumerate(_INVITES[slug])
                ],
            )
            for cred, person, comment, scopes, days in _CREDENTIALS[slug]:
                conn.execute(
                    "INSERT INTO credentials (distribution_credentials_id, project_id, member_id, "
                    "comment, scopes, provider, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        demo_id("credentials", slug, cred),
                        project_id,
                        member_ids[person],
                        comment,
                        dumps(scopes),
                        "quay",
                        ago(days),
                    ),
                )
            if slug == "agents":
                _insert_agent(conn, project_id, ago)
            usd = _insert_usage(conn, rnd, slug, project_id, keys, anchor, cutoff, summary)
            _insert_purchases(conn, slug, project_id, usd, anchor)
        store.set_meta(
            _META_KEY,
            dumps(
                {
                    "anchor": summary.anchor,
                    "requests": summary.requests,
                    "projects": summary.projects,
                }
            ),
        )
    return summary


def _insert_keys(
    conn: sqlite3.Connection,
    slug: str,
    project_id: str,
    member_ids: dict[str, str],
    anchor: datetime,
) -> dict[str, tuple[str, _Key]]:
    keys = {}
    for key in _KEYS[slug]:
        key_id = demo_id("key", slug, key.slug)
        expiration = (
            None
            if key.expires_in_days is None
            else iso(anchor + timedelta(days=key.expires_in_days))
        )
        conn.execute(
            "INSERT INTO api_keys (api_key_id, project_id, member_id, secret_sha256, comment, "
            "scopes, tags, created, expiration_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key_id,
                project_id,
                member_ids[key.person],
                digest(secrets.token_hex(20)),
                key.comment,
                dumps(list(key.scopes)),
                dumps(list(key.tags)),
                iso(anchor - timedelta(days=key.created_days_ago)),
                expiration,
            ),
        )
        keys[key.slug] = (key_id, key)
    return keys


def _insert_agent(conn: sqlite3.Connection, project_id: str, ago: Any) -> None:
    conn.execute(
        "INSERT INTO agents (agent_id, project_id, config, metadata, created, updated) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            demo_id("agent", "receptionist"),
            project_id,
            dumps(_AGENT_CONFIG),
            dumps({"name": "Demo — receptionist", "team": "front desk"}),
            ago(60),
            ago(12),
        ),
    )
    for index, (key, value) in enumerate(_VARIABLES.items()):
        conn.execute(
            "INSERT INTO agent_variables (variable_id, project_id, key, value, created, updated) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                demo_id("variable", key),
                project_id,
                key,
                dumps(value),
                ago(60 - index),
                ago(20 - index),
            ),
        )


def _key_for(
    slug: str, request: _Request, keys: dict[str, tuple[str, _Key]], day: int, rnd: random.Random
) -> str:
    if slug == "support":
        if request.method == "streaming":
            return keys["live"][0]
        intern_expired = DEMO_DAYS - 1 - day <= 35  # days before the anchor
        if not intern_expired and rnd.random() < 0.15:
            return keys["intern"][0]
        return keys["batch"][0]
    if slug == "podcast":
        return (
            keys["editor"][0]
            if day >= DEMO_DAYS - 60 and rnd.random() < 0.25
            else (keys["studio"][0])
        )
    return (
        keys["voices"][0]
        if request.endpoint == "speak" and rnd.random() < 0.5
        else (keys["agent"][0])
    )


def _insert_usage(
    conn: sqlite3.Connection,
    rnd: random.Random,
    slug: str,
    project_id: str,
    keys: dict[str, tuple[str, _Key]],
    anchor: datetime,
    cutoff: datetime,
    summary: DemoSummary,
) -> float:
    rows = []
    total = 0.0
    number = 0
    first_day = anchor - timedelta(days=DEMO_DAYS - 1)
    for day in range(DEMO_DAYS):
        start = first_day + timedelta(days=day)
        growth = 0.6 + 0.7 * day / (DEMO_DAYS - 1)
        mean = _PER_DAY[slug] * growth * _WEEKLY[slug][start.weekday()]
        for _ in range(_count(rnd, mean)):
            maker = _choice(rnd, _MIX[slug])
            request: _Request = maker(rnd, slug)
            seconds = rnd.triangular(5 * 3600, 23 * 3600, 14 * 3600)
            created = start + timedelta(seconds=round(seconds, 3))
            key_id = _key_for(slug, request, keys, day, rnd)
            deployment = (
                "self-hosted"
                if slug == "support" and day >= 25 and rnd.random() < 0.08
                else "hosted"
            )
            failure = _FAILURES[rnd.randrange(len(_FAILURES))] if rnd.random() < 0.015 else None
            callback = _CALLBACK if request.method == "async" else None
            callback_code = (500 if rnd.random() < 0.05 else 200) if callback else None
            number += 1
            if created > cutoff:
                continue
            if failure is None:
                code, message, usd = 200, None, _cost(request)
                completed = created + timedelta(seconds=_processing_seconds(request))
                duration, channels = request.duration, request.channels
                total_audio = (
                    duration * max(channels, 1)
                    if request.endpoint == "listen"
                    else (duration if request.endpoint == "agent" else 0.0)
                )
            else:
                code, message, usd = failure[0], failure[1], 0.0
                completed = created + timedelta(seconds=0.2)
                duration, channels, total_audio = 0.0, 0, 0.0
                summary.failed += 1
            ok = failure is None
            rows.append(
                (
                    demo_id("request", slug, number),
                    project_id,
                    key_id,
                    iso(created),
                    iso(completed),
                    _path(request),
                    request.endpoint,
                    request.method,
                    deployment,
                    code,
                    message,
                    duration,
                    total_audio,
                    channels,
                    1 if request.endpoint in ("listen", "agent") and ok else 0,
                    usd,
                    dumps(request.models),
                    dumps(request.tags),
                    dumps(sorted(request.features)),
                    dumps(request.config),
                    request.tts_characters if ok else 0,
                    request.tokens_in if ok else 0,
                    request.tokens_out if ok else 0,
                    callback,
                    callback_code if ok else None,
                    (1 if callback_code == 200 else 3) if ok and callback else None,
                    iso(completed + timedelta(seconds=0.4)) if ok and callback else None,
                )
            )
            total += usd
    conn.executemany(
        "INSERT INTO requests (request_id, project_id, api_key_id, created, completed, path, "
        "endpoint, method, deployment, code, message, duration, total_audio, channels, streams, "
        "usd, models, tags, features, config, tts_characters, tokens_in, tokens_out, callback, "
        "callback_code, callback_attempts, callback_completed) "
        "VALUES (" + ", ".join(["?"] * 27) + ")",
        rows,
    )
    summary.requests += len(rows)
    summary.usd = round(summary.usd + total, 6)
    return total


def _insert_purchases(
    conn: sqlite3.Connection, slug: str, project_id: str, spent: float, anchor: datetime
) -> None:
    for order, amount, kind, days in _PURCHASES[slug]:
        order_id = demo_id("order", slug, order)
        created = anchor - timedelta(days=days)
        conn.execute(
            "INSERT INTO purchases (order_id, project_id, created, expiration, amount, units, "
            "order_type) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                order_id,
                project_id,
                iso(created),
                iso(created + timedelta(days=365)),
                amount,
                "usd",
                kind,
            ),
        )
        take = min(amount, spent)
        spent -= take
        conn.execute(
            "INSERT INTO balances (balance_id, project_id, amount, units, purchase_order_id) "
            "VALUES (?, ?, ?, ?, ?)",
            (demo_id("balance", slug, order), project_id, round(amount - take, 6), "usd", order_id),
        )
