"""The read-only side of a live stream: accumulated results, and handler registration.

Mixins of :class:`dgdata.live.LiveTranscription`, kept apart so that ``live.py`` holds the
connection logic only. They rely on the attributes the stream sets in its ``__init__``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import pandas as pd

from dgdata.live.protocol import LiveTranscriptionEvent
from dgdata.live.results import LiveGap, LiveResults, SendLog, latency_summary

logger = logging.getLogger(__name__)

Handler = Callable[[Any], Any]


class LiveEvents:
    """Handler registration and dispatch (``on``, ``off``, the seed's ``registerHandler``)."""

    _lock: threading.RLock
    _handlers: dict[LiveTranscriptionEvent, list[Handler]]
    _errors: list[BaseException]

    def on(self, event: LiveTranscriptionEvent | str, handler: Handler | None = None) -> Any:
        """Call ``handler`` on ``event``; also usable as a decorator: ``@live.on("transcript")``.

        Handlers run on the reader thread, one message at a time: keep them quick. An exception
        in a handler is logged and passed to the ``error`` handlers; it never stops the stream.
        """
        member = LiveTranscriptionEvent.coerce(event)
        if handler is None:
            return lambda fn: self.on(member, fn)
        if not callable(handler):
            raise TypeError(f"handler must be callable, got {type(handler).__name__}")
        with self._lock:
            self._handlers.setdefault(member, []).append(handler)
        return handler

    def off(self, event: LiveTranscriptionEvent | str, handler: Handler) -> None:
        """Stop calling ``handler`` on ``event`` (no error when it was not registered)."""
        member = LiveTranscriptionEvent.coerce(event)
        with self._lock, contextlib.suppress(ValueError):
            self._handlers.get(member, []).remove(handler)

    registerHandler = on  # the seed SDK's names
    deregisterHandler = off

    def _emit(self, event: LiveTranscriptionEvent, argument: Any) -> None:
        with self._lock:
            handlers = list(self._handlers.get(event, ()))
        for handler in handlers:
            try:
                handler(argument)
            except Exception as exc:
                logger.exception("live %s handler %r raised", event.value, handler)
                if event is not LiveTranscriptionEvent.ERROR:
                    self._report(exc)

    def _report(self, exc: BaseException) -> None:
        with self._lock:
            self._errors.append(exc)
        self._emit(LiveTranscriptionEvent.ERROR, exc)


class LiveResultsView:
    """What a stream has received: messages, transcript, words, utterances, latency, gaps."""

    _lock: threading.RLock
    _send_lock: threading.Lock
    _results: LiveResults
    _log: SendLog
    _rate: float | None
    _ended: threading.Event
    _started: bool
    _options: dict[str, Any]
    _gaps: list[LiveGap]
    _errors: list[BaseException]
    _bytes_sent: int

    @property
    def options(self) -> dict[str, Any]:
        """The ``/v1/listen`` options the stream was opened with (a copy)."""
        return dict(self._options)

    @property
    def is_open(self) -> bool:
        """Started and not yet ended (``True`` also while reconnecting)."""
        return self._started and not self._ended.is_set()

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message received, in order (a copy of the list)."""
        with self._lock:
            return list(self._results.messages)

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The ``Metadata`` message (sent after ``CloseStream``), or ``None`` before it."""
        with self._lock:
            return self._results.metadata

    @property
    def request_id(self) -> str | None:
        """Deepgram's request id of the stream (from the first message that carries it)."""
        with self._lock:
            return self._results.request_id

    @property
    def transcript(self) -> str:
        """The final transcript text so far (channel 0; see :meth:`transcript_of`)."""
        return self.transcript_of(0)

    def transcript_of(self, channel: int) -> str:
        """The final transcript text of one channel (with ``multichannel=true``)."""
        with self._lock:
            return self._results.transcript(channel)

    @property
    def words(self) -> pd.DataFrame:
        """The words of the final results, without duplicates (:func:`dgdata.frames.words`).

        Columns ``channel``, ``alternative`` (``Int64``), ``word``, ``punctuated_word``
        (``string``), ``start``, ``end``, ``confidence`` (``float64``), ``speaker``
        (``Int64``), ``speaker_confidence``, ``language``.
        """
        with self._lock:
            return self._results.words()

    @property
    def utterances(self) -> pd.DataFrame:
        """Utterances ended by ``speech_final`` or ``UtteranceEnd``.

        Columns ``start``, ``end`` (``float64``), ``transcript`` (``string``), ``channel``
        (``Int64``), ``ended_by`` (``speech_final``, ``utterance_end``, ``stream_end`` or
        ``open`` for the one still being spoken).
        """
        with self._lock:
            return self._results.utterances(self._ended.is_set())

    @property
    def latency(self) -> pd.DataFrame:
        """For each final result: when its audio (up to ``start + duration``) had been sent
        (``sent_at``), when the result arrived (``received_at``), and the difference
        (``latency``, seconds). Exact for raw audio (``encoding`` + ``sample_rate`` given);
        otherwise the audio is assumed to have been sent in real time."""
        with self._lock:
            return self._results.latency(self._log, self._rate, self._log.first_at)

    def latency_summary(self) -> dict[str, float]:
        """``count``, ``mean``, ``p50``, ``p90``, ``p99``, ``max`` of :attr:`latency` (seconds)."""
        return latency_summary(self.latency)

    @property
    def gaps(self) -> list[LiveGap]:
        """The stretches without a connection of a reconnecting stream (see :class:`LiveGap`)."""
        with self._send_lock:
            return list(self._gaps)

    @property
    def errors(self) -> list[BaseException]:
        """Every error reported to the ``error`` event (handler exceptions included)."""
        with self._lock:
            return list(self._errors)

    @property
    def bytes_sent(self) -> int:
        """Audio bytes written to the socket (not counting those dropped during a gap)."""
        return self._bytes_sent

    def to_transcript(self) -> Any:
        """All channels as a :class:`dgdata.Transcript`, as a prerecorded request would give."""
        from dgdata.transcript import Transcript

        with self._lock:
            finals, metadata = list(self._results.finals), self._results.metadata
        return Transcript.from_live(finals + ([metadata] if metadata else []))
