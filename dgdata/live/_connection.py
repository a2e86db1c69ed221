"""One streaming WebSocket to Deepgram, on websocket-client's public API only.

:class:`Connection` is the machinery every streaming channel shares: the handshake (refusals
turned into API errors, the key scrubbed), a daemon *reader* thread that hands each message to
the channel, a lock around every write, a daemon *keep-alive* thread, reconnecting after a drop,
and a close that stops every thread it started (every wait has a timeout). Its life is one
:class:`~dgdata.live._state.StateMachine`; the ``open``, ``close`` and ``error`` events go to
the stream's :class:`~dgdata.live._events.EventHandlers`.

A channel (``/v1/listen``: :class:`dgdata.live.LiveTranscription`) gives it :class:`Hooks` for
what is its own: what a message means, and what a drop and a reconnect do to its results.
"""

from __future__ import annotations

import contextlib
import json
import logging
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import websocket

from dgdata.errors import DeepgramConnectionError, DeepgramError, DeepgramTimeoutError
from dgdata.live._events import EventHandlers
from dgdata.live._socket import Dial, End, parse_close
from dgdata.live._state import ConnectionState, StateMachine
from dgdata.live.protocol import (
    NO_CLOSE_FRAME,
    NORMAL_CLOSURE,
    RECONNECTABLE_CODES,
    CloseStatus,
    close_error,
    deepgram_err_code,
    explain_close,
)

__all__ = ["Connection", "Hooks"]

logger = logging.getLogger(__name__)

S = ConnectionState
_JOIN_TIMEOUT = 5.0
_WRITABLE = frozenset({S.OPEN, S.RECONNECTING})  # the client may send (lost during a gap)
_LIVE = frozenset({S.OPEN, S.RECONNECTING, S.FINISHING})  # the client has not hung up


def _nothing(*args: Any) -> None:
    return None


def _never() -> bool:
    return False


@dataclass(frozen=True)
class Hooks:
    """What a channel adds to the shared connection; all are called on the reader thread.

    Attributes:
        message: each message, ``(data, is_binary)``; text frames come as UTF-8 bytes.
        dropped: the reason, when reconnecting starts (under the send lock).
        rejoined: whether reconnecting succeeded, when it is over (under the send lock).
        finished: whether the last message of a finished stream has arrived, so that a
            hang-up without a close frame loses nothing.
        request_id: the stream's request id, for the close error.
    """

    message: Callable[[bytes, bool], None]
    dropped: Callable[[str], None] = _nothing
    rejoined: Callable[[bool], None] = _nothing
    finished: Callable[[], bool] = _never
    request_id: Callable[[], str | None] = _nothing


