"""The shared socket machinery (dgdata/live/_connection.py, _socket.py) on a real server.

It must use websocket-client's public API only, join continuation frames, answer pings, and
move through the documented states; test_state.py covers the table itself.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import websocket

import dgdata.live
from dgdata import Deepgram
from dgdata.errors import AuthenticationError, DeepgramConnectionError
from dgdata.live import ConnectionState, LiveTranscription
from tests.live.conftest import CHUNK, RAW, client_for, stranded, stream_on
from tests.live.scripted_server import KEY, ScriptedServer

S = ConnectionState
LIVE_SOURCES = sorted(Path(dgdata.live.__file__).parent.glob("*.py"))


def websocket_internals() -> set[str]:
    """websocket-client's private names: a WebSocket's instance attributes (its socket, frame
    buffers, continuation state, flags) and the underscored names of the class."""
    instance = set(vars(websocket.WebSocket()))
    private = {
        name
        for name in dir(websocket.WebSocket)
        if name.startswith("_") and not name.startswith("__")
    }
    return instance | private


def test_the_live_package_uses_no_websocket_client_internals() -> None:
    internals = websocket_internals()
    assert {"cont_frame", "frame_buffer", "sock", "connected"} <= internals, "the check bites"
    found: list[str] = []
    for path in LIVE_SOURCES:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in internals:
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("websocket."):
                found.append(f"{path.name}:{node.lineno} from {node.module}")
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "websocket"
                and node.attr.startswith("_")
            ):
                found.append(f"{path.name}:{node.lineno} websocket.{node.attr}")
    assert len(LIVE_SOURCES) >= 8 and found == []


def test_fragmented_messages_are_joined(serve: Callable[..., ScriptedServer]) -> None:
    whole = serve()
    reference = client_for(whole).transcription.live(**RAW)
    fragmented = serve(fragment=7, speech_started=True, utterance_end_every=1)
    live = client_for(fragmented).transcription.live(**RAW)
    for stream in (reference, live):
        for _ in range(10):
            stream.send(CHUNK)
        stream.finish()
    assert fragmented.connections[0].fragments_sent > 100, "the server did fragment"
    assert live.errors == [] and live.close_status == 1000
    kinds = [m["type"] for m in live.messages]
    assert kinds.count("Results") == 4 and kinds[-1] == "Metadata"
    assert kinds.count("UtteranceEnd") == 2 and kinds.count("SpeechStarted") == 1
    assert live.words["word"].tolist() == reference.words["word"].tolist()
    assert live.transcript == reference.transcript == "C1w0a c1w0b. C1w1a c1w1b."
    assert live.metadata["sha256"] == reference.metadata["sha256"]


def test_a_server_ping_is_answered_and_the_stream_goes_on(
    serve: Callable[..., ScriptedServer],
) -> None:
    server, live = stream_on(serve, ping=True)
    for _ in range(5):
        live.send(CHUNK)
    assert server.wait_for(lambda: server.connections[0].pong is not None)
    assert server.connections[0].pong is True
    metadata = live.finish()
    assert metadata is not None and metadata["type"] == "Metadata" and len(live.words) == 2


def test_the_state_through_a_normal_stream(dg: Deepgram, server: ScriptedServer) -> None:
    seen: dict[str, Any] = {}
    live = dg.transcription.live(
        handlers={"open": lambda s: seen.setdefault("open", s.state)}, **RAW
    )
    live.on("close", lambda status: seen.setdefault("close", (live.state, live.is_open)))
    assert live.state is S.OPEN and live.is_open and "open " in repr(live)
    assert seen["open"] is S.OPEN
    live.send(CHUNK)
    live.finish()
    assert live.state is S.CLOSED and not live.is_open
    # the end is recorded before the close handlers run: they see a stream that is over
    assert seen["close"] == (S.CLOSED, False)
    assert repr(live).startswith("<LiveTranscription closed 1000 ")
    live.close()
    assert live.state is S.CLOSED, "closing an ended stream changes nothing"


def test_the_state_of_a_failed_stream(serve: Callable[..., ScriptedServer]) -> None:
    server, live = stream_on(serve, data_error_after=1000)
    live.send(CHUNK)
    assert server.wait_for(lambda: live.state is S.FAILED)
    assert live.error is not None and live.close_status == 1008
    assert repr(live).startswith("<LiveTranscription failed 1008 ")
    with pytest.raises(type(live.error)):
        live.finish()


def test_a_close_while_finishing_is_the_clients_hang_up(
    serve: Callable[..., ScriptedServer],
) -> None:
    server, live = stream_on(serve, ignore_close_stream=True)
    live.on("transcript", lambda message: live.finish())  # from a handler: only sends
    for _ in range(5):
        live.send(CHUNK)
    assert server.wait_for(lambda: live.state is S.FINISHING)
    with pytest.raises(DeepgramConnectionError, match="closed"):
        live.send(CHUNK)
    live.close(timeout=0.2)
    assert live.state is S.CLOSED and live.error is None and live.close_status == 1000
    assert server.connections[0].texts == ['{"type": "CloseStream"}']


def test_start_is_checked(server: ScriptedServer) -> None:
    url = server.url.replace("http", "ws") + "/v1/listen"
    live = LiveTranscription(url, RAW, credential=KEY)
    assert live.state is S.NEW and not live.is_open and repr(live).startswith("<Live")
    with pytest.raises(RuntimeError, match="call start"):
        live.send(CHUNK)
    with pytest.raises(RuntimeError, match="call start"):
        live.finish()
    live.close()  # nothing to close
    assert live.state is S.NEW
    with live:
        assert live.state is S.OPEN
        with pytest.raises(RuntimeError, match="already started"):
            live.start()
    assert live.state is S.CLOSED

    refused = LiveTranscription(url, RAW, credential="dgkey_wrong_0000000000000000000000000000")
    with pytest.raises(AuthenticationError):
        refused.start()
    assert refused.state is S.FAILED and not refused.is_open and refused.error is None
    with pytest.raises(RuntimeError, match="already started"):
        refused.start()
    refused.close()


def test_close_during_a_gap_stops_reconnecting_at_once(
    serve: Callable[..., ScriptedServer],
) -> None:
    server, live = stranded(serve, reconnect=50)  # every attempt refused, with growing pauses
    assert server.wait_for(lambda: live.state is S.RECONNECTING)
    live.send(CHUNK)  # dropped into the gap
    started = time.monotonic()
    live.close()
    assert time.monotonic() - started < 1.5, "the pause between attempts is cut short"
    assert live.state.ended and not live.is_open
    assert live.close_status == 1001, "the drop (going away) is how the last connection ended"
    (gap,) = live.gaps
    assert gap.ended_at is None and gap.dropped_bytes == len(CHUNK)
