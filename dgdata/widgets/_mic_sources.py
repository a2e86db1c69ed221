"""Kernel-side audio sources of :class:`~dgdata.widgets.LiveMicrophone`: a microphone, a WAV file.

Both deliver raw PCM chunks (``chunk_ms`` milliseconds each) to ``on_chunk`` from a worker
thread of their own, and call ``on_end`` once when they stop by themselves (end of file, device
lost). ``stop()`` is idempotent and may be called from ``on_chunk`` / ``on_end``.

- :class:`KernelMicrophone` captures on the machine the *kernel* runs on, with ``sounddevice``
  (PortAudio): 16-bit mono PCM. Installing it is optional: ``pip install "dgdata[mic]"``.
- :class:`WavFileSource` streams a recording at real-time pace, as a microphone would, so the
  widget and its notebooks work where no microphone exists (CI, VS Code, remote kernels).
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections.abc import Callable
from os import PathLike, fspath
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np

from dgdata.live.sources import stream_wav, wav_options

__all__ = [
    "AudioSource",
    "KernelMicrophone",
    "MicrophoneUnavailable",
    "WavFileSource",
    "load_sounddevice",
    "pcm_level",
]

logger = logging.getLogger(__name__)

ChunkHandler = Callable[[bytes], None]
EndHandler = Callable[[BaseException | None], None]

INSTALL_HINT = 'pip install "dgdata[mic]"'
PORTAUDIO_HINT = (
    "apt-get install libportaudio2 (Debian/Ubuntu), brew install portaudio (macOS) or "
    "conda install -c conda-forge portaudio"
)


class MicrophoneUnavailable(RuntimeError):
    """The kernel's machine cannot capture audio; the message says why and what to do."""


class AudioSource(Protocol):
    """What the widget needs of a kernel-side source."""

    @property
    def options(self) -> dict[str, Any]:
        """``encoding``, ``sample_rate`` and ``channels`` of the PCM it delivers."""
        ...

    @property
    def sample_width(self) -> int:
        """Bytes per sample (2 for 16-bit PCM)."""
        ...

    @property
    def label(self) -> str:
        """What it captures, for a person (``"file call.wav"``)."""
        ...

    def start(self, on_chunk: ChunkHandler, on_end: EndHandler) -> None: ...

    def stop(self) -> None: ...


