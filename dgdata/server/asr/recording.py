"""Recognise one lane of a recording straight from its media, block by block.

A lane is one channel of the recording (``multichannel``) or the mixdown of all of them. The
media is decoded (:class:`~dgdata.server.audio.media.MediaDecoder`), mixed down or split, and
recognised (:func:`~dgdata.server.asr.engine.recognize_stream`) a block at a time, so memory
stays bounded whatever the length: a worker process is handed only the :class:`Media` (a path
for a spooled upload) and reads the file itself. The words are those of decoding the whole
recording and recognising it in one go.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

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
    media: Media, decoding: Decoding, lane: int | None, timeout: float | None = None
) -> LaneResult:
    """The words of channel ``lane`` of ``media`` (``None``: of the mixdown), and its facts.

    Blocks while it decodes; ``timeout`` bounds the wait for a decoder (``PoolExhausted``).
    Raises ``UnsupportedAudio`` for media that cannot be decoded.
    """
    with decoding.open(media, lane) as decoder:
        words = asr.recognize_stream(_lane(decoder, lane), timeout=timeout)
        return LaneResult(words, decoder.duration, decoder.channels)
