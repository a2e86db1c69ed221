"""Recognise one lane of a recording straight from its media, block by block.

A lane is one channel of the recording (``multichannel``) or the mixdown of all of them. The
media is decoded (:class:`~dgdata.server.audio.media.MediaDecoder`), mixed down or split, and
recognised (:func:`~dgdata.server.asr.engine.recognize_blocks`) a block at a time, so memory
stays bounded whatever the length: a worker process is handed only the :class:`Media` (a path
for a spooled upload) and reads the file itself. The words are those of decoding the whole
recording and recognising it in one go.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from dgdata.server.asr import choice
from dgdata.server.asr import engine as asr
from dgdata.server.audio.decode import to_int16
from dgdata.server.audio.media import Media, MediaDecoder

__all__ = ["Decoding", "LaneResult", "mix_down", "recognize_lane"]


@dataclass(frozen=True)
class Decoding:
    """How to read the media: the request's ``encoding``, ``sample_rate`` and ``channels``."""

    encoding: str | None = None
    sample_rate: int | None = None
    channels: int | None = None

    def open(self, media: Media, lane: int | None = None) -> MediaDecoder:
        """A decoder of ``media`` (its header read; ``UnsupportedAudio`` if it is not audio),
        of channel ``lane`` only if one is given."""
        return MediaDecoder(
            media,
            encoding=self.encoding,
            sample_rate=self.sample_rate,
            channels=self.channels,
            lane=lane,
        )


@dataclass(frozen=True)
class LaneResult:
    """The words of a lane, and what the response says of the whole recording."""

    words: list[asr.Word]
    duration: float
    channels: int
    #: The language the engine heard (BCP-47, e.g. ``"en"``) and how sure it is, in [0, 1];
    #: None where the engine does not tell (pocketsphinx).
    language: str | None = None
    language_confidence: float | None = None


def mix_down(frames: np.ndarray) -> np.ndarray:
    """16 kHz int16 frames (n, channels) as one channel: the mean of them all, rounded."""
    if frames.shape[1] == 1:
        return np.ascontiguousarray(frames[:, 0])
    return to_int16(frames.astype(np.float64).mean(axis=1))


def _lane(decoder: MediaDecoder, lane: int | None) -> Iterator[np.ndarray]:
    for frames in decoder:
        # a lane's decoder decodes and resamples that channel only: (n, 1)
        yield mix_down(frames) if lane is None else np.ascontiguousarray(frames[:, 0])


def recognize_lane(
    media: Media,
    decoding: Decoding,
    lane: int | None,
    language: str | None = "en",
    timeout: float | None = None,
) -> LaneResult:
    """The words of channel ``lane`` of ``media`` (``None``: of the mixdown), and its facts.

    ``language`` is the one the request asks for (BCP-47; None: ``detect_language``): Whisper
    weights that know it decode it, multilingual ones detect the language otherwise, and the
    result says which they heard (pocketsphinx: English, and the result says nothing). It is
    positional so that :meth:`~.processes.ProcessRecognizer.run` can pass it to a worker:
    ``recognizer.run(recognize_lane, media, decoding, lane, language, timeout=...)``.
    Blocks while it decodes; ``timeout`` bounds the wait for a decoder (``PoolExhausted``).
    Raises ``UnsupportedAudio`` for media that cannot be decoded.
    """
    piece_decoder = choice.language_decoder(language)
    max_piece = choice.WHISPER_PIECE if piece_decoder is not None else None
    with decoding.open(media, lane) as decoder:
        found = asr.recognize_blocks(
            _lane(decoder, lane), timeout=timeout, piece_decoder=piece_decoder, max_piece=max_piece
        )
        return LaneResult(
            found.words,
            decoder.duration,
            decoder.channels,
            language=found.language,
            language_confidence=found.language_confidence,
        )
