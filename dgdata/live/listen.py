"""Live transcription over Deepgram's ``/v1/listen`` WebSocket, with no asyncio loop needed.

:class:`LiveTranscription` wraps one ``websocket-client`` connection. A daemon *reader* thread
receives Deepgram's messages, accumulates them and calls your handlers; a daemon *keep-alive*
thread sends ``{"type": "KeepAlive"}`` while no audio flows. :meth:`~LiveTranscription.send`
is thread-safe. :meth:`~LiveTranscription.finish` and :meth:`~LiveTranscription.close` stop
every thread the stream started, and every wait has a timeout.

Example::

    live = dg.transcription.live(model="nova-3", encoding="linear16", sample_rate=16000)
    live.on("transcript", lambda m: print(m["channel"]["alternatives"][0]["transcript"]))
    for chunk in microphone_chunks():
        live.send(chunk)
    metadata = live.finish()             # CloseStream, last results, Metadata, close
    live.transcript, live.words, live.utterances, live.latency

    live = dg.transcription.live_wav("call.wav", realtime=False, model="nova-3")   # one shot

The seed SDK's names work too: ``live.registerHandler(live.event.TRANSCRIPT_RECEIVED, print)``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import socket
import threading
import time
from collections.abc import Mapping
from os import PathLike
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import urlencode

import websocket

from dgdata._config import ClientConfig, Secret
from dgdata._http import USER_AGENT
from dgdata._query import encode_query
from dgdata.errors import DeepgramConnectionError, DeepgramError, DeepgramTimeoutError
from dgdata.live.protocol import (
    MESSAGE_EVENTS,
    NO_CLOSE_FRAME,
    NORMAL_CLOSURE,
    RECONNECTABLE_CODES,
    CloseStatus,
    LiveStreamClosedError,
    LiveTranscriptionEvent,
    close_error,
    deepgram_err_code,
    explain_close,
    handshake_error,
)
from dgdata.live.results import (
    LiveGap,
    LiveResults,
    SendLog,
    bytes_per_second,
    shift_times,
)
from dgdata.live.sources import stream_url, stream_wav, wav_options
from dgdata.live.view import Handler, LiveEvents, LiveResultsView

__all__ = [
    "CloseStatus",
    "LiveGap",
    "LiveStreamClosedError",
    "LiveTranscription",
    "LiveTranscriptionEvent",
    "open_live",
    "stream_url",
    "stream_wav",
    "transcribe_wav",
    "wav_options",
]

logger = logging.getLogger(__name__)

_ids = itertools.count(1)
_JOIN_TIMEOUT = 5.0


class _End(NamedTuple):
    """How one connection ended: close code, reason, and the exception of a drop."""

    code: int
    reason: str
    exc: BaseException | None = None


def live_url(base: str, options: Mapping[str, Any]) -> str:
    """``ws(s)://…/v1/listen?<query>``, the query encoded exactly like the REST calls."""
    query = urlencode(encode_query(options))
    return f"{base}?{query}" if query else base


