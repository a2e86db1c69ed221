"""One Start…Stop of a :class:`~dgdata.widgets.LiveMicrophone`: its source, stream and results.

A :class:`MicSession` owns the kernel-side capture source (none for the browser's microphone),
the :class:`~dgdata._mic_stream.StreamPump` that feeds the live stream, and the text received.
It updates its widget's traits only while it is the widget's current session, so callbacks of a
finished session that arrive late change nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from dgdata.live import LiveTranscription
from dgdata.widgets._common import describe_error
from dgdata.widgets._mic_sources import AudioSource, MicrophoneUnavailable, pcm_level
from dgdata.widgets._mic_stream import StreamPump

__all__ = ["MicSession", "MicrophoneHost"]

logger = logging.getLogger(__name__)


class MicrophoneHost(Protocol):
    """What a session needs of its widget (a :class:`~dgdata.widgets.LiveMicrophone`)."""

    _lock: threading.RLock
    _finished: threading.Event

    @property
    def state(self) -> str: ...

    def _is_current(self, session: MicSession) -> bool: ...

    def _update(self, **values: Any) -> None: ...

    def _release_browser(self) -> None: ...

    def _redact(self, text: str) -> str: ...


class MicSession:
    """Audio in (from the browser or ``capture``), a live stream out, traits updated.

    Args:
        host: the widget.
        format_options: ``encoding``, ``sample_rate``, ``channels`` of the audio.
        sample_width: bytes per sample (for the level meter and the elapsed time).
        capture: the kernel-side source, or ``None`` when the browser sends the audio.
        open_live: ``open_live(format_options, handlers)`` opens the stream (on the pump's
            thread, so that a slow handshake blocks no one).
        finish_timeout: seconds to wait for the last results after Stop.
    """

    def __init__(
        self,
        host: MicrophoneHost,
        *,
        format_options: Mapping[str, Any],
        sample_width: int,
        capture: AudioSource | None,
        open_live: Callable[[Mapping[str, Any], Mapping[str, Any]], LiveTranscription],
        finish_timeout: float,
    ) -> None:
        self.host = host
        self.capture = capture
        self.live: LiveTranscription | None = None
        self.browser_failed = False
        self._width = sample_width
        rate = int(format_options["sample_rate"]) * int(format_options.get("channels", 1))
        self._bytes_per_second = rate * sample_width
        self._bytes = 0
        self._finals: dict[tuple[Any, Any], str] = {}
        handlers = {
            "transcript": self._on_results,
            "error": lambda exc: logger.debug("live microphone stream: %s", exc),
        }
        self.pump = StreamPump(
            lambda: open_live(format_options, handlers),
            on_open=self._on_open,
            on_end=self._on_end,
            finish_timeout=finish_timeout,
        )

    def start(self) -> None:
        """Start the capture (if kernel-side), then the stream; failures go to the traits."""
        if self.capture is not None:
            try:
                self.capture.start(self.feed, self._on_capture_end)
            except MicrophoneUnavailable as exc:
                self.fail(str(exc))  # the message is the whole story
                return
        self.pump.start()

    @property
    def running(self) -> bool:
        return self.host._is_current(self) and self.host.state in ("starting", "listening")

    def feed(self, data: bytes) -> None:
        """A chunk of audio: to the stream, and to the level meter and the timer."""
        host = self.host
        with host._lock:
            if not self.running or not self.pump.feed(data):
                return
            self._bytes += len(data)
            host._update(
                level=round(pcm_level(data, self._width), 4),
                elapsed=self._bytes / self._bytes_per_second,
            )

    def end(self) -> None:
        """Stop capturing and finish the stream in the background (state ``finishing``)."""
        with self.host._lock:
            if not self.running:
                return
            self.host._update(state="finishing")
        if self.capture is not None:
            self.capture.stop()  # outside the lock: its thread may be waiting for it in feed()
        self.pump.finish()

    def abort(self) -> None:
        """Stop everything now, without waiting for results."""
        if self.capture is not None:
            self.capture.stop()
        self.pump.abort()
        self.pump.join(5.0)

    def browser_error(self, sentence: str) -> None:
        """The browser lost the microphone: keep what was transcribed, end in ``error``."""
        with self.host._lock:
            self.browser_failed = True
            self.host._update(error=sentence)
            self.end()

    def fail(self, exc: BaseException | str) -> None:
        """End in ``error`` with a sentence about ``exc`` (never a traceback, never the key)."""
        text = self.host._redact(exc if isinstance(exc, str) else describe_error(exc))
        with self.host._lock:
            if not self.host._is_current(self):
                return
            self.host._update(error=text, interim="", state="error")
            self.host._finished.set()
        if self.capture is not None:
            self.capture.stop()
        if not self.pump.ended:
            self.pump.abort()
        self.host._release_browser()

    # ------------------------------------------------------------------ callbacks

    def _on_open(self, live: LiveTranscription) -> None:
        with self.host._lock:
            if self.host._is_current(self):
                self.live = live
                if self.host.state == "starting":
                    self.host._update(state="listening")

    def _on_results(self, message: dict[str, Any]) -> None:
        try:
            text = message["channel"]["alternatives"][0]["transcript"] or ""
        except (KeyError, IndexError, TypeError):
            return
        with self.host._lock:
            if not self.host._is_current(self):
                return
            if message.get("is_final"):
                if text:
                    self._finals[(message.get("start"), message.get("duration"))] = text
                self.host._update(final_text=" ".join(self._finals.values()), interim="")
            else:
                self.host._update(interim=text)

    def _on_capture_end(self, exc: BaseException | None) -> None:
        if exc is not None:
            self.fail(exc)
        else:
            self.end()  # the end of the file: finish as if Stop was pressed

    def _on_end(self, live: LiveTranscription | None, exc: BaseException | None) -> None:
        if self.capture is not None:
            self.capture.stop()
        if live is not None:
            self.live = live
        host = self.host
        with host._lock:
            if not host._is_current(self):
                return
            if live is not None:
                host._update(final_text=live.transcript, interim="")
            if exc is not None:
                self.fail(exc)
                return
            if self.capture is None and host.state != "finishing":
                host._release_browser()  # the stream ended by itself: free the microphone
            host._update(state="error" if self.browser_failed else "done")
            host._finished.set()
