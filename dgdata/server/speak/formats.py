"""Output formats of ``/v1/speak``: checking the requested one, resampling, encoding.

Synthesised PCM is resampled and encoded as the request asks (``encoding``,
``container``, ``sample_rate``, ``bit_rate``), following Deepgram's table of valid combinations:

===========  ==============  ==========================================  ========================
encoding     container       sample_rate (default first)                 bit_rate
===========  ==============  ==========================================  ========================
linear16     wav, none       24000, 8000, 16000, 32000, 48000            -
mulaw, alaw  wav, none       8000, 16000                                 -
flac         none            48000, 8000, 16000, 22050, 32000            -
mp3          none            22050                                       48000, 32000
opus         ogg             48000                                       12000 (4000-650000)
aac          none            22050                                       48000 (4000-192000)
===========  ==============  ==========================================  ========================

mp3, opus and flac are written with libsndfile (through ``soundfile``) when the installed
libsndfile can write them; ``aac`` never can, and such requests get a 400 naming the encodings this
server produces. For mp3 and opus the bit rate is approximated through libsndfile's compression
level, as libsndfile takes no bit rate.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ENCODINGS",
    "EncodedAudio",
    "FormatError",
    "OutputFormat",
    "encode",
    "output_format",
    "producible_encodings",
    "resample",
]


class FormatError(ValueError):
    """An invalid encoding/container/sample_rate/bit_rate combination; the message says why."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class _Spec:
    containers: tuple[str, ...]  # the first is the default
    rates: tuple[int, ...]  # the first is the default
    bit_rates: tuple[int, ...] | None = None  # the first is the default; None: not applicable
    bit_range: tuple[int, int] | None = None  # any value in this range is accepted too


ENCODINGS: dict[str, _Spec] = {
    "linear16": _Spec(("wav", "none"), (24000, 8000, 16000, 32000, 48000)),
    "mulaw": _Spec(("wav", "none"), (8000, 16000)),
    "alaw": _Spec(("wav", "none"), (8000, 16000)),
    "flac": _Spec(("none",), (48000, 8000, 16000, 22050, 32000)),
    "mp3": _Spec(("none",), (22050,), (48000, 32000)),
    "opus": _Spec(("ogg",), (48000,), (12000,), (4000, 650000)),
    "aac": _Spec(("none",), (22050,), (48000,), (4000, 192000)),
}