class LiveTranscription(LiveEvents, LiveResultsView):
    """One live transcription stream (see the module docs for an example).

    Args:
        url: the ``ws(s)://…/v1/listen`` URL without a query.
        options: the ``/v1/listen`` query options (``model``, ``encoding``, ``interim_results``…).
        credential: the API key or access token.
        scheme: ``"Token"`` (API key) or ``"Bearer"`` (access token).
        keep_alive: seconds without audio after which a ``KeepAlive`` is sent; ``None``, ``0``
            or ``False`` turns it off (Deepgram closes a silent stream after 10 s).
        reconnect: ``True`` (3 attempts) or a number of attempts to reconnect after an
            unexpected drop; the audio sent meanwhile is dropped and the gap is recorded in
            :attr:`gaps`; later results are shifted onto the stream's timeline.
        connect_timeout: seconds to wait for the WebSocket handshake.
        handlers: ``{event: fn}`` registered before the connection opens.

    Use :func:`open_live` or ``dg.transcription.live(...)`` rather than this constructor.
    """

    #: The events, as the seed SDK exposes them (``live.event.CLOSE``).
    event = LiveTranscriptionEvent

    def __init__(
        self,
        url: str,
        options: Mapping[str, Any] | None = None,
        *,
        credential: Secret | str,
        scheme: str = "Token",
        keep_alive: float | None = 5.0,
        reconnect: bool | int = False,
        connect_timeout: float = 10.0,
        handlers: Mapping[LiveTranscriptionEvent | str, Handler] | None = None,
    ) -> None:
        self._base_url = url
        self._options = dict(options or {})
        self.url = live_url(url, self._options)
        self._secret = credential if isinstance(credential, Secret) else Secret(credential)
        self._scheme = scheme
        self._keep_alive = float(keep_alive) if keep_alive else 0.0
        attempts = 3 if reconnect is True else int(reconnect or 0)
        self._reconnect_attempts = max(0, attempts)
        self._connect_timeout = connect_timeout
        self._id = next(_ids)
        self._lock = threading.RLock()  # results, handlers, errors
        self._send_lock = threading.Lock()  # the socket's writes and the send accounting
        self._handlers: dict[LiveTranscriptionEvent, list[Handler]] = {}
        self._results = LiveResults()
        self._log = SendLog()
        self._rate = bytes_per_second(self._options)
        self._ws: websocket.WebSocket | None = None
        self._reader: threading.Thread | None = None
        self._keeper: threading.Thread | None = None
        self._stop = threading.Event()  # ask the threads to stop
        self._ended = threading.Event()  # the reader has finished (the stream is over)
        self._started = False
        self._over = False  # the reader has given up the connection for good
        self._close_sent = False
        self._closing = False
        self._last_send = time.monotonic()
        self._bytes_sent = 0
        self._pending_dropped = 0
        self._offset = 0.0
        self._reconnect_failure: str | None = None
        self._gap: LiveGap | None = None
        self._gaps: list[LiveGap] = []
        self._connections = 0
        self._errors: list[BaseException] = []
        self.error: DeepgramError | None = None
        self.close_status: CloseStatus | None = None
        for event, handler in (handlers or {}).items():
            self.on(event, handler)

    # ------------------------------------------------------------------ connection

    def start(self) -> LiveTranscription:
        """Open the WebSocket and start the reader (and keep-alive) threads.

        Raises :class:`~dgdata.errors.AuthenticationError` (401), ``BadRequestError`` (400),
        ``PermissionDeniedError`` (403)… when Deepgram refuses the handshake, and
        :class:`~dgdata.errors.DeepgramConnectionError` when it cannot be reached.
        """
        if self._started:
            raise RuntimeError("this live stream was already started")
        self._ws = self._connect()
        self._started = True
        self._connections = 1
        self._last_send = time.monotonic()
        self._emit(LiveTranscriptionEvent.OPEN, self)
        self._reader = threading.Thread(
            target=self._read_loop, name=f"dgdata-live-reader-{self._id}", daemon=True
        )
        self._reader.start()
        if self._keep_alive > 0:
            self._keeper = threading.Thread(
                target=self._keep_alive_loop, name=f"dgdata-live-keepalive-{self._id}", daemon=True
            )
            self._keeper.start()
        return self

    def _connect(self) -> websocket.WebSocket:
        header = [
            f"Authorization: {self._scheme} {self._secret.reveal()}",
            f"User-Agent: {USER_AGENT}",
        ]
        where = self._base_url
        # Errors are raised after the except blocks, so they carry no __context__: the
        # websocket-client exception cannot be unpickled (Dask, tblib) and holds the handshake.
        failure: DeepgramError | None = None
        try:
            ws = websocket.create_connection(
                self.url,
                header=header,
                timeout=self._connect_timeout,
                enable_multithread=True,
                skip_utf8_validation=True,
            )
        except websocket.WebSocketBadStatusException as exc:
            failure = handshake_error(
                exc.status_code, exc.resp_headers, exc.resp_body, secret=self._secret.reveal()
            )
        except (websocket.WebSocketTimeoutException, TimeoutError):
            failure = DeepgramTimeoutError(
                f"Could not open the live stream to {where} within {self._connect_timeout:g}s: "
                "is the URL right and the server reachable?"
            )
        except (websocket.WebSocketException, OSError) as exc:
            reason = " ".join(str(exc).split())[:200].replace(self._secret.reveal(), "***")
            failure = DeepgramConnectionError(
                f"Could not open the live stream to {where}: {reason}"
            )
        if failure is not None:
            raise failure
        ws.settimeout(None)  # the reader blocks; close()/finish() wake it by shutting the socket
        logger.debug("live stream %d connected to %s", self._id, where)
        return ws

    # ------------------------------------------------------------------ sending

    def send(self, data: bytes | bytearray | memoryview) -> None:
        """Send a chunk of audio (thread-safe).

        An empty chunk is ignored: on Deepgram's side a zero-byte frame closes the stream (use
        :meth:`finish` for that). Raises the stream's error when it has ended abnormally, and
        :class:`~dgdata.errors.DeepgramConnectionError` once it is closed or finishing.
        """
        if isinstance(data, str):
            raise TypeError("send() takes audio bytes; use finalize() / finish() for messages")
        view = memoryview(data)
        size = view.nbytes
        if size == 0:
            logger.debug("live stream %d: ignoring an empty audio chunk", self._id)
            return
        payload = data if isinstance(data, bytes) else view.tobytes()
        with self._send_lock:
            self._check_can_send()
            self._log.add(size, time.time())
            ws = self._ws
            if ws is None:  # reconnecting: the audio is dropped, the gap records it
                if self._gap is None:
                    self._check_can_send()  # the stream ended meanwhile
                else:
                    self._gap.dropped_bytes += size
                return
            try:
                ws.send_binary(payload)
            except Exception as exc:
                if self._reconnect_attempts:
                    self._pending_dropped += size  # the reader notices the drop and reconnects
                    return
                raise self.error or DeepgramConnectionError(
                    f"Sending audio to Deepgram failed: {exc or type(exc).__name__}"
                ) from None
            self._bytes_sent += size
            self._last_send = time.monotonic()

    def _check_can_send(self) -> None:
        if not self._started:
            raise RuntimeError("the live stream is not open; call start() first")
        if self.error is not None:
            raise self.error
        if self._close_sent or self._closing or self._over:
            raise DeepgramConnectionError(
                "The live stream is closed (finish() or close() was called, or Deepgram closed "
                "it); open a new one"
            )

    def _send_text(self, kind: str) -> bool:
        """Send ``{"type": kind}`` (caller holds the send lock); ``False`` when not connected."""
        ws = self._ws
        if ws is None:
            return False
        try:
            ws.send(json.dumps({"type": kind}))
        except Exception as exc:
            logger.debug("live stream %d: sending %s failed: %s", self._id, kind, exc)
            return False
        self._last_send = time.monotonic()
        return True

    def keep_alive(self) -> None:
        """Send one ``{"type": "KeepAlive"}`` now (the keep-alive thread does it when idle)."""
        with self._send_lock:
            self._check_can_send()
            self._send_text("KeepAlive")

    def finalize(self) -> None:
        """Send ``{"type": "Finalize"}``: Deepgram flushes what it has as final results."""
        with self._send_lock:
            self._check_can_send()
            self._send_text("Finalize")

    def _keep_alive_loop(self) -> None:
        interval = self._keep_alive
        while not self._stop.is_set():
            idle = time.monotonic() - self._last_send
            if idle < interval:
                self._stop.wait(interval - idle)
                continue
            with self._send_lock:
                if self._close_sent or self._closing:
                    return
                if not self._send_text("KeepAlive"):
                    self._last_send = time.monotonic()  # not connected: try again later
            logger.debug("live stream %d: KeepAlive sent", self._id)

    # ------------------------------------------------------------------ receiving

    def _read_loop(self) -> None:
        end = _End(NO_CLOSE_FRAME, "")
        try:
            while True:
                ws = self._ws
                if ws is None:
                    break
                end = self._read_connection(ws)
                if not (self._should_reconnect(end) and self._reconnect(ws, end)):
                    break
        except BaseException as exc:  # a bug here must not leave finish() waiting
            logger.exception("live stream %d: the reader failed", self._id)
            end = _End(NO_CLOSE_FRAME, f"reader failed: {exc}", exc)
        finally:
            self._end_stream(end)

    def _read_connection(self, ws: websocket.WebSocket) -> _End:
        abnf = websocket.ABNF
        while True:
            try:
                frame = ws.recv_frame()
            except Exception as exc:
                return _End(NO_CLOSE_FRAME, "", exc)
            opcode = frame.opcode
            if opcode in (abnf.OPCODE_TEXT, abnf.OPCODE_BINARY, abnf.OPCODE_CONT):
                ws.cont_frame.validate(frame)
                ws.cont_frame.add(frame)
                if ws.cont_frame.is_fire(frame):
                    opcode, frame = ws.cont_frame.extract(frame)
                    if opcode == abnf.OPCODE_TEXT:
                        self._on_text(frame.data)
            elif opcode == abnf.OPCODE_CLOSE:
                code, reason = _parse_close(frame.data)
                with contextlib.suppress(Exception):
                    ws.send_close(NORMAL_CLOSURE if code == NORMAL_CLOSURE else code)
                return _End(code, reason)
            elif opcode == abnf.OPCODE_PING:
                with contextlib.suppress(Exception):
                    ws.pong(frame.data)

    def _on_text(self, data: bytes | str) -> None:
        received = time.time()
        try:
            message = json.loads(data)
        except ValueError:
            self._report(
                DeepgramError(f"Deepgram sent a text frame that is not JSON: {data!r:.80}")
            )
            return
        if not isinstance(message, dict):
            self._report(DeepgramError(f"Deepgram sent an unexpected message: {message!r:.80}"))
            return
        if self._offset:
            message = shift_times(message, self._offset)
        with self._lock:
            self._results.add(message, received)
        self._emit(LiveTranscriptionEvent.MESSAGE, message)
        kind = message.get("type")
        event = MESSAGE_EVENTS.get(kind) if isinstance(kind, str) else None
        if event is not None:
            self._emit(event, message)
        elif kind == "Error":
            text = message.get("description") or message.get("message") or message
            self._report(DeepgramError(f"Deepgram reported an error: {text}"))

    def _should_reconnect(self, end: _End) -> bool:
        if not self._reconnect_attempts or self._closing or self._close_sent:
            return False
        return end.code in RECONNECTABLE_CODES or deepgram_err_code(end.reason) == "NET-0000"

    def _reconnect(self, old: websocket.WebSocket, end: _End) -> bool:
        reason = explain_close(end.code, end.reason) or f"closed with {end.code}"
        gap = LiveGap(started_at=time.time(), audio_start=self._audio_position(), reason=reason)
        with self._send_lock:
            self._ws = None
            gap.dropped_bytes, self._pending_dropped = self._pending_dropped, 0
            self._gap = gap
        with contextlib.suppress(Exception):
            old.shutdown()
        logger.warning("live stream %d: %s; reconnecting", self._id, reason)
        delay = 0.1
        for attempt in range(1, self._reconnect_attempts + 1):
            if self._stop.is_set() or self._close_sent:
                break
            try:
                ws = self._connect()
            except DeepgramError as exc:
                logger.warning("live stream %d: reconnect %d failed: %s", self._id, attempt, exc)
                self._reconnect_failure = f"reconnecting failed ({attempt} attempt(s)): {exc}"
                if not getattr(exc, "retryable", False) or self._stop.wait(delay):
                    break
                delay = min(delay * 2, 2.0)
                continue
            with self._send_lock:
                if self._stop.is_set() or self._close_sent:
                    with contextlib.suppress(Exception):
                        ws.shutdown()
                    break
                gap.ended_at = time.time()
                gap.audio_end = self._audio_position()
                self._offset = gap.audio_end
                self._gaps.append(gap)
                self._gap = None
                self._ws = ws
                self._connections += 1
                self._last_send = time.monotonic()
            logger.warning("live stream %d: reconnected after %.2fs", self._id, gap.duration)
            self._emit(LiveTranscriptionEvent.OPEN, self)
            return True
        with self._send_lock:
            self._gap = None
            self._gaps.append(gap)
        return False

    def _audio_position(self) -> float:
        """Seconds of audio handed to ``send()`` so far (wall time since the first send when
        the byte rate is unknown, i.e. assuming real-time audio)."""
        if self._rate:
            return self._log.total / self._rate
        first = self._log.first_at
        return time.time() - first if first is not None else 0.0

    def _end_stream(self, end: _End) -> None:
        code, reason, exc = end
        with self._lock:
            request_id = self._results.request_id
            got_metadata = self._results.metadata is not None
        error: DeepgramError | None = None
        if self._closing and code in (NORMAL_CLOSURE, NO_CLOSE_FRAME):
            code, reason = NORMAL_CLOSURE, reason or "closed by the client"
        elif code == NORMAL_CLOSURE and deepgram_err_code(reason) is None:
            pass
        elif self._close_sent and got_metadata and code == NO_CLOSE_FRAME:
            pass  # the server hung up right after its Metadata: nothing was lost
        else:
            error = close_error(code, reason, request_id, self._reconnect_failure)
            if exc is not None:
                error.__cause__ = exc
        with self._send_lock:
            ws, self._ws = self._ws, None
            self._over = True
            if error is not None:
                self.error = error
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.shutdown()
        self._stop.set()
        self.close_status = CloseStatus(code, reason, error)
        if error is not None:
            logger.warning("live stream %d: %s", self._id, error)
            self._report(error)
        else:
            logger.debug("live stream %d closed (%d %s)", self._id, code, reason)
        try:
            self._emit(LiveTranscriptionEvent.CLOSE, self.close_status)
        finally:
            self._ended.set()

    # ------------------------------------------------------------------ ending

    def finish(self, timeout: float = 10.0) -> dict[str, Any] | None:
        """Send ``CloseStream``, wait for the last results, the ``Metadata`` and the close.

        Returns the ``Metadata`` message (``None`` if the server closed without one). Raises
        the stream's error if it ended abnormally (e.g. ``NET-0001`` after 10 s of silence),
        and :class:`~dgdata.errors.DeepgramTimeoutError` when Deepgram has not closed the
        stream within ``timeout`` seconds (then the stream is closed; what arrived is kept).
        Called from a handler, it only sends ``CloseStream`` and returns at once.
        """
        if not self._started:
            raise RuntimeError("the live stream is not open; call start() first")
        with self._send_lock:
            if not (self._close_sent or self._closing or self._ended.is_set()):
                self._close_sent = True
                self._send_text("CloseStream")
        if threading.current_thread() is self._reader:
            return self.metadata
        if not self._ended.wait(timeout):
            self._closing = True  # the hang-up that follows is ours, not a drop
            self._teardown()
            raise DeepgramTimeoutError(
                f"Deepgram did not close the live stream within {timeout:g}s of CloseStream; "
                "the stream was closed and the results received so far are kept"
            )
        self._teardown()
        if self.error is not None:
            raise self.error
        return self.metadata

    def close(self, timeout: float = 2.0) -> None:
        """Close the stream now, without waiting for results; stops every thread it started.

        Safe to call more than once, and from a handler.
        """
        if not self._started:
            return
        if not self._ended.is_set():
            self._closing = True
            self._stop.set()
            with self._send_lock:
                ws = self._ws
                if ws is not None:
                    with contextlib.suppress(Exception):
                        ws.send_close(NORMAL_CLOSURE)
            if threading.current_thread() is not self._reader:
                self._ended.wait(timeout)  # the reader sees the server's answering close frame
        self._teardown()

    def _teardown(self) -> None:
        self._stop.set()
        if not self._ended.is_set():
            self._closing = True
            ws = self._ws
            sock = ws.sock if ws is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # wakes the reader
        current = threading.current_thread()
        for thread in (self._keeper, self._reader):
            if thread is not None and thread is not current:
                thread.join(_JOIN_TIMEOUT)
                if thread.is_alive():
                    logger.warning("live stream %d: %s did not stop", self._id, thread.name)

    def __enter__(self) -> LiveTranscription:
        if not self._started:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.close()

    # ------------------------------------------------------------------ helpers

    def stream_wav(
        self, path: str | PathLike[str], *, realtime: bool = True, chunk_ms: int = 100
    ) -> float:
        """Send a WAV file's audio; see :func:`dgdata.live.stream_wav`. Returns seconds sent."""
        return stream_wav(self, path, realtime=realtime, chunk_ms=chunk_ms)

    def stream_url(self, url: str, **kwargs: Any) -> int:
        """Send audio streamed from an HTTP URL; see :func:`dgdata.live.stream_url`."""
        return stream_url(self, url, **kwargs)

    def __repr__(self) -> str:
        if not self._started:
            state = "new"
        elif self._ended.is_set():
            state = f"closed {int(self.close_status)}" if self.close_status else "closed"
        else:
            state = "open"
        return (
            f"<LiveTranscription {state} {self._base_url} messages={len(self._results.messages)}"
            f" sent={self._bytes_sent}B>"
        )


