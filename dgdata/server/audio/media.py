"""Decode a whole recording block by block: memory stays bounded whatever its length.

:class:`Media` names a recording: bytes in memory (a small upload) or a file on disk (a spooled
one); it is small and picklable, so a recognition worker process can open the file itself.
:class:`MediaDecoder` reads its header (the format and the channel count are known at once, and
media that is not audio is refused before its samples are read) and then yields the audio as
16 kHz int16 blocks of at most :data:`BLOCK_BYTES` of input each. The blocks put together are
exactly :func:`decode_audio`'s samples (which is built on this).

Example::

    with MediaDecoder(Media(path="/tmp/upload"), encoding=None) as decoder:
        for frames in decoder:            # (n, decoder.channels) int16 at 16 kHz
            ...
        decoder.duration                  # seconds of input audio
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from dgdata.server.audio.decode import (
    TARGET_RATE,
    DecodedAudio,
    UnsupportedAudio,
    check_format,
    check_raw_parameters,
    looks_containerised,
    to_int16,
)
from dgdata.server.audio.resample import Resampler
from dgdata.server.audio.wav import (
    RAW_ENCODINGS,
    WavError,
    decode_samples,
    is_wav,
    read_wav_header,
)

__all__ = ["BLOCK_BYTES", "Media", "MediaDecoder", "decode_audio"]

#: Bytes of encoded input decoded at a time (about 16 s of 16 kHz linear16).
BLOCK_BYTES = 1 << 19
_SNIFF_BYTES = 16


@dataclass(frozen=True)
class Media:
    """A recording: ``data`` in memory, or the file at ``path`` (exactly one of the two), and
    its SHA-256 when already known (an upload is hashed as it arrives)."""

    data: bytes | None = None
    path: str | None = None
    digest: str | None = None

    def open(self) -> BinaryIO:
        """The recording as a readable, seekable binary file."""
        if self.path is not None:
            return open(self.path, "rb")
        return io.BytesIO(self.data or b"")

    def sha256(self) -> str:
        """The SHA-256 of the recording's bytes (``digest``, or read in blocks)."""
        if self.digest is not None:
            return self.digest
        digest = hashlib.sha256()
        with self.open() as file:
            while block := file.read(1 << 20):
                digest.update(block)
        return digest.hexdigest()


