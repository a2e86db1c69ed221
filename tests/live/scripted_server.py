"""A scripted, Deepgram-like ``/v1/listen`` WebSocket server for the live tests and benchmark.

It records every connection (path, headers, frames, audio bytes), checks the Authorization
header, and answers per :class:`Scenario`: interim and final ``Results`` as audio arrives,
``SpeechStarted``, ``UtteranceEnd``, ``Metadata`` after ``CloseStream``, and the close codes
Deepgram uses (1000, 1011 ``NET-0001`` after silence, 1008 ``DATA-0000``); it can refuse the
handshake or drop the TCP connection mid-stream.

Run it alone (the benchmark does) with ``python tests/live/scripted_server.py``: it prints
``PORT <n>`` and serves until stdin closes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

KEY = "dgkey_live_0123456789abcdef0123456789abcd"
WIDTHS = {"linear16": 2, "linear32": 4, "mulaw": 1, "alaw": 1}


@dataclass
class Scenario:
    """How the server behaves (defaults: results every 0.5 s of audio, interim results on)."""

    step: float = 0.5  # seconds of audio per final result
    interim: bool = True  # an interim result (first word only) before each final
    speech_final_every: int | None = 2  # every n-th final has speech_final=true
    utterance_end_every: int | None = None  # an UtteranceEnd after every n-th final
    speech_started: bool = False  # a SpeechStarted when the first audio arrives
    duplicate_finals: bool = False  # send every final twice (the client must dedupe words)
    silence_timeout: float | None = None  # close 1011 NET-0001 after this much silence
    data_error_after: int | None = None  # close 1008 DATA-0000 after this many audio bytes
    drop_after: int | None = None  # first connection only: drop TCP after this many bytes
    reject: int | None = None  # refuse every handshake with this status
    metadata: bool = True  # send Metadata after CloseStream
    ignore_close_stream: bool = False  # never answer CloseStream (finish() must time out)
    quiet: bool = False  # send no messages at all (benchmark)
    fragment: int | None = None  # send every message in continuation frames of this many chars
    ping: bool = False  # ping the client when the first audio arrives (it must answer)


@dataclass
class Connection:
    """What one accepted (or refused) connection sent."""

    path: str
    headers: dict[str, str]
    refused: int | None = None
    frames: list[tuple[str, Any, float]] = field(default_factory=list)  # kind, size|text, time
    audio: bytearray = field(default_factory=bytearray)
    close_code: int | None = None
    fragments_sent: int = 0  # continuation frames sent (with Scenario.fragment)
    pong: bool | None = None  # whether the client answered the ping (with Scenario.ping)

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

    @property
    def texts(self) -> list[str]:
        return [value for kind, value, _ in self.frames if kind == "text"]

    @property
    def binary_sizes(self) -> list[int]:
        return [value for kind, value, _ in self.frames if kind == "binary"]


class ScriptedServer:
    """Serve :class:`Scenario` on ``127.0.0.1`` in a background thread (a context manager)."""

    def __init__(self, scenario: Scenario | None = None, key: str = KEY) -> None:
        self.scenario = scenario or Scenario()
        self.key = key
        self.connections: list[Connection] = []
        self._lock = threading.Lock()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self, port: int = 0) -> ScriptedServer:
        self._server = serve(
            self._handle,
            "127.0.0.1",
            port,
            process_request=self._process_request,
            compression=None,
            max_size=None,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="scripted-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.socket.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_for(self, predicate: Any, timeout: float = 5.0) -> bool:
        """Poll ``predicate()`` until it is true or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return bool(predicate())

    # ---------------------------------------------------------------- handshake

    def _process_request(self, connection: ServerConnection, request: Any) -> Any:
        headers = {name.lower(): value for name, value in request.headers.raw_items()}
        record = Connection(path=request.path, headers=headers)
        with self._lock:
            self.connections.append(record)
        connection.record = record  # type: ignore[attr-defined]
        request_id = str(uuid.uuid4())
        status, message = None, ""
        if headers.get("authorization") not in (f"Token {self.key}", f"Bearer {self.key}"):
            status, message = 401, "Invalid credentials."
        elif self.scenario.reject is not None:
            status = self.scenario.reject
            message = {400: "Invalid query string: model", 403: "Insufficient permissions."}.get(
                status, "Refused by the scenario."
            )
        elif not urlsplit(request.path).path.endswith("/v1/listen"):
            status, message = 404, "Not found."
        if status is None:
            return None
        record.refused = status
        body = json.dumps(
            {"err_code": HTTPStatus(status).phrase, "err_msg": message, "request_id": request_id}
        )
        response = connection.respond(status, body)
        response.headers["dg-error"] = message
        response.headers["dg-request-id"] = request_id
        return response

    # ---------------------------------------------------------------- the stream

    def _handle(self, ws: ServerConnection) -> None:
        record: Connection = ws.record  # type: ignore[attr-defined]
        with self._lock:
            index = self.connections.index(record)
            first = sum(1 for c in self.connections[:index] if c.refused is None) == 0
        _Stream(self, ws, record, first).run()


