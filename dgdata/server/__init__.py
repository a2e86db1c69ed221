"""``dgdata serve``: a local Deepgram-compatible server with real offline speech recognition.

REST and the live WebSocket on one port (Starlette + uvicorn), state in SQLite, recognition with
pocketsphinx. It shares nothing with dgdata's client but the wire format, so the official Deepgram
SDKs work against it too. Needs the ``server`` extra: ``pip install "dgdata[server]"``.

* :class:`LocalServer` runs it in a background thread (``with LocalServer() as server: ...``);
* :func:`create_app` is the ASGI app, for running under any ASGI server;
* :mod:`dgdata.testing` is a pytest plugin with fixtures built on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dgdata.server.app import create_app
    from dgdata.server.runner import LocalServer
    from dgdata.server.state import ServerSettings

__all__ = ["LocalServer", "ServerSettings", "create_app"]

_WHERE = {
    "LocalServer": "dgdata.server.runner",
    "ServerSettings": "dgdata.server.state",
    "create_app": "dgdata.server.app",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'dgdata.server' has no attribute {name!r}")
