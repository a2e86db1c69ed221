"""What a live stream needs from the recognition core, behind one small interface.

:class:`~dgdata.server.listen.live_results.StreamRecognition` (for a
:class:`~dgdata.server.listen.live_session.LiveSession`) talks to two objects per stream:

* a :class:`StreamAudio` (:func:`open_audio`): wire bytes in, 16 kHz int16 PCM
  ``(n, channels)`` out, from :class:`dgdata.server.audio.decode.StreamDecoder`; raises
  :class:`AudioError` for audio it cannot decode;
* a :class:`ChannelRecognizer` per transcribed channel (:func:`open_recognizer`): PCM in,
  :class:`Hypothesis` (interim or final results), :class:`SpeechStart` and
  :class:`UtteranceEndEvent` out, from :class:`dgdata.server.asr.engine.StreamingRecognizer`,
  or :class:`dgdata.server.asr.whisper_stream.WhisperStreamingRecognizer` when the process's
  engine is Whisper (:func:`dgdata.server.asr.choice.piece_decoder`).

pocketsphinx decoders come from the server's bounded pool for live streams
(``ServerState.live_decoders``, ``settings.decoders`` decoders; whole recordings use worker
processes instead); Whisper streams share the process's one model. A recogniser that cannot get
a decoder (or the model) within its timeout raises :class:`RecognizerBusy`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from dgdata.server.asr import choice
from dgdata.server.asr import engine as asr
from dgdata.server.asr.whisper_stream import WhisperStreamingRecognizer
from dgdata.server.audio import decode as audio

__all__ = [
    "AudioError",
    "ChannelRecognizer",
    "Event",
    "Hypothesis",
    "RecognizerBusy",
    "SpeechStart",
    "StreamAudio",
    "StreamOptions",
    "UtteranceEndEvent",
    "open_audio",
    "open_recognizer",
]

RATE = 16000


class StreamOptions(Protocol):
    """What the recognition core needs of a stream's options (``ListenOptions`` has it all)."""

    @property
    def encoding(self) -> str | None: ...  # None: a WAV stream, its header says
    @property
    def sample_rate(self) -> int | None: ...
    @property
    def channels(self) -> int: ...
    @property
    def endpointing(self) -> int | None: ...
    @property
    def interim_results(self) -> bool: ...
    @property
    def utterance_end_ms(self) -> int | None: ...


class AudioError(ValueError):
    """Audio that cannot be decoded (the stream closes with 1008 DATA-0000)."""


class RecognizerBusy(RuntimeError):
    """No decoder became free in time: the server is at capacity."""


@dataclass
class Hypothesis:
    """A result for one stretch of audio ``[start, end)`` of the stream, with its words."""

    is_final: bool
    start: float
    end: float
    words: tuple[asr.Word, ...] = ()
    speech_final: bool = False
    from_finalize: bool = False
    #: How many leading words no later result changes (see ``StreamResult.committed``).
    committed: int = 0


@dataclass
class SpeechStart:
    """Speech began at ``timestamp`` seconds into the stream."""

    timestamp: float


@dataclass
class UtteranceEndEvent:
    """``utterance_end_ms`` passed without words after the word ending at ``last_word_end``."""

    last_word_end: float


Event = Hypothesis | SpeechStart | UtteranceEndEvent


class StreamAudio(Protocol):
    def feed(self, data: bytes) -> np.ndarray: ...

    def flush(self) -> np.ndarray: ...


class ChannelRecognizer(Protocol):
    def feed(self, pcm: np.ndarray) -> list[Event]: ...

    def finalize(self) -> list[Event]: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- audio


class _StreamAudio:
    """The core's :class:`~dgdata.server.audio.decode.StreamDecoder`, its errors as
    :class:`AudioError`."""

    def __init__(self, options: StreamOptions) -> None:
        try:
            self.decoder = audio.StreamDecoder(
                options.encoding, options.sample_rate, options.channels
            )
        except audio.UnsupportedAudio as exc:
            raise AudioError(exc.detail or str(exc)) from None

    def feed(self, data: bytes) -> np.ndarray:
        try:
            return self.decoder.feed(data)
        except audio.UnsupportedAudio as exc:
            raise AudioError(exc.detail or str(exc)) from None

    def flush(self) -> np.ndarray:
        return self.decoder.flush()


def open_audio(options: StreamOptions) -> StreamAudio:
    """The decoder of a stream's wire audio: raw linear16/linear32/mulaw/alaw, or a WAV stream.

    Other encodings (opus, flac, …) raise :class:`AudioError`, so the stream closes with
    1008 DATA-0000 at its first audio.
    """
    return _StreamAudio(options)


# --------------------------------------------------------------------------- recognition


class _StreamRecognizer:
    """:class:`dgdata.server.asr.engine.StreamingRecognizer`, its events in this module's types."""

    def __init__(
        self,
        options: StreamOptions,
        pool: asr.DecoderPool,
        timeout: float,
        engine: choice.EngineChoice | None,
    ) -> None:
        settings: dict[str, Any] = {
            "endpointing_ms": options.endpointing,
            "interim_results": options.interim_results,
            "utterance_end_ms": options.utterance_end_ms,
            "timeout": timeout,
        }
        whisper = choice.piece_decoder(engine=engine)
        self.inner: asr.StreamingRecognizer = (
            asr.StreamingRecognizer(pool=pool, **settings)
            if whisper is None
            else WhisperStreamingRecognizer(whisper, **settings)
        )

    @staticmethod
    def _convert(events: Iterable[Any]) -> list[Event]:
        out: list[Event] = []
        for event in events:
            if isinstance(event, asr.StreamResult):
                out.append(
                    Hypothesis(
                        is_final=event.is_final,
                        start=event.start,
                        end=round(event.start + event.duration, 3),
                        words=tuple(event.words),
                        speech_final=event.speech_final,
                        from_finalize=event.from_finalize,
                        committed=event.committed,
                    )
                )
            elif isinstance(event, asr.SpeechStarted):
                out.append(SpeechStart(event.timestamp))
            elif isinstance(event, asr.UtteranceEnd):
                out.append(UtteranceEndEvent(event.last_word_end))
        return out

    def feed(self, pcm: np.ndarray) -> list[Event]:
        try:
            return self._convert(self.inner.feed(pcm))
        except asr.PoolExhausted as exc:
            raise RecognizerBusy(str(exc)) from None

    def finalize(self) -> list[Event]:
        try:
            return self._convert(self.inner.finalize())
        except asr.PoolExhausted as exc:
            raise RecognizerBusy(str(exc)) from None

    def close(self) -> None:
        self.inner.close()


def open_recognizer(
    options: StreamOptions,
    pool: asr.DecoderPool,
    timeout: float,
    engine: choice.EngineChoice | None = None,
) -> ChannelRecognizer:
    """A recogniser for one channel of a stream: Whisper's when ``engine`` (default: the
    process's configured engine) is Whisper, else pocketsphinx's, borrowing decoders from
    ``pool``."""
    return _StreamRecognizer(options, pool, timeout, engine)
