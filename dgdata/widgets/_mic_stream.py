"""The kernel half of :class:`~dgdata.widgets.LiveMicrophone`: audio in, a live stream out.

:class:`StreamPump` owns one :class:`~dgdata.live.LiveTranscription` and a worker thread. Audio
chunks are queued by whoever has them (the widget's comm handler for the browser's microphone,
the capture thread of a kernel-side source) and the worker opens the stream, sends them and
finishes it. So nothing that calls the pump ever waits for the network: the kernel stays
responsive while the WebSocket handshake or ``finish()`` take their time.

Also here: the sentences shown for the errors a browser reports (``NotAllowedError``…).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from dgdata.live import LiveTranscription

__all__ = ["BROWSER_ERRORS", "StreamPump", "browser_error_sentence"]

logger = logging.getLogger(__name__)

_ids = itertools.count(1)


class _Signal:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


_FINISH = _Signal("finish")  # CloseStream, wait for the last results
_ABORT = _Signal("abort")  # close now, results so far are kept
_CLOSED = _Signal("closed")  # the server closed the stream (posted by its close handler)

OpenStream = Callable[[], LiveTranscription]
EndHandler = Callable[[LiveTranscription | None, BaseException | None], None]


class StreamPump:
    """Send queued audio to a live stream from a worker thread.

    Args:
        open_stream: opens and returns a started :class:`LiveTranscription`; called on the
            worker thread (a refused handshake raises there and goes to ``on_end``).
        on_open: called with the stream once it is open, before any audio is sent.
        on_end: called once, last, with the stream (``None`` if it never opened) and the error
            that ended it (``None`` after a clean finish or an abort).
        finish_timeout: seconds :meth:`LiveTranscription.finish` waits for the last results.
    """

    def __init__(
        self,
        open_stream: OpenStream,
        *,
        on_open: Callable[[LiveTranscription], None],
        on_end: EndHandler,
        finish_timeout: float = 10.0,
    ) -> None:
        self._open_stream = open_stream
        self._on_open = on_open
        self._on_end = on_end
        self._finish_timeout = finish_timeout
        self._queue: queue.SimpleQueue[bytes | _Signal] = queue.SimpleQueue()
        self._ended = threading.Event()
        self._ending = False
        self._aborted = False
        self.live: LiveTranscription | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"dgdata-mic-stream-{next(_ids)}", daemon=True
        )

    def start(self) -> StreamPump:
        """Start the worker: it opens the stream, then sends what is queued."""
        self._thread.start()
        return self

    def feed(self, data: bytes) -> bool:
        """Queue a chunk of audio; ``False`` (and dropped) once the pump is finishing or over."""
        if self._ending or self._ended.is_set() or not data:
            return False
        self._queue.put(data)
        return True

    def finish(self) -> None:
        """Send what is queued, then finish the stream (``CloseStream``, last results)."""
        if not self._ending:
            self._ending = True
            self._queue.put(_FINISH)

    def abort(self) -> None:
        """Close the stream without waiting for results; queued audio is dropped."""
        self._ending = self._aborted = True
        self._queue.put(_ABORT)

    @property
    def ended(self) -> bool:
        """The worker has finished (``on_end`` has been called)."""
        return self._ended.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker; ``True`` when it has finished."""
        if self._thread.ident is None:
            return True
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        live: LiveTranscription | None = None
        failure: BaseException | None = None
        try:
            live = self._open_stream()
            self.live = live
            live.on("close", lambda status: self._queue.put(_CLOSED))
            if not live.is_open:  # closed before the handler was there
                self._queue.put(_CLOSED)
            self._on_open(live)
            failure = self._pump(live)
        except Exception as exc:
            failure = exc
            if live is not None:
                live.close()
        finally:
            self._ending = True
            self._ended.set()
            try:
                self._on_end(live, failure)
            except Exception:  # the widget's bug must not hide behind a silent thread
                logger.exception("live microphone: the end handler failed")

    def _pump(self, live: LiveTranscription) -> BaseException | None:
        while True:
            item = self._queue.get()
            if isinstance(item, bytes):
                if not self._aborted:  # after an abort, queued audio is dropped
                    live.send(item)  # raises the stream's error once it has failed
            elif item is _FINISH:
                live.finish(self._finish_timeout)  # raises a close error or a timeout
                return None
            elif item is _ABORT:
                live.close()
                return None
            elif item is _CLOSED and not live.is_open:
                live.close()  # joins the stream's threads
                return live.error


_ELSEWHERE = 'or capture on the kernel\'s machine with LiveMicrophone(dg, source="kernel").'

#: What a person is told for each error the browser reports (``DOMException.name``, or the
#: widget's own names for checks made before ``getUserMedia``). Sent to the front-end too.
BROWSER_ERRORS: dict[str, str] = {
    "NotAllowedError": (
        "The browser denied access to the microphone. Allow it for this page (the microphone "
        f"or lock icon next to the address), then press Start again; {_ELSEWHERE}"
    ),
    "NotFoundError": (
        "The browser found no microphone. Plug one in (or enable it in the system settings) "
        f"and press Start again; {_ELSEWHERE}"
    ),
    "OverconstrainedError": (
        "No microphone of this computer can capture audio as requested. Try another "
        f"microphone or turn the processing options off; {_ELSEWHERE}"
    ),
    "NotReadableError": (
        "The microphone could not be opened: another application may be using it. Close "
        "that application and press Start again."
    ),
    "InsecureContextError": (
        "The microphone is only available to secure pages, and this page is not one. Open "
        "Jupyter over https:// or on http://localhost (for example through an SSH tunnel), "
        f"{_ELSEWHERE}"
    ),
    "NoMediaDevicesError": (
        "This browser or notebook front-end gives widgets no access to a microphone (VS "
        "Code's notebooks, for one, do not). Open the notebook in JupyterLab or Notebook 7 in "
        f"a browser, {_ELSEWHERE}"
    ),
    "NoAudioWorkletError": (
        "This browser cannot process audio in an AudioWorklet. Use a current Chrome, Edge, "
        f"Firefox or Safari, {_ELSEWHERE}"
    ),
    "AudioSuspendedError": (
        "The browser did not let the page start audio processing. Click Start (browsers "
        "want a click on the page first)."
    ),
    "TrackEndedError": (
        "The microphone stopped delivering audio (unplugged, or access was revoked). The "
        "transcript so far is kept; press Start to record again."
    ),
}
BROWSER_ERRORS["SecurityError"] = BROWSER_ERRORS["NotAllowedError"]
BROWSER_ERRORS["PermissionDeniedError"] = BROWSER_ERRORS["NotAllowedError"]  # old Chrome
BROWSER_ERRORS["DevicesNotFoundError"] = BROWSER_ERRORS["NotFoundError"]  # old Chrome


def browser_error_sentence(name: Any, message: Any = "") -> str:
    """The sentence for an error the browser reported: ``{type: "error", name, message}``."""
    key = str(name or "").strip()
    known = BROWSER_ERRORS.get(key)
    if known is not None:
        return known
    detail = " ".join(str(message or "").split())[:300]
    what = f"{key}: {detail}" if key and detail else key or detail or "unknown error"
    return f"The browser could not capture the microphone ({what}). Press Start to try again."