class MediaDecoder:
    """A recording's audio as 16 kHz int16 blocks, shape (n, channels), decoded as they are read.

    Raw ``encoding`` (``linear16``, ``linear32``, ``mulaw``, ``alaw``, with ``sample_rate``)
    unless the media starts with a container's header; then a WAV is read with dgdata's own
    parser and anything else with libsndfile (FLAC, OGG, MP3...). The constructor reads only
    the header and raises :class:`UnsupportedAudio` for media it cannot decode; iterating may
    raise it too (no samples at all, or a container broken midway). With ``lane`` the blocks
    are that one channel, shape (n, 1): only it is resampled (``channels`` stays the media's).
    """

    def __init__(
        self,
        media: Media,
        *,
        encoding: str | None = None,
        sample_rate: int | None = None,
        channels: int | None = None,
        lane: int | None = None,
    ) -> None:
        self._file = media.open()
        self._lane = lane
        self._sound: Any = None  # a soundfile.SoundFile for containers libsndfile reads
        self._codec = ""
        self._frame_size = 0
        self._end: int | None = None  # where the samples end in the file (None: at its end)
        self.frames_in = 0
        try:
            self._open(self._file.read(_SNIFF_BYTES), encoding, sample_rate, channels)
        except BaseException:
            self.close()
            raise
        width = self.channels if lane is None else 1
        self._resampler = Resampler(self.sample_rate_in, TARGET_RATE, width)

    def _open(
        self, head: bytes, encoding: str | None, sample_rate: int | None, channels: int | None
    ) -> None:
        if not head:
            raise UnsupportedAudio("empty body")
        if encoding is not None and not looks_containerised(head):
            check_raw_parameters(encoding, sample_rate, channels)
            assert sample_rate is not None
            self._codec, width = RAW_ENCODINGS[encoding]
            self._set_format(sample_rate, channels or 1, width)
            self._file.seek(0)
        elif is_wav(head):
            try:
                header = read_wav_header(self._file)
            except WavError as error:
                raise UnsupportedAudio(str(error)) from error
            self._codec = header.codec
            self._set_format(header.sample_rate, header.channels, header.sample_width)
            if header.data_size is not None:
                self._end = header.data_offset + header.data_size
        else:
            self._open_with_libsndfile()

    def _set_format(self, rate: int, channels: int, width: int) -> None:
        check_format(rate, channels)
        self.sample_rate_in, self.channels = int(rate), int(channels)
        self._frame_size = width * channels

    def _open_with_libsndfile(self) -> None:
        try:
            import soundfile
        except ImportError as error:  # pragma: no cover - soundfile is in the server extra
            raise UnsupportedAudio("soundfile is not installed") from error
        self._file.seek(0)
        try:
            self._sound = soundfile.SoundFile(self._file)
        except Exception as error:  # libsndfile raises several types; all mean "cannot decode"
            raise UnsupportedAudio(f"libsndfile: {error}") from error
        self._set_format(self._sound.samplerate, self._sound.channels, 0)

    @property
    def duration(self) -> float:
        """Seconds of input audio decoded so far (all of it, once iterated to the end)."""
        return self.frames_in / self.sample_rate_in

    def _input_blocks(self) -> Iterator[np.ndarray]:
        """The input as float64 frames (n, channels) on the int16 scale, block by block."""
        if self._sound is not None:
            yield from self._libsndfile_blocks()
            return
        step = max(BLOCK_BYTES // self._frame_size, 1) * self._frame_size
        position = self._file.tell()
        while True:
            want = step if self._end is None else min(step, self._end - position)
            data = self._file.read(want) if want > 0 else b""
            usable = len(data) // self._frame_size * self._frame_size
            if usable == 0:
                return
            position += len(data)
            yield decode_samples(data[:usable], self._codec).reshape(-1, self.channels)
            if usable < len(data):  # a partial frame: the end of the file
                return

    def _libsndfile_blocks(self) -> Iterator[np.ndarray]:
        frames = max(BLOCK_BYTES // (8 * self.channels), 1)
        try:
            while True:
                block = self._sound.read(frames, dtype="float64", always_2d=True)
                if len(block) == 0:
                    return
                yield block * 32768.0
        except Exception as error:  # broken midway: the same 400 as broken at the start
            raise UnsupportedAudio(f"libsndfile: {error}") from error

    def __iter__(self) -> Iterator[np.ndarray]:
        """The audio at 16 kHz, block by block; ``UnsupportedAudio`` if there was none."""
        for frames in self._input_blocks():
            self.frames_in += len(frames)
            if self._lane is not None:
                frames = frames[:, self._lane : self._lane + 1]
            frames = np.nan_to_num(frames, nan=0.0, posinf=32767.0, neginf=-32768.0)
            yield to_int16(self._resampler.process(frames))
        if self.frames_in == 0:
            raise UnsupportedAudio("no samples")
        yield to_int16(self._resampler.flush())

    def close(self) -> None:
        """Close the media's file."""
        if self._sound is not None:
            self._sound.close()
        self._file.close()

    def __enter__(self) -> MediaDecoder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def decode_audio(
    data: bytes,
    *,
    encoding: str | None = None,
    sample_rate: int | None = None,
    channels: int | None = None,
) -> DecodedAudio:
    """Decode a request body to 16 kHz int16 frames.

    With ``encoding`` (``linear16``, ``linear32``, ``mulaw``, ``alaw``) the body is raw
    interleaved samples at ``sample_rate`` with ``channels`` channels (default 1), unless it
    starts with a container header, which then wins (a WAV sent with ``encoding=linear16`` is
    not decoded as noise). Without ``encoding`` the body must be a container file.

    Raises ``UnsupportedAudio`` for empty, corrupt or unsupported data. The whole recording is
    held in memory: the server decodes block by block instead
    (:class:`MediaDecoder`, which this is built on).
    """
    media = Media(data=bytes(data))
    with MediaDecoder(media, encoding=encoding, sample_rate=sample_rate, channels=channels) as dec:
        blocks = list(dec)
        return DecodedAudio(np.concatenate(blocks), dec.sample_rate_in, dec.channels, dec.duration)
