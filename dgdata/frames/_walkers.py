"""Explicit walkers over the nested transcript JSON, one per frame.

Each walker takes one transcript (a :class:`~dgdata.frames._inputs.Unit`) and yields *chunks*:
``(rows, {column: [value, ...]})`` where every list has ``rows`` values. A column a chunk does
not mention is all-missing for those rows. The values are raw JSON values; converting them to
the declared dtypes is :meth:`dgdata.frames._schema.Schema.frame`'s job, so walkers never need
to check the type of a leaf value, only of the containers they step into.

Plain list comprehensions over ``dict.get`` are the fastest pure-Python way to pull one field
out of 100k word dicts (faster than ``operator.itemgetter`` + ``zip``, and far faster than
``pandas.json_normalize``), see ``tests/benchmarks/bench_frames_words.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dgdata.frames._inputs import AltRef, Unit, dicts, dig, indexed_dicts, mapping

Chunk = tuple[int, dict[str, list[Any]]]

WORD_FIELDS = (
    "word",
    "punctuated_word",
    "start",
    "end",
    "confidence",
    "speaker",
    "speaker_confidence",
    "language",
)


def _keys(ref: AltRef, rows: int) -> dict[str, list[Any]]:
    return {"channel": [ref.channel] * rows, "alternative": [ref.alternative] * rows}


def _one(**values: Any) -> Chunk:
    """A one-row chunk."""
    return 1, {name: [value] for name, value in values.items()}


def word_chunks(unit: Unit) -> Iterator[Chunk]:
    """Rows of :func:`dgdata.frames.words`: every word of every alternative and channel."""
    for ref in unit.alternatives():
        items = dicts(ref.data.get("words"))
        if items:
            chunk = {name: [item.get(name) for item in items] for name in WORD_FIELDS}
            chunk.update(_keys(ref, len(items)))
            yield len(items), chunk


def utterance_chunks(unit: Unit) -> Iterator[Chunk]:
    """Rows of :func:`dgdata.frames.utterances`: ``results.utterances``."""
    items = dicts(mapping(unit.results).get("utterances"))
    if items:
        fields = ("channel", "speaker", "start", "end", "confidence", "transcript", "id")
        chunk = {name: [item.get(name) for item in items] for name in fields}
        chunk["num_words"] = [_length(item.get("words")) for item in items]
        yield len(items), chunk


def paragraph_chunks(unit: Unit) -> Iterator[Chunk]:
    """Rows of :func:`dgdata.frames.paragraphs`: ``alternatives[].paragraphs.paragraphs``."""
    for ref in unit.alternatives():
        for position, paragraph in indexed_dicts(dig(ref.data, "paragraphs", "paragraphs")):
            sentences = dicts(paragraph.get("sentences"))
            texts = [text for text in (s.get("text") for s in sentences) if isinstance(text, str)]
            yield _one(
                channel=ref.channel,
                alternative=ref.alternative,
                paragraph=position,
                speaker=paragraph.get("speaker"),
                start=paragraph.get("start"),
                end=paragraph.get("end"),
                num_words=paragraph.get("num_words"),
                num_sentences=len(sentences),
                text=" ".join(texts),
            )


def sentence_chunks(unit: Unit) -> Iterator[Chunk]:
    """Rows of :func:`dgdata.frames.sentences`: the sentences of every paragraph."""
    for ref in unit.alternatives():
        for position, paragraph in indexed_dicts(dig(ref.data, "paragraphs", "paragraphs")):
            numbered = list(indexed_dicts(paragraph.get("sentences")))
            if numbered:
                rows = len(numbered)
                chunk = _keys(ref, rows)
                chunk["paragraph"] = [position] * rows
                chunk["speaker"] = [paragraph.get("speaker")] * rows
                chunk["sentence"] = [number for number, _ in numbered]
                for name in ("start", "end", "text"):
                    chunk[name] = [sentence.get(name) for _, sentence in numbered]
                yield rows, chunk


def alternative_chunks(unit: Unit) -> Iterator[Chunk]:
    """Rows of :func:`dgdata.frames.alternatives`: one per alternative (per final message, live)."""
    for ref in unit.alternatives():
        yield _one(
            channel=ref.channel,
            alternative=ref.alternative,
            transcript=ref.data.get("transcript"),
            confidence=ref.data.get("confidence"),
            num_words=_length(ref.data.get("words")),
            detected_language=ref.container.get("detected_language"),
            language_confidence=ref.container.get("language_confidence"),
        )


def summary_chunks(unit: Unit) -> Iterator[Chunk]:
    """Rows of :func:`dgdata.frames.summary`: ``results.summary`` (v2) and v1 ``summaries``."""
    node = mapping(unit.results).get("summary")
    if isinstance(node, dict):
        text = node.get("short")
        if text is None:  # /v1/read: {"text": …} (real) or {"results": {"summary": …}} (spec)
            text = node.get("text", dig(node, "results", "summary", "text"))
        if text is not None or node.get("result") is not None:
            yield _one(version="v2", summary=text, result=node.get("result"))
    elif isinstance(node, str):
        yield _one(version="v2", summary=node)
    for ref in unit.alternatives():
        for item in dicts(ref.data.get("summaries")):
            yield _one(
                version="v1",
                channel=ref.channel,
                alternative=ref.alternative,
                start_word=item.get("start_word"),
                end_word=item.get("end_word"),
                summary=item.get("summary"),
            )


def labelled_segment_chunks(unit: Unit, section: str, label: str) -> Iterator[Chunk]:
    """Rows of :func:`dgdata.frames.topics` / :func:`~dgdata.frames.intents`.

    ``section`` is ``"topics"`` or ``"intents"`` and ``label`` ``"topic"`` or ``"intent"``.
    Reads ``results.<section>.results.<section>.segments`` (the spec), the flatter
    ``results.<section>.segments``, and ``alternatives[].<section>`` (older topic detection).
    """
    node = mapping(unit.results).get(section)
    segments = dig(node, "results", section, "segments")
    if segments is None:
        segments = dig(node, "segments")
    yield from _labelled_segments(segments, section, label, None, None)
    for ref in unit.alternatives():
        yield from _labelled_segments(
            ref.data.get(section), section, label, ref.channel, ref.alternative
        )


def _labelled_segments(
    segments: Any, section: str, label: str, channel: int | None, alternative: int | None
) -> Iterator[Chunk]:
    for position, segment in indexed_dicts(segments):
        labels = segment.get(section)
        found = [_label(item, label) for item in labels] if isinstance(labels, list) else []
        pairs = [pair for pair in found if pair is not None]
        if pairs:
            rows = len(pairs)
            chunk = {
                name: [value] * rows
                for name, value in (
                    ("channel", channel),
                    ("alternative", alternative),
                    ("segment", position),
                    ("start_word", segment.get("start_word")),
                    ("end_word", segment.get("end_word")),
                    ("text", segment.get("text")),
                )
            }
            chunk[label] = [name for name, _ in pairs]
            chunk["confidence"] = [confidence for _, confidence in pairs]
            yield rows, chunk


def _label(item: Any, key: str) -> tuple[Any, Any] | None:
    """``(label, confidence)`` from ``{"topic": …, "confidence_score": …}`` or a bare string."""
    if isinstance(item, str):
        return item, None
    if isinstance(item, dict):
        confidence = item.get("confidence_score", item.get("confidence"))
        return item.get(key), confidence
    return None


def sentiment_chunks(unit: Unit) -> Iterator[Chunk]:
    """Rows of :func:`dgdata.frames.sentiments`: the segments, then the ``average``."""
    node = mapping(unit.results).get("sentiments")
    if dig(node, "segments") is None and dig(node, "average") is None:
        node = dig(node, "results", "sentiments")  # the topics/intents nesting, tolerated
    for position, segment in indexed_dicts(dig(node, "segments")):
        yield _one(
            kind="segment",
            segment=position,
            start_word=segment.get("start_word"),
            end_word=segment.get("end_word"),
            text=segment.get("text"),
            sentiment=segment.get("sentiment"),
            sentiment_score=segment.get("sentiment_score"),
        )
    average = dig(node, "average")
    if isinstance(average, dict):
        yield _one(
            kind="average",
            sentiment=average.get("sentiment"),
            sentiment_score=average.get("sentiment_score"),
        )


def entity_chunks(unit: Unit) -> Iterator[Chunk]:
    """Rows of :func:`dgdata.frames.entities`: ``alternatives[].entities`` (and live messages')."""
    fields = ("label", "value", "raw_value", "confidence", "start_word", "end_word")
    for ref in unit.alternatives():
        items = ref.data.get("entities")
        if items is None and ref.live and ref.alternative == 0:
            items = ref.container.get("entities")  # live: on the message, for alternative 0
        items = dicts(items)
        if items:
            chunk = {name: [item.get(name) for item in items] for name in fields}
            chunk.update(_keys(ref, len(items)))
            yield len(items), chunk


def search_hit_chunks(unit: Unit) -> Iterator[Chunk]:
    """Rows of :func:`dgdata.frames.search_hits`: ``channels[].search[].hits``."""
    for channel, container in indexed_dicts(mapping(unit.results).get("channels")):
        for search in dicts(container.get("search")):
            hits = dicts(search.get("hits"))
            if hits:
                rows = len(hits)
                chunk = {name: [hit.get(name) for hit in hits] for name in _HIT_FIELDS}
                chunk["channel"] = [channel] * rows
                chunk["query"] = [search.get("query")] * rows
                yield rows, chunk


_HIT_FIELDS = ("start", "end", "confidence", "snippet")


def language_chunks(unit: Unit) -> Iterator[Chunk]:
    """Rows of :func:`dgdata.frames.languages`: one per language seen in each alternative."""
    seen: dict[tuple[int, int], dict[str, list[Any]]] = {}
    for ref in unit.alternatives():
        languages = seen.setdefault((ref.channel, ref.alternative), {})
        detected = ref.container.get("detected_language")
        if isinstance(detected, str):
            languages.setdefault(detected, [None, None])[0] = ref.container.get(
                "language_confidence"
            )
        listed = ref.data.get("languages")
        for language in listed if isinstance(listed, list) else []:
            if isinstance(language, str):
                languages.setdefault(language, [None, None])
        for item in dicts(ref.data.get("words")):
            language = item.get("language")
            if isinstance(language, str):
                counts = languages.setdefault(language, [None, None])
                counts[1] = (counts[1] or 0) + 1
    for (channel, alternative), languages in seen.items():
        labelled = any(count is not None for _, count in languages.values())
        for language, (confidence, count) in languages.items():
            yield _one(
                channel=channel,
                alternative=alternative,
                language=language,
                confidence=confidence,
                num_words=(count or 0) if labelled else None,
            )


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, list) else None
