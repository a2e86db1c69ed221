"""Synthetic /v1/listen responses, shaped after the spec trees, for what no real fixture shows.

The shapes follow ``ListenV1Response`` in the OpenAPI spec (results.channels[].alternatives[],
results.utterances, results.summary, results.topics.results.topics.segments,
results.intents.results.intents.segments, results.sentiments.{segments, average}), plus the
fields real responses carry beyond the spec (``punctuated_word``, ``speaker``,
``speaker_confidence``, ``detected_language``/``language_confidence``, word ``language``).

Every builder returns plain JSON-able dicts, so the tests see what ``json.loads`` would give.
"""

from __future__ import annotations

from typing import Any

REQUEST_ID = "00000000-0000-4000-8000-000000000001"
MODEL_UUID = "11111111-2222-3333-4444-555555555555"


def word(
    text: str,
    start: float,
    end: float,
    *,
    confidence: float = 0.9,
    speaker: int | None = None,
    speaker_confidence: float | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """A word as in ``alternatives[].words`` (with ``punctuated_word``, as smart_format gives)."""
    item: dict[str, Any] = {
        "word": text.lower().strip(".,?!"),
        "start": start,
        "end": end,
        "confidence": confidence,
        "punctuated_word": text,
    }
    if speaker is not None:
        item["speaker"] = speaker
        item["speaker_confidence"] = speaker_confidence if speaker_confidence is not None else 0.8
    if language is not None:
        item["language"] = language
    return item


def words_of(text: str, start: float = 0.0, step: float = 0.5, **fields: Any) -> list[dict]:
    """One word per whitespace-separated token, ``step`` seconds each, from ``start``."""
    return [
        word(token, start + i * step, start + (i + 1) * step, **fields)
        for i, token in enumerate(text.split())
    ]


def alternative(
    text: str,
    *,
    start: float = 0.0,
    step: float = 0.5,
    confidence: float = 0.95,
    words: list[dict] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An alternative with its transcript and words (``extra`` keys added as they are)."""
    return {
        "transcript": text,
        "confidence": confidence,
        "words": words_of(text, start, step) if words is None else words,
        **extra,
    }


def channel(*alternatives: dict, **extra: Any) -> dict[str, Any]:
    """A ``results.channels[]`` item."""
    return {"alternatives": list(alternatives), **extra}


def response(*channels: dict, duration: float = 10.0, **results: Any) -> dict[str, Any]:
    """A whole response; ``results`` keys (utterances, summary, topics, …) are added as given."""
    return {
        "metadata": {
            "transaction_key": "deprecated",
            "request_id": REQUEST_ID,
            "sha256": "0" * 64,
            "created": "2025-07-22T16:56:38.656Z",
            "duration": duration,
            "channels": len(channels),
            "models": [MODEL_UUID],
            "model_info": {
                MODEL_UUID: {"name": "general-nova-3", "version": "1", "arch": "nova-3"}
            },
        },
        "results": {"channels": list(channels), **results},
    }


def simple_response(text: str = "Hello there. How are you?") -> dict[str, Any]:
    """One channel, one alternative, no features."""
    return response(channel(alternative(text)))


def diarized_response() -> dict[str, Any]:
    """Two speakers (diarize=true): speaker on words and paragraphs, plus utterances."""
    first = words_of("Hi, I am Ada.", 0.0, speaker=0, speaker_confidence=0.7)
    second = words_of("Hello Ada!", 3.0, speaker=1, speaker_confidence=0.6)
    paragraphs = {
        "transcript": "Speaker 0: Hi, I am Ada.\n\nSpeaker 1: Hello Ada!",
        "paragraphs": [
            _paragraph(0, [("Hi, I am Ada.", 0.0, 2.0)], num_words=4),
            _paragraph(1, [("Hello Ada!", 3.0, 4.0)], num_words=2),
        ],
    }
    utterances = [
        _utterance(0, "Hi, I am Ada.", first, uid="u-1"),
        _utterance(1, "Hello Ada!", second, uid="u-2"),
    ]
    alt = alternative("Hi, I am Ada. Hello Ada!", words=first + second, paragraphs=paragraphs)
    return response(channel(alt), utterances=utterances)


def multichannel_response() -> dict[str, Any]:
    """Two channels (multichannel=true), each with two alternatives (alternatives=2)."""
    left = channel(
        alternative("good morning", confidence=0.9),
        alternative("good mourning", confidence=0.4),
    )
    right = channel(
        alternative("morning to you too", start=1.0, confidence=0.8),
        alternative("mourning to you two", start=1.0, confidence=0.3),
    )
    utterances = [
        _utterance(None, "good morning", left["alternatives"][0]["words"], channel=0),
        _utterance(None, "morning to you too", right["alternatives"][0]["words"], channel=1),
    ]
    return response(left, right, utterances=utterances)


def intelligence_response() -> dict[str, Any]:
    """topics, intents, sentiment, summarize=v2, detect_entities, search, detect_language."""
    alt = alternative(
        "I want to cancel my Acme order today.",
        entities=[
            {
                "label": "ORG",
                "value": "Acme",
                "raw_value": "acme",
                "confidence": 0.97,
                "start_word": 5,
                "end_word": 6,
            }
        ],
    )
    search = [
        {
            "query": "cancel",
            "hits": [
                {"confidence": 0.99, "start": 1.5, "end": 2.0, "snippet": "want to cancel"},
                {"confidence": 0.41, "start": 3.0, "end": 3.5, "snippet": "acme order"},
            ],
        },
        {"query": "refund", "hits": []},
    ]
    segment = {"text": "I want to cancel my Acme order today.", "start_word": 0, "end_word": 8}
    return response(
        channel(alt, search=search, detected_language="en", language_confidence=0.98),
        summary={"result": "success", "short": "A customer cancels an order."},
        topics={
            "results": {
                "topics": {
                    "segments": [
                        {
                            **segment,
                            "topics": [
                                {"topic": "Order cancellation", "confidence_score": 0.91},
                                {"topic": "Shopping", "confidence_score": 0.42},
                            ],
                        }
                    ]
                }
            }
        },
        intents={
            "results": {
                "intents": {
                    "segments": [
                        {
                            **segment,
                            "intents": [{"intent": "Cancel order", "confidence_score": 0.88}],
                        }
                    ]
                }
            }
        },
        sentiments={
            "segments": [
                {**segment, "sentiment": "negative", "sentiment_score": -0.45},
                {
                    "text": "Thanks.",
                    "start_word": 8,
                    "end_word": 9,
                    "sentiment": "positive",
                    "sentiment_score": 0.6,
                },
            ],
            "average": {"sentiment": "neutral", "sentiment_score": -0.1},
        },
    )


def summary_v1_response() -> dict[str, Any]:
    """The older summarize=true shape: ``alternatives[].summaries``."""
    summaries = [
        {"summary": "Greetings are exchanged.", "start_word": 0, "end_word": 3},
        {"summary": "Plans are made.", "start_word": 3, "end_word": 7},
    ]
    return response(
        channel(alternative("hi there friend let us meet at noon", summaries=summaries))
    )


def multilingual_response() -> dict[str, Any]:
    """A code-switching answer: ``languages`` on the alternative, ``language`` on words."""
    spoken = words_of("hola amigo", language="es") + words_of("good morning", 1.0, language="en")
    spoken.append(word("adios", 2.0, 2.5, language="es"))
    alt = alternative("hola amigo good morning adios", words=spoken, languages=["es", "en"])
    return response(channel(alt))


def live_results(
    text: str,
    start: float,
    *,
    duration: float = 1.0,
    is_final: bool = True,
    channel_index: tuple[int, int] = (0, 1),
    **extra: Any,
) -> dict[str, Any]:
    """A live ``Results`` message (AsyncAPI ``ListenV1Results``)."""
    return {
        "type": "Results",
        "channel_index": list(channel_index),
        "duration": duration,
        "start": start,
        "is_final": is_final,
        "speech_final": is_final,
        "from_finalize": False,
        "channel": {"alternatives": [alternative(text, start=start, step=0.2)]},
        "metadata": {
            "request_id": REQUEST_ID,
            "model_info": {"name": "general-nova-3", "version": "1", "arch": "nova-3"},
            "model_uuid": MODEL_UUID,
        },
        **extra,
    }


def live_session() -> list[dict[str, Any]]:
    """An interim result, its final, an UtteranceEnd, another final, then Metadata."""
    return [
        live_results("hello wor", 0.0, is_final=False),
        live_results("hello world", 0.0),
        {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": 0.4},
        live_results("second part here", 1.0, duration=1.5),
        {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": REQUEST_ID,
            "sha256": "0" * 64,
            "created": "2025-07-22T16:56:38.656Z",
            "duration": 2.5,
            "channels": 1,
        },
    ]


def _paragraph(speaker: int, sentences: list[tuple[str, float, float]], num_words: int) -> dict:
    return {
        "sentences": [{"text": text, "start": start, "end": end} for text, start, end in sentences],
        "speaker": speaker,
        "num_words": num_words,
        "start": sentences[0][1],
        "end": sentences[-1][2],
    }


def _utterance(
    speaker: int | None, text: str, words: list[dict], *, channel: int = 0, uid: str = "u"
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "start": words[0]["start"],
        "end": words[-1]["end"],
        "confidence": 0.9,
        "channel": channel,
        "transcript": text,
        "words": words,
        "id": uid,
    }
    if speaker is not None:
        item["speaker"] = speaker
    return item


def everything_response() -> dict[str, Any]:
    """Every feature at once, on two channels: the template the property tests mutate."""
    smart = intelligence_response()
    diarized = diarized_response()
    alt = diarized["results"]["channels"][0]["alternatives"][0]
    alt["words"][0]["language"] = "en"
    alt.update(
        languages=["en"],
        entities=smart["results"]["channels"][0]["alternatives"][0]["entities"],
        summaries=summary_v1_response()["results"]["channels"][0]["alternatives"][0]["summaries"],
        topics=[{"text": "hi", "start_word": 0, "end_word": 2, "topics": ["greeting"]}],
    )
    first = channel(alt, alternative("hi i am a dad"), **_channel_extras(smart))
    second = channel(alternative("hello"), detected_language="fr", language_confidence=0.5)
    results = {**smart["results"], "utterances": diarized["results"]["utterances"]}
    results.pop("channels")
    return response(first, second, **results)


def _channel_extras(smart: dict[str, Any]) -> dict[str, Any]:
    extras = dict(smart["results"]["channels"][0])
    extras.pop("alternatives")
    return extras
