"""The recognition side of one live stream: audio in, Deepgram's live messages out.

:class:`StreamRecognition` decodes a stream's audio, feeds it to one recogniser per channel
(decoders borrowed from the server's pool) and turns their events into ``Results``,
``SpeechStarted`` and ``UtteranceEnd`` messages, and the closing ``Metadata``. It is blocking and
not thread-safe: :class:`~dgdata.server.listen.live_session.LiveSession` calls it from worker
threads, one call at a time, in the order the stream's items arrived.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from dgdata.server.asr.decoder import DecoderPool
from dgdata.server.asr.live_engine import (
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
from dgdata.server.listen.options import ListenOptions
from dgdata.server.listen.response import format_alternative, pocketsphinx_model
from dgdata.server.state import LocalModel

__all__ = ["DECODER_WAIT", "StreamRecognition"]

#: Seconds a stream waits for a free decoder when someone starts speaking.
DECODER_WAIT = 10.0


@dataclass
class _Channel:
    recognizer: ChannelRecognizer
    last_word_end: float | None = None
    utterance_end_sent: bool = True
    flushed_to: float = 0.0  # stream seconds up to which a final result covers the audio


class StreamRecognition:
    """One stream's decoding, recognisers and results (see the module docstring)."""

    def __init__(
        self,
        options: ListenOptions,
        decoders: DecoderPool,
        request_id: str,
        model: LocalModel | None = None,
    ) -> None:
        self.options = options
        self.decoders = decoders
        self.request_id = request_id
        #: The recogniser the stream's results name (default pocketsphinx).
        self.model = model or pocketsphinx_model()
        self.model_uuid, self.model_info = self.model.uuid, self.model.info()
        self.audio: StreamAudio | None = None
        self.channels: list[_Channel] = []
        self.seconds = 0.0  # audio decoded so far (per channel)
        self.audio_channels: int | None = None  # channels of the decoded audio, once known

    @property
    def billed_channels(self) -> int:
        """The channels usage bills: every channel with ``multichannel``, else one."""
        channels = self.audio_channels or self.options.channels
        return channels if self.options.multichannel else 1

    def release(self, unheard: bytes = b"") -> None:
        """Give the decoders back; count ``unheard`` audio (received, never recognised because
        the stream ended first) so that usage bills every second that arrived."""
        for channel in self.channels:
            with contextlib.suppress(Exception):
                channel.recognizer.close()
        if unheard:
            with contextlib.suppress(Exception):
                if self.audio is None:
                    self.audio = open_audio(self.options)
                self.seconds += self.audio.feed(unheard).shape[0] / 16000.0

    def process(self, kind: str, data: bytes = b"") -> list[dict[str, Any]]:
        """Recognise one item of the stream, ``kind`` ``audio`` (with ``data``), ``finalize`` or
        ``close``; the messages to send. Raises ``AudioError`` for audio that cannot be decoded
        and ``RecognizerBusy`` when no decoder frees up in time."""
        messages: list[dict[str, Any]] = []
        if kind == "audio":
            if self.audio is None:
                self.audio = open_audio(self.options)
            messages.extend(self._feed(self.audio.feed(data)))
        else:
            if self.audio is not None:
                messages.extend(self._feed(self.audio.flush()))
            if kind == "finalize":
                self._ensure_channels(self.options.channels)
            for index, channel in enumerate(self.channels):
                events = channel.recognizer.finalize()
                flushed = self._emit(index, events, from_finalize=kind == "finalize")
                if kind == "finalize" and not any(
                    m["type"] == "Results" and m["is_final"] for m in flushed
                ):  # Finalize is always answered, so a client waiting for it is not stuck
                    empty = Hypothesis(True, channel.flushed_to, self.seconds)
                    flushed.append(self._results(index, empty, from_finalize=True))
                messages.extend(flushed)
                channel.flushed_to = self.seconds
        if kind == "close":
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
        if lanes > self.decoders.size:  # a WAV header said more channels than decoders
            raise RecognizerBusy(
                f"multichannel with {lanes} channels needs {lanes} decoders; this server runs "
                f"{self.decoders.size}"
            )
        self.channels = [
            _Channel(open_recognizer(self.options, self.decoders, DECODER_WAIT, self.model.choice))
            for _ in range(lanes)
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

    def metadata(self, sha256: str, created: str) -> dict[str, Any]:
        """The ``Metadata`` message that ends a stream."""
        return {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": self.request_id,
            "sha256": sha256,
            "created": created,
            "duration": round(self.seconds, 3),
            "channels": self.audio_channels or self.options.channels,
            "models": [self.model_uuid],
            "model_info": {self.model_uuid: dict(self.model_info)},
        }


def _mix(pcm: Any) -> Any:
    """Mono int16 from (n, channels) int16."""
    if pcm.shape[1] == 1:
        return pcm[:, 0]
    return pcm.mean(axis=1).round().astype("int16")
