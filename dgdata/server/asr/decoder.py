"""pocketsphinx decoders: tuned settings, a bounded thread-safe pool, and segment -> ``Word``.

A decoder costs about 0.4 s and 95 MB to create and is not thread-safe, so decoders live in a
``DecoderPool`` that creates them on demand up to its size and hands each to one user at a
time. ``acquire`` waits up to a timeout for a free one and raises ``PoolExhausted`` after it.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from dgdata.server.asr.vad import normalize_gain

logger = logging.getLogger(__name__)

RATE = 16000
FRAMES_PER_SECOND = 100

#: Settings passed to ``pocketsphinx.Decoder`` on top of its defaults. Measured with
#: ``tests/benchmarks/bench_asr.py`` (flite rms voice, 20 + 10 sentences): ``topn`` 8 (Gaussians
#: scored per frame, default 4) cuts the WER on speech with white noise at 20 dB SNR from 34% to
#: 27% and leaves clean (2%), quiet and muted speech alone; telephone speech moves within noise
#: (4.0% -> 4.5%); the CPU cost stays under 0.2 of real time. ``lw``, ``beam``/``wbeam``/
#: ``pbeam``, ``bestpath=False``, ``fwdflat=False``, ``silprob``, ``wip``, ``fillprob``,
#: ``pl_window``, ``remove_noise``, ``cmn`` priors and dither were tried: none helped (dither and
#: ``fwdflat=False`` hurt). Gain normalisation (``normalize_gain``) is what fixes quiet speech
#: next to digital silence (8% -> 2%).
DECODER_OPTIONS: dict[str, Any] = {"topn": 8}

#: Settings of the decoders that make live interim results: first pass only, narrower beams
#: (about half the CPU of ``DECODER_OPTIONS``; finals are decoded again with those).
INTERIM_OPTIONS: dict[str, Any] = {
    "fwdflat": False,
    "bestpath": False,
    "beam": 1e-40,
    "wbeam": 1e-24,
    "maxhmmpf": 10000,
}

_ALTERNATE = re.compile(r"\(\d+\)$")
#: Dictionary entries written as abbreviations, in Deepgram's spoken form ("mister dashwood"):
#: by pronunciation, so ``dr`` is "drive" and its second pronunciation ``dr(2)`` "doctor".
SPOKEN_ABBREVIATIONS = {
    "mr": "mister", "mr.": "mister", "mrs": "missus", "mrs.": "missus", "dr": "drive",
    "dr(2)": "doctor", "dr.": "drive", "dr.(2)": "doctor", "st": "street", "st(2)": "saint",
    "jr": "junior", "jr.": "junior",
}  # fmt: skip


@dataclass(frozen=True)
class Word:
    """A recognised word: lowercase text, start and end in seconds, confidence in [0, 1].

    An engine that writes (Whisper) also says how: ``capital`` (it wrote the word with a capital
    letter, e.g. a name or a sentence start) and ``mark`` (the punctuation it wrote after the
    word: ``"."``, ``","``, ``"?"``, ``"!"``, ... or ``""``). pocketsphinx leaves both empty and
    :mod:`dgdata.server.listen.formatting` punctuates by pauses instead.
    """

    word: str
    start: float
    end: float
    confidence: float
    capital: bool = False
    mark: str = ""


class PoolExhausted(RuntimeError):
    """No decoder became free within the timeout (the server is at capacity)."""


def make_decoder(options: dict[str, Any] | None = None) -> Any:
    """A new 16 kHz pocketsphinx decoder with the bundled US English model, logging off."""
    from pocketsphinx import Decoder

    settings = dict(DECODER_OPTIONS if options is None else options)
    return Decoder(samprate=RATE, loglevel="FATAL", **settings)


@dataclass(frozen=True)
class PoolStats:
    """A snapshot of a pool: capacity, decoders made, idle, lent, waits and timeouts."""

    size: int
    created: int
    idle: int
    in_use: int
    waits: int
    timeouts: int


class DecoderPool:
    """At most ``size`` decoders (default ``os.cpu_count()``), created lazily, lent one at a time.

    Example::

        pool = DecoderPool(2)
        with pool.decoder(timeout=5) as decoder:
            decoder.start_utt()
            ...
    """

    def __init__(
        self,
        size: int | None = None,
        *,
        options: dict[str, Any] | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.size = max(1, size if size is not None else (os.cpu_count() or 1))
        self.timeout = timeout
        self._options = options
        self._idle: list[Any] = []
        self._created = 0
        self._in_use = 0
        self._waits = 0
        self._timeouts = 0
        self._condition = threading.Condition()

    def acquire(self, timeout: float | None = None) -> Any:
        """A decoder for the caller's exclusive use; ``PoolExhausted`` after ``timeout`` seconds.

        Its feature extraction is reset (cepstral mean back to the model's prior), so what it
        decoded before does not change what it decodes now.
        """
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        with self._condition:
            waited = False
            while not self._idle and self._created >= self.size:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._timeouts += 1
                    raise PoolExhausted(f"no free decoder within {limit:g} s")
                if not waited:
                    self._waits += 1
                    waited = True
                self._condition.wait(remaining)
            self._in_use += 1
            if self._idle:
                decoder = self._idle.pop()
                decoder.reinit_feat()
                return decoder
            self._created += 1  # reserve the slot, create outside the lock
        try:
            return make_decoder(self._options)
        except BaseException:
            with self._condition:
                self._created -= 1
                self._in_use -= 1
                self._condition.notify()
            raise

    def release(self, decoder: Any) -> None:
        """Give a decoder back (it must not be used afterwards)."""
        with self._condition:
            self._in_use -= 1
            self._idle.append(decoder)
            self._condition.notify()

    def discard(self, decoder: Any) -> None:
        """Drop a decoder that may be in a bad state (an exception mid-utterance)."""
        with self._condition:
            self._in_use -= 1
            self._created -= 1
            self._condition.notify()

    @contextmanager
    def decoder(self, timeout: float | None = None) -> Iterator[Any]:
        """Borrow a decoder for a ``with`` block; a failing block discards it."""
        decoder = self.acquire(timeout)
        try:
            yield decoder
        except BaseException:
            self.discard(decoder)
            raise
        self.release(decoder)

    def stats(self) -> PoolStats:
        """Counters for tests and monitoring."""
        with self._condition:
            return PoolStats(
                self.size,
                self._created,
                len(self._idle),
                self._in_use,
                self._waits,
                self._timeouts,
            )


_pools: dict[str, DecoderPool] = {}
_pools_lock = threading.Lock()


def shared_pool(
    name: str = "default", size: int | None = None, options: dict[str, Any] | None = None
) -> DecoderPool:
    """The process-wide pool called ``name``, created on first use with ``size`` and ``options``."""
    with _pools_lock:
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = DecoderPool(size, options=options)
        return pool


def default_pool() -> DecoderPool:
    """The process-wide pool for whole recordings (``os.cpu_count()`` decoders)."""
    return shared_pool("default", os.cpu_count() or 1)


def stream_pool() -> DecoderPool:
    """The process-wide pool for the finals of live streams (``2 * os.cpu_count()`` decoders).

    A stream borrows one only for the moment it decodes a final.
    """
    return shared_pool("stream", 2 * (os.cpu_count() or 1))


def interim_pool() -> DecoderPool:
    """The process-wide pool of interim-result decoders (``INTERIM_OPTIONS``, ``2 * cpus``).

    A stream with ``interim_results`` holds one while its speaker talks.
    """
    return shared_pool("interim", 2 * (os.cpu_count() or 1), INTERIM_OPTIONS)


def pool_stats() -> dict[str, PoolStats]:
    """Snapshots of the process-wide pools, by name (``default``, ``stream``, ``interim``)."""
    return {"default": default_pool().stats(), "stream": stream_pool().stats(),
            "interim": interim_pool().stats()}  # fmt: skip


def decode_segment(decoder: Any, pcm: np.ndarray, offset: float) -> list[Word]:
    """Decode one piece of 16 kHz audio as a single utterance; word times shifted by ``offset``.

    The piece's level is normalised first (``normalize_gain``: quiet speech next to digital
    silence loses accuracy) and it is processed as a whole (``full_utt``: cepstral mean of the
    piece itself, far more accurate than the running mean of incremental decoding).
    """
    samples = normalize_gain(np.ascontiguousarray(pcm, dtype=np.int16))
    decoder.start_utt()
    decoder.process_raw(samples.astype("<i2").tobytes(), full_utt=True)
    decoder.end_utt()
    return to_words(decoder.seg() or [], offset, offset + len(samples) / RATE)


def to_words(segments: Iterable[Any], offset: float, limit: float | None = None) -> list[Word]:
    """``Word``s from pocketsphinx segments: fillers dropped, ``(2)`` suffixes stripped.

    Times are ``offset`` plus 10 ms frames (a segment ends after its last frame), clipped to
    ``limit`` seconds when given; confidences are the segment posteriors clipped to [0, 1].
    """
    words: list[Word] = []
    for segment in segments:
        text = segment.word
        if not text or text[0] in "<[+":  # <s>, </s>, <sil>, [NOISE], ++GARBAGE++
            continue
        start = offset + segment.start_frame / FRAMES_PER_SECOND
        end = offset + (segment.end_frame + 1) / FRAMES_PER_SECOND
        if limit is not None:
            start, end = min(start, limit), min(end, limit)
        confidence = min(max(float(segment.prob), 0.0), 1.0)
        spoken = SPOKEN_ABBREVIATIONS.get(text.lower()) or _ALTERNATE.sub("", text).lower()
        words.append(
            Word(
                spoken,
                round(start, 3),
                round(end, 3),
                round(confidence, 4),
            )
        )
    return words
