"""``Transcript``: a ``/v1/listen`` response that is still the plain dict, plus views.

A :class:`Transcript` *is* the response dict (``json.dumps(t)`` gives the same JSON,
``t["results"]`` works), with properties that turn it into text, DataFrames (through the pure
functions of :mod:`dgdata.frames`), captions (through the official ``deepgram-captions``
package) and a notebook view. It imports only pandas, the standard library, deepgram-captions
and :mod:`dgdata.frames`: no network, no other dgdata layer.

Example::

    >>> t = Transcript.load("call.json")
    >>> t.text[:40], t.duration
    >>> t.words.groupby("speaker").confidence.mean()
    >>> Path("call.srt").write_text(t.to_srt())
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import pandas as pd
from deepgram_captions import (
    ConverterException,
    DeepgramConverter,
    EmptyTranscriptException,
    srt,
    webvtt,
)

from dgdata import frames
from dgdata.frames import _html
from dgdata.frames._inputs import dicts, dig, is_live_message, mapping, plain, response_results
from dgdata.frames._live import response_from_live

__all__ = ["Transcript"]

_REPR_TEXT = 60
_CAPTION_ERRORS = (
    ConverterException,
    EmptyTranscriptException,
    LookupError,
    TypeError,
    ValueError,
    ArithmeticError,
    OSError,
)


class Transcript(dict[str, Any]):
    """A ``/v1/listen`` response dict with DataFrame views, captions and an HTML view.

    Construct it from the parsed JSON (``Transcript(response)``), from a file or JSON text
    (:meth:`load`) or from a live session's messages (:meth:`from_live`). Anything that is not
    a transcript raises ``TypeError`` / ``ValueError`` saying what was expected.

    The DataFrame properties (``words``, ``utterances``, …) call the functions of
    :mod:`dgdata.frames` on every access: nothing is cached, so they always reflect the dict
    as it is now; keep a result in a variable when you use it repeatedly (building the words
    of a one-hour call takes a few milliseconds). ``summary`` is the summary *text*
    (``str | None``); the summary table is ``dgdata.frames.summary(t)``.

    Example::

        >>> t = Transcript(response)
        >>> t.request_id, round(t.duration, 1)
        ('5d5d60ea-c711-4ca1-822f-6427d7227119', 19.1)
        >>> t.words[["punctuated_word", "start", "end"]].head(2)
    """

    def __init__(self, response: Mapping[str, Any]) -> None:
        response = plain(response)
        if not isinstance(response, Mapping):
            raise TypeError(
                "Transcript expects a /v1/listen response dict (use Transcript.load for a "
                f"path or JSON text), got {type(response).__name__}"
            )
        if is_live_message(response):
            raise ValueError(
                "this is a live message, not a /v1/listen response: use "
                "Transcript.from_live(messages) for a live session"
            )
        response_results(response)  # raises a ValueError that says what is wrong
        super().__init__(response)

    # ----------------------------------------------------------------- construction / files
    @classmethod
    def load(
        cls, source: str | os.PathLike[str] | bytes | IO[Any] | Mapping[str, Any]
    ) -> Transcript:
        """A Transcript from a path, JSON text (``str`` or ``bytes``), an open file or a dict.

        A ``str`` starting with ``{`` is JSON text; any other ``str`` is a path.

        Example::

            >>> Transcript.load("call.json").duration
            >>> Transcript.load('{"metadata": {}, "results": {"channels": []}}').text
            ''
        """
        if isinstance(source, Mapping):
            return cls(source)
        if isinstance(source, (bytes, bytearray)):
            return cls(_parse(source.decode("utf-8"), "the bytes"))
        if isinstance(source, str) and source.lstrip().startswith("{"):
            return cls(_parse(source, "the text"))
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            return cls(_parse(path.read_text(encoding="utf-8"), str(path)))
        if isinstance(source, (io.IOBase, io.TextIOBase)) or hasattr(source, "read"):
            text = source.read()
            if isinstance(text, (bytes, bytearray)):
                text = text.decode("utf-8")
            return cls(_parse(text, "the file"))
        raise TypeError(
            "Transcript.load expects a path, JSON text, bytes, an open file or a dict, got "
            f"{type(source).__name__}"
        )

    @classmethod
    def from_live(cls, messages: Iterable[Mapping[str, Any]]) -> Transcript:
        """A Transcript from a live session's messages, as a prerecorded request would give.

        Final ``Results`` messages are concatenated per channel and alternative (interim ones
        are skipped); ``metadata`` comes from the ``Metadata`` message when present.

        Example::

            >>> t = Transcript.from_live(received_messages)
            >>> t.text, t.to_webvtt()
        """
        return cls(response_from_live(messages))

    def save(self, path: str | os.PathLike[str], *, indent: int | None = 2) -> Path:
        """Write the response as UTF-8 JSON to ``path``; returns the path.

        Example::

            >>> t.save("call.json")
            PosixPath('call.json')
        """
        target = Path(path)
        target.write_text(json.dumps(self, ensure_ascii=False, indent=indent), encoding="utf-8")
        return target

    def copy(self) -> Transcript:
        """A shallow copy that is still a Transcript."""
        return Transcript(self)

    # ----------------------------------------------------------------- scalar views
    @property
    def metadata(self) -> dict[str, Any]:
        """The response's ``metadata`` object (``{}`` when there is none)."""
        return mapping(self.get("metadata"))

    @property
    def request_id(self) -> str | None:
        """``metadata.request_id``."""
        value = self.metadata.get("request_id")
        return None if value is None else str(value)

    @property
    def duration(self) -> float | None:
        """The audio's duration in seconds (``metadata.duration``)."""
        value = self.metadata.get("duration")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return None
        try:
            return float(value)
        except ValueError:
            return None

    @property
    def model(self) -> str | None:
        """The model(s) that answered, e.g. ``"2-general-nova (nova-3)"``."""
        return _html.model_names(self)

    @property
    def text(self) -> str:
        """The transcript of alternative 0; channels are joined with newlines.

        Example::

            >>> t.text[:30]
            'We, the people of the United S'
        """
        texts = []
        for channel in dicts(dig(self, "results", "channels")):
            first = dicts(channel.get("alternatives"))[:1]
            text = first[0].get("transcript") if first else None
            texts.append(text if isinstance(text, str) else "")
        return "\n".join(texts)

    @property
    def summary(self) -> str | None:
        """The summary text: ``summarize=v2``'s ``short``, else the v1 summaries of channel 0.

        ``None`` without a summary. The full table is ``dgdata.frames.summary(t)``.
        """
        table = frames.summary(self)
        v2 = table.loc[(table["version"] == "v2") & table["summary"].notna(), "summary"]
        if len(v2):
            return str(v2.iloc[0])
        v1 = table.loc[
            (table["channel"] == 0) & (table["alternative"] == 0) & table["summary"].notna(),
            "summary",
        ]
        return " ".join(v1.tolist()) if len(v1) else None

    # ----------------------------------------------------------------- DataFrame views
    @property
    def words(self) -> pd.DataFrame:
        """:func:`dgdata.frames.words`: one row per word."""
        return frames.words(self)

    @property
    def utterances(self) -> pd.DataFrame:
        """:func:`dgdata.frames.utterances`: one row per utterance."""
        return frames.utterances(self)

    @property
    def paragraphs(self) -> pd.DataFrame:
        """:func:`dgdata.frames.paragraphs`: one row per paragraph."""
        return frames.paragraphs(self)

    @property
    def sentences(self) -> pd.DataFrame:
        """:func:`dgdata.frames.sentences`: one row per sentence."""
        return frames.sentences(self)

    @property
    def alternatives(self) -> pd.DataFrame:
        """:func:`dgdata.frames.alternatives`: one row per channel alternative."""
        return frames.alternatives(self)

    @property
    def topics(self) -> pd.DataFrame:
        """:func:`dgdata.frames.topics`: one row per (segment, topic)."""
        return frames.topics(self)

    @property
    def intents(self) -> pd.DataFrame:
        """:func:`dgdata.frames.intents`: one row per (segment, intent)."""
        return frames.intents(self)

    @property
    def sentiments(self) -> pd.DataFrame:
        """:func:`dgdata.frames.sentiments`: per segment, then the average."""
        return frames.sentiments(self)

    @property
    def entities(self) -> pd.DataFrame:
        """:func:`dgdata.frames.entities`: one row per entity."""
        return frames.entities(self)

    @property
    def search_hits(self) -> pd.DataFrame:
        """:func:`dgdata.frames.search_hits`: one row per search hit."""
        return frames.search_hits(self)

    @property
    def languages(self) -> pd.DataFrame:
        """:func:`dgdata.frames.languages`: one row per language per alternative."""
        return frames.languages(self)

    # ----------------------------------------------------------------- captions
    def to_srt(self, *, line_length: int = 8) -> str:
        """SubRip captions (at most ``line_length`` words per cue) via ``deepgram-captions``.

        Cues follow the utterances when there are any, else channel 0's first alternative,
        with ``[speaker N]`` labels when diarized. ``ValueError`` when there are no words.

        Example::

            >>> Path("call.srt").write_text(t.to_srt())
        """
        return self._captions(srt, line_length)

    def to_webvtt(self, *, line_length: int = 8) -> str:
        """WebVTT captions via ``deepgram-captions`` (same cues as :meth:`to_srt`).

        Example::

            >>> t.to_webvtt().splitlines()[0]
            'WEBVTT'
        """
        return self._captions(webvtt, line_length)

    def _captions(self, formatter: Any, line_length: int) -> str:
        if not _has_caption_words(self):
            raise ValueError(
                "this transcript has no words to caption (no timed words in the utterances "
                "or in channel 0's first alternative)"
            )
        try:
            return str(formatter(DeepgramConverter(dict(self)), line_length))
        except _CAPTION_ERRORS as error:  # deepgram-captions indexes the JSON without checks
            raise ValueError(f"cannot make captions from this transcript: {error!r}") from error

    # ----------------------------------------------------------------- display
    def __repr__(self) -> str:
        text = self.text.replace("\n", " ")
        if len(text) > _REPR_TEXT:
            text = text[:_REPR_TEXT] + "…"
        duration = self.duration
        shown_duration = "?" if duration is None else f"{duration:.1f}s"
        return (
            f"<Transcript request_id={self.request_id} duration={shown_duration} "
            f"words={_word_count(self)} text={text!r}>"
        )

    def _repr_html_(self) -> str:
        """The notebook view: metadata header, then the transcript by utterance / paragraph."""
        return _html.render(self)


def _parse(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{what} is not valid JSON: {error}") from error


def _first_alternative_words(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    channels = dicts(dig(response, "results", "channels"))
    alternatives = dicts(channels[0].get("alternatives")) if channels else []
    return dicts(alternatives[0].get("words")) if alternatives else []


def _word_count(response: Mapping[str, Any]) -> int:
    """Words of the first alternative of every channel."""
    total = 0
    for channel in dicts(dig(response, "results", "channels")):
        alternatives = dicts(channel.get("alternatives"))
        total += len(dicts(alternatives[0].get("words"))) if alternatives else 0
    return total


def _timed(word: Mapping[str, Any]) -> bool:
    return (
        isinstance(word.get("word"), str)
        and isinstance(word.get("start"), (int, float))
        and isinstance(word.get("end"), (int, float))
    )


def _has_caption_words(response: Mapping[str, Any]) -> bool:
    """What deepgram-captions will read (utterances, else channel 0 alt 0) has timed words."""
    utterances = dicts(dig(response, "results", "utterances"))
    if utterances:
        return all((words := dicts(u.get("words"))) and all(map(_timed, words)) for u in utterances)
    words = _first_alternative_words(response)
    return bool(words) and all(map(_timed, words))