def pcm_level(data: bytes, sample_width: int = 2) -> float:
    """RMS level of little-endian integer PCM, 0.0 (silence) to 1.0 (a full-scale square wave).

    >>> pcm_level(b"\\x00\\x40" * 4)   # 16384 / 32768
    0.5
    """
    dtype = {2: "<i2", 4: "<i4"}.get(sample_width)
    usable = len(data) - len(data) % sample_width
    if dtype is None or usable == 0:
        return 0.0
    samples = np.frombuffer(data, dtype=dtype, count=usable // sample_width)
    scale = float(2 ** (8 * sample_width - 1))
    return float(np.sqrt(np.mean(np.square(samples / scale))))


def load_sounddevice() -> ModuleType:
    """Import ``sounddevice``, or raise :class:`MicrophoneUnavailable` saying what to install."""
    try:
        import sounddevice
    except ImportError:
        raise MicrophoneUnavailable(
            "Capturing on the kernel's machine needs the sounddevice package, which is not "
            f'installed: {INSTALL_HINT}, then restart the kernel. Or use source="browser" '
            '(the browser\'s microphone) or source="file" (a WAV recording).'
        ) from None
    except OSError as exc:  # sounddevice imports, but cannot load the PortAudio library
        raise MicrophoneUnavailable(
            f"sounddevice is installed but the PortAudio library is not ({exc}): {PORTAUDIO_HINT}"
            ', then restart the kernel. Or use source="browser" or source="file".'
        ) from None
    return sounddevice


class KernelMicrophone:
    """The microphone of the kernel's machine, through ``sounddevice``: 16-bit mono PCM.

    Args:
        sample_rate: samples per second to capture (PortAudio resamples when it must).
        chunk_ms: milliseconds of audio per chunk.
        device: a ``sounddevice`` input device (index or name); ``None`` for the default.
    """

    sample_width = 2

    def __init__(self, sample_rate: int = 16000, chunk_ms: int = 100, device: Any = None) -> None:
        self.sample_rate = sample_rate
        self.chunk_ms = chunk_ms
        self.device = device
        self._stream: Any = None
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def options(self) -> dict[str, Any]:
        return {"encoding": "linear16", "sample_rate": self.sample_rate, "channels": 1}

    @property
    def label(self) -> str:
        name = f" ({self.device})" if self.device is not None else ""
        return f"microphone{name} of the kernel's machine ({socket.gethostname()})"

    def check(self) -> ModuleType:
        """Raise :class:`MicrophoneUnavailable` unless an input device can be opened here."""
        sd = load_sounddevice()
        try:
            sd.query_devices(self.device, kind="input")
        except Exception as exc:  # ValueError or PortAudioError: none, or not that one
            which = f"no input device {self.device!r}" if self.device is not None else "none"
            raise MicrophoneUnavailable(
                f"The kernel's machine ({socket.gethostname()}) has no microphone PortAudio can "
                f"use ({which}: {exc}). Plug one in or pick one with device=… "
                '(sounddevice.query_devices() lists them), or use source="browser" or '
                'source="file".'
            ) from None
        return sd

    def start(self, on_chunk: ChunkHandler, on_end: EndHandler) -> None:
        """Open the input stream; chunks go to ``on_chunk`` from a delivery thread."""
        sd = self.check()
        blocksize = max(1, self.sample_rate * self.chunk_ms // 1000)

        def callback(indata: Any, frames: int, time: Any, status: Any) -> None:
            if status:
                logger.debug("kernel microphone: %s", status)
            self._queue.put(bytes(indata))  # PortAudio's thread: only a copy and a put

        try:
            stream = sd.InputStream(
                samplerate=self.sample_rate,
                channels=1,
                dtype="int16",
                blocksize=blocksize,
                device=self.device,
                callback=callback,
            )
            stream.start()
        except Exception as exc:
            raise MicrophoneUnavailable(
                f"The microphone of the kernel's machine could not be opened: {exc}"
            ) from None
        self._stream = stream
        self._worker = threading.Thread(
            target=self._deliver, args=(on_chunk,), name="dgdata-mic-kernel", daemon=True
        )
        self._worker.start()

    def _deliver(self, on_chunk: ChunkHandler) -> None:
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            if not self._stopped.is_set():
                on_chunk(chunk)

    def stop(self) -> None:
        """Stop capturing (idempotent); chunks still queued are dropped."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as exc:
                logger.debug("kernel microphone: closing the stream failed: %s", exc)
        self._queue.put(None)
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(2.0)


class _Stopped(Exception):
    """Raised inside the sink to end :func:`stream_wav` early."""


class _ChunkSink:
    """What :func:`dgdata.live.stream_wav` writes to: forwards the chunks, or stops it."""

    def __init__(self, options: dict[str, Any], on_chunk: ChunkHandler, stop: threading.Event):
        self.options = options
        self.is_open = True
        self._on_chunk = on_chunk
        self._stop = stop

    def send(self, data: bytes) -> None:
        if self._stop.is_set():
            raise _Stopped
        self._on_chunk(data)


class WavFileSource:
    """A PCM WAV file streamed at real-time pace (``realtime=False``: as fast as possible)."""

    def __init__(
        self, path: str | PathLike[str], chunk_ms: int = 100, *, realtime: bool = True
    ) -> None:
        self.path = Path(fspath(path))
        if not self.path.is_file():
            raise FileNotFoundError(f"LiveMicrophone(file=…): {self.path} is not a file")
        self._options = wav_options(self.path)  # ValueError for what live streams cannot send
        self.sample_width = 2 if self._options["encoding"] == "linear16" else 4  # or linear32
        self.chunk_ms = chunk_ms
        self.realtime = realtime
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None

    @property
    def options(self) -> dict[str, Any]:
        return dict(self._options)

    @property
    def label(self) -> str:
        pace = "real time" if self.realtime else "as fast as possible"
        return f"file {self.path.name} ({pace})"

    def start(self, on_chunk: ChunkHandler, on_end: EndHandler) -> None:
        """Start streaming from a worker thread; ``on_end`` is called at the end of the file."""
        sink = _ChunkSink(self.options, on_chunk, self._stop)

        def run() -> None:
            failure: BaseException | None = None
            try:
                stream_wav(sink, self.path, realtime=self.realtime, chunk_ms=self.chunk_ms)
            except _Stopped:
                return
            except Exception as exc:
                logger.debug("file source %s failed: %s", self.path, exc)
                failure = exc
            if not self._stop.is_set():
                on_end(failure)

        self._worker = threading.Thread(target=run, name="dgdata-mic-file", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        """Stop streaming (idempotent); returns once the worker has stopped."""
        self._stop.set()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(2.0)
