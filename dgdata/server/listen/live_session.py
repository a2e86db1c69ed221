"""One live transcription stream on ``/v1/listen``, after the handshake: the wire protocol.

:class:`LiveSession` reads the client's frames, feeds the audio to the recognisers and sends
Deepgram's messages back:

* binary frames are audio; a zero-byte frame ends the stream like ``CloseStream``;
* ``{"type": "KeepAlive"}`` keeps the stream open (no reply); ``Finalize`` flushes what is
  pending as a final result with ``from_finalize: true``; ``CloseStream`` flushes, sends the
  ``Metadata`` message and closes with 1000; ``Configure`` is accepted and ignored;
* ``Results`` (interim ones only with ``interim_results=true``; finals at endpoints, with
  ``speech_final``), ``SpeechStarted`` with ``vad_events=true``, ``UtteranceEnd`` once a channel's
  last word is ``utterance_end_ms`` old;
* close 1011 ``NET-0001`` after ``live_idle_timeout`` seconds with neither audio nor KeepAlive
  (never while the server is still recognising audio it got: the client is waiting, not idle),
  close 1008 ``DATA-0000`` for audio that cannot be decoded.

Recognition never runs on the event loop: each batch of audio goes to a worker thread, one at a
time per stream (so results stay in order) while the loop keeps reading frames, answering
KeepAlive and watching the idle timer. Audio that arrives while a batch is being recognised is
merged into the next batch.

The stream is recorded as one usage request (``streaming``, the seconds of audio received) when
it ends, however it ends: normal close, idle timeout, bad audio, client gone, injected drop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.websockets import WebSocket

from dgdata.server.asr.decoder import DecoderPool
from dgdata.server.asr.live_engine import AudioError, RecognizerBusy
from dgdata.server.backend.calls import Call
from dgdata.server.backend.pricing import listen_cost
from dgdata.server.backend.store import iso
from dgdata.server.listen.live_results import StreamRecognition
from dgdata.server.listen.options import ListenOptions
from dgdata.server.state import LocalModel

__all__ = ["IDLE_REASON", "LiveSession"]

log = logging.getLogger(__name__)

#: Close reasons, as Deepgram sends them.
IDLE_REASON = "NET-0001"
DATA_REASON = "DATA-0000"
#: Close code and reason when no decoder frees up for a stream in time.
BUSY = (1013, "try again later: every decoder is busy")


@dataclass
class _Item:
    kind: str  # "audio" | "finalize" | "close"
    data: bytearray = field(default_factory=bytearray)


class LiveSession:
    """One accepted stream; :meth:`run` serves it to the end and records its usage."""

    def __init__(
        self,
        websocket: WebSocket,
        *,
        options: ListenOptions,
        call: Call,
        decoders: DecoderPool,
        model: LocalModel | None = None,
        idle_timeout: float,
        abort: Callable[[], None] | None = None,
        drop_after_ms: float | None = None,
    ) -> None:
        self.recognition = StreamRecognition(options, decoders, call.request_id, model)
        self.ws = websocket
        self.options = options
        self.call = call
        self.idle_timeout = idle_timeout
        self.abort = abort
        self.drop_after_ms = drop_after_ms
        self.request_id = call.request_id
        self.created = iso(call.created)
        self.sha = hashlib.sha256()
        self.last_activity = time.monotonic()
        self.items: deque[_Item] = deque()
        self.wake = asyncio.Event()
        self.closed = False  # no more sends: we closed, or the client is gone
        self.recognising = False  # an item is being recognised in a worker thread
        self.outcome: tuple[int, str | None] = (200, None)  # (usage code, message)

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        worker = asyncio.create_task(self._work())
        dropper = (
            asyncio.create_task(self._drop_later(self.drop_after_ms))
            if self.drop_after_ms is not None
            else None
        )
        try:
            end = await self._read()
            if end == "close":
                self._enqueue(_Item("close"))
                await worker
            elif end == "idle":
                await self._close(1011, IDLE_REASON)
            elif end == "gone":
                pass
        except Exception:
            log.exception("live stream %s failed", self.request_id)
            self.outcome = (500, "The local server failed while serving the stream.")
            await self._close(1011, "internal error")
        finally:
            for task in (worker, dropper):
                if task is not None and not task.done():
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
            await anyio.to_thread.run_sync(self._release_and_record)

    def _release_and_record(self) -> None:
        """The stream's end (blocking): give the decoders back (counting audio that arrived but
        was never recognised, unless the stream failed), then record the usage."""
        unheard = b"".join(bytes(item.data) for item in self.items if item.kind == "audio")
        self.items.clear()
        recognition = self.recognition
        recognition.release(unheard if self.outcome[0] < 400 else b"")
        code, message = self.outcome
        billed, seconds = recognition.billed_channels, recognition.seconds
        self.call.record(
            code=code,
            message=message,
            duration=seconds,
            channels=billed,
            usd=listen_cost(self.options.model, "streaming", seconds, billed),
            models=[self.options.model],
            features=self.options.features,
            config=self.options.config,
            streams=1,
        )

    async def _drop_later(self, milliseconds: float) -> None:
        """Failure injection: cut the TCP connection dead (no close frame) after a while."""
        await asyncio.sleep(max(milliseconds, 0.0) / 1000.0)
        self.closed = True
        if self.abort is not None:
            self.abort()
        else:  # no transport to abort (an in-process test client): the closest we can do
            with contextlib.suppress(Exception):
                await self.ws.close(1011, "connection dropped (injected fault)")

    # ------------------------------------------------------------------ reading

    async def _read(self) -> str:
        """Read frames until the stream ends: ``close``, ``idle`` or ``gone``."""
        while True:
            remaining = self._idle_remaining()
            if remaining <= 0:
                return "idle"
            try:
                message = await asyncio.wait_for(self.ws.receive(), timeout=remaining)
            except asyncio.TimeoutError:
                continue
            if message["type"] == "websocket.disconnect":
                self.closed = True
                return "gone"
            if self.closed:
                return "gone"
            data = message.get("bytes")
            if data is not None:
                if len(data) == 0:
                    return "close"
                self.last_activity = time.monotonic()
                self.sha.update(data)
                self._enqueue(_Item("audio", bytearray(data)))
                continue
            text = message.get("text")
            if text is None:
                continue
            kind = _message_type(text)
            if kind == "KeepAlive":
                self.last_activity = time.monotonic()
            elif kind == "Finalize":
                self.last_activity = time.monotonic()
                self._enqueue(_Item("finalize"))
            elif kind == "CloseStream":
                return "close"
            else:  # Configure, or anything else: accepted, ignored
                self.last_activity = time.monotonic()
                log.debug("live stream %s: ignoring a %r message", self.request_id, kind)

    def _idle_remaining(self) -> float:
        """Seconds before the stream counts as idle: ``idle_timeout`` after the client's last
        message or the end of the server's last recognition, whichever is later (a client
        waiting for the answer to its audio is not idle, however busy the machine)."""
        if self.recognising or self.items:
            return self.idle_timeout
        return self.last_activity + self.idle_timeout - time.monotonic()

    def _enqueue(self, item: _Item) -> None:
        if item.kind == "audio" and self.items and self.items[-1].kind == "audio":
            self.items[-1].data.extend(item.data)  # merge with audio not yet picked up
        else:
            self.items.append(item)
        self.wake.set()

    # ------------------------------------------------------------------ recognising

    async def _work(self) -> None:
        """Process the queued items in order, each in a worker thread; send what they yield."""
        while True:
            while not self.items:
                self.wake.clear()
                await self.wake.wait()
            item = self.items.popleft()
            self.recognising = True
            try:
                messages = await anyio.to_thread.run_sync(
                    self.recognition.process, item.kind, bytes(item.data)
                )
            except AudioError as exc:
                log.info("live stream %s: undecodable audio: %s", self.request_id, exc)
                self.outcome = (400, f"{DATA_REASON}: the audio could not be decoded ({exc}).")
                self.items.clear()
                await self._close(1008, DATA_REASON)
                return
            except RecognizerBusy:
                log.warning("live stream %s: no decoder free in time", self.request_id)
                self.outcome = (429, "Every decoder stayed busy; the stream was closed with 1013.")
                self.items.clear()
                await self._close(*BUSY)
                return
            except Exception:
                log.exception("live stream %s: recognition failed", self.request_id)
                self.outcome = (500, "The local server failed while recognising the stream.")
                self.items.clear()
                await self._close(1011, "internal error")
                return
            finally:
                self.recognising = False
                self.last_activity = time.monotonic()
            for message in messages:
                await self._send(message)
            if item.kind == "close":
                await self._send(self.recognition.metadata(self.sha.hexdigest(), self.created))
                await self._close(1000, "")
                return

    # ------------------------------------------------------------------ sending

    async def _send(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            await self.ws.send_text(json.dumps(message))
        except Exception:  # the client is gone (or our own close raced this send)
            self.closed = True

    async def _close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)


def _message_type(text: str) -> str | None:
    try:
        message = json.loads(text)
    except ValueError:
        return None
    if isinstance(message, dict) and isinstance(message.get("type"), str):
        return str(message["type"])
    return None
