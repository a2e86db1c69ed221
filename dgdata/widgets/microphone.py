"""``LiveMicrophone``: speak into the notebook, read the transcript, get the words as a DataFrame.

::

    from dgdata.widgets import LiveMicrophone
    mic = LiveMicrophone(dg, model="nova-3", smart_format=True)
    mic                      # Start, speak, Stop: interim text in grey, final text in black
    mic.transcript, mic.words, mic.utterances        # afterwards

The browser captures the microphone with ``getUserMedia`` (echo cancellation, noise suppression
and automatic gain off unless asked for), an AudioWorklet resamples it to 16-bit PCM at 16 kHz
and ~100 ms chunks reach the kernel as binary buffers of custom messages. The kernel feeds them to
a :class:`dgdata.live.LiveTranscription` from a worker thread. Two kernel-side sources use the
same UI where the browser cannot reach a microphone: ``source="kernel"`` captures on the kernel's
machine with ``sounddevice`` (``pip install "dgdata[mic]"``), and ``source="file", file=PATH``
streams a WAV recording at real-time pace (demos, tests, CI).

Where it works:

- **JupyterLab 4, Notebook 7** (and JupyterHub, Binder) in a browser: the browser microphone,
  over ``https://`` or ``http://localhost`` (browsers give microphones to secure pages only; the
  widget says so on a plain-http remote page).
- **VS Code**: notebooks render in a webview that gets no microphone permission, so the browser
  source reports that. Use ``source="kernel"``: the kernel usually runs on your machine there.
- **Google Colab**: anywidget works and the browser microphone works (Colab is https). The kernel
  runs on a Google machine, so ``source="kernel"`` would capture a machine without a microphone.
- **Remote kernels** (JupyterHub, SSH): the browser source captures *your* microphone, which is
  what you want; ``source="kernel"`` captures the server's.
- Anywhere, ``source="file"`` works, with no microphone at all.

While a cell runs, the kernel cannot read the browser's messages: call ``mic.wait()`` only for
kernel-side sources, or in a cell run after pressing Stop.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import anywidget
import pandas as pd
import traitlets as t

from dgdata.live import LiveTranscription
from dgdata.live.results import LiveResults
from dgdata.widgets._common import check_options, describe_error
from dgdata.widgets._mic_session import MicSession
from dgdata.widgets._mic_sources import AudioSource, KernelMicrophone, WavFileSource
from dgdata.widgets._mic_stream import BROWSER_ERRORS, browser_error_sentence

__all__ = ["LiveMicrophone"]

logger = logging.getLogger(__name__)

_HERE = Path(__file__).parent
SOURCES = ("browser", "kernel", "file")
RUNNING = frozenset({"starting", "listening", "finishing"})
_OWN_OPTIONS = frozenset(
    {"source", "model", "file", "device", "realtime", "sample_rate", "chunk_ms", "keep_alive"}
    | {"echo_cancellation", "noise_suppression", "auto_gain_control", "finish_timeout"}
)


class LiveMicrophone(anywidget.AnyWidget):
    """Transcribe the microphone (or a kernel-side source) live, in a notebook.

    Args:
        dg: a :class:`dgdata.Deepgram` client (the local server's works too).
        source: ``"browser"`` (the page's microphone), ``"kernel"`` (the kernel machine's, with
            ``sounddevice``) or ``"file"`` (``file=`` a PCM WAV, streamed at real-time pace).
        model: the Deepgram model (``"nova-3"``…); ``None`` for the server's default.
        file: the WAV of ``source="file"``. ``realtime=False`` streams it as fast as possible.
        device: the ``sounddevice`` input device of ``source="kernel"`` (``None``: default).
        sample_rate, chunk_ms: PCM rate and chunk length (16000, 100); a file has its own rate.
        echo_cancellation, noise_suppression, auto_gain_control: the browser's processing.
        keep_alive: seconds of silence before a ``KeepAlive`` (see ``transcription.live``).
        finish_timeout: seconds to wait for the last results after Stop.
        **listen_options: any other ``/v1/listen`` option (``smart_format``, ``language``…);
            unknown names raise ``TypeError``.
    """

    _esm = _HERE / "microphone.js"
    _css = _HERE / "microphone.css"

    state = t.Enum(
        ("idle", "starting", "listening", "finishing", "done", "error"),
        default_value="idle",
        help="idle, starting (opening the stream), listening, finishing (waiting for the last "
        "results after Stop), done, or error (see `error`).",
    ).tag(sync=True)
    source = t.Unicode(
        "browser", read_only=True, help="Where the audio comes from: browser, kernel or file."
    ).tag(sync=True)
    source_label = t.Unicode(help="The source, for a person ('file hello.wav (real time)').").tag(
        sync=True
    )
    interim = t.Unicode(help="The latest interim (not yet final) text; cleared by a final.").tag(
        sync=True
    )
    final_text = t.Unicode(help="The final transcript so far, then the whole of it.").tag(sync=True)
    error = t.Unicode(help="What went wrong, as a sentence (empty when nothing did).").tag(
        sync=True
    )
    level = t.Float(0.0, help="RMS level of the latest chunk, 0 (silence) to 1 (full scale).").tag(
        sync=True
    )
    elapsed = t.Float(0.0, help="Seconds of audio received this session.").tag(sync=True)
    sample_rate = t.Int(16000, help="Samples per second of the PCM sent to Deepgram.").tag(
        sync=True
    )
    chunk_ms = t.Int(100, help="Milliseconds of audio per chunk.").tag(sync=True)
    device_rate = t.Int(
        0, help="The browser's capture rate (its AudioContext's) before resampling; 0 if unknown."
    ).tag(sync=True)
    echo_cancellation = t.Bool(False, help="Ask the browser to cancel echo.").tag(sync=True)
    noise_suppression = t.Bool(False, help="Ask the browser to suppress noise.").tag(sync=True)
    auto_gain_control = t.Bool(False, help="Ask the browser to adjust the gain.").tag(sync=True)
    _key = t.Unicode(
        help="Identifies this widget in the front-end, where every view gets its own proxy of "
        "the model (so the views share one capture of the microphone)."
    ).tag(sync=True)
    _browser_errors = t.Dict(
        help="The sentence for each error name the browser may report (shown before the "
        "kernel answers)."
    ).tag(sync=True)

    def __init__(
        self,
        dg: Any,
        *,
        source: str = "browser",
        model: str | None = None,
        file: str | PathLike[str] | None = None,
        device: Any = None,
        realtime: bool = True,
        sample_rate: int = 16000,
        chunk_ms: int = 100,
        echo_cancellation: bool = False,
        noise_suppression: bool = False,
        auto_gain_control: bool = False,
        keep_alive: float | None = 5.0,
        finish_timeout: float = 10.0,
        **listen_options: Any,
    ) -> None:
        check_options(listen_options, _OWN_OPTIONS, "LiveMicrophone", listen=True)
        fixed = sorted({"encoding", "channels"} & set(listen_options))
        if fixed:
            raise TypeError(
                f"LiveMicrophone() sets {', '.join(fixed)} itself (it sends mono 16-bit PCM, or "
                "the file's format); leave them out"
            )
        if source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
        if (file is None) != (source != "file"):
            raise ValueError('a file is streamed with LiveMicrophone(dg, source="file", file=PATH)')
        if chunk_ms <= 0 or sample_rate <= 0:
            raise ValueError("sample_rate and chunk_ms must be positive")
        self._file = WavFileSource(file, chunk_ms, realtime=realtime) if file is not None else None
        if self._file is not None:  # checked now: a wrong path or format fails at once
            sample_rate = int(self._file.options["sample_rate"])
        label = {"browser": "the browser's microphone", "kernel": ""}.get(source, "")
        super().__init__(
            sample_rate=sample_rate,
            chunk_ms=chunk_ms,
            echo_cancellation=echo_cancellation,
            noise_suppression=noise_suppression,
            auto_gain_control=auto_gain_control,
            _browser_errors=BROWSER_ERRORS,
            _key=uuid.uuid4().hex,
        )
        self.set_trait("source", source)
        self._dg = dg
        self._device = device
        self._options: dict[str, Any] = {"interim_results": True, **listen_options}
        if model is not None:
            self._options["model"] = model
        self._keep_alive = keep_alive
        self._finish_timeout = finish_timeout
        self._lock = threading.RLock()  # state transitions and trait updates
        self._finished = threading.Event()  # set while no session runs
        self._finished.set()
        self._session: MicSession | None = None
        self.source_label = label or self._kernel_source().label
        self.on_msg(self._on_custom_msg)

    # ------------------------------------------------------------------ results

    @property
    def live(self) -> LiveTranscription | None:
        """The latest session's stream (``None`` before the first Start, or if it never opened)."""
        return self._session.live if self._session is not None else None

    @property
    def transcript(self) -> str:
        """The final transcript of the latest session (``""`` before one)."""
        live = self.live
        return live.transcript if live is not None else ""

    @property
    def words(self) -> pd.DataFrame:
        """The words of the latest session: ``word``, ``start``, ``end``, ``confidence``…"""
        live = self.live
        return live.words if live is not None else LiveResults().words()

    @property
    def utterances(self) -> pd.DataFrame:
        """The utterances of the latest session (see ``LiveTranscription.utterances``)."""
        live = self.live
        return live.utterances if live is not None else LiveResults().utterances(True)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no session is running; ``False`` if it still is after ``timeout`` s."""
        return self._finished.wait(timeout)

    # ------------------------------------------------------------------ control

    def start(self) -> LiveMicrophone:
        """Start a session: capture a kernel-side source, or ask the browser to capture."""
        if self.source == "browser":
            self.send({"type": "capture", "action": "start"})
        else:
            self._begin()
        return self

    def stop(self) -> LiveMicrophone:
        """Stop capturing; the last results arrive in the background (see :meth:`wait`)."""
        self._release_browser()
        if self._session is not None:
            self._session.end()
        return self

    def close(self) -> None:
        """Stop everything without waiting for results, and close the widget."""
        session = getattr(self, "_session", None)  # missing when __init__ failed early
        if session is not None:
            session.abort()
        super().close()

    # ------------------------------------------------------------------ messages

    def _on_custom_msg(self, widget: Any, content: Any, buffers: Sequence[Any] | None) -> None:
        self.handle_message(content, buffers)

    def handle_message(
        self, content: Mapping[str, Any], buffers: Sequence[bytes | memoryview] | None = None
    ) -> None:
        """Handle a message of the front-end (tests call it directly); never raises.

        ``{"type": "start", "device_rate": 48000}`` the browser has started capturing (for a
        kernel-side source: Start was pressed); ``{"type": "audio", "seq": n}`` with buffers of
        16-bit little-endian mono PCM; ``{"type": "stop"}``; ``{"type": "error", "name":
        "NotAllowedError", "message": "…"}``.
        """
        kind = content.get("type") if isinstance(content, Mapping) else None
        try:
            if kind == "audio":
                session = self._session
                if self.source == "browser" and session is not None:
                    for buffer in buffers or ():
                        session.feed(bytes(buffer))
            elif kind == "start":
                if self.source == "browser":
                    self._begin(device_rate=content.get("device_rate"))
                else:
                    self.start()
            elif kind == "stop":
                if self._session is not None:
                    self._session.end()
            elif kind == "error":
                self._on_browser_error(content.get("name"), content.get("message"))
            else:
                logger.debug("live microphone: ignoring message %r", kind)
        except Exception as exc:  # a bug here must show, not vanish in the comm's log
            logger.exception("live microphone: handling %r failed", kind)
            self._fail(exc)

    # ------------------------------------------------------------------ sessions

    def _kernel_source(self) -> AudioSource:
        """A new kernel-side source (one per session: sources are not restartable)."""
        if self._file is not None:
            return WavFileSource(self._file.path, self.chunk_ms, realtime=self._file.realtime)
        return KernelMicrophone(self.sample_rate, self.chunk_ms, self._device)

    def _begin(self, device_rate: Any = None) -> None:
        capture: AudioSource | None = None
        if self.source == "browser":
            options: dict[str, Any] = {"encoding": "linear16", "channels": 1}
            options["sample_rate"], width = self.sample_rate, 2
        else:
            capture = self._kernel_source()
            options, width = capture.options, capture.sample_width
        with self._lock:
            if self.state in RUNNING:
                logger.debug("live microphone: already %s", self.state)
                return
            session = MicSession(
                self,
                format_options=options,
                sample_width=width,
                capture=capture,
                open_live=self._open_live,
                finish_timeout=self._finish_timeout,
            )
            self._session = session
            self._finished.clear()
            self._update(
                final_text="", interim="", error="", level=0.0, elapsed=0.0, state="starting"
            )
            if isinstance(device_rate, (int, float)) and device_rate > 0:
                self.device_rate = int(device_rate)
        session.start()

    def _open_live(
        self, format_options: Mapping[str, Any], handlers: Mapping[str, Any]
    ) -> LiveTranscription:
        live: LiveTranscription = self._dg.transcription.live(
            {**self._options, **format_options}, keep_alive=self._keep_alive, handlers=handlers
        )
        return live

    def _is_current(self, session: MicSession) -> bool:
        return session is self._session

    def _on_browser_error(self, name: Any, message: Any) -> None:
        sentence = browser_error_sentence(name, message)
        logger.info("live microphone: the browser reported %s: %s", name, message)
        with self._lock:
            session = self._session
            if session is not None and self.state in RUNNING:
                session.browser_error(sentence)  # keeps what was transcribed; ends in "error"
            else:
                self._update(error=sentence, state="error")

    def _fail(self, exc: BaseException) -> None:
        session = self._session
        if session is not None and self.state in RUNNING:
            session.fail(exc)
        else:
            self._update(error=self._redact(describe_error(exc)), state="error")

    def _release_browser(self) -> None:
        """Ask the front-end to let go of the microphone (a no-op for kernel-side sources)."""
        if self.source == "browser":
            self.send({"type": "capture", "action": "stop"})

    def _update(self, **values: Any) -> None:
        """Set several traits, sent to the front-end as one message."""
        with self._lock, self.hold_sync():
            for name, value in values.items():
                setattr(self, name, value)

    def _redact(self, text: str) -> str:
        try:
            secret = self._dg.config.credential.reveal()
        except Exception:  # not a dgdata client: nothing we know to hide
            return text
        return text.replace(secret, "***") if secret else text

    def __repr__(self) -> str:
        return (
            f"<LiveMicrophone source={self.source} state={self.state} "
            f"elapsed={self.elapsed:.1f}s text={self.final_text[:40]!r}>"
        )
