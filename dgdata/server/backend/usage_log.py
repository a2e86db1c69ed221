"""Recording listen, speak and read calls as usage requests, and charging them to balances.

Every call through ``/v1/listen`` (REST or WebSocket), ``/v1/speak`` and ``/v1/read`` becomes one
row of the ``requests`` table; ``/usage``, ``/usage/breakdown``, ``/billing/*`` and the balances
are all computed from those rows.

Units of a row: ``duration`` is seconds of audio (one channel's length; 0 for a failed request),
``total_audio`` is seconds × channels, ``channels`` the channels billed; ``models`` are the model
names the caller asked for (``nova-3``, ``aura-2-thalia-en``); ``config`` the request's options
(including ``model`` and ``language``) and ``features`` the names of the options used. Only
``listen`` rows count towards usage ``hours``; ``agent`` rows count towards ``agent_hours``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dgdata.server.backend.store import Store, dumps, iso, utcnow

__all__ = ["UsageRecord", "record_request"]


@dataclass
class UsageRecord:
    """What one call cost and did; the columns of the ``requests`` table."""

    request_id: str
    project_id: str
    api_key_id: str | None
    path: str
    endpoint: str  # listen | speak | read
    method: str  # sync | async | streaming
    code: int = 200
    message: str | None = None
    created: datetime = field(default_factory=utcnow)
    completed: datetime | None = None
    duration: float = 0.0
    total_audio: float = 0.0
    channels: int = 0
    streams: int = 0
    usd: float = 0.0
    models: Sequence[str] = ()
    tags: Sequence[str] = ()
    features: Sequence[str] = ()
    config: Mapping[str, Any] = field(default_factory=dict)
    tts_characters: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    callback: str | None = None
    deployment: str = "hosted"


def record_request(store: Store, record: UsageRecord) -> None:
    """Store a request and take its cost off the project's balances (oldest first)."""
    columns: dict[str, Any] = {
        "request_id": record.request_id,
        "project_id": record.project_id,
        "api_key_id": record.api_key_id,
        "created": iso(record.created),
        "completed": iso(record.completed or utcnow()),
        "path": record.path,
        "endpoint": record.endpoint,
        "method": record.method,
        "deployment": record.deployment,
        "code": int(record.code),
        "message": record.message,
        "duration": float(record.duration),
        "total_audio": float(record.total_audio),
        "channels": int(record.channels),
        "streams": int(record.streams),
        "usd": float(record.usd),
        "models": dumps(list(record.models)),
        "tags": dumps(list(record.tags)),
        "features": dumps(sorted(record.features)),
        "config": dumps(dict(record.config)),
        "tts_characters": int(record.tts_characters),
        "tokens_in": int(record.tokens_in),
        "tokens_out": int(record.tokens_out),
        "callback": record.callback,
    }
    names = ", ".join(columns)
    marks = ", ".join(f":{name}" for name in columns)
    with store.transaction() as conn:
        conn.execute(f"INSERT INTO requests ({names}) VALUES ({marks})", columns)
        remaining = float(record.usd)
        balances = conn.execute(
            "SELECT balance_id, amount FROM balances WHERE project_id = ? AND units = 'usd' "
            "AND amount > 0 ORDER BY rowid",
            (record.project_id,),
        ).fetchall()
        for balance in balances:
            if remaining <= 0:
                break
            take = min(float(balance["amount"]), remaining)
            conn.execute(
                "UPDATE balances SET amount = round(amount - ?, 6) WHERE balance_id = ?",
                (take, balance["balance_id"]),
            )
            remaining -= take


def set_callback_result(store: Store, request_id: str, code: int, attempts: int) -> None:
    """Note how delivering a request's callback went."""
    store.execute(
        "UPDATE requests SET callback_code = ?, callback_attempts = ?, callback_completed = ? "
        "WHERE request_id = ?",
        (code, attempts, iso(utcnow()), request_id),
    )