def _parse_close(data: bytes) -> tuple[int, str]:
    if len(data) < 2:
        return 1005, ""  # RFC 6455: no status code in the close frame
    code = int.from_bytes(data[:2], "big")
    return code, data[2:].decode("utf-8", "replace")


def open_live(
    config: ClientConfig,
    options: Mapping[str, Any] | None = None,
    *,
    keep_alive: float | None = 5.0,
    reconnect: bool | int = False,
    connect_timeout: float | None = None,
    handlers: Mapping[LiveTranscriptionEvent | str, Handler] | None = None,
) -> LiveTranscription:
    """Open a live stream with a client's settings (what ``dg.transcription.live`` calls)."""
    live = LiveTranscription(
        config.live_url,
        options,
        credential=config.credential,
        scheme=config.scheme,
        keep_alive=keep_alive,
        reconnect=reconnect,
        connect_timeout=config.timeouts.connect if connect_timeout is None else connect_timeout,
        handlers=handlers,
    )
    return live.start()


def transcribe_wav(
    config: ClientConfig,
    path: str | PathLike[str],
    options: Mapping[str, Any] | None = None,
    *,
    realtime: bool = True,
    chunk_ms: int = 100,
    timeout: float = 30.0,
    **settings: Any,
) -> LiveTranscription:
    """Open a stream with the WAV's format, send its audio, finish, and return the stream.

    ``encoding``, ``sample_rate`` and ``channels`` come from the WAV header; ``settings`` are
    those of :func:`open_live`. Example::

        live = transcribe_wav(dg.config, "call.wav", {"model": "nova-3"}, realtime=False)
        live.words
    """
    merged = {**wav_options(path), **dict(options or {})}
    live = open_live(config, merged, **settings)
    try:
        stream_wav(live, path, realtime=realtime, chunk_ms=chunk_ms)
        live.finish(timeout)
    except BaseException:
        live.close()
        raise
    return live
