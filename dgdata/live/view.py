"""The read-only side of a live stream: what it has received, as properties and DataFrames.

A mixin of :class:`dgdata.live.LiveTranscription`, kept apart so that ``listen.py`` holds the
protocol logic only. It relies on the attributes the stream sets in its ``__init__``. Handler
registration (``on``, ``off``) is :class:`dgdata.live._events.HasEvents`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import pandas as pd

from dgdata.live.results import LiveGap, LiveResults, SendLog, latency_summary

if TYPE_CHECKING:
    from dgdata.errors import DeepgramError
    from dgdata.live._connection import Connection
    from dgdata.live._state import ConnectionState
    from dgdata.live.protocol import CloseStatus

__all__ = ["LiveResultsView"]


class LiveResultsView:
    """What a stream has received: messages, transcript, words, utterances, latency, gaps."""

    _lock: threading.RLock
    _conn: Connection
    _results: LiveResults
    _log: SendLog
    _rate: float | None
    _options: dict[str, Any]
    _gaps: list[LiveGap]
    _bytes_sent: int

    @property
    def options(self) -> dict[str, Any]:
        """The ``/v1/listen`` options the stream was opened with (a copy)."""
        return dict(self._options)

    @property
    def is_open(self) -> bool:
        """Started and not yet ended (``True`` also while reconnecting)."""
        return self._conn.state.current.active

    @property
    def state(self) -> ConnectionState:
        """Where the stream is in its life: ``OPEN``, ``RECONNECTING``, ``CLOSED``… (an enum)."""
        return self._conn.state.current

    @property
    def error(self) -> DeepgramError | None:
        """The error that ended the stream (``None`` while it runs and after a normal end)."""
        return self._conn.error

    @property
    def close_status(self) -> CloseStatus | None:
        """How the stream ended (an ``int`` close code with ``reason`` and ``error``)."""
        return self._conn.close_status

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
            return self._results.utterances(self._conn.state.current.ended)

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
        with self._conn.send_lock:
            return list(self._gaps)

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
