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
* close 1011 ``NET-0001`` after ``live_idle_timeout`` seconds with neither audio nor KeepAlive,
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

from dgdata.server.asr.live_engine import (
    AudioError,
    ChannelRecognizer,
    Event,
    Hypothesis,
    RecognizerBusy,
    SpeechStart,
    StreamAudio,
    UtteranceEndEvent,
    open_audio,
    open_recognizer,
)
from dgdata.server.backend.calls import Call
from dgdata.server.backend.pricing import listen_cost
from dgdata.server.backend.store import iso
from dgdata.server.listen.options import ListenOptions, model_metadata
from dgdata.server.listen.response import format_alternative

__all__ = ["IDLE_REASON", "LiveSession"]

log = logging.getLogger("dgdata.server")

#: Close reasons, as Deepgram sends them.
IDLE_REASON = "NET-0001"
DATA_REASON = "DATA-0000"
#: Close code and reason when no decoder frees up for a stream in time.
BUSY = (1013, "try again later: every decoder is busy")
#: Seconds a stream waits for a free decoder when someone starts speaking.
DECODER_WAIT = 10.0


@dataclass
class _Channel:
    recognizer: ChannelRecognizer
    last_word_end: float | None = None
    utterance_end_sent: bool = True
    flushed_to: float = 0.0  # stream seconds up to which a final result covers the audio


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
        idle_timeout: float,
        abort: Callable[[], None] | None = None,
        drop_after_ms: float | None = None,
    ) -> None:
        self.ws = websocket
        self.options = options
        self.call = call
        self.idle_timeout = idle_timeout
        self.abort = abort
        self.drop_after_ms = drop_after_ms
        self.request_id = call.request_id
        self.created = iso(call.created)
        self.model_uuid, self.model_info = model_metadata(options.model)
        self.sha = hashlib.sha256()
        self.last_activity = time.monotonic()
        self.items: deque[_Item] = deque()
        self.wake = asyncio.Event()
        self.closed = False  # no more sends: we closed, or the client is gone
        self.audio: StreamAudio | None = None
        self.channels: list[_Channel] = []
        self.seconds = 0.0  # audio decoded so far (per channel)
        self.audio_channels: int | None = None  # channels of the decoded audio, once known
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
            await anyio.to_thread.run_sync(self._release)
            self._record()

    def _release(self) -> None:
        """Give the decoders back; count audio received but never recognised (the stream
        ended first) so that usage bills every second that arrived."""
        for channel in self.channels:
            with contextlib.suppress(Exception):
                channel.recognizer.close()
        rest = b"".join(bytes(item.data) for item in self.items if item.kind == "audio")
        self.items.clear()
        if rest and self.outcome[0] < 400:
            with contextlib.suppress(Exception):
                if self.audio is None:
                    self.audio = open_audio(self.options)
                self.seconds += self.audio.feed(rest).shape[0] / 16000.0

    def _record(self) -> None:
        code, message = self.outcome
        channels = self.audio_channels or self.options.channels
        billed = channels if self.options.multichannel else 1
        self.call.record(
            code=code,
            message=message,
            duration=self.seconds,
            channels=billed,
            usd=listen_cost(self.options.model, "streaming", self.seconds, billed),
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
            remaining = self.last_activity + self.idle_timeout - time.monotonic()
            if remaining <= 0:
                return "idle"
            try:
                message = await asyncio.wait_for(self.ws.receive(), timeout=remaining)
            except asyncio.TimeoutError:
                if self.last_activity + self.idle_timeout <= time.monotonic():
                    return "idle"
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
            try:
                messages = await anyio.to_thread.run_sync(self._process, item)
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
            for message in messages:
                await self._send(message)
            if item.kind == "close":
                await self._send(self._metadata())
                await self._close(1000, "")
                return

    def _process(self, item: _Item) -> list[dict[str, Any]]:
        """Recognise one item (runs in a worker thread); the messages to send."""
        messages: list[dict[str, Any]] = []
        if item.kind == "audio":
            if self.audio is None:
                self.audio = open_audio(self.options)
            messages.extend(self._feed(self.audio.feed(bytes(item.data))))
        else:
            if self.audio is not None:
                messages.extend(self._feed(self.audio.flush()))
            if item.kind == "finalize":
                self._ensure_channels(self.options.channels)
            for index, channel in enumerate(self.channels):
                events = channel.recognizer.finalize()
                flushed = self._emit(index, events, from_finalize=item.kind == "finalize")
                if item.kind == "finalize" and not any(
                    m["type"] == "Results" and m["is_final"] for m in flushed
                ):  # Finalize is always answered, so a client waiting for it is not stuck
                    empty = Hypothesis(True, channel.flushed_to, self.seconds)
                    flushed.append(self._results(index, empty, from_finalize=True))
                messages.extend(flushed)
                channel.flushed_to = self.seconds
        if item.kind == "close":
            messages.extend(self._last_utterance_ends())
        return messages

    def _feed(self, pcm: Any) -> list[dict[str, Any]]:
        """Recognise decoded audio, ``(n, channels)`` at 16 kHz."""
        if pcm.shape[0] == 0:
            return []
        self.audio_channels = pcm.shape[1]
        self._ensure_channels(pcm.shape[1])
        self.seconds += pcm.shape[0] / 16000.0
        messages: list[dict[str, Any]] = []
        for index, channel in enumerate(self.channels):
            lane = pcm[:, index] if self.options.multichannel else _mix(pcm)
            messages.extend(self._emit(index, channel.recognizer.feed(lane)))
        return messages

    def _ensure_channels(self, count: int) -> None:
        if self.channels:
            return
        lanes = count if self.options.multichannel else 1
        state = self.call.state
        if lanes > state.settings.decoders:  # a WAV header said more channels than decoders
            raise RecognizerBusy(
                f"multichannel with {lanes} channels needs {lanes} decoders; this server runs "
                f"{state.settings.decoders}"
            )
        pool = state.live_decoders
        self.channels = [
            _Channel(open_recognizer(self.options, pool, DECODER_WAIT)) for _ in range(lanes)
        ]

    def _emit(
        self, index: int, events: list[Event], *, from_finalize: bool | None = None
    ) -> list[dict[str, Any]]:
        """Messages for a channel's events; ``from_finalize`` overrides the events' flag
        (a Finalize flush is, a CloseStream flush is not)."""
        out: list[dict[str, Any]] = []
        channel = self.channels[index]
        for event in events:
            if isinstance(event, UtteranceEndEvent):
                if self.options.utterance_end_ms is not None:
                    channel.utterance_end_sent = True
                    out.append(self._utterance_end(index, event.last_word_end))
                continue
            if isinstance(event, SpeechStart):
                if self.options.vad_events:
                    out.append(
                        {
                            "type": "SpeechStarted",
                            "channel": self._channel_index(index),
                            "timestamp": round(event.timestamp, 3),
                        }
                    )
                continue
            if not event.is_final and not self.options.interim_results:
                continue
            if event.is_final:
                channel.flushed_to = max(channel.flushed_to, event.end)
                if event.words:
                    channel.last_word_end = event.words[-1].end
                    channel.utterance_end_sent = False
            finalize = event.from_finalize if from_finalize is None else from_finalize
            out.append(self._results(index, event, from_finalize=finalize))
        return out

    def _utterance_end(self, index: int, last_word_end: float) -> dict[str, Any]:
        return {
            "type": "UtteranceEnd",
            "channel": self._channel_index(index),
            "last_word_end": round(last_word_end, 3),
        }

    def _last_utterance_ends(self) -> list[dict[str, Any]]:
        """At CloseStream: the UtteranceEnd of words the stream ended too soon after."""
        if self.options.utterance_end_ms is None:
            return []
        out = []
        for index, channel in enumerate(self.channels):
            if not channel.utterance_end_sent and channel.last_word_end is not None:
                channel.utterance_end_sent = True
                out.append(self._utterance_end(index, channel.last_word_end))
        return out

    def _channel_index(self, index: int) -> list[int]:
        total = len(self.channels) if self.options.multichannel else 1
        return [index, max(total, 1)]

    def _results(self, index: int, event: Hypothesis, *, from_finalize: bool) -> dict[str, Any]:
        speaker: int | None = None
        if self.options.diarize:  # no diarizer: one speaker per channel
            speaker = index if self.options.multichannel else 0
        alternative = format_alternative(
            event.words,
            self.options.values,
            speaker=speaker,
            speaker_confidence=1.0 if self.options.multichannel else 0.0,
        )
        return {
            "type": "Results",
            "channel_index": self._channel_index(index),
            "duration": round(max(event.end - event.start, 0.0), 3),
            "start": round(event.start, 3),
            "is_final": event.is_final,
            "speech_final": event.speech_final,
            "from_finalize": bool(from_finalize and event.is_final),
            "channel": {"alternatives": [alternative]},
            "metadata": {
                "request_id": self.request_id,
                "model_info": dict(self.model_info),
                "model_uuid": self.model_uuid,
            },
        }

    def _metadata(self) -> dict[str, Any]:
        return {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": self.request_id,
            "sha256": self.sha.hexdigest(),
            "created": self.created,
            "duration": round(self.seconds, 3),
            "channels": self.audio_channels or self.options.channels,
            "models": [self.model_uuid],
            "model_info": {self.model_uuid: dict(self.model_info)},
        }

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


def _mix(pcm: Any) -> Any:
    """Mono int16 from (n, channels) int16."""
    if pcm.shape[1] == 1:
        return pcm[:, 0]
    return pcm.mean(axis=1).round().astype("int16")


def _message_type(text: str) -> str | None:
    try:
        message = json.loads(text)
    except ValueError:
        return None
    if isinstance(message, dict) and isinstance(message.get("type"), str):
        return str(message["type"])
    return None
