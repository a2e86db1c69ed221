"""Decode request audio to 16 kHz int16 frames, one column per channel.

Two entry points:

- ``decode_audio(data, encoding=..., sample_rate=..., channels=...)`` (in :mod:`.media`) for a
  whole request body
  (``POST /v1/listen``): WAV of any rate, depth and channel count; raw ``linear16``,
  ``linear32``, ``mulaw`` or ``alaw`` when ``encoding`` and ``sample_rate`` are given; anything
  else libsndfile reads (FLAC, OGG/Vorbis, MP3, AIFF, ...).
- ``StreamDecoder(encoding, sample_rate, channels)`` for live audio, fed chunk by chunk
  (``/v1/listen`` WebSocket): raw encodings, or a streamed WAV whose header arrives first.

Audio that cannot be decoded raises ``UnsupportedAudio``, whose message is the real API's 400
message. Example::

    audio = decode_audio(body)                 # a WAV, FLAC, ... file
    audio.samples.shape                        # (frames at 16 kHz, channels), int16
    mono = audio.channel(0)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from dgdata.server.audio.resample import Resampler
from dgdata.server.audio.wav import (
    RAW_ENCODINGS,
    WavError,
    decode_samples,
    header_incomplete,
    is_wav,
    parse_wav_header,
)

logger = logging.getLogger(__name__)

TARGET_RATE = 16000
ERR_CODE = "Bad Request"
ERR_MSG = "Bad Request: failed to process audio: corrupt or unsupported data"
_MAX_CHANNELS = 64
#: Sample rates the server decodes (a header may say anything; see :func:`check_format`).
MIN_SAMPLE_RATE = 1000
MAX_SAMPLE_RATE = 384000  # as the sample_rate query option (listen/options.py)

__all__ = [
    "ERR_CODE",
    "ERR_MSG",
    "MAX_SAMPLE_RATE",
    "MIN_SAMPLE_RATE",
    "TARGET_RATE",
    "DecodedAudio",
    "StreamDecoder",
    "UnsupportedAudio",
    "check_format",
    "check_raw_parameters",
    "looks_containerised",
]


class UnsupportedAudio(ValueError):
    """The audio is empty, corrupt or in a format we cannot decode (the API's HTTP 400).

    ``str(error)`` is the API's ``err_msg``; ``err_code`` and ``status`` complete the error body;
    ``detail`` says what was wrong, for logs (never sent to clients: the API does not either).
    """

    status = 400
    err_code = ERR_CODE
    err_msg = ERR_MSG

    def __init__(self, detail: str = "") -> None:
        super().__init__(ERR_MSG)
        self.detail = detail


@dataclass(frozen=True)
class DecodedAudio:
    """Decoded audio: int16 samples at 16 kHz, shape (frames, channels), and facts about the input.

    ``duration`` is the length of the original audio in seconds (before resampling), as the API
    reports it in ``metadata.duration``.
    """

    samples: np.ndarray
    sample_rate_in: int
    channels: int
    duration: float

    def channel(self, index: int) -> np.ndarray:
        """One channel's 16 kHz samples as a contiguous 1-D int16 array."""
        return np.ascontiguousarray(self.samples[:, index])

    @property
    def frames(self) -> int:
        """Number of 16 kHz frames."""
        return int(self.samples.shape[0])


def to_int16(frames: np.ndarray) -> np.ndarray:
    """Round and clip float frames (int16 scale) to int16."""
    return np.clip(np.rint(frames), -32768, 32767).astype(np.int16)


def check_format(rate: int, channels: int) -> None:
    """``UnsupportedAudio`` unless ``rate`` and ``channels`` are ones the server decodes.

    A header may say anything (1 Hz, 4 GHz, 65,535 channels): outside these bounds resampling
    would divide by zero or need gigabytes, so such media is refused as corrupt.
    """
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise UnsupportedAudio(f"sample rate {rate} Hz")
    if not 1 <= channels <= _MAX_CHANNELS:
        raise UnsupportedAudio(f"{channels} channels")


def check_raw_parameters(encoding: str, sample_rate: int | None, channels: int | None) -> None:
    """``UnsupportedAudio`` unless raw audio of this encoding, rate and channels can be read."""
    if encoding not in RAW_ENCODINGS:
        raise UnsupportedAudio(f"unsupported encoding {encoding!r}")
    if not sample_rate or sample_rate < 1:
        raise UnsupportedAudio(f"encoding {encoding} needs a sample_rate")
    check_format(sample_rate, 1 if channels is None else channels)


def looks_containerised(data: bytes) -> bool:
    """True for bytes that start with the magic of a container format we read."""
    return is_wav(data) or data[:4] in (b"fLaC", b"OggS", b"FORM") or data[:3] == b"ID3"


class StreamDecoder:
    """Incremental decoder for live audio: bytes in, 16 kHz int16 frames (n, channels) out.

    Raw encodings need ``sample_rate``; a chunk may end in the middle of a sample or frame (the
    rest is kept for the next chunk), and the resampler keeps its state across chunks, so the
    output is the same however the stream is cut. With ``encoding=None`` the stream must be a
    WAV file (header first); other containers raise ``UnsupportedAudio``. ``channels`` is
    ``None`` until a WAV header has been read.

    Example::

        decoder = StreamDecoder("mulaw", 8000, 1)
        for chunk in chunks:
            frames = decoder.feed(chunk)       # (n, 1) int16 at 16 kHz
        frames = decoder.flush()               # the resampler's tail, at the end of the stream
    """

    def __init__(
        self, encoding: str | None, sample_rate: int | None, channels: int | None = 1
    ) -> None:
        self.encoding = encoding
        self.sample_rate_in: int | None = None
        self.channels: int | None = None
        self.frames_in = 0
        self._codec = ""
        self._frame_size = 0
        self._pending = b""
        self._header_done = False
        self._resampler: Resampler | None = None
        if encoding is not None:
            check_raw_parameters(encoding, sample_rate, channels)
            assert sample_rate is not None
            self._configure(
                RAW_ENCODINGS[encoding][0], RAW_ENCODINGS[encoding][1], channels or 1, sample_rate
            )

    def _configure(self, codec: str, width: int, channels: int, rate: int) -> None:
        check_format(rate, channels)
        self._codec = codec
        self._frame_size = width * channels
        self.channels = channels
        self.sample_rate_in = rate
        self._resampler = Resampler(rate, TARGET_RATE, channels)

    @property
    def duration(self) -> float:
        """Seconds of input audio decoded so far."""
        return self.frames_in / self.sample_rate_in if self.sample_rate_in else 0.0

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.channels or 1), dtype=np.int16)

    def _read_header(self) -> bool:
        """Consume a WAV header from the pending bytes; False while more bytes are needed."""
        data = self._pending
        maybe_wav = data[:4] == b"RIFF"[: len(data[:4])]
        if not maybe_wav or (len(data) >= 12 and not is_wav(data)):
            if self.encoding is None:
                raise UnsupportedAudio("live audio without encoding must be WAV")
            self._header_done = True  # raw audio without a header
            return True
        if len(data) < 12:
            return False
        try:
            header = parse_wav_header(data)
        except WavError as error:
            if header_incomplete(error) and len(data) < 1 << 16:
                return False
            raise UnsupportedAudio(str(error)) from error
        self._configure(header.codec, header.sample_width, header.channels, header.sample_rate)
        self._pending = data[header.data_offset :]
        self._header_done = True
        return True

    def feed(self, chunk: bytes) -> np.ndarray:
        """Decode one chunk; the 16 kHz frames it completes, shape (n, channels), int16."""
        self._pending += bytes(chunk)
        if not self._header_done and not self._read_header():
            return self._empty()
        usable = len(self._pending) // self._frame_size * self._frame_size
        if usable == 0:
            return self._empty()
        payload, self._pending = self._pending[:usable], self._pending[usable:]
        assert self._resampler is not None and self.channels is not None
        frames = decode_samples(payload, self._codec).reshape(-1, self.channels)
        if self._codec.startswith("float"):
            frames = np.nan_to_num(frames, nan=0.0, posinf=32767.0, neginf=-32768.0)
        self.frames_in += len(frames)
        return to_int16(self._resampler.process(frames))

    def flush(self) -> np.ndarray:
        """End of stream: the resampler's last frames (a partial trailing sample is dropped)."""
        self._pending = b""
        if self._resampler is None:
            return self._empty()
        return to_int16(self._resampler.flush())
