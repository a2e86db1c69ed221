"""What a live stream has received, accumulated as it arrives: messages, finals, utterances.

:class:`LiveResults` is fed one message at a time by the reader thread of
:class:`dgdata.live.LiveTranscription` (under its lock) and turned into DataFrames on demand.
:class:`SendLog` records when each audio byte was handed to the socket, for the latency figures.
"""

from __future__ import annotations

import bisect
import copy
import math
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dgdata.frames._schema import FLOAT, INT, STRING, Schema

#: Bytes per sample of the raw encodings whose byte rate is known from the options.
SAMPLE_WIDTHS = {"linear16": 2, "linear32": 4, "mulaw": 1, "alaw": 1}

UTTERANCES = Schema(
    "live_utterances",
    (
        ("start", FLOAT),
        ("end", FLOAT),
        ("transcript", STRING),
        ("channel", INT),
        ("ended_by", STRING),
    ),
)
LATENCY = Schema(
    "live_latency",
    (
        ("channel", INT),
        ("start", FLOAT),
        ("end", FLOAT),
        ("sent_at", FLOAT),
        ("received_at", FLOAT),
        ("latency", FLOAT),
    ),
)
_WORD_KEYS = ["channel", "alternative", "start", "end", "word"]


def bytes_per_second(options: Mapping[str, Any]) -> float | None:
    """The byte rate of raw audio described by the options, or ``None`` when it is unknown.

    >>> bytes_per_second({"encoding": "linear16", "sample_rate": 16000, "channels": 2})
    64000.0
    """
    width = SAMPLE_WIDTHS.get(str(options.get("encoding", "")).lower())
    try:
        rate = float(options.get("sample_rate") or 0)
        channels = int(options.get("channels") or 1)
    except (TypeError, ValueError):
        return None
    if not width or rate <= 0 or channels <= 0:
        return None
    return width * rate * channels


@dataclass
class LiveGap:
    """A stretch of a reconnecting stream when no connection was up.

    Attributes:
        started_at, ended_at: wall times (``time.time()``) of the drop and of the reconnect
            (``ended_at`` is ``None`` when reconnecting failed).
        audio_start, audio_end: the position in the audio (seconds) at the drop and at the
            reconnect; the audio sent in between was dropped.
        dropped_bytes: audio bytes handed to ``send()`` while disconnected (not sent).
        reason: why the connection ended.
    """

    started_at: float
    audio_start: float
    reason: str
    ended_at: float | None = None
    audio_end: float | None = None
    dropped_bytes: int = 0

    @property
    def duration(self) -> float:
        """Seconds without a connection (``nan`` while it lasts or when reconnecting failed)."""
        return self.ended_at - self.started_at if self.ended_at is not None else math.nan

    def as_tuple(self) -> tuple[float, float | None]:
        """``(started_at, ended_at)``."""
        return (self.started_at, self.ended_at)


class SendLog:
    """Cumulative audio bytes handed to ``send()`` and the wall time of each call."""

    def __init__(self) -> None:
        self.cumulative = array("q")
        self.times = array("d")
        self.total = 0

    def add(self, size: int, when: float) -> None:
        self.total += size
        self.cumulative.append(self.total)
        self.times.append(when)

    def sent_at(self, byte_offset: float) -> float:
        """When the audio up to ``byte_offset`` had been handed over (``nan`` if not yet)."""
        if not self.times:
            return math.nan
        needed = max(1, math.ceil(byte_offset - 1e-6))
        index = bisect.bisect_left(self.cumulative, needed)
        if index >= len(self.times):
            return math.nan
        return self.times[index]

    @property
    def first_at(self) -> float | None:
        return self.times[0] if self.times else None


def shift_times(message: dict[str, Any], offset: float) -> dict[str, Any]:
    """A copy of a live message with its audio times moved ``offset`` seconds later."""
    shifted = copy.deepcopy(message)
    for key in ("start", "last_word_end", "timestamp"):
        value = shifted.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            shifted[key] = value + offset
    channel = shifted.get("channel")
    if isinstance(channel, dict):
        for alternative in channel.get("alternatives") or []:
            for word in (alternative or {}).get("words") or []:
                for key in ("start", "end"):
                    value = word.get(key) if isinstance(word, dict) else None
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        word[key] = value + offset
    return shifted


def _number(value: Any, default: float = math.nan) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return default


def _channel_of(value: Any) -> int:
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class _Utterance:
    def __init__(self) -> None:
        self.start = math.nan
        self.end = math.nan
        self.texts: list[str] = []

    def add(self, message: Mapping[str, Any], alternative: Mapping[str, Any]) -> None:
        words = [w for w in alternative.get("words") or [] if isinstance(w, dict)]
        start = _number(words[0].get("start")) if words else _number(message.get("start"))
        end = _number(words[-1].get("end")) if words else math.nan
        if math.isnan(end):
            end = _number(message.get("start")) + _number(message.get("duration"), 0.0)
        if math.isnan(self.start):
            self.start = start
        self.end = end
        text = alternative.get("transcript")
        if isinstance(text, str) and text.strip():
            self.texts.append(text.strip())

    @property
    def empty(self) -> bool:
        return not self.texts


