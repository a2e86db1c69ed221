"""Sample codecs (PCM, float, G.711 mu-law / A-law) and a tolerant RIFF/WAVE header parser.

Everything decodes to float64 on the int16 scale (full scale = 32768), so 16-bit input
round-trips exactly. The WAV parser accepts streamed files (data size 0 or 0xFFFFFFFF, or larger
than what follows) because recorders and ``ffmpeg -f wav -`` write them that way.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

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
    if not is_wav(data):
        raise WavError("not a RIFF/WAVE file")
    offset = 12
    fmt: tuple[str, int, int, int] | None = None
    while True:
        if offset + 8 > len(data):
            raise WavError("incomplete WAV header")
        chunk_id = data[offset : offset + 4]
        (size,) = struct.unpack_from("<I", data, offset + 4)
        body = offset + 8
        if chunk_id == b"fmt ":
            if body + 16 > len(data):
                raise WavError("incomplete WAV header")
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", data, body)
            if tag == FORMAT_EXTENSIBLE:
                if size < 40 or body + 26 > len(data):
                    raise WavError("incomplete WAV header")
                (tag,) = struct.unpack_from("<H", data, body + 24)
            if channels < 1 or rate < 1:
                raise WavError("WAV header with no channels or no sample rate")
            fmt = (_codec(tag, bits), bits // 8, channels, rate)
        elif chunk_id == b"data":
            if fmt is None:
                raise WavError("WAV data chunk before its fmt chunk")
            codec, width, channels, rate = fmt
            known = size not in (0, 0xFFFFFFFF)
            return WavHeader(codec, width, channels, rate, body, size if known else None)
        offset = body + size + (size & 1)  # chunks are padded to even sizes


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
