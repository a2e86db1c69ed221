"""Live transcription over Deepgram's ``/v1/listen`` WebSocket, with no asyncio loop needed.

:class:`LiveTranscription` wraps one ``websocket-client`` connection (the machinery every
streaming socket shares, :mod:`dgdata.live._connection`). A daemon *reader* thread receives
Deepgram's messages, accumulates them and calls your handlers; a daemon *keep-alive* thread
sends ``{"type": "KeepAlive"}`` while no audio flows. :meth:`~LiveTranscription.send` is
thread-safe. :meth:`~LiveTranscription.finish` and :meth:`~LiveTranscription.close` stop every
thread the stream started, and every wait has a timeout. :attr:`~LiveTranscription.state`
says where the stream is in its life (:class:`~dgdata.live.ConnectionState`).

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

import itertools
import json
import logging
import threading
import time
from collections.abc import Mapping
from os import PathLike
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

from dgdata._config import ClientConfig, Secret
from dgdata._query import encode_query
from dgdata.errors import DeepgramConnectionError, DeepgramError
from dgdata.live._connection import Connection, Hooks
from dgdata.live._events import EventHandlers, Handler, HasEvents
from dgdata.live._socket import Dial
from dgdata.live._state import ConnectionState
from dgdata.live.protocol import MESSAGE_EVENTS, LiveTranscriptionEvent
from dgdata.live.results import LiveGap, LiveResults, SendLog, bytes_per_second, shift_times
from dgdata.live.sources import stream_url, stream_wav, wav_options
from dgdata.live.view import LiveResultsView

__all__ = ["LiveTranscription", "live_url", "open_live", "transcribe_wav"]

logger = logging.getLogger(__name__)

_ids = itertools.count(1)


def live_url(base: str, options: Mapping[str, Any]) -> str:
    """``ws(s)://…/v1/listen?<query>``, the query encoded exactly like the REST calls."""
    query = urlencode(encode_query(options))
    return f"{base}?{query}" if query else base


