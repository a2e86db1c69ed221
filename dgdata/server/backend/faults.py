"""Failure injection: make the local server slow, rate-limited, failing or flaky on purpose.

Faults are set through ``/_dgdata/faults`` (outside ``/v1``; the server's owner key only, never
cross-site: see :mod:`dgdata.server.routes.control`) or from Python with
:meth:`LocalServer.inject <dgdata.server.runner.LocalServer.inject>`, which sends that key. A
fault is a JSON object; every field but one kind is optional::

    {"path": "/v1/listen",        # prefix of the paths it applies to (default: every API path)
     "method": "POST",            # only this HTTP method (default: any)
     "times": 2,                  # how many requests it hits, then it is spent (default 1;
                                  #   null: until cleared)
     "probability": 0.3,          # hit only this share of the requests it applies to, drawn
     "seed": 7,                   #   from a random generator seeded with ``seed`` (default 1.0)
     "latency_ms": 300,           # kind 1: wait before answering normally
     "status": 429,               # kind 2: answer with this error status and a Deepgram body
     "retry_after": 2,            #   ... and a Retry-After header (seconds)
     "drop": "mid_response",      # kind 3: "before_response", "mid_response" (the headers and
                                  #   part of the body are sent, then the connection is cut) or
                                  #   "after_processing" (handled and logged, the answer lost)
     "ws_drop_after_ms": 500}     # kind 4: a WebSocket is cut (no close frame) after this long

``POST /_dgdata/reset`` clears the faults and puts the state back to how the server started.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DROPS", "Fault", "FaultInjector"]

#: where a connection can be cut: before the request is handled, in the middle of the answer, or
#: after the request was handled (logged and billed) but before any answer went out
DROPS = ("before_response", "mid_response", "after_processing")

_STATUS_CODES = {
    408: "SLOW_UPLOAD",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}
_FIELDS = {
    "path",
    "method",
    "times",
    "probability",
    "seed",
    "latency_ms",
    "status",
    "retry_after",
    "drop",
    "ws_drop_after_ms",
}


@dataclass
class Fault:
    """One injected fault (see the module docstring for the fields)."""

    path: str = "/v"
    method: str | None = None
    times: int | None = 1
    probability: float = 1.0
    seed: int | None = None
    latency_ms: float = 0.0
    status: int | None = None
    retry_after: float | None = None
    drop: str | None = None
    ws_drop_after_ms: float | None = None
    hits: int = field(default=0)
    _draws: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    @classmethod
    def from_json(cls, spec: Mapping[str, Any]) -> Fault:
        """Validate a fault from its JSON form; ValueError says what is wrong."""
        unknown = set(spec) - _FIELDS
        if unknown:
            raise ValueError(f"unknown fault fields {sorted(unknown)}; known: {sorted(_FIELDS)}")
        fault = cls(**{k: v for k, v in spec.items()})
        kinds = [
            fault.latency_ms > 0,
            fault.status is not None,
            fault.drop is not None,
            fault.ws_drop_after_ms is not None,
        ]
        if not any(kinds):
            raise ValueError("a fault needs one of latency_ms, status, drop or ws_drop_after_ms")
        if fault.status is not None and not 400 <= int(fault.status) <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        if fault.drop not in (None, *DROPS):
            raise ValueError(f"drop must be one of {', '.join(DROPS)}")
        if fault.times is not None and int(fault.times) < 1:
            raise ValueError("times must be at least 1, or null for until cleared")
        if not str(fault.path).startswith("/"):
            raise ValueError("path must start with /")
        if not 0 < float(fault.probability) <= 1:
            raise ValueError("probability must be more than 0 and at most 1")
        fault._draws = random.Random(fault.seed)
        return fault

    def strikes(self) -> bool:
        """Draw whether this fault hits the request it applies to."""
        return self.probability >= 1 or self._draws.random() < self.probability

    def applies(self, method: str, path: str, websocket: bool) -> bool:
        """Whether this fault hits a request."""
        if (self.ws_drop_after_ms is not None) != websocket:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return path.startswith(self.path)

    @property
    def err_code(self) -> str:
        """The ``err_code`` of the error body for ``status``."""
        return _STATUS_CODES.get(int(self.status or 500), "INJECTED_FAULT")

    def as_json(self) -> dict[str, Any]:
        """The fault as JSON, with how many requests it has hit."""
        return {name: getattr(self, name) for name in (*sorted(_FIELDS), "hits")}


class FaultInjector:
    """The faults in force; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, spec: Mapping[str, Any]) -> Fault:
        """Add a fault from its JSON form."""
        fault = Fault.from_json(spec)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict[str, Any]]:
        """The faults in force, as JSON."""
        with self._lock:
            return [f.as_json() for f in self._faults]

    def take(self, method: str, path: str, *, websocket: bool = False) -> Fault | None:
        """The first fault that hits this request, counting the hit (spent faults go)."""
        with self._lock:
            for fault in self._faults:
                if fault.applies(method, path, websocket) and fault.strikes():
                    fault.hits += 1
                    if fault.times is not None and fault.hits >= int(fault.times):
                        self._faults.remove(fault)
                    return fault
        return None
