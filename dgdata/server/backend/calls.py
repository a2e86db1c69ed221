"""Usage records for listen, speak and read calls: who called, what it cost, how it went.

Every call that got past authentication is recorded, failed ones included (with their status
code and message, and no charge), through :func:`dgdata.server.backend.usage_log.record_request`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import HTTPConnection

from dgdata.server.backend.auth import Principal
from dgdata.server.backend.store import utcnow
from dgdata.server.backend.usage_log import UsageRecord, record_request
from dgdata.server.state import ServerState, request_id, server_state

__all__ = ["Call", "start_call"]

log = logging.getLogger("dgdata.server")


@dataclass
class Call:
    """One listen/speak/read call being served, until :meth:`record` stores it."""

    state: ServerState
    principal: Principal
    request_id: str
    path: str
    endpoint: str
    method: str
    tags: list[str] = field(default_factory=list)
    created: datetime = field(default_factory=utcnow)
    recorded: bool = False

    def record(
        self,
        *,
        code: int = 200,
        message: str | None = None,
        duration: float = 0.0,
        channels: int = 0,
        usd: float = 0.0,
        models: Sequence[str] = (),
        features: Sequence[str] = (),
        config: Mapping[str, Any] | None = None,
        tts_characters: int = 0,
        tokens_in: int = 0,
        tokens_out: int = 0,
        callback: str | None = None,
        streams: int = 0,
    ) -> None:
        """Store the call (once; later calls are ignored). Never raises: a closed store after a
        server stop is logged, not propagated into a response or a background job."""
        if self.recorded:
            return
        self.recorded = True
        failed = code >= 400
        record = UsageRecord(
            request_id=self.request_id,
            project_id=self.principal.project_id,
            api_key_id=self.principal.api_key_id,
            path=self.path,
            endpoint=self.endpoint,
            method=self.method,
            code=code,
            message=message,
            created=self.created,
            completed=utcnow(),
            duration=0.0 if failed else max(duration, 0.0),
            total_audio=0.0 if failed else max(duration, 0.0) * max(channels, 1),
            channels=channels,
            streams=streams or (1 if self.endpoint == "listen" else 0),
            usd=0.0 if failed else usd,
            models=list(models),
            tags=list(self.tags),
            features=list(features),
            config=dict(config or {}),
            tts_characters=0 if failed else tts_characters,
            tokens_in=0 if failed else tokens_in,
            tokens_out=0 if failed else tokens_out,
            callback=callback,
        )
        try:
            record_request(self.state.store, record)
        except Exception:  # the store may be closed when a server stops mid-request
            log.warning("could not record usage of request %s", self.request_id, exc_info=True)


def start_call(conn: HTTPConnection, principal: Principal, endpoint: str, method: str) -> Call:
    """A :class:`Call` for this request (its path and query, tags, request id)."""
    query = conn.url.query
    path = conn.url.path + (f"?{query}" if query else "")
    tags = [t for t in conn.query_params.getlist("tag") if t.strip()]
    return Call(
        state=server_state(conn),
        principal=principal,
        request_id=request_id(conn),
        path=path,
        endpoint=endpoint,
        method=method,
        tags=tags,
    )
