"""One listen, speak or read call being served, until its usage is recorded.

A :class:`Call` is made when a request has been authenticated (see
:func:`dgdata.server.routes._context.start_call`) and recorded once, however the request ends,
with :meth:`Call.record`: failed calls too, with their status code and message and no charge.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dgdata.server.backend.auth import Principal
from dgdata.server.backend.store import utcnow
from dgdata.server.backend.usage_log import UsageLog, UsageRecord

__all__ = ["Call"]

log = logging.getLogger(__name__)


@dataclass
class Call:
    """One listen/speak/read call being served, until :meth:`record` stores it."""

    #: Where the call is recorded (the server's backend).
    usage: UsageLog
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
        """Store the call (once; later calls are ignored). Blocking: async code runs it in a
        worker thread. Never raises: a closed store after a server stop is logged, not
        propagated into a response or a background job."""
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
            self.usage.record_request(record)
        except Exception:  # the store may be closed when a server stops mid-request
            log.warning("could not record usage of request %s", self.request_id, exc_info=True)
