"""Running the server: in the foreground (``dgdata serve``) or in a background thread.

:class:`LocalServer` starts uvicorn on a socket it binds itself (port 0 picks a free one), so its
URL is known before the first request, and stops it cleanly::

    with LocalServer() as server:
        dg = dgdata.Deepgram(api_key=server.api_key, api_url=server.url)
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.request
from dataclasses import replace
from typing import Any

import uvicorn

from dgdata.server.app import create_app
from dgdata.server.backend.store import Store
from dgdata.server.state import ServerSettings, ServerState

__all__ = ["LocalServer"]


class LocalServer:
    """A ``dgdata serve`` in a background thread; a context manager.

    ``db`` is a SQLite file or ``":memory:"``; other keywords are :class:`ServerSettings` fields
    (``demo=True``, ``api_key=...``, ``decoders=2``, ``engine="pocketsphinx"``, ``model=...``,
    ``threads=2`` ...). ``engine="whisper"`` where faster-whisper or its weights are missing is
    a ``RuntimeError`` saying what to install; :attr:`engine` is the engine ``auto`` chose.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str | os.PathLike[str] = ":memory:",
        **settings: Any,
    ) -> None:
        self.host = host
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
        # without it every response body waits ~40 ms for the client's delayed ACK.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(2048)  # connections queue from now on, before uvicorn accepts them
        self.port: int = self._sock.getsockname()[1]
        self.store = Store(db)
        try:
            self.app = create_app(self.store, replace(ServerSettings(), **settings))
        except BaseException:  # e.g. engine="whisper" without its weights: free the port
            self.store.close()
            self._sock.close()
            raise
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        running = "running" if self.running else "stopped"
        return f"<LocalServer {self.url} {running}>"

    @property
    def state(self) -> ServerState:
        """The server's state (store, faults, settings)."""
        state: ServerState = self.app.state.dgdata
        return state

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:8080``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The WebSocket base URL, e.g. ``ws://127.0.0.1:8080``."""
        return "ws" + self.url[4:]

    @property
    def api_key(self) -> str:
        """The owner key the server started with."""
        return self.state.boot.api_key

    @property
    def project_id(self) -> str:
        """The project of that key."""
        return self.state.boot.project_id

    @property
    def demo_keys(self) -> dict[str, str]:
        """With ``demo=True``: ``{project id: owner key}`` for each demo project (a key reaches
        only its own project); otherwise empty."""
        if not self.state.settings.demo:
            return {}
        from dgdata.server.demo.account import demo_owner_keys

        return demo_owner_keys(self.api_key)

    @property
    def engine(self) -> str:
        """The engine that recognises speech: ``whisper`` or ``pocketsphinx`` (``auto``, the
        default ``engine=`` keyword, resolved)."""
        return self.state.model.engine

    @property
    def recognition(self) -> str:
        """The engine and its weights in one line, as ``dgdata serve`` prints it at start-up."""
        return self.state.model.describe()

    @property
    def running(self) -> bool:
        """Whether the server thread is serving."""
        return bool(
            self._thread and self._thread.is_alive() and self._server and self._server.started
        )

    def config(self, **overrides: Any) -> uvicorn.Config:
        """The uvicorn configuration (quiet, no lifespan, websockets)."""
        options: dict[str, Any] = {
            "log_level": "warning",
            "lifespan": "off",
            "ws": "websockets-sansio",
            "ws_ping_interval": None,
            "timeout_graceful_shutdown": 2,
        }
        options.update(overrides)
        return uvicorn.Config(self.app, **options)

    def start(self, timeout: float = 10.0) -> LocalServer:
        """Start serving in a daemon thread; returns when requests are accepted."""
        if self._thread is not None:
            raise RuntimeError("this LocalServer was already started; make a new one")
        self._server = uvicorn.Server(self.config())
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name=f"dgdata-serve-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the local server did not start on {self.url}")
            time.sleep(0.01)
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (Ctrl+C), then close the database."""
        if self._thread is not None:
            raise RuntimeError("this LocalServer is already serving in a thread")
        try:
            uvicorn.Server(self.config()).run(sockets=[self._sock])
        finally:
            self.state.close()
            self._sock.close()
            self.store.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and close the database."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self.state.close()
        self._sock.close()
        self.store.close()

    def __enter__(self) -> LocalServer:
        return self if self._thread is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- control endpoints, from Python ------------------------------------------------------

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call a ``/_dgdata`` control endpoint, which needs the owner key and a JSON body."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Authorization": f"Token {self.api_key}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def inject(self, **fault: Any) -> dict[str, Any]:
        """Add a fault (see :mod:`dgdata.server.backend.faults`):
        ``inject(status=429, retry_after=1)``."""
        result: dict[str, Any] = self._control("POST", "/_dgdata/faults", fault)
        return result

    def list_faults(self) -> list[dict[str, Any]]:
        """The injected faults, with how often each has hit (``GET /_dgdata/faults``)."""
        faults: list[dict[str, Any]] = self._control("GET", "/_dgdata/faults")["faults"]
        return faults

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._control("DELETE", "/_dgdata/faults")

    def reset(self) -> None:
        """Clear faults and state back to how the server started (same key and project)."""
        self._control("POST", "/_dgdata/reset", {})