#: What libsndfile must be able to write for each encoding (format, subtype).
_SNDFILE = {
    "flac": ("FLAC", "PCM_16"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "opus": ("OGG", "OPUS"),
}
_CONTENT_TYPES = {
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
}


@functools.lru_cache(maxsize=1)
def producible_encodings() -> tuple[str, ...]:
    """The encodings this server can write (PCM ones always; others if libsndfile can)."""
    found = ["linear16", "mulaw", "alaw"]
    try:
        import soundfile
    except ImportError:  # pragma: no cover - soundfile is a server dependency
        return tuple(found)
    for name, (fmt, subtype) in _SNDFILE.items():
        try:
            if subtype in soundfile.available_subtypes(fmt):
                found.append(name)
        except Exception:  # pragma: no cover - an odd libsndfile build
            continue
    return tuple(found)


@dataclass(frozen=True)
class OutputFormat:
    """A validated output format."""

    encoding: str
    container: str
    sample_rate: int
    bit_rate: int | None

    @property
    def content_type(self) -> str:
        if self.container == "wav":
            return "audio/wav"
        if self.container == "none" and self.encoding in ("linear16", "mulaw", "alaw"):
            return "application/octet-stream"  # headerless samples
        return _CONTENT_TYPES[self.encoding]

    def as_config(self) -> dict[str, object]:
        out: dict[str, object] = {
            "encoding": self.encoding,
            "container": self.container,
            "sample_rate": self.sample_rate,
        }
        if self.bit_rate is not None:
            out["bit_rate"] = self.bit_rate
        return out


def _number(parameter: str, value: str) -> int:
    try:
        number = float(value)
    except ValueError:
        raise FormatError(parameter, f"{parameter} must be a number, not {value!a}.") from None
    if not math.isfinite(number) or number != int(number):  # NaN and inf have no int()
        raise FormatError(parameter, f"{parameter} must be a whole number, not {value!a}.")
    return int(number)


def output_format(query: Mapping[str, str]) -> OutputFormat:
    """The output format a speak request asks for; :class:`FormatError` when it is invalid.

    ``query`` holds the raw ``encoding``, ``container``, ``sample_rate`` and ``bit_rate`` values
    (absent or empty: the default). Without ``encoding`` the default is Deepgram's, mp3, or
    linear16 in WAV when this libsndfile cannot write mp3.
    """
    producible = producible_encodings()
    encoding = (query.get("encoding") or "").strip().lower()
    if not encoding:
        encoding = "mp3" if "mp3" in producible else "linear16"
    spec = ENCODINGS.get(encoding)
    if spec is None:
        raise FormatError(
            "encoding",
            f"encoding must be one of {', '.join(ENCODINGS)}, not {query.get('encoding')!a}.",
        )
    if encoding not in producible:
        raise FormatError(
            "encoding",
            f"The local server cannot produce {encoding} audio (its libsndfile has no {encoding} "
            f"writer); it can produce {', '.join(producible)}.",
        )
    container = (query.get("container") or "").strip().lower() or spec.containers[0]
    if container not in spec.containers:
        raise FormatError(
            "container",
            f"container {container!a} does not go with encoding {encoding}; "
            f"use {' or '.join(spec.containers)}.",
        )
    raw_rate = (query.get("sample_rate") or "").strip()
    rate = _number("sample_rate", raw_rate) if raw_rate else spec.rates[0]
    if rate not in spec.rates:
        choices = ", ".join(str(r) for r in sorted(spec.rates))
        raise FormatError(
            "sample_rate", f"sample_rate {rate} is not valid for {encoding}; use {choices}."
        )
    raw_bits = (query.get("bit_rate") or "").strip()
    bit_rate: int | None = None
    if spec.bit_rates is None:
        if raw_bits:
            raise FormatError(
                "bit_rate", f"bit_rate applies to mp3, opus and aac only, not to {encoding}."
            )
    else:
        bit_rate = _number("bit_rate", raw_bits) if raw_bits else spec.bit_rates[0]
        in_range = spec.bit_range is not None and spec.bit_range[0] <= bit_rate <= spec.bit_range[1]
        if bit_rate not in spec.bit_rates and not in_range:
            allowed = (
                f"{spec.bit_range[0]} to {spec.bit_range[1]}"
                if spec.bit_range
                else " or ".join(str(b) for b in spec.bit_rates)
            )
            raise FormatError(
                "bit_rate", f"bit_rate {bit_rate} is not valid for {encoding}; use {allowed}."
            )
    return OutputFormat(encoding, container, rate, bit_rate)


# --------------------------------------------------------------------------- conversion


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Band-limited resampling of mono int16 samples (FFT method; fine for speech clips)."""
    if source_rate == target_rate or samples.size == 0:
        return samples.astype(np.int16)
    count = max(1, round(samples.size * target_rate / source_rate))
    spectrum = np.fft.rfft(samples.astype(np.float64))
    keep = count // 2 + 1
    if keep <= spectrum.size:
        spectrum = spectrum[:keep]
    else:
        spectrum = np.concatenate([spectrum, np.zeros(keep - spectrum.size, dtype=complex)])
    out = np.fft.irfft(spectrum, n=count) * (count / samples.size)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


@dataclass(frozen=True)
class EncodedAudio:
    """The response body and what describes it."""

    data: bytes
    content_type: str
    duration: float  # seconds


def _compression_level(fmt: OutputFormat) -> float | None:
    """libsndfile's 0 (best) .. 1 (smallest) level approximating a bit rate."""
    if fmt.bit_rate is None:
        return None
    if fmt.encoding == "mp3":
        return 0.5 if fmt.bit_rate <= 32000 else 0.2
    if fmt.encoding == "opus":
        low, high = 4000.0, 256000.0
        share = (min(max(fmt.bit_rate, low), high) - low) / (high - low)
        return round(1.0 - share, 3)
    return None


def encode(samples: np.ndarray, rate: int, fmt: OutputFormat) -> EncodedAudio:
    """Resample and encode mono int16 samples as ``fmt`` asks."""
    import soundfile

    pcm = resample(samples, rate, fmt.sample_rate)
    duration = pcm.size / fmt.sample_rate
    buffer = io.BytesIO()
    if fmt.encoding in ("linear16", "mulaw", "alaw"):
        subtype = {"linear16": "PCM_16", "mulaw": "ULAW", "alaw": "ALAW"}[fmt.encoding]
        if fmt.container == "wav":
            soundfile.write(buffer, pcm, fmt.sample_rate, format="WAV", subtype=subtype)
        elif fmt.encoding == "linear16":
            buffer.write(pcm.astype("<i2").tobytes())
        else:
            soundfile.write(
                buffer, pcm, fmt.sample_rate, format="RAW", subtype=subtype, endian="LITTLE"
            )
    else:
        sf_format, subtype = _SNDFILE[fmt.encoding]
        level = _compression_level(fmt)
        extra = {} if level is None else {"compression_level": level}
        soundfile.write(buffer, pcm, fmt.sample_rate, format=sf_format, subtype=subtype, **extra)
    return EncodedAudio(buffer.getvalue(), fmt.content_type, duration)
