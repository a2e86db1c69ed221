"""Sample codecs (PCM, float, G.711 mu-law / A-law) and a tolerant RIFF/WAVE header parser.

Everything decodes to float64 on the int16 scale (full scale = 32768), so 16-bit input
round-trips exactly. The WAV parser accepts streamed files (data size 0 or 0xFFFFFFFF, or larger
than what follows) because recorders and ``ffmpeg -f wav -`` write them that way.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

FORMAT_PCM = 1
FORMAT_FLOAT = 3
FORMAT_ALAW = 6
FORMAT_MULAW = 7
FORMAT_EXTENSIBLE = 0xFFFE

#: Deepgram ``encoding`` values for raw audio -> (sample codec name, bytes per sample)
RAW_ENCODINGS: dict[str, tuple[str, int]] = {
    "linear16": ("pcm16", 2),
    "linear32": ("pcm32", 4),
    "mulaw": ("mulaw", 1),
    "alaw": ("alaw", 1),
}


#: Most bytes of a ``fmt `` chunk read (it holds 16 to 40; 26 are read even of a shorter one,
#: as a tolerant reader reads a 16-byte format and the extensible tag at 24).
_FMT_MAX = 64


class WavError(ValueError):
    """The bytes are not a WAV file this parser understands (or not yet a complete header)."""


def _mulaw_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.float64)


def _alaw_table() -> np.ndarray:
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(
        exponent == 0,
        (mantissa << 4) + 8,
        ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0),
    )
    return np.where(sign != 0, magnitude, -magnitude).astype(np.float64)


MULAW = _mulaw_table()
ALAW = _alaw_table()


def decode_samples(data: bytes, codec: str) -> np.ndarray:
    """Decode a whole number of samples of ``codec`` to float64 (int16 scale), 1-D."""
    if codec == "pcm16":
        return np.frombuffer(data, dtype="<i2").astype(np.float64)
    if codec == "mulaw":
        return MULAW[np.frombuffer(data, dtype=np.uint8)]
    if codec == "alaw":
        return ALAW[np.frombuffer(data, dtype=np.uint8)]
    if codec == "pcm8":  # WAV 8-bit is unsigned
        return (np.frombuffer(data, dtype=np.uint8).astype(np.float64) - 128.0) * 256.0
    if codec == "pcm24":
        raw = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value)
        return value.astype(np.float64) / 256.0
    if codec == "pcm32":
        return np.frombuffer(data, dtype="<i4").astype(np.float64) / 65536.0
    if codec == "float32":
        return np.frombuffer(data, dtype="<f4").astype(np.float64) * 32768.0
    if codec == "float64":
        return np.frombuffer(data, dtype="<f8") * 32768.0
    raise ValueError(f"unknown sample codec {codec!r}")


@dataclass(frozen=True)
class WavHeader:
    """What a WAV header says: format, and where the sample data starts and how long it is."""

    codec: str
    sample_width: int  # bytes per sample
    channels: int
    sample_rate: int
    data_offset: int
    data_size: int | None  # None: unknown (streamed), read to the end

    @property
    def frame_size(self) -> int:
        """Bytes per frame (one sample of every channel)."""
        return self.sample_width * self.channels


def is_wav(data: bytes) -> bool:
    """True when ``data`` starts like a RIFF/WAVE file."""
    return len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE"


def _codec(format_tag: int, bits: int) -> str:
    if format_tag == FORMAT_PCM and bits in (8, 16, 24, 32):
        return {8: "pcm8", 16: "pcm16", 24: "pcm24", 32: "pcm32"}[bits]
    if format_tag == FORMAT_FLOAT and bits in (32, 64):
        return f"float{bits}"
    if format_tag == FORMAT_MULAW and bits == 8:
        return "mulaw"
    if format_tag == FORMAT_ALAW and bits == 8:
        return "alaw"
    raise WavError(f"unsupported WAV format tag {format_tag} with {bits} bits")


def parse_wav_header(data: bytes) -> WavHeader:
    """Parse the RIFF chunks up to the start of ``data``.

    Raises ``WavError`` when the bytes are not WAV, the format is unsupported, or the header is
    incomplete (a streaming caller may retry with more bytes: see ``header_incomplete``).
    """
    return read_wav_header(io.BytesIO(data))


def _header(fmt: tuple[str, int, int, int] | None, offset: int, size: int) -> WavHeader:
    """The header of samples at ``offset``: ``size`` bytes (0 or 0xFFFFFFFF: unknown)."""
    if fmt is None:
        raise WavError("WAV data chunk before its fmt chunk")
    codec, width, channels, rate = fmt
    known = size not in (0, 0xFFFFFFFF)
    return WavHeader(codec, width, channels, rate, offset, size if known else None)


def _parse_fmt(body: bytes, size: int) -> tuple[str, int, int, int]:
    """``(codec, bytes per sample, channels, rate)`` from the start of a ``fmt `` chunk."""
    if len(body) < 16:
        raise WavError("incomplete WAV header")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
    if tag == FORMAT_EXTENSIBLE:
        if size < 40 or len(body) < 26:
            raise WavError("incomplete WAV header")
        (tag,) = struct.unpack_from("<H", body, 24)
    if channels < 1 or rate < 1:
        raise WavError("WAV header with no channels or no sample rate")
    return _codec(tag, bits), bits // 8, channels, rate


def read_wav_header(file: BinaryIO) -> WavHeader:
    """Like :func:`parse_wav_header`, for a seekable file, reading only the chunk headers (the
    chunks before ``data`` are skipped, whatever their size); the file position is left at the
    start of the samples. ``WavError`` for anything but a WAV this parser understands."""
    file.seek(0)
    start = file.read(12)
    if not is_wav(start):
        raise WavError("not a RIFF/WAVE file")
    offset = 12
    fmt: tuple[str, int, int, int] | None = None
    while True:
        file.seek(offset)
        head = file.read(8)
        if len(head) < 8:
            raise WavError("incomplete WAV header")
        chunk_id, (size,) = head[:4], struct.unpack("<I", head[4:])
        body = offset + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(file.read(max(min(size, _FMT_MAX), 26)), size)
        elif chunk_id == b"data":
            return _header(fmt, body, size)
        offset = body + size + (size & 1)


def header_incomplete(error: WavError) -> bool:
    """True when a ``WavError`` only means that more bytes are needed."""
    return str(error) == "incomplete WAV header"


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """A whole WAV file as float64 frames (n, channels) and its sample rate."""
    header = parse_wav_header(data)
    end = len(data)
    if header.data_size is not None:
        end = min(end, header.data_offset + header.data_size)
    usable = (end - header.data_offset) // header.frame_size * header.frame_size
    payload = data[header.data_offset : header.data_offset + usable]
    samples = decode_samples(payload, header.codec)
    return samples.reshape(-1, header.channels), header.sample_rate
