"""Live recognition: 16 kHz PCM in, Deepgram-style interim / final results and VAD events out.

``StreamingRecognizer`` finds speech with an energy VAD and cuts the stream into finals that
tile the timeline: each final covers from the end of the previous one to its cut, so
``start + duration`` of one final is the ``start`` of the next. Cuts happen:

- at an endpoint: ``endpointing`` of silence after speech (``speech_final=True``);
- when speech goes on for ``max_final`` seconds: at the widest pause between its words, but
  not in the last ``RECENT`` seconds (``is_final=True, speech_final=False``); the words after
  the cut are decoded again with the audio that follows, so no word is split;
- in long silences, every ``max_final`` seconds (a final without words);
- on ``finalize()`` (``from_finalize=True``).

Each final's audio is decoded as a whole by a decoder borrowed for that moment (the same
``decode_segment`` as for recordings: incremental decoding with a running cepstral mean is much
less accurate on telephone or noisy audio). Interim results come from a cheaper decoder
(``INTERIM_OPTIONS``) fed incrementally, held only while someone speaks, and only when
``interim_results`` is on. pocketsphinx keeps the GIL while it works; feeding the interim
decoder chunk by chunk keeps other threads running in between.

The decoding is behind a few hooks (``_interim_on``, ``_interim_due``, ``_before_final``,
``_end_of_feed``, ``_open``, ``_close_utterance``, ``_forced_final``, ``_window_start``):
:class:`~dgdata.server.asr.whisper_stream.WhisperStreamingRecognizer` overrides them to decode
with Whisper, keeping this state machine (and so the same events) for both engines.

Not thread-safe: one stream, one thread at a time. No network code here.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar

import numpy as np

from dgdata.server.asr.decoder import (
    DecoderPool,
    Word,
    decode_segment,
    interim_pool,
    stream_pool,
    to_words,
)
from dgdata.server.asr.vad import FRAME, RATE, EnergyVad

PREROLL = 0.3  # seconds of audio before the detected onset that the utterance includes
MIN_ENDPOINT_MS = 300  # the energy VAD would split words with Deepgram's 10 ms default
NO_ENDPOINT_SILENCE = 1.0  # with endpointing off, finalise after this much silence anyway
RECENT = 0.5  # a forced cut keeps the words of the last half second for the next final


@dataclass(frozen=True)
class StreamResult:
    """A ``Results`` message's content: the words of [start, start + duration) of the stream."""

    start: float
    duration: float
    words: tuple[Word, ...]
    is_final: bool
    speech_final: bool = False
    from_finalize: bool = False
    #: How many leading words no later result changes (all of a final's; with Whisper, the
    #: interim's committed prefix; 0 for pocketsphinx interims, which may change entirely).
    committed: int = 0
    type: ClassVar[str] = "Results"

    @property
    def transcript(self) -> str:
        """The words joined by spaces (unformatted)."""
        return " ".join(word.word for word in self.words)

    @property
    def confidence(self) -> float:
        """Mean word confidence, 0 without words."""
        return float(np.mean([w.confidence for w in self.words])) if self.words else 0.0


@dataclass(frozen=True)
class SpeechStarted:
    """Speech began ``timestamp`` seconds into the stream (``SpeechStarted`` message)."""

    timestamp: float
    type: ClassVar[str] = "SpeechStarted"


@dataclass(frozen=True)
class UtteranceEnd:
    """A gap of ``utterance_end_ms`` followed the word ending at ``last_word_end``."""

    last_word_end: float
    type: ClassVar[str] = "UtteranceEnd"


StreamEvent = StreamResult | SpeechStarted | UtteranceEnd


