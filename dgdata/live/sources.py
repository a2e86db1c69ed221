"""Audio sources for live streams: WAV files (format from the header) and HTTP streams.

Re-exported by :mod:`dgdata.live`; the functions take any object with ``send(bytes)``,
``options`` and ``is_open`` (a :class:`dgdata.live.LiveTranscription`).
"""

from __future__ import annotations

import logging
import os
import time
import wave
from os import PathLike, fspath
from typing import Any, Protocol

import requests

logger = logging.getLogger(__name__)

_ENCODINGS = {2: "linear16", 4: "linear32"}


class _Sink(Protocol):
    @property
    def options(self) -> dict[str, Any]: ...

    @property
    def is_open(self) -> bool: ...

    def send(self, data: bytes) -> None: ...


def wav_options(path: str | PathLike[str]) -> dict[str, Any]:
    """The ``/v1/listen`` options describing a PCM WAV file: encoding, sample rate, channels.

    >>> wav_options("call.wav")
    {'encoding': 'linear16', 'sample_rate': 16000, 'channels': 1}

    Raises ``ValueError`` for a file that is not a 16- or 32-bit integer PCM WAV.
    """
    try:
        with wave.open(fspath(path), "rb") as wav:
            width, rate, channels = wav.getsampwidth(), wav.getframerate(), wav.getnchannels()
    except (wave.Error, EOFError) as exc:
        raise ValueError(
            f"{fspath(path)} is not a PCM WAV file the wave module can read ({exc}); convert it "
            "to 16-bit PCM, or stream its bytes with live.send()"
        ) from None
    encoding = _ENCODINGS.get(width)
    if encoding is None:
        raise ValueError(
            f"{fspath(path)} has {8 * width}-bit samples; live streaming takes 16- or 32-bit PCM"
        )
    return {"encoding": encoding, "sample_rate": rate, "channels": channels}


def stream_wav(
    live: _Sink, path: str | PathLike[str], *, realtime: bool = True, chunk_ms: int = 100
) -> float:
    """Send the audio of a WAV file to a live stream; returns the seconds of audio sent.

    The stream must have been opened with the file's format (``encoding``, ``sample_rate``,
    ``channels``: see :func:`wav_options`, or use ``dg.transcription.live_wav``): then only the
    samples are sent, ``chunk_ms`` milliseconds per frame. A stream opened without an
    ``encoding`` gets the whole file, header included, and Deepgram reads the header. With
    ``realtime=True`` chunks are paced at the audio's own speed, as a microphone would send
    them; otherwise they go as fast as the socket takes them.

    Example::

        live = dg.transcription.live(model="nova-3", **wav_options("call.wav"))
        stream_wav(live, "call.wav", realtime=False)
        live.finish()
    """
    if chunk_ms <= 0:
        raise ValueError(f"chunk_ms must be positive, got {chunk_ms!r}")
    opened = live.options
    raw = "encoding" in opened
    if raw:
        _check_format(opened, wav_options(path))
    with wave.open(fspath(path), "rb") as wav:
        rate = wav.getframerate()
        frames_per_chunk = max(1, rate * chunk_ms // 1000)
        bytes_per_frame = wav.getsampwidth() * wav.getnchannels()
        started = time.monotonic()
        sent_frames = 0
        if not raw:
            with open(fspath(path), "rb") as handle:
                live.send(handle.read(_data_offset(path)))
        while True:
            data = wav.readframes(frames_per_chunk)
            if not data:
                break
            sent_frames += len(data) // bytes_per_frame
            if realtime:
                delay = started + sent_frames / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            live.send(data)
    return sent_frames / rate


def _check_format(opened: dict[str, Any], header: dict[str, Any]) -> None:
    """Raise ``ValueError`` unless the stream was opened with the WAV file's format."""
    wrong = {
        key: (opened.get(key), value)
        for key, value in header.items()
        if str(opened.get(key, 1 if key == "channels" else None)) != str(value)
    }
    if wrong:
        detail = ", ".join(
            f"{k}={got!r} but the file has {want!r}" for k, (got, want) in wrong.items()
        )
        raise ValueError(f"the stream was opened with {detail}; open it with wav_options(path)")


def _data_offset(path: str | PathLike[str]) -> int:
    """Bytes before the samples of a WAV file (its header), for the send-the-whole-file mode."""
    with open(fspath(path), "rb") as handle:
        handle.seek(12)  # "RIFF", size, "WAVE"
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                raise ValueError(f"{fspath(path)} has no data chunk")
            size = int.from_bytes(chunk[4:], "little")
            if chunk[:4] == b"data":
                return handle.tell()
            handle.seek(size + (size & 1), os.SEEK_CUR)


def stream_url(
    live: _Sink,
    url: str,
    *,
    chunk_size: int = 8192,
    duration: float | None = None,
    timeout: float = 10.0,
    session: requests.Session | None = None,
) -> int:
    """Send audio from an HTTP(S) URL (a file or a live radio stream) as it downloads.

    Stops at the end of the body, after ``duration`` seconds of wall time, or when the live
    stream closes. Returns the bytes sent. ``timeout`` is the connect and read timeout of the
    download. The stream should be opened without ``encoding`` for compressed or containerized
    audio (MP3, AAC, WAV…): Deepgram detects the format.

    Example (the seed's radio example)::

        live = dg.transcription.live(model="nova-3")
        stream_url(live, "http://stream.live.vc.bbcmedia.co.uk/bbc_world_service", duration=30)
        live.finish()
    """
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size!r}")
    getter = session.get if session is not None else requests.get
    deadline = time.monotonic() + duration if duration is not None else None
    sent = 0
    with getter(url, stream=True, timeout=(timeout, timeout)) as response:
        response.raise_for_status()
        for chunk in response.iter_content(chunk_size):
            if not live.is_open:
                logger.info("the live stream closed; stopped reading %s", url)
                break
            if chunk:
                live.send(chunk)
                sent += len(chunk)
            if deadline is not None and time.monotonic() >= deadline:
                break
    return sent