class LiveTranscription(HasEvents, LiveResultsView):
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

    Use :func:`open_live` or ``dg.transcription.live(...)`` rather than this constructor. The
    socket, its threads and its :attr:`state` are a shared :class:`~dgdata.live._connection.
    Connection`; this class adds what is particular to ``/v1/listen``: its messages, the
    results they build, and the gaps of a reconnecting stream.
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
        secret = credential if isinstance(credential, Secret) else Secret(credential)
        attempts = 3 if reconnect is True else int(reconnect or 0)
        self._lock = threading.RLock()  # the results
        self._results = LiveResults()
        self._log = SendLog()  # every send(), for the latency and the audio position
        self._rate = bytes_per_second(self._options)
        self._bytes_sent = 0
        self._offset = 0.0  # where the current connection's audio starts in the stream
        self._pending_dropped = 0  # bytes whose write failed before the reader saw the drop
        self._gap: LiveGap | None = None  # the gap being lived through
        self._gaps: list[LiveGap] = []
        E = LiveTranscriptionEvent
        self._events = EventHandlers(
            E.coerce, open_event=E.OPEN, close_event=E.CLOSE, error_event=E.ERROR
        )
        self._conn = Connection(
            Dial(self.url, url, secret, scheme, connect_timeout),
            Hooks(
                message=self._on_message,
                dropped=self._on_drop,
                rejoined=self._on_rejoin,
                finished=lambda: self.metadata is not None,
                request_id=lambda: self.request_id,
            ),
            self._events,
            owner=self,
            keep_alive=float(keep_alive) if keep_alive else 0.0,
            reconnect=max(0, attempts),
            number=next(_ids),
        )
        for event, handler in (handlers or {}).items():
            self.on(event, handler)

    def start(self) -> LiveTranscription:
        """Open the WebSocket and start the reader (and keep-alive) threads.

        Raises :class:`~dgdata.errors.AuthenticationError` (401), ``BadRequestError`` (400),
        ``PermissionDeniedError`` (403)… when Deepgram refuses the handshake, and
        :class:`~dgdata.errors.DeepgramConnectionError` when it cannot be reached.
        """
        self._conn.start()
        return self

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
            logger.debug("live stream: ignoring an empty audio chunk")
            return
        payload = data if isinstance(data, bytes) else view.tobytes()
        conn = self._conn
        with conn.send_lock:
            conn.ensure_open()
            self._log.add(size, time.time())
            try:
                written = conn.write(payload)
            except DeepgramConnectionError:
                if not conn.reconnects:
                    raise
                self._pending_dropped += size  # the reader notices the drop and reconnects
                return
            if written:
                self._bytes_sent += size
            elif self._gap is not None:  # reconnecting: the audio is dropped, the gap says so
                self._gap.dropped_bytes += size

    def keep_alive(self) -> None:
        """Send one ``{"type": "KeepAlive"}`` now (the keep-alive thread does it when idle)."""
        self._conn.send_control("KeepAlive")

    def finalize(self) -> None:
        """Send ``{"type": "Finalize"}``: Deepgram flushes what it has as final results."""
        self._conn.send_control("Finalize")

    # ------------------------------------------------------------------ receiving

    def _on_message(self, data: bytes, binary: bool) -> None:
        """One message from Deepgram (reader thread): record it, then call the handlers."""
        if binary:
            return  # /v1/listen sends JSON text only
        received = time.time()
        try:
            message = json.loads(data)
        except ValueError:
            self._events.report(
                DeepgramError(f"Deepgram sent a text frame that is not JSON: {data!r:.80}")
            )
            return
        if not isinstance(message, dict):
            self._events.report(
                DeepgramError(f"Deepgram sent an unexpected message: {message!r:.80}")
            )
            return
        if self._offset:
            message = shift_times(message, self._offset)
        with self._lock:
            self._results.add(message, received)
        self._events.emit(LiveTranscriptionEvent.MESSAGE, message)
        kind = message.get("type")
        event = MESSAGE_EVENTS.get(kind) if isinstance(kind, str) else None
        if event is not None:
            self._events.emit(event, message)
        elif kind == "Error":
            text = message.get("description") or message.get("message") or message
            self._events.report(DeepgramError(f"Deepgram reported an error: {text}"))

    def _on_drop(self, reason: str) -> None:
        """Reconnecting starts (under the send lock): a gap opens at the audio sent so far."""
        self._gap = LiveGap(
            started_at=time.time(),
            audio_start=self._audio_position(),
            reason=reason,
            dropped_bytes=self._pending_dropped,
        )
        self._pending_dropped = 0

    def _on_rejoin(self, reconnected: bool) -> None:
        """Reconnecting is over (under the send lock): close the gap; later results move."""
        gap, self._gap = self._gap, None
        if gap is None:
            return
        if reconnected:
            gap.ended_at = time.time()
            gap.audio_end = self._offset = self._audio_position()
        self._gaps.append(gap)

    def _audio_position(self) -> float:
        """Seconds of audio handed to ``send()`` so far (wall time since the first send when
        the byte rate is unknown, i.e. assuming real-time audio)."""
        if self._rate:
            return self._log.total / self._rate
        first = self._log.first_at
        return time.time() - first if first is not None else 0.0

    # ------------------------------------------------------------------ ending

    def finish(self, timeout: float = 10.0) -> dict[str, Any] | None:
        """Send ``CloseStream``, wait for the last results, the ``Metadata`` and the close.

        Returns the ``Metadata`` message (``None`` if the server closed without one). Raises
        the stream's error if it ended abnormally (e.g. ``NET-0001`` after 10 s of silence),
        and :class:`~dgdata.errors.DeepgramTimeoutError` when Deepgram has not closed the
        stream within ``timeout`` seconds (then the stream is closed; what arrived is kept).
        Called from a handler, it only sends ``CloseStream`` and returns at once.
        """
        self._conn.finish("CloseStream", timeout)
        return self.metadata

    def close(self, timeout: float = 2.0) -> None:
        """Close the stream now, without waiting for results; stops every thread it started.

        Safe to call more than once, and from a handler.
        """
        self._conn.close(timeout)

    def __enter__(self) -> LiveTranscription:
        if self.state is ConnectionState.NEW:
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
        shown, status = self.state.value, self.close_status
        if status is not None:
            shown = f"{shown} {int(status)}"
        return (
            f"<LiveTranscription {shown} {self._base_url} messages={len(self._results.messages)}"
            f" sent={self._bytes_sent}B>"
        )


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