class StreamingRecognizer:
    """Recognise one channel of a live stream. See the module docstring for when finals come.

    Args:
        endpointing_ms: silence (ms) that ends an utterance with ``speech_final=True``; values
            under ``MIN_ENDPOINT_MS`` count as that; ``None`` turns endpointing off.
        interim_results: emit interim results every ``interim_every`` seconds of speech.
        utterance_end_ms: emit ``UtteranceEnd`` after this much time without words.
        max_final: the longest stretch of speech a final covers, in seconds (a final also
            covers the silence before its speech).
        pool: where final decoders come from (default: ``stream_pool()``).
        interim_pool: where interim decoders come from (default: ``interim_pool()``).
        timeout: seconds to wait for a decoder before ``PoolExhausted``.

    Example::

        recognizer = StreamingRecognizer(endpointing_ms=300, interim_results=True)
        for chunk in pcm_chunks:                     # int16 16 kHz mono
            for event in recognizer.feed(chunk):
                ...
        events = recognizer.finalize()
        recognizer.close()
    """

    def __init__(
        self,
        *,
        endpointing_ms: int | None = 10,
        interim_results: bool = True,
        utterance_end_ms: int | None = None,
        interim_every: float = 1.0,
        max_final: float = 6.0,
        pool: DecoderPool | None = None,
        interim_pool: DecoderPool | None = None,
        timeout: float | None = None,
    ) -> None:
        self.endpointing = endpointing_ms is not None
        ms = MIN_ENDPOINT_MS if endpointing_ms is None else max(endpointing_ms, MIN_ENDPOINT_MS)
        self._endpoint = round(ms / 1000 * RATE) if self.endpointing else NO_ENDPOINT_SILENCE * RATE
        self.interim_results = interim_results
        self._utterance_end = None if utterance_end_ms is None else utterance_end_ms / 1000
        self._interim_every = round(interim_every * RATE)
        self._max_final = round(max_final * RATE)
        self._pool = pool
        self._interim_pool = interim_pool
        self._timeout = timeout
        self._vad = EnergyVad()
        self._audio = np.zeros(0, dtype=np.int16)
        self._audio_start = 0  # sample index of _audio[0]
        self._cursor = 0  # samples received
        self._scanned = 0  # samples the VAD has looked at
        self._final_cursor = 0  # end of the last final
        self._interim: Any = None  # the interim decoder, while speech goes on
        self._cmn: str | None = None  # the interim decoder's cepstral mean, between utterances
        self._utt_start = 0  # first sample of the open utterance
        self._fed = 0  # samples given to the interim decoder
        self._active = False
        self._last_voice = 0
        self._last_interim = 0
        self._pending_word_end: float | None = None

    @property
    def cursor(self) -> float:
        """Seconds of audio received so far."""
        return self._cursor / RATE

    duration = cursor

    @property
    def holding_decoder(self) -> bool:
        """Whether an interim decoder is borrowed right now (only while someone speaks)."""
        return self._interim is not None

    # ------------------------------------------------------------------ public API
    def feed(self, pcm16k_mono: np.ndarray) -> list[StreamEvent]:
        """Take more audio (int16, 16 kHz, one channel); the events it completes, in order."""
        samples = np.asarray(pcm16k_mono).reshape(-1).astype(np.int16, copy=False)
        self._audio = np.concatenate([self._audio, samples])
        self._cursor += len(samples)
        events: list[StreamEvent] = []
        while self._scanned + FRAME <= self._cursor:
            frame_start = self._scanned
            self._scanned += FRAME
            frame = self._audio[frame_start - self._audio_start : self._scanned - self._audio_start]
            self._step(frame_start, self._vad.voiced(frame), events)
        self._end_of_feed(events)
        self._trim()
        return events

    def finalize(self) -> list[StreamEvent]:
        """Flush: everything not yet in a final becomes one, with ``from_finalize=True``."""
        end = self._cursor
        if end <= self._final_cursor:
            return []
        events: list[StreamEvent] = []
        if self._active:
            self._before_final(events)
        words = self._close_utterance(end) if self._active else []
        events.append(self._final(end, words, speech_final=False, from_finalize=True))
        self._scanned = end
        self._trim()
        return events

    def close(self) -> None:
        """Give back the interim decoder (if one is held); the recognizer is done."""
        self._release_interim()
        self._active = False

    def __enter__(self) -> StreamingRecognizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the state machine
    def _step(self, frame_start: int, voiced: bool, events: list[StreamEvent]) -> None:
        now = frame_start + FRAME
        if voiced:
            self._last_voice = now
        if not self._active:
            if self._vad.onset_run >= self._vad.onset:
                onset = now - self._vad.onset * FRAME
                first = onset - round(PREROLL * RATE)
                self._open(max(self._final_cursor, self._audio_start, first))
                events.append(SpeechStarted(round(onset / RATE, 3)))
                self._last_interim = now
            elif now - self._final_cursor >= self._max_final + PREROLL * RATE:
                events.append(self._final(now - round(PREROLL * RATE), [], speech_final=False))
            self._check_utterance_end(now, events)
            return
        silence = now - self._last_voice
        if silence >= self._endpoint:
            self._before_final(events)
            words = self._close_utterance(now)
            speech_final = self.endpointing and bool(words)
            events.append(self._final(now, words, speech_final=speech_final))
            self._check_utterance_end(now, events)
        elif now - self._utt_start >= self._max_final:
            self._before_final(events)
            events.append(self._forced_final(now))
        elif self._interim_on() and now - self._last_interim >= self._interim_every:
            self._last_interim = now
            self._interim_due(now, events)

    def _check_utterance_end(self, now: int, events: list[StreamEvent]) -> None:
        pending = self._pending_word_end
        if self._utterance_end is None or pending is None:
            return
        if now / RATE - pending >= self._utterance_end:
            events.append(UtteranceEnd(pending))
            self._pending_word_end = None

    def _final(
        self, end: int, words: list[Word], *, speech_final: bool, from_finalize: bool = False
    ) -> StreamResult:
        start = self._final_cursor
        self._final_cursor = end
        if words:
            self._pending_word_end = words[-1].end
        return StreamResult(
            round(start / RATE, 3),
            round((end - start) / RATE, 3),
            tuple(words),
            is_final=True,
            speech_final=speech_final,
            from_finalize=from_finalize,
            committed=len(words),
        )

    # ------------------------------------------------------------------ engine hooks
    # pocketsphinx's; a subclass for another engine (asr.whisper_stream) overrides them.
    def _interim_on(self) -> bool:
        """Whether interim results are being made for the open utterance."""
        return self._interim is not None

    def _interim_due(self, now: int, events: list[StreamEvent]) -> None:
        """An interim result is due at sample ``now`` (while speech goes on)."""
        events.append(self._interim_result(now))

    def _before_final(self, events: list[StreamEvent]) -> None:
        """The open utterance is about to give a final (at an endpoint, a cut or finalize)."""

    def _end_of_feed(self, events: list[StreamEvent]) -> None:
        """Every whole frame of the fed audio has been scanned."""
        if self._interim is not None:
            self._sync(self._scanned)

    def _window_start(self) -> int:
        """The first sample of the open utterance's audio that decoding still needs."""
        return self._utt_start

    def _interim_result(self, now: int) -> StreamResult:
        self._sync(now)
        words = to_words(self._interim.seg() or [], self._utt_start / RATE, now / RATE)
        start = self._final_cursor
        return StreamResult(
            round(start / RATE, 3), round((now - start) / RATE, 3), tuple(words), is_final=False
        )

    def _forced_final(self, now: int) -> StreamResult:
        """Cut a long stretch at its widest pause; what follows the cut is decoded again."""
        words = self._decode(self._utt_start, now)
        cut = self._choose_cut(words, now)
        kept = [w for w in words if w.end * RATE <= cut]
        event = self._final(cut, kept, speech_final=False)
        self._utt_start = cut
        if self._interim is not None:  # restart the interim hypothesis at the cut
            self._interim.end_utt()
            self._interim.start_utt()
            self._fed = cut
            self._sync(now)
        return event

    @staticmethod
    def _choose_cut(words: list[Word], now: int) -> int:
        latest = now / RATE - RECENT
        gaps = [(b.start - a.end, (a.end + b.start) / 2) for a, b in pairwise(words)]
        if words:
            gaps.append((now / RATE - words[-1].end, (words[-1].end + now / RATE) / 2))
        candidates = [(gap, middle) for gap, middle in gaps if middle <= latest]
        if not candidates:
            return now if words else now - round(RECENT * RATE)
        _, middle = max(candidates)  # the widest pause; the later one on ties
        return min(now, round(middle * RATE / FRAME) * FRAME)

    # ------------------------------------------------------------------ decoders
    def _decode(self, start: int, end: int) -> list[Word]:
        """The words of samples [start, end), decoded as one utterance by a borrowed decoder."""
        pool = self._pool if self._pool is not None else stream_pool()
        pcm = self._audio[start - self._audio_start : end - self._audio_start]
        with pool.decoder(self._timeout) as decoder:
            return decode_segment(decoder, pcm, start / RATE)

    def _open(self, start: int) -> None:
        self._active = True
        self._utt_start = start
        if not self.interim_results:
            return
        pool = self._interim_pool if self._interim_pool is not None else interim_pool()
        self._interim = pool.acquire(self._timeout)
        if self._cmn is not None:
            self._interim.set_cmn(self._cmn)
        self._interim.start_utt()
        self._fed = start

    def _close_utterance(self, end: int) -> list[Word]:
        """End the open utterance at sample ``end``: its words, from a whole decode."""
        words = self._decode(self._utt_start, end)
        self._release_interim()
        self._active = False
        return words

    def _release_interim(self) -> None:
        decoder, self._interim = self._interim, None
        if decoder is None:
            return
        pool = self._interim_pool if self._interim_pool is not None else interim_pool()
        try:
            decoder.end_utt()
            self._cmn = decoder.get_cmn()
        except Exception:
            pool.discard(decoder)
        else:
            pool.release(decoder)

    def _sync(self, until: int) -> None:
        """Give the interim decoder the audio it has not seen, up to sample ``until``."""
        if until > self._fed:
            chunk = self._audio[self._fed - self._audio_start : until - self._audio_start]
            self._interim.process_raw(chunk.astype("<i2").tobytes(), full_utt=False)
            self._fed = until

    def _trim(self) -> None:
        """Forget audio that no utterance can need any more."""
        idle_keep = self._scanned - round(PREROLL * RATE) - self._vad.onset * FRAME
        keep = self._window_start() if self._active else idle_keep
        keep = max(min(keep, self._scanned), self._audio_start)
        if keep > self._audio_start:
            self._audio = self._audio[keep - self._audio_start :]
            self._audio_start = keep
