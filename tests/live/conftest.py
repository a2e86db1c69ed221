"""Fixtures for the live tests: a scripted Deepgram-like WebSocket server and a client for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from dgdata import Deepgram
from dgdata.live import LiveTranscription
from tests.live.scripted_server import KEY, Scenario, ScriptedServer

RAW: dict[str, Any] = {"encoding": "linear16", "sample_rate": 16000}  # 32000 bytes a second
CHUNK = b"\x01\x02" * 1600  # 0.1 s


def live_threads() -> list[threading.Thread]:
    """The threads started by live streams that are still running."""
    return [t for t in threading.enumerate() if t.name.startswith("dgdata-live")]


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    """Every test must end its streams: no dgdata-live thread may outlive it."""
    yield
    deadline = time.monotonic() + 2
    while live_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not live_threads(), f"threads left running: {live_threads()}"


@pytest.fixture
def serve() -> Iterator[Callable[..., ScriptedServer]]:
    """Start a scripted server: ``server = serve(silence_timeout=0.5)``; stopped after the test."""
    started: list[ScriptedServer] = []

    def start(**scenario: object) -> ScriptedServer:
        server = ScriptedServer(Scenario(**scenario)).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(serve: Callable[..., ScriptedServer]) -> ScriptedServer:
    """A server with the default scenario."""
    return serve()


def client_for(server: ScriptedServer, **kwargs: object) -> Deepgram:
    kwargs.setdefault("api_key", KEY)
    return Deepgram(api_url=server.url, max_retries=0, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def dg(server: ScriptedServer) -> Deepgram:
    return client_for(server)


def stream_on(
    serve: Callable[..., ScriptedServer],
    settings: Mapping[str, Any] | None = None,
    **scenario: Any,
) -> tuple[ScriptedServer, LiveTranscription]:
    """A new scripted server playing ``scenario``, and a raw-audio stream open on it
    (``settings``: ``keep_alive``, ``reconnect``, ``handlers``… of ``transcription.live``)."""
    server = serve(**scenario)
    return server, client_for(server).transcription.live(**RAW, **(settings or {}))


def stranded(
    serve: Callable[..., ScriptedServer], reconnect: int
) -> tuple[ScriptedServer, LiveTranscription]:
    """A reconnecting stream whose server has gone away (1001) and refuses every reconnect."""
    server, live = stream_on(serve, {"reconnect": reconnect})
    server.stop()
    return server, live
