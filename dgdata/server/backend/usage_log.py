"""The usage log: one row of the ``requests`` table per listen, speak, read (or agent) call.

Every call through ``/v1/listen`` (REST or WebSocket), ``/v1/speak`` and ``/v1/read`` becomes one
row, failed ones included (with their status code and message, and no charge); ``/usage``,
``/usage/breakdown``, ``/billing/*`` and the balances are all computed from those rows.
:meth:`UsageLog.record_request` stores a row and takes its cost off the project's balances;
:meth:`UsageLog.list_requests` and :meth:`UsageLog.get_request` answer ``/requests``.

Units of a row: ``duration`` is seconds of audio (one channel's length; 0 for a failed request),
``total_audio`` is seconds × channels, ``channels`` the channels billed; ``models`` are the model
names the caller asked for (``nova-3``, ``aura-2-thalia-en``); ``config`` the request's options
(including ``model`` and ``language``) and ``features`` the names of the options used. Only
``listen`` rows count towards usage ``hours``; ``agent`` rows count towards ``agent_hours``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dgdata.server.backend.store import Tables, dumps, iso, loads, utcnow

__all__ = ["RequestQuery", "UsageLog", "UsageRecord", "request_json"]

_FAILURE_MESSAGES = {
    400: "Bad Request: failed to process audio: corrupt or unsupported data",
    402: "Project does not have enough credits for this request.",
    500: "Internal server error.",
}


@dataclass
class UsageRecord:
    """What one call cost and did; the columns of the ``requests`` table."""

    request_id: str
    project_id: str
    api_key_id: str | None
    path: str
    endpoint: str  # listen | speak | read | agent
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
    #: How the callback delivery went (set later by :meth:`UsageLog.set_callback_result`).
    callback_code: int | None = None
    callback_attempts: int | None = None
    callback_completed: datetime | None = None

    def columns(self) -> dict[str, Any]:
        """The row's column values."""
        return {
            "request_id": self.request_id,
            "project_id": self.project_id,
            "api_key_id": self.api_key_id,
            "created": iso(self.created),
            "completed": iso(self.completed or utcnow()),
            "path": self.path,
            "endpoint": self.endpoint,
            "method": self.method,
            "deployment": self.deployment,
            "code": int(self.code),
            "message": self.message,
            "duration": float(self.duration),
            "total_audio": float(self.total_audio),
            "channels": int(self.channels),
            "streams": int(self.streams),
            "usd": float(self.usd),
            "models": dumps(list(self.models)),
            "tags": dumps(list(self.tags)),
            "features": dumps(sorted(self.features)),
            "config": dumps(dict(self.config)),
            "tts_characters": int(self.tts_characters),
            "tokens_in": int(self.tokens_in),
            "tokens_out": int(self.tokens_out),
            "callback": self.callback,
            "callback_code": self.callback_code,
            "callback_attempts": self.callback_attempts,
            "callback_completed": (
                None if self.callback_completed is None else iso(self.callback_completed)
            ),
        }


_NAMES = list(UsageRecord("", "", None, "", "", "").columns())
_INSERT = (
    f"INSERT INTO requests ({', '.join(_NAMES)}) VALUES ({', '.join(':' + n for n in _NAMES)})"
)


@dataclass
class RequestQuery:
    """The filters and page of ``GET /requests`` (all optional but the page)."""

    start: datetime | None = None
    end: datetime | None = None
    #: Whether ``end`` is excluded (an end given as a date) or included (a date and time).
    end_exclusive: bool = False
    deployment: str | None = None
    endpoint: str | None = None
    method: str | None = None
    accessor: str | None = None
    request_id: str | None = None
    status: str | None = None  # succeeded | failed
    limit: int = 10
    page: int = 0


class UsageLog(Tables):
    """The ``requests`` table: recording calls and listing them."""

    def record_request(self, record: UsageRecord) -> None:
        """Store a request and take its cost off the project's balances (oldest first)."""
        with self.store.transaction() as conn:
            conn.execute(_INSERT, record.columns())
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

    def load_requests(self, records: Iterable[UsageRecord]) -> None:
        """Store requests as they are, charging nothing (history, such as the demo's)."""
        with self.store.transaction() as conn:
            conn.executemany(_INSERT, [record.columns() for record in records])

    def set_callback_result(self, request_id: str, code: int, attempts: int) -> None:
        """Note how delivering a request's callback went."""
        self.store.execute(
            "UPDATE requests SET callback_code = ?, callback_attempts = ?, "
            "callback_completed = ? WHERE request_id = ?",
            (code, attempts, iso(utcnow()), request_id),
        )

    def list_requests(self, project_id: str, query: RequestQuery) -> list[dict[str, Any]]:
        """A page of the project's requests, newest first, as ``/requests`` shows them."""
        sql = ["SELECT * FROM requests WHERE project_id = ?"]
        params: list[Any] = [project_id]
        if query.start is not None:
            sql.append("AND created >= ?")
            params.append(iso(query.start))
        if query.end is not None:
            sql.append("AND created < ?" if query.end_exclusive else "AND created <= ?")
            params.append(iso(query.end))
        for column, value in (
            ("deployment", query.deployment),
            ("endpoint", query.endpoint),
            ("method", query.method),
            ("api_key_id", query.accessor),
            ("request_id", query.request_id),
        ):
            if value:
                sql.append(f"AND {column} = ?")
                params.append(value)
        if query.status == "succeeded":
            sql.append("AND code < 300")
        elif query.status == "failed":
            sql.append("AND code >= 400")
        sql.append("ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?")
        params.extend([query.limit, query.page * query.limit])
        return [request_json(row) for row in self.store.query(" ".join(sql), params)]

    def get_request(self, project_id: str, request_id: str) -> dict[str, Any]:
        """One request of the project as ``/requests/{id}`` shows it; 404 if there is none."""
        sql = "SELECT * FROM requests WHERE project_id = ? AND request_id = ?"
        return request_json(self._one_or_404("Request", sql, (project_id, request_id)))


def request_json(row: Any) -> dict[str, Any]:
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
    if code < 400:
        response = _succeeded(row)
    else:
        message = row["message"] or _FAILURE_MESSAGES.get(code, "Request failed.")
        response = {"message": message, "code": code}
    if row["completed"] is not None:
        response["completed"] = row["completed"]
    out["response"] = response
    out["method"] = row["method"]  # also outside details, so failed requests carry it too
    out["code"] = code
    out["deployment"] = row["deployment"]
    if row["callback"] is not None:
        out["callback"] = row["callback"]
    return out


def _succeeded(row: Any) -> dict[str, Any]:
    """The ``response`` of a request that succeeded: its details, code and extra details."""
    duration = float(row["duration"])
    models = loads(row["models"], [])
    response: dict[str, Any] = {
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
        "code": int(row["code"]),
    }
    model = models[0] if models else ""
    if row["tts_characters"]:
        segment = {"characters": int(row["tts_characters"]), "model": model}
        response["tts_details"] = {"duration": duration, "speech_segments": [segment]}
    if row["tokens_in"] or row["tokens_out"]:
        response["token_details"] = [
            {
                "feature": "read" if row["endpoint"] == "read" else "intelligence",
                "input": int(row["tokens_in"]),
                "output": int(row["tokens_out"]),
                "model": model,
            }
        ]
    return response
