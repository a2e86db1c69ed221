"""Offline speech recognition with pocketsphinx (US English), for one channel of 16 kHz audio.

- ``recognize(pcm)``: the words of a whole recording. Recordings longer than ``MAX_SEGMENT``
  seconds are cut in pauses and decoded piece by piece; pieces without sound are skipped.
  ``recognize_stream(blocks)`` does the same for audio read block by block (a long upload),
  holding only about one piece at a time; ``recognize_blocks`` too, with another engine's
  piece decoder (Whisper's: :mod:`.choice`) and the language it heard. Word edges next to
  pauses are moved onto them (``snap_words``): engines place them up to 0.5 s off.
- ``StreamingRecognizer``: the same for a live stream fed chunk by chunk, with interim and final
  results, endpointing (``speech_final``), ``SpeechStarted`` and ``UtteranceEnd`` events.
- ``DecoderPool`` / ``pool_stats()``: decoders are costly (0.4 s, 95 MB) and single-threaded;
  every caller borrows one from a bounded pool: ``default_pool()`` (``os.cpu_count()``
  decoders) for recordings, ``stream_pool()`` (twice that) for live finals, borrowed only while
  a final is decoded, ``interim_pool()`` (twice that, cheaper settings) for live interim
  results, held only while someone speaks.

pocketsphinx holds the GIL for the whole of each ``process_raw`` call: threads do not decode in
parallel, and a recording's piece (up to ``MAX_SEGMENT`` seconds of audio, about a fifth of
that in CPU time) blocks every other Python thread while it is decoded. A server that must stay
responsive should run ``recognize`` in worker processes (it takes and returns plain picklable
values); each process then has its own pools.

Recognition is deterministic: the same samples give the same words whatever the pool's
decoders did before. Example::

    from dgdata.server.audio import decode_audio
    audio = decode_audio(open("call.wav", "rb").read())
    words = recognize(audio.channel(0))
    " ".join(w.word for w in words)
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import chain
from typing import Protocol

import numpy as np

from dgdata.server.asr.decoder import (
    DECODER_OPTIONS,
    INTERIM_OPTIONS,
    DecoderPool,
    PoolExhausted,
    PoolStats,
    Word,
    decode_segment,
    default_pool,
    interim_pool,
    pool_stats,
    stream_pool,
)
from dgdata.server.asr.streaming import (
    SpeechStarted,
    StreamEvent,
    StreamingRecognizer,
    StreamResult,
    UtteranceEnd,
)
from dgdata.server.asr.vad import Segmenter, is_silent, snap_spans

__all__ = [
    "DECODER_OPTIONS",
    "INTERIM_OPTIONS",
    "MAX_SEGMENT",
    "RATE",
    "DecodedPiece",
    "DecoderPool",
    "PieceDecoder",
    "PoolExhausted",
    "PoolStats",
    "Recognition",
    "SpeechStarted",
    "StreamEvent",
    "StreamResult",
    "StreamingRecognizer",
    "UtteranceEnd",
    "Word",
    "decode_segment",
    "default_pool",
    "interim_pool",
    "pool_stats",
    "recognize",
    "recognize_blocks",
    "recognize_stream",
    "snap_words",
    "stream_pool",
]

RATE = 16000
MAX_SEGMENT = 20.0  # seconds decoded in one pocketsphinx utterance
_MIN_SAMPLES = RATE // 10  # less than 100 ms holds no word


def recognize(
    pcm16k: np.ndarray, *, pool: DecoderPool | None = None, timeout: float | None = None
) -> list[Word]:
    """The words of one channel of 16 kHz int16 audio, in order, with absolute times.

    Blocks while it decodes (about a seventh of the audio's duration on one core) and while it
    waits for a free decoder (``timeout`` seconds at most, then ``PoolExhausted``).
    """
    pcm = np.asarray(pcm16k).reshape(-1)
    if pcm.dtype != np.int16:
        pcm = np.clip(np.rint(pcm), -32768, 32767).astype(np.int16)
    return recognize_stream([pcm], pool=pool, timeout=timeout)


class DecodedPiece(Protocol):
    """What a piece decoder may return instead of bare words: them and the language heard."""

    @property
    def words(self) -> list[Word]: ...

    @property
    def language(self) -> str | None: ...

    @property
    def language_probability(self) -> float | None: ...


#: Decodes one piece (16 kHz int16, its offset in seconds): words with absolute times.
PieceDecoder = Callable[[np.ndarray, float], "list[Word] | DecodedPiece"]


@dataclass(frozen=True)
class Recognition:
    """The words of a recording and, where the engine tells (Whisper), the language it heard
    most (by seconds of audio) with its mean probability over those pieces, in [0, 1]."""

    words: list[Word]
    language: str | None = None
    language_confidence: float | None = None


class _Languages:
    """The languages of the pieces, weighted by their length."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.weighted: dict[str, float] = defaultdict(float)

    def add(self, language: str | None, probability: float | None, seconds: float) -> None:
        if language is not None:
            self.seconds[language] += seconds
            self.weighted[language] += seconds * (1.0 if probability is None else probability)

    def result(self, words: list[Word]) -> Recognition:
        if not self.seconds:
            return Recognition(words)
        language = max(self.seconds, key=self.seconds.__getitem__)
        confidence = self.weighted[language] / max(self.seconds[language], 1e-9)
        return Recognition(words, language, round(min(max(confidence, 0.0), 1.0), 4))


def snap_words(words: list[Word], piece: np.ndarray, offset: float) -> list[Word]:
    """``words`` (absolute times) of ``piece`` (16 kHz, starting ``offset`` s into the
    recording) with their edges next to pauses moved onto them (:func:`~.vad.snap_spans`)."""
    spans = snap_spans(piece, [(w.start - offset, w.end - offset) for w in words])
    return [
        dataclasses.replace(word, start=round(offset + start, 3), end=round(offset + end, 3))
        for word, (start, end) in zip(words, spans, strict=True)
    ]


def recognize_stream(
    blocks: Iterable[np.ndarray], *, pool: DecoderPool | None = None, timeout: float | None = None
) -> list[Word]:
    """:func:`recognize` for audio that arrives block by block (1-D int16 at 16 kHz): the same
    words as ``recognize`` of the blocks put together, by pocketsphinx. Other engines, and the
    language heard: :func:`recognize_blocks`."""
    return recognize_blocks(blocks, pool=pool, timeout=timeout).words


def recognize_blocks(
    blocks: Iterable[np.ndarray],
    *,
    pool: DecoderPool | None = None,
    timeout: float | None = None,
    piece_decoder: PieceDecoder | None = None,
    max_piece: float | None = None,
) -> Recognition:
    """The words of audio that arrives block by block (1-D int16 at 16 kHz), and its language
    where the engine tells.

    Holds at most about ``MAX_SEGMENT`` seconds of audio besides the block being read. A
    pocketsphinx decoder is borrowed at the first piece with sound and kept to the end (silence
    borrows none). With ``piece_decoder`` (``piece_decoder(piece, offset seconds)``, e.g.
    Whisper's) each piece of at most ``max_piece`` seconds is decoded by it instead.
    """
    segmenter = Segmenter(max_seconds=MAX_SEGMENT if max_piece is None else max_piece)
    words: list[Word] = []
    languages = _Languages()
    with ExitStack() as stack:
        decoder = None
        for block in chain(blocks, [None]):  # None: the end
            pieces = segmenter.finish() if block is None else segmenter.feed(block)
            for start, piece in pieces:
                if len(piece) < _MIN_SAMPLES or is_silent(piece):
                    continue
                offset = start / RATE
                if piece_decoder is not None:  # another engine (Whisper): no pocketsphinx pool
                    decoded = piece_decoder(piece, offset)
                    if not isinstance(decoded, list):
                        seconds = len(piece) / RATE
                        languages.add(decoded.language, decoded.language_probability, seconds)
                        decoded = decoded.words
                    words.extend(snap_words(decoded, piece, offset))
                    continue
                if decoder is None:
                    decoder = stack.enter_context((pool or default_pool()).decoder(timeout))
                words.extend(snap_words(decode_segment(decoder, piece, offset), piece, offset))
    return languages.result(words)
