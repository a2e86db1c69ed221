"""Offline speech recognition with pocketsphinx (US English), for one channel of 16 kHz audio.

- ``recognize(pcm)``: the words of a whole recording. Recordings longer than ``MAX_SEGMENT``
  seconds are cut in pauses and decoded piece by piece; pieces without sound are skipped.
  ``recognize_stream(blocks)`` does the same for audio read block by block (a long upload),
  holding only about one piece at a time.
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

from collections.abc import Iterable
from contextlib import ExitStack
from itertools import chain

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
from dgdata.server.asr.vad import Segmenter, is_silent

__all__ = [
    "DECODER_OPTIONS",
    "INTERIM_OPTIONS",
    "MAX_SEGMENT",
    "RATE",
    "DecoderPool",
    "PoolExhausted",
    "PoolStats",
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
    "recognize_stream",
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


def recognize_stream(
    blocks: Iterable[np.ndarray], *, pool: DecoderPool | None = None, timeout: float | None = None
) -> list[Word]:
    """:func:`recognize` for audio that arrives block by block (1-D int16 at 16 kHz).

    The same words as ``recognize`` of the blocks put together, holding at most about
    ``MAX_SEGMENT`` seconds of audio besides the block being read. A decoder is borrowed at the
    first piece with sound and kept to the end (silence borrows none).
    """
    segmenter = Segmenter(max_seconds=MAX_SEGMENT)
    words: list[Word] = []
    with ExitStack() as stack:
        decoder = None
        for block in chain(blocks, [None]):  # None: the end
            pieces = segmenter.finish() if block is None else segmenter.feed(block)
            for start, piece in pieces:
                if len(piece) < _MIN_SAMPLES or is_silent(piece):
                    continue
                if decoder is None:
                    decoder = stack.enter_context((pool or default_pool()).decoder(timeout))
                words.extend(decode_segment(decoder, piece, start / RATE))
    return words