class _Stream:
    def __init__(
        self, server: ScriptedServer, ws: ServerConnection, record: Connection, first: bool
    ) -> None:
        self.ws = ws
        self.record = record
        self.s = server.scenario
        self.first = first
        query = record.query
        encoding = query.get("encoding", ["linear16"])[0]
        rate = float(query.get("sample_rate", ["16000"])[0])
        channels = int(query.get("channels", ["1"])[0])
        self.rate = WIDTHS.get(encoding, 2) * rate * channels
        self.request_id = str(uuid.uuid4())
        self.emitted = 0.0  # audio seconds already covered by final results
        self.finals = 0
        self.tag = f"c{len(server.connections)}"

    def run(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            self._loop()

    def _send(self, message: dict[str, Any]) -> None:
        if self.s.quiet:
            return
        text = json.dumps(message)
        size = self.s.fragment
        if size:  # an iterable is sent as one fragmented message
            parts = [text[i : i + size] for i in range(0, len(text), size)]
            self.record.fragments_sent += len(parts)
            self.ws.send(parts)
        else:
            self.ws.send(text)

    def _close(self, code: int, reason: str) -> None:
        self.record.close_code = code
        self.ws.close(code, reason)

    def _loop(self) -> None:
        s = self.s
        while True:
            try:
                message = self.ws.recv(timeout=s.silence_timeout)
            except TimeoutError:
                self._close(1011, "NET-0001")
                return
            now = time.monotonic()
            if isinstance(message, bytes):
                self.record.frames.append(("binary", len(message), now))
                self.record.audio.extend(message)
                size = len(self.record.audio)
                if s.speech_started and size == len(message):
                    self._send({"type": "SpeechStarted", "channel": [0, 1], "timestamp": 0.0})
                if s.ping and size == len(message):
                    self.record.pong = self.ws.ping().wait(5)
                if s.data_error_after is not None and size >= s.data_error_after:
                    self._close(1008, "DATA-0000")
                    return
                if s.drop_after is not None and self.first and size >= s.drop_after:
                    self.ws.socket.shutdown(socket.SHUT_RDWR)
                    self.ws.socket.close()
                    return
                while size / self.rate - self.emitted >= s.step - 1e-9:
                    self._segment(self.emitted, s.step)
                continue
            self.record.frames.append(("text", message, now))
            kind = json.loads(message).get("type")
            if kind == "Finalize":
                self._flush(from_finalize=True)
            elif kind == "CloseStream" and not s.ignore_close_stream:
                self._flush()
                if s.metadata:
                    self._send(self._metadata())
                self._close(1000, "")
                return

    def _flush(self, from_finalize: bool = False) -> None:
        remaining = len(self.record.audio) / self.rate - self.emitted
        if remaining > 1e-6:
            self._segment(self.emitted, remaining, from_finalize=from_finalize)

    def _segment(self, start: float, duration: float, from_finalize: bool = False) -> None:
        s, k = self.s, self.finals
        half = duration / 2
        words = [
            {
                "word": f"{self.tag}w{k}a",
                "start": start,
                "end": start + half,
                "confidence": 0.9,
                "punctuated_word": f"{self.tag.upper()}w{k}a",
            },
            {
                "word": f"{self.tag}w{k}b",
                "start": start + half,
                "end": start + duration,
                "confidence": 0.8,
                "punctuated_word": f"{self.tag}w{k}b.",
            },
        ]
        if s.interim:
            self._send(self._results(start, duration, words[:1], final=False))
        speech_final = bool(s.speech_final_every) and (k + 1) % s.speech_final_every == 0  # type: ignore[operator]
        final = self._results(
            start,
            duration,
            words,
            final=True,
            speech_final=speech_final,
            from_finalize=from_finalize,
        )
        self._send(final)
        if s.duplicate_finals:
            self._send(final)
        if s.utterance_end_every and (k + 1) % s.utterance_end_every == 0:
            self._send(
                {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": start + duration}
            )
        self.finals += 1
        self.emitted = start + duration

    def _results(
        self,
        start: float,
        duration: float,
        words: list[dict[str, Any]],
        *,
        final: bool,
        speech_final: bool = False,
        from_finalize: bool = False,
    ) -> dict[str, Any]:
        transcript = " ".join(word["punctuated_word"] for word in words)
        return {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": duration,
            "start": start,
            "is_final": final,
            "speech_final": speech_final,
            "from_finalize": from_finalize,
            "channel": {
                "alternatives": [{"transcript": transcript, "confidence": 0.85, "words": words}]
            },
            "metadata": {
                "request_id": self.request_id,
                "model_info": {"name": "scripted", "version": "0", "arch": "test"},
                "model_uuid": "00000000-0000-0000-0000-000000000000",
            },
        }

    def _metadata(self) -> dict[str, Any]:
        return {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": self.request_id,
            "sha256": hashlib.sha256(bytes(self.record.audio)).hexdigest(),
            "created": dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z"),
            "duration": len(self.record.audio) / self.rate,
            "channels": 1,
        }


def main() -> None:
    """Serve until stdin closes; print ``PORT <n>`` first (used by the benchmark)."""
    quiet = "--quiet" in sys.argv
    with ScriptedServer(Scenario(quiet=quiet)) as server:
        print(f"PORT {server.port}", flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