class Connection:
    """One stream's socket, threads and state (see the module docs).

    Args:
        dial: how to open the socket (again, to reconnect).
        hooks: the channel's part.
        events: the stream's handlers; ``open`` is emitted with ``owner``.
        owner: the stream object handed to the ``open`` handlers.
        keep_alive: seconds without a write after which ``{"type": "KeepAlive"}`` is sent
            (``0``: never).
        reconnect: attempts to reconnect after an unexpected drop (``0``: none).
        number: the stream's number, in thread names and logs.
    """

    def __init__(
        self,
        dial: Dial,
        hooks: Hooks,
        events: EventHandlers[Any],
        *,
        owner: object,
        keep_alive: float = 0.0,
        reconnect: int = 0,
        number: int = 0,
    ) -> None:
        self._dial, self._hooks, self._events, self._owner = dial, hooks, events, owner
        self._keep_alive, self.reconnects = keep_alive, reconnect
        self._number, self._label = number, f"live stream {number}"
        self.state = StateMachine(self._label)
        self.send_lock = threading.Lock()  # every write, and what the channel counts with it
        self._ws: websocket.WebSocket | None = None  # None before OPEN, in a gap, at the end
        self._reader: threading.Thread | None = None
        self._keeper: threading.Thread | None = None
        self._last_send = time.monotonic()
        self._reconnect_failure: str | None = None
        self.error: DeepgramError | None = None
        self.close_status: CloseStatus | None = None

    # ------------------------------------------------------------------ opening and writing

    def start(self) -> None:
        """Open the socket (``CONNECTING`` → ``OPEN``), emit ``open``, start the threads.

        Raises the handshake's error (the state is then ``FAILED``), and ``RuntimeError``
        when called twice.
        """
        if not self.state.move(S.CONNECTING, only_from={S.NEW}):
            raise RuntimeError("this live stream was already started")
        try:
            ws = self._dial.open()
        except BaseException:
            self.state.move(S.FAILED)
            raise
        logger.debug("%s connected to %s", self._label, self._dial.where)
        with self.send_lock:
            self._ws, self._last_send = ws, time.monotonic()
            self.state.move(S.OPEN)
        self._reader = self._thread("reader", self._run, ws)
        if self._keep_alive > 0:
            self._keeper = self._thread("keepalive", self._keep_alive_loop)
        self._events.emit(self._events.open_event, self._owner)
        for thread in (self._reader, self._keeper):
            if thread is not None:
                thread.start()

    def _thread(self, role: str, target: Callable[..., None], *args: Any) -> threading.Thread:
        name = f"dgdata-live-{role}-{self._number}"
        return threading.Thread(target=target, args=args, name=name, daemon=True)

    def ensure_open(self) -> None:
        """Raise unless the stream takes messages: ``RuntimeError`` before :meth:`start`, the
        stream's error once it failed, :class:`~dgdata.errors.DeepgramConnectionError` once
        it is finishing, closing or closed."""
        state = self.state.current
        if not state.started:
            raise RuntimeError("the live stream is not open; call start() first")
        if self.error is not None:
            raise self.error
        if state not in _WRITABLE:
            raise DeepgramConnectionError(
                "The live stream is closed (finish() or close() was called, or Deepgram closed "
                "it); open a new one"
            )

    def write(self, payload: bytes | str) -> bool:
        """Write one message, text for a ``str`` (the caller holds :attr:`send_lock`).

        ``False`` when no connection is up (reconnecting); raises
        :class:`~dgdata.errors.DeepgramConnectionError` when the write fails (the reader
        then sees the drop).
        """
        ws = self._ws
        if ws is None:
            return False
        try:
            if isinstance(payload, str):
                ws.send(payload)
            else:
                ws.send_binary(payload)
        except Exception as exc:
            # a socket that fails a write is gone (reset, closed under us: EBADF, EPIPE)
            message = (
                f"Sending to Deepgram failed: the connection is lost ({exc or type(exc).__name__})"
            )
            raise DeepgramConnectionError(message) from None
        self._last_send = time.monotonic()
        return True

    def _write_control(self, kind: str) -> bool:
        """Write ``{"type": kind}`` (caller holds the send lock); ``False`` when it was not."""
        try:
            return self.write(json.dumps({"type": kind}))
        except DeepgramConnectionError as exc:
            logger.debug("%s: sending %s failed: %s", self._label, kind, exc)
            return False

    def send_control(self, kind: str) -> None:
        """Send ``{"type": kind}`` now (thread-safe); raises as :meth:`ensure_open` does."""
        with self.send_lock:
            self.ensure_open()
            self._write_control(kind)

    def _keep_alive_loop(self) -> None:
        interval = self._keep_alive
        while True:
            idle = time.monotonic() - self._last_send
            if idle < interval:
                if self.state.wait_while(_WRITABLE, interval - idle):
                    return  # finishing, closing or over
                continue
            with self.send_lock:
                if self.state.current not in _WRITABLE:
                    return
                if not self._write_control("KeepAlive"):
                    self._last_send = time.monotonic()  # not connected: try again later
            logger.debug("%s: KeepAlive sent", self._label)

    # ------------------------------------------------------------------ ending

    def finish(self, kind: str, timeout: float) -> None:
        """Send ``{"type": kind}`` (``FINISHING``) and wait for the server to end the stream.

        Raises the stream's error if it ended abnormally, and
        :class:`~dgdata.errors.DeepgramTimeoutError` when the server has not closed within
        ``timeout`` seconds (the client then hangs up). From a handler it only sends.
        """
        if self._reader is None:
            raise RuntimeError("the live stream is not open; call start() first")
        with self.send_lock:
            if self.state.move(S.FINISHING, only_from=_WRITABLE):
                self._write_control(kind)  # a failed write: the reader sees the drop
        reader = self._waitable_reader()
        if reader is None:
            return
        reader.join(timeout)
        timed_out = reader.is_alive()
        self._teardown()
        if timed_out:
            raise DeepgramTimeoutError(
                f"Deepgram did not close the live stream within {timeout:g}s of {kind}; "
                "the stream was closed and the results received so far are kept"
            )
        if self.error is not None:
            raise self.error

    def close(self, timeout: float) -> None:
        """Hang up now (``CLOSING``): a close frame, ``timeout`` seconds for the server's
        answer, then every thread is stopped. Safe to call again, and from a handler."""
        if self._reader is None:
            return  # never opened
        with self.send_lock:
            ws = self._ws
            if self.state.move(S.CLOSING, only_from=_LIVE) and ws is not None:
                with contextlib.suppress(Exception):
                    # Not send_close(): it marks the socket disconnected, and abort() then no
                    # longer wakes a reader whose server never answers.
                    ws.send(struct.pack("!H", NORMAL_CLOSURE), websocket.ABNF.OPCODE_CLOSE)
        reader = self._waitable_reader()
        if reader is not None:
            reader.join(timeout)  # the reader sees the server's answering close frame
        self._teardown()

    def _waitable_reader(self) -> threading.Thread | None:
        """The reader, unless this is the reader (a handler) or it has not started yet."""
        reader = self._reader
        if reader is None or reader.ident is None or reader is threading.current_thread():
            return None
        return reader

    def _teardown(self) -> None:
        """Stop every thread of the stream, first waking a reader still blocked on the socket."""
        reader = self._reader
        if reader is not None and reader.is_alive():
            self.state.move(S.CLOSING, only_from=_LIVE)  # the hang-up that follows is ours
            ws = self._ws
            if ws is not None:
                with contextlib.suppress(Exception):
                    ws.abort()  # shuts the socket down: the blocked recv returns
        current = threading.current_thread()
        for thread in (self._keeper, reader):
            if thread is not None and thread is not current and thread.ident is not None:
                thread.join(_JOIN_TIMEOUT)
                if thread.is_alive():
                    logger.warning("%s: %s did not stop", self._label, thread.name)

    # ------------------------------------------------------------------ the reader thread

    def _run(self, ws: websocket.WebSocket) -> None:
        end = End(NO_CLOSE_FRAME, "")
        try:
            current: websocket.WebSocket | None = ws
            while current is not None:
                end = self._read(current)
                current = self._recover(current, end)
        except BaseException as exc:  # a bug here must not leave finish() waiting
            logger.exception("%s: the reader failed", self._label)
            end = End(NO_CLOSE_FRAME, f"reader failed: {exc}", exc)
        finally:
            self._conclude(end)

    def _read(self, ws: websocket.WebSocket) -> End:
        """Hand each message of one connection to the channel; returns how it ended."""
        opcodes = websocket.ABNF
        while True:
            try:
                # websocket-client joins continuation frames, answers pings and close frames.
                opcode, frame = ws.recv_data_frame(control_frame=True)
            except Exception as exc:
                return End(NO_CLOSE_FRAME, "", exc)
            if opcode in (opcodes.OPCODE_TEXT, opcodes.OPCODE_BINARY):
                self._hooks.message(frame.data, opcode == opcodes.OPCODE_BINARY)
            elif opcode == opcodes.OPCODE_CLOSE:
                return End(*parse_close(frame.data))

    def _recover(self, old: websocket.WebSocket, end: End) -> websocket.WebSocket | None:
        """After a drop, reconnect when allowed (``RECONNECTING`` → ``OPEN``): the new socket."""
        reconnectable = end.code in RECONNECTABLE_CODES or deepgram_err_code(end.reason) == (
            "NET-0000"
        )
        if not (self.reconnects and reconnectable):
            return None
        reason = explain_close(end.code, end.reason) or f"closed with {end.code}"
        with self.send_lock:
            if not self.state.move(S.RECONNECTING, only_from={S.OPEN}):
                return None  # finishing or closing: the drop ends the stream
            self._ws = None
            self._hooks.dropped(reason)
        with contextlib.suppress(Exception):
            old.shutdown()
        logger.warning("%s: %s; reconnecting", self._label, reason)
        dropped_at = time.monotonic()
        ws = self._redial()
        with self.send_lock:
            rejoined = ws is not None and self.state.move(S.OPEN, only_from={S.RECONNECTING})
            if rejoined:
                self._ws, self._last_send = ws, time.monotonic()
            self._hooks.rejoined(rejoined)
        if not rejoined:
            if ws is not None:
                with contextlib.suppress(Exception):
                    ws.shutdown()
            return None
        logger.warning("%s: reconnected after %.2fs", self._label, time.monotonic() - dropped_at)
        self._events.emit(self._events.open_event, self._owner)
        return ws

    def _redial(self) -> websocket.WebSocket | None:
        """Up to ``reconnect`` handshakes, with backoff, while the state stays RECONNECTING."""
        delay = 0.1
        for attempt in range(1, self.reconnects + 1):
            if self.state.current is not S.RECONNECTING:
                return None
            try:
                return self._dial.open()
            except DeepgramError as exc:
                logger.warning("%s: reconnect %d failed: %s", self._label, attempt, exc)
                self._reconnect_failure = f"reconnecting failed ({attempt} attempt(s)): {exc}"
                if not getattr(exc, "retryable", False):
                    return None
            if self.state.wait_while({S.RECONNECTING}, delay):
                return None  # finish() or close() meanwhile
            delay = min(delay * 2, 2.0)
        return None

    def _verdict(self, end: End) -> tuple[int, str, DeepgramError | None]:
        """The close code, reason and error (``None``: a normal end) of the stream's end."""
        code, reason, exc = end
        state = self.state.current
        if state is S.CLOSING and code in (NORMAL_CLOSURE, NO_CLOSE_FRAME):
            return NORMAL_CLOSURE, reason or "closed by the client", None
        if code == NORMAL_CLOSURE and deepgram_err_code(reason) is None:
            return code, reason, None
        if state is S.FINISHING and code == NO_CLOSE_FRAME and self._hooks.finished():
            return code, reason, None  # the server hung up right after its last message
        error = close_error(code, reason, self._hooks.request_id(), self._reconnect_failure)
        if exc is not None:
            error.__cause__ = exc
        return code, reason, error

    def _conclude(self, end: End) -> None:
        """End the stream (``CLOSED`` or ``FAILED``): report the error, emit ``close``."""
        code, reason, error = self._verdict(end)
        status = CloseStatus(code, reason, error)
        with self.send_lock:
            ws, self._ws = self._ws, None
            self.error, self.close_status = error, status
            self.state.move(S.FAILED if error is not None else S.CLOSED)
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.shutdown()
        if error is not None:
            logger.warning("%s: %s", self._label, error)
            self._events.report(error)
        else:
            logger.debug("%s closed (%d %s)", self._label, code, reason)
        self._events.emit(self._events.close_event, status)
