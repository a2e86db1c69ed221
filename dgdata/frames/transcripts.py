"""Transcripts as tidy DataFrames: pure functions from ``/v1/listen`` JSON to pandas.

Every function takes one transcript or several (see *Inputs*) and returns a DataFrame whose
columns and dtypes are declared once in :data:`SCHEMAS`: the same whether or not the feature
was requested, whether or not a field was present, and for an empty result. Times and scores
are ``float64``; ``channel``, ``alternative``, ``speaker`` and positions are nullable ``Int64``;
text is the nullable ``string`` dtype. A value of the wrong JSON type becomes missing
(``NaN``/``<NA>``) instead of failing, so partial responses still give frames.

Inputs (details in :mod:`dgdata.frames._inputs`):

- a ``/v1/listen`` response dict or a :class:`dgdata.Transcript`;
- a live ``Results`` message, or a live session's messages as a list (final results only);
- several of these as a list / tuple (``source`` = position, or ``name`` for
  ``(name, transcript)`` pairs) or as a mapping ``{name: transcript}`` (``source`` = name).
  Then a ``source`` column comes first (``Int64`` for positions, else ``string``).

Anything that is not a transcript raises ``TypeError`` (wrong kind of object) or ``ValueError``
(a dict that is not a transcript, such as an error body), saying what was expected.

Example::

    >>> from dgdata import frames
    >>> words = frames.words(response)                   # one transcript
    >>> frames.words({"a.wav": ra, "b.wav": rb}).groupby("source").size()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Any, TypeAlias

import pandas as pd

from dgdata.frames import _walkers as walk
from dgdata.frames._inputs import Unit, collect, source_array
from dgdata.frames._schema import FLOAT, INT, STRING, Schema

#: A transcript (response dict, Transcript, live message(s)) or a list / mapping of them.
TranscriptSource: TypeAlias = Mapping[str, Any] | Iterable[Any]

_KEYS = {"channel": INT, "alternative": INT}
_SEGMENT = {"segment": INT, "start_word": INT, "end_word": INT, "text": STRING}

#: The declared columns and dtypes of every transcript frame, by function name.
SCHEMAS: dict[str, Schema] = {
    schema.name: schema
    for schema in (
        Schema(
            "words",
            {
                **_KEYS,
                "word": STRING,
                "punctuated_word": STRING,
                "start": FLOAT,
                "end": FLOAT,
                "confidence": FLOAT,
                "speaker": INT,
                "speaker_confidence": FLOAT,
                "language": STRING,
            },
        ),
        Schema(
            "utterances",
            {
                "channel": INT,
                "speaker": INT,
                "start": FLOAT,
                "end": FLOAT,
                "confidence": FLOAT,
                "transcript": STRING,
                "num_words": INT,
                "id": STRING,
            },
        ),
        Schema(
            "paragraphs",
            {
                **_KEYS,
                "paragraph": INT,
                "speaker": INT,
                "start": FLOAT,
                "end": FLOAT,
                "num_words": INT,
                "num_sentences": INT,
                "text": STRING,
            },
        ),
        Schema(
            "sentences",
            {
                **_KEYS,
                "paragraph": INT,
                "sentence": INT,
                "speaker": INT,
                "start": FLOAT,
                "end": FLOAT,
                "text": STRING,
            },
        ),
        Schema(
            "alternatives",
            {
                **_KEYS,
                "transcript": STRING,
                "confidence": FLOAT,
                "num_words": INT,
                "detected_language": STRING,
                "language_confidence": FLOAT,
            },
        ),
        Schema(
            "summary",
            {
                "version": STRING,
                **_KEYS,
                "start_word": INT,
                "end_word": INT,
                "summary": STRING,
                "result": STRING,
            },
        ),
        Schema("topics", {**_KEYS, **_SEGMENT, "topic": STRING, "confidence": FLOAT}),
        Schema("intents", {**_KEYS, **_SEGMENT, "intent": STRING, "confidence": FLOAT}),
        Schema(
            "sentiments",
            {"kind": STRING, **_SEGMENT, "sentiment": STRING, "sentiment_score": FLOAT},
        ),
        Schema(
            "entities",
            {
                **_KEYS,
                "label": STRING,
                "value": STRING,
                "raw_value": STRING,
                "confidence": FLOAT,
                "start_word": INT,
                "end_word": INT,
            },
        ),
        Schema(
            "search_hits",
            {
                "channel": INT,
                "query": STRING,
                "start": FLOAT,
                "end": FLOAT,
                "confidence": FLOAT,
                "snippet": STRING,
            },
        ),
        Schema("languages", {**_KEYS, "language": STRING, "confidence": FLOAT, "num_words": INT}),
    )
}

#: The walker that gives each frame's rows (:mod:`dgdata.frames._walkers`), by function name.
_WALKERS: dict[str, Callable[[Unit], Iterator[walk.Chunk]]] = {
    "words": walk.word_chunks,
    "utterances": walk.utterance_chunks,
    "paragraphs": walk.paragraph_chunks,
    "sentences": walk.sentence_chunks,
    "alternatives": walk.alternative_chunks,
    "summary": walk.summary_chunks,
    "topics": partial(walk.labelled_segment_chunks, section="topics", label="topic"),
    "intents": partial(walk.labelled_segment_chunks, section="intents", label="intent"),
    "sentiments": walk.sentiment_chunks,
    "entities": walk.entity_chunks,
    "search_hits": walk.search_hit_chunks,
    "languages": walk.language_chunks,
}


def _build(transcripts: TranscriptSource, name: str) -> pd.DataFrame:
    """Walk every transcript for frame ``name``, gather the chunks into columns, convert once."""
    schema, walker = SCHEMAS[name], _WALKERS[name]
    units, sources = collect(transcripts)
    per_unit = [[chunk for chunk in walker(unit) if chunk[0]] for unit in units]
    counts = [sum(rows for rows, _ in chunks) for chunks in per_unit]
    chunks = [chunk for unit_chunks in per_unit for chunk in unit_chunks]
    if len(chunks) == 1:  # the common single-alternative case: use its lists as they are
        columns: dict[str, Any] = dict(chunks[0][1])
    else:
        columns = {name: [] for name in schema.names}
        for rows, chunk in chunks:
            for name, column in columns.items():
                values = chunk.get(name)
                column.extend([None] * rows if values is None else values)
    frame = schema.frame(columns, sum(counts))
    if sources is not None:
        frame.insert(0, "source", source_array(sources, counts))
    return frame


def words(transcripts: TranscriptSource) -> pd.DataFrame:
    """One row per word, for every channel and alternative.

    Columns: ``channel``, ``alternative``, ``word``, ``punctuated_word`` (with
    ``smart_format``/``punctuate``), ``start``, ``end``, ``confidence``, ``speaker`` and
    ``speaker_confidence`` (with ``diarize``), ``language`` (multilingual models).
    For a live session the words of the final ``Results`` messages are listed in order.

    Example::

        >>> df = frames.words(response)
        >>> df.loc[df.confidence < 0.5, ["word", "start"]]     # the doubtful words
    """
    return _build(transcripts, "words")


def utterances(transcripts: TranscriptSource) -> pd.DataFrame:
    """One row per utterance (``utterances=true``): who spoke when.

    Columns: ``channel``, ``speaker``, ``start``, ``end``, ``confidence``, ``transcript``,
    ``num_words`` (words in the utterance), ``id``.

    Example::

        >>> u = frames.utterances(response)
        >>> (u.end - u.start).groupby(u.speaker).sum()         # talk time per speaker
    """
    return _build(transcripts, "utterances")


def paragraphs(transcripts: TranscriptSource) -> pd.DataFrame:
    """One row per paragraph (``paragraphs=true`` or ``smart_format=true``).

    Columns: ``channel``, ``alternative``, ``paragraph`` (its position in the alternative),
    ``speaker``, ``start``, ``end``, ``num_words``, ``num_sentences``, ``text`` (the sentences
    joined by spaces).

    Example::

        >>> frames.paragraphs(response)[["start", "text"]]
    """
    return _build(transcripts, "paragraphs")


def sentences(transcripts: TranscriptSource) -> pd.DataFrame:
    """One row per sentence of every paragraph.

    Columns: ``channel``, ``alternative``, ``paragraph``, ``sentence`` (its position in the
    paragraph), ``speaker`` (the paragraph's), ``start``, ``end``, ``text``.

    Example::

        >>> s = frames.sentences(response)
        >>> s.assign(seconds=s.end - s.start).nlargest(3, "seconds")
    """
    return _build(transcripts, "sentences")


def alternatives(transcripts: TranscriptSource) -> pd.DataFrame:
    """One row per alternative of every channel (one per final message of a live session).

    Columns: ``channel``, ``alternative``, ``transcript``, ``confidence``, ``num_words``,
    ``detected_language`` and ``language_confidence`` (``detect_language=true``, per channel).

    Example::

        >>> frames.alternatives(response).set_index(["channel", "alternative"]).transcript
    """
    return _build(transcripts, "alternatives")


def summary(transcripts: TranscriptSource) -> pd.DataFrame:
    """Summaries, both shapes.

    ``summarize=v2`` gives one row with ``version="v2"``, the text in ``summary`` and the
    status (``"success"``) in ``result``; ``channel``/``alternative``/``start_word``/``end_word``
    are missing. The older ``summarize=true`` gives one row per ``alternatives[].summaries``
    item with ``version="v1"`` and the word range it covers. A ``/v1/read`` response's summary
    has the ``v2`` shape.

    Example::

        >>> frames.summary(response).summary.iloc[0]
        'Speaker 1 discusses the goal of establishing a more perfect union, …'
    """
    return _build(transcripts, "summary")


def topics(transcripts: TranscriptSource) -> pd.DataFrame:
    """One row per (segment, topic) found by ``topics=true``.

    Columns: ``channel``, ``alternative`` (missing for the results-level analysis),
    ``segment`` (position), ``start_word``, ``end_word``, ``text`` (the segment), ``topic``,
    ``confidence`` (``confidence_score``). Reads ``results.topics.results.topics.segments``
    (the spec), ``results.topics.segments`` and ``alternatives[].topics`` (older topic
    detection: bare topic strings, so ``confidence`` is missing). Segments without topics give
    no rows.

    Example::

        >>> frames.topics(response).groupby("topic").confidence.max()
    """
    return _build(transcripts, "topics")


def intents(transcripts: TranscriptSource) -> pd.DataFrame:
    """One row per (segment, intent) found by ``intents=true``; same layout as :func:`topics`.

    Example::

        >>> frames.intents(response).query("confidence > 0.5").intent.unique()
    """
    return _build(transcripts, "intents")


def sentiments(transcripts: TranscriptSource) -> pd.DataFrame:
    """Sentiment per segment (``sentiment=true``), then the transcript's average.

    Columns: ``kind`` (``"segment"`` or ``"average"``), ``segment``, ``start_word``,
    ``end_word``, ``text``, ``sentiment`` (positive / neutral / negative),
    ``sentiment_score`` (-1 … 1). The ``average`` row has only ``sentiment`` and
    ``sentiment_score``; filter it out with ``df[df.kind == "segment"]``.

    Example::

        >>> s = frames.sentiments(response)
        >>> s.loc[s.kind == "average", "sentiment"].item()
        'neutral'
    """
    return _build(transcripts, "sentiments")


def entities(transcripts: TranscriptSource) -> pd.DataFrame:
    """One row per detected entity (``detect_entities=true``).

    Columns: ``channel``, ``alternative``, ``label`` (e.g. ``NAME``), ``value``, ``raw_value``,
    ``confidence``, ``start_word``, ``end_word`` (word positions in the alternative; live
    results document ``end_word`` as exclusive). Live messages carry entities at the top
    level; they are attributed to alternative 0.

    Example::

        >>> frames.entities(response).groupby("label").value.unique()
    """
    return _build(transcripts, "entities")


def search_hits(transcripts: TranscriptSource) -> pd.DataFrame:
    """One row per hit of every ``search=`` query, per channel.

    Columns: ``channel``, ``query``, ``start``, ``end``, ``confidence``, ``snippet``. A query
    without hits gives no rows.

    Example::

        >>> hits = frames.search_hits(response)
        >>> hits[hits.confidence > 0.8].groupby("query").size()
    """
    return _build(transcripts, "search_hits")


def languages(transcripts: TranscriptSource) -> pd.DataFrame:
    """One row per language seen in each channel and alternative.

    A language is listed when it is the channel's ``detected_language``
    (``detect_language=true``), in the alternative's ``languages`` or on any word
    (multilingual models). Columns: ``channel``, ``alternative``, ``language``,
    ``confidence`` (the channel's ``language_confidence`` for its detected language),
    ``num_words`` (words labelled with it; missing when words carry no language).

    Example::

        >>> frames.languages(response).sort_values("num_words", ascending=False)
    """
    return _build(transcripts, "languages")