class LiveResults:
    """The messages of one live stream and what is built from them (not thread-safe itself)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.finals: list[dict[str, Any]] = []
        self.metadata: dict[str, Any] | None = None
        self.request_id: str | None = None
        self._texts: dict[int, list[str]] = {}
        self._seen: set[tuple[int, float, float]] = set()
        self._open: dict[int, _Utterance] = {}
        self._utterances: list[tuple[float, float, str, int, str]] = []
        self._timing: list[tuple[int, float, float, float]] = []  # channel, start, end, received

    def add(self, message: dict[str, Any], received_at: float) -> None:
        """Record one message (already shifted onto the stream's timeline)."""
        self.messages.append(message)
        kind = message.get("type")
        if kind == "Results":
            self._add_results(message, received_at)
        elif kind == "UtteranceEnd":
            channel = _channel_of(message.get("channel"))
            self._close_utterance(channel, "utterance_end", _number(message.get("last_word_end")))
        elif kind == "Metadata":
            self.metadata = message
            self.request_id = self.request_id or message.get("request_id")

    def _add_results(self, message: dict[str, Any], received_at: float) -> None:
        metadata = message.get("metadata")
        if self.request_id is None and isinstance(metadata, dict):
            self.request_id = metadata.get("request_id")
        if message.get("is_final") is False:
            return
        channel = _channel_of(message.get("channel_index"))
        start = _number(message.get("start"))
        key = (channel, round(start, 4), round(_number(message.get("duration"), 0.0), 4))
        if key in self._seen:  # a final sent again (e.g. re-delivered): keep the first one
            return
        self._seen.add(key)
        self.finals.append(message)
        self._timing.append(
            (channel, start, start + _number(message.get("duration"), 0.0), received_at)
        )
        alternatives = (message.get("channel") or {}).get("alternatives") or [{}]
        alternative = alternatives[0] if isinstance(alternatives[0], dict) else {}
        text = alternative.get("transcript")
        if isinstance(text, str) and text.strip():
            self._texts.setdefault(channel, []).append(text.strip())
            self._open.setdefault(channel, _Utterance()).add(message, alternative)
        if message.get("speech_final") is True:
            self._close_utterance(channel, "speech_final")

    def _close_utterance(self, channel: int, ended_by: str, end: float = math.nan) -> None:
        utterance = self._open.pop(channel, None)
        if utterance is None or utterance.empty:
            return
        if not math.isnan(end):
            utterance.end = max(utterance.end, end) if not math.isnan(utterance.end) else end
        text = " ".join(utterance.texts)
        self._utterances.append((utterance.start, utterance.end, text, channel, ended_by))

    # ------------------------------------------------------------------------------ outputs

    def transcript(self, channel: int = 0) -> str:
        return " ".join(self._texts.get(channel, []))

    def words(self) -> pd.DataFrame:
        from dgdata.frames import words

        frame = words(self.finals)
        if len(frame):
            frame = frame.drop_duplicates(subset=_WORD_KEYS, ignore_index=True)
        return frame

    def utterances(self, ended: bool) -> pd.DataFrame:
        rows = list(self._utterances)
        for channel, utterance in self._open.items():
            if not utterance.empty:
                end_label = "stream_end" if ended else "open"
                rows.append(
                    (utterance.start, utterance.end, " ".join(utterance.texts), channel, end_label)
                )
        rows.sort(key=lambda row: (row[0], row[3]))
        columns = {name: [row[i] for row in rows] for i, name in enumerate(UTTERANCES.names)}
        return UTTERANCES.frame(columns, len(rows))

    def latency(self, log: SendLog, rate: float | None, offset_fallback: float | None) -> Any:
        """One row per final result: when its audio had been sent, when it came back.

        ``rate`` is the audio byte rate; without it the audio position is taken as the wall
        time since the first send (``offset_fallback``), i.e. the audio is assumed real time.
        """
        rows = []
        for channel, start, end, received in self._timing:
            if rate:
                sent = log.sent_at(end * rate)
            elif offset_fallback is not None and not math.isnan(end):
                sent = offset_fallback + end
            else:
                sent = math.nan
            rows.append((channel, start, end, sent, received, received - sent))
        columns = {name: [row[i] for row in rows] for i, name in enumerate(LATENCY.names)}
        return LATENCY.frame(columns, len(rows))


def latency_summary(frame: pd.DataFrame) -> dict[str, float]:
    """``count``, ``mean``, ``p50``, ``p90``, ``p99`` and ``max`` of the latency column (s)."""
    values = frame["latency"].to_numpy(dtype=float)
    values = values[~np.isnan(values)]
    if not len(values):
        nan = math.nan
        return {"count": 0, "mean": nan, "p50": nan, "p90": nan, "p99": nan, "max": nan}
    return {
        "count": len(values),
        "mean": float(values.mean()),
        "p50": float(np.percentile(values, 50)),
        "p90": float(np.percentile(values, 90)),
        "p99": float(np.percentile(values, 99)),
        "max": float(values.max()),
    }
