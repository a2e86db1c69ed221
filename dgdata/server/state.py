"""What every route needs: the server's state, the caller, the request id, bodies and queries."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse

from dgdata.server.asr.decoder import DecoderPool
from dgdata.server.asr.processes import ProcessRecognizer
from dgdata.server.backend.accounts import Bootstrap, bootstrap
from dgdata.server.backend.auth import Principal, authenticate
from dgdata.server.backend.faults import FaultInjector
from dgdata.server.backend.store import Store
from dgdata.server.errors import bad_request, query_error

__all__ = [
    "ServerSettings",
    "ServerState",
    "caller",
    "json_body",
    "json_response",
    "project_caller",
    "query_bool",
    "query_float",
    "query_int",
    "request_id",
    "server_state",
]


@dataclass(frozen=True)
class ServerSettings:
    """How a server behaves; ``dgdata serve`` options map onto these."""

    #: A fixed owner key to (re)register at start, instead of minting a new one.
    api_key: str | None = None
    #: Seed the synthetic demo account (projects, members, keys, 90 days of usage).
    demo: bool = False
    #: Recognisers that may run at once (prerecorded and live together).
    decoders: int = field(default_factory=lambda: max(os.cpu_count() or 1, 1))
    #: Live streams allowed at once; beyond it a stream waits ``live_wait`` seconds, then is
    #: refused with close code 1013 (try again later).
    max_live_streams: int = 8
    live_wait: float = 5.0
    #: Seconds a live stream may go without audio or KeepAlive before close 1011 NET-0001.
    live_idle_timeout: float = 10.0
    #: Largest prerecorded upload accepted, in bytes.
    max_upload_bytes: int = 2 * 1024**3


class ServerState:
    """Everything a running server holds: the store, the faults, the settings."""

    def __init__(self, store: Store, settings: ServerSettings) -> None:
        self.store = store
        self.settings = settings
        self.faults = FaultInjector()
        self.lock = threading.Lock()
        self.live_streams = threading.BoundedSemaphore(settings.max_live_streams)
        #: Hooks run after a reset (the demo seeder registers itself here).
        self.seeders: list[Callable[[ServerState], None]] = []
        self.boot: Bootstrap = bootstrap(store, api_key=settings.api_key)
        #: Whole recordings are recognised in worker processes (see recognizer_processes).
        self.recognizer = ProcessRecognizer(settings.decoders)
        #: Live streams decode in-process, with decoders (made on demand) from this pool.
        self.live_decoders = DecoderPool(settings.decoders)

    def close(self) -> None:
        """Release what the state holds outside the database (the recogniser's workers)."""
        self.recognizer.close()

    def seed(self) -> None:
        """Run the seeders (after start and after every reset)."""
        for seeder in self.seeders:
            seeder(self)

    def reset(self) -> None:
        """Clear faults and state, then restore the starting project, owner key and seed."""
        self.faults.clear()
        self.store.reset()
        self.boot = bootstrap(self.store, api_key=self.boot.api_key)
        self.seed()


def server_state(conn: HTTPConnection) -> ServerState:
    """The :class:`ServerState` of the app serving this request."""
    state: ServerState = conn.app.state.dgdata
    return state


def request_id(conn: HTTPConnection) -> str:
    """The id of this request (also sent as the ``dg-request-id`` header)."""
    return str(conn.scope["state"]["request_id"])


def caller(conn: HTTPConnection, *, allow_bearer: bool = False) -> Principal:
    """The authenticated caller (401/403 as the real API answers)."""
    return authenticate(
        server_state(conn).store, conn.headers.get("authorization"), allow_bearer=allow_bearer
    )


def project_caller(conn: HTTPConnection, role: str = "member") -> tuple[Principal, str]:
    """The caller and the ``{project_id}`` of the path, checking the caller's role in it."""
    principal = caller(conn)
    project_id = str(conn.path_params["project_id"])
    principal.require(server_state(conn).store, project_id, role)
    return principal, project_id


async def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object body; the real API's 400 when it is not one."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise bad_request(
                "Content-type was application/json, but we could not process the JSON payload."
            )
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_request(
            "Content-type was application/json, but we could not process the JSON payload."
        ) from None
    if not isinstance(body, dict):
        raise bad_request("The JSON payload must be an object.")
    return body


def json_response(data: Any, status: int = 200) -> JSONResponse:
    """A JSON response (the ``dg-request-id`` header is added by the app)."""
    return JSONResponse(data, status_code=status)


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def query_bool(conn: HTTPConnection, name: str) -> bool | None:
    """A boolean query parameter; None when absent; 400 when not a boolean."""
    value = conn.query_params.get(name)
    if value is None or value == "":
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise query_error(f"{name} must be a boolean (true or false), not {value!r}.")


def query_float(conn: HTTPConnection, name: str, default: float | None = None) -> float | None:
    """A number query parameter; 400 when not a number."""
    value = conn.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise query_error(f"{name} must be a number, not {value!r}.") from None


def query_int(
    conn: HTTPConnection,
    name: str,
    default: int | None = None,
    *,
    low: int | None = None,
    high: int | None = None,
) -> int | None:
    """An integer query parameter within ``[low, high]``; 400 otherwise."""
    number = query_float(conn, name)
    if number is None:
        return default
    if (
        number != int(number)
        or (low is not None and number < low)
        or (high is not None and number > high)
    ):
        bounds = f" between {low} and {high}" if low is not None and high is not None else ""
        raise query_error(f"{name} must be a whole number{bounds}.")
    return int(number)
