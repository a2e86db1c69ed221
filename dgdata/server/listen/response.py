"""Build ``POST /v1/listen`` answers (and live ``Results`` messages) in Deepgram's exact shape.

``build_listen_response`` takes the audio (its duration and channels), the recognised words of
each result channel and the request's options, and returns the JSON document: ``metadata``
(``model_info`` naming the local engine and its weights, :class:`~dgdata.server.state.LocalModel`;
``warnings`` for requested features this server cannot provide and languages its weights cannot
transcribe: they are reported, never faked) and ``results.channels[].alternatives[0]`` with
``transcript``, ``confidence``, ``words`` and, when asked, ``paragraphs``, ``search`` hits,
``results.utterances`` and, with ``detect_language``, each channel's ``detected_language`` and
``language_confidence``.

What the options do here:

- ``punctuate`` / ``smart_format`` / ``paragraphs``: sentences end at pauses of 0.5 s (full stop,
  capital), "I" is capitalised; ``smart_format`` also writes numbers of 10 and up (or of several
  words) with digits, and adds paragraphs (split at pauses of ``PARAGRAPH_GAP``); ``numerals``
  writes every number with digits;
- ``utterances`` (``utt_split``, default 0.8 s): the words of every channel cut at pauses;
- ``diarize``: one speaker per channel (``speaker`` = channel index with ``multichannel``, else 0;
  ``speaker_confidence`` 1.0 when the channel proves it, 0.0 when it is only assumed);
- ``replace=find:replacement`` and ``search``: applied to the recognised words;
- ``multichannel``: one result channel per audio channel (the caller recognises each; without it
  the caller recognises ``mixdown(audio)``);
- ``language`` / ``detect_language``: :func:`recognition_language` is what the recogniser is asked
  for; a language the weights cannot transcribe is a warning, and so is ``detect_language`` with
  English-only weights (``detected_language`` is then ``en``, assumed, with no confidence).

Everything is deterministic: utterance ids and the model uuid are name-based UUIDs.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Protocol

import numpy as np

from dgdata.server.asr.choice import EngineChoice
from dgdata.server.asr.decoder import Word
from dgdata.server.asr.recording import mix_down
from dgdata.server.audio.decode import DecodedAudio
from dgdata.server.listen.formatting import (
    Formatting,
    format_words,
    mean_confidence,
    search,
    sentence_ranges,
    transcript,
)
from dgdata.server.state import LocalModel, local_model

__all__ = [
    "NOT_APPLIED",
    "PARAGRAPH_GAP",
    "build_listen_response",
    "format_alternative",
    "formatting_from_options",
    "mixdown",
    "pocketsphinx_model",
    "recognition_language",
    "warnings_for",
]

PARAGRAPH_GAP = 1.5  # seconds of pause between sentences that start a new paragraph
_NAMESPACE = uuid.UUID("5b2f9a64-3c1e-4f0e-9d8c-6a1d2b3c4e5f")

Options = Mapping[str, Any]

#: Options that need models this server does not have: reported in ``metadata.warnings``.
NOT_APPLIED = {
    "summarize": "summarization",
    "topics": "topic detection",
    "custom_topic": "topic detection",
    "intents": "intent recognition",
    "custom_intent": "intent recognition",
    "sentiment": "sentiment analysis",
    "detect_entities": "entity detection",
    "redact": "redaction (the transcript is NOT redacted)",
    "keywords": "keyword boosting",
    "keyterm": "keyterm prompting",
    "profanity_filter": "profanity filtering",
    "filler_words": "filler words",
    "dictation": "dictation commands",
    "measurements": "measurement formatting",
}


def _last(options: Options, name: str) -> Any:
    value = options.get(name)
    if isinstance(value, (list, tuple)):
        return value[-1] if value else None
    return value


def _flag(options: Options, name: str) -> bool:
    value = _last(options, name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "v1", "v2")
    return bool(value)


def _strings(options: Options, name: str) -> list[str]:
    value = options.get(name)
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    return [str(item) for item in items if str(item) != ""]


def _seconds(options: Options, name: str, default: float) -> float:
    try:
        return float(_last(options, name))
    except (TypeError, ValueError):
        return default


def formatting_from_options(options: Options) -> Formatting:
    """The word formatting the options ask for (also right for live ``Results``)."""
    smart = _flag(options, "smart_format")
    numbers = "all" if _flag(options, "numerals") else "smart" if smart else "off"
    rules = []
    for rule in _strings(options, "replace"):
        find, _, replacement = rule.partition(":")
        rules.append((tuple(find.lower().split()), replacement.strip()))
    punctuate = smart or _flag(options, "punctuate") or _flag(options, "paragraphs")
    return Formatting(punctuate=punctuate, numbers=numbers, replacements=tuple(rules))


@functools.cache
def pocketsphinx_model() -> LocalModel:
    """The pocketsphinx recogniser: what a response names when no model is given."""
    return local_model(EngineChoice("pocketsphinx"))


def _requested_language(options: Options) -> str:
    return str(_last(options, "language") or "en").strip()


def recognition_language(options: Options, model: LocalModel) -> str | None:
    """The language to ask the recogniser for: ``None`` lets it detect the language
    (``detect_language``, ``multi`` or a language the weights lack, with multilingual weights);
    English-only weights always get ``en``."""
    if not model.multilingual:
        return "en"
    if _flag(options, "detect_language"):
        return None
    base = _requested_language(options).split("-")[0].lower()
    return base if base in model.languages else None


def _language_warnings(options: Options, model: LocalModel) -> list[dict[str, str]]:
    """Warnings for a ``language`` the weights cannot transcribe, and for ``detect_language``
    where they understand English only."""
    warnings = []
    english_only = not model.multilingual
    if _flag(options, "detect_language") and english_only:
        warnings.append(
            {
                "parameter": "detect_language",
                "type": "unsupported_feature",
                "message": "language detection was not applied: the local server's "
                f"{model.label()} understands English only, so detected_language is 'en' "
                "(assumed, not detected).",
            }
        )
    language = _requested_language(options)
    base = language.split("-")[0].lower()
    if language.lower() == "multi" and english_only:
        problem = "multilingual transcription is not supported"
    elif base not in model.languages and language.lower() != "multi":
        problem = f"{language!a} is not supported"
    else:
        return warnings
    what = "English only" if english_only else f"{len(model.languages)} languages"
    instead = (
        "the audio was transcribed as English" if english_only else "the language was detected"
    )
    warnings.append(
        {
            "parameter": "language",
            "type": "unsupported_language",
            "message": f"{problem}: the local server's {model.label()} transcribes {what}; "
            f"{instead}.",
        }
    )
    return warnings


def warnings_for(options: Options, model: LocalModel | None = None) -> list[dict[str, str]]:
    """``metadata.warnings``: each requested option that was not (fully) applied, and why
    (``model``: the recogniser that answered; default pocketsphinx)."""
    model = model or pocketsphinx_model()
    warnings = []
    for name, feature in NOT_APPLIED.items():
        if name in options and (_flag(options, name) or _strings(options, name)):
            if _last(options, name) in (False, "false", "False", "0"):
                continue
            warnings.append(
                {
                    "parameter": name,
                    "type": "unsupported_feature",
                    "message": f"{feature} was not applied: the local server has no model for "
                    f"it (it transcribes with {model.label()} only).",
                }
            )
    warnings.extend(_language_warnings(options, model))
    if _flag(options, "diarize"):
        warnings.append(
            {
                "parameter": "diarize",
                "type": "partial_support",
                "message": "No speaker diarization model: one speaker per channel is assumed.",
            }
        )
    if str(_last(options, "alternatives") or "1") not in ("1", "0"):
        warnings.append(
            {
                "parameter": "alternatives",
                "type": "partial_support",
                "message": "Only one alternative transcript is produced.",
            }
        )
    return warnings


class AudioFacts(Protocol):
    """What the response says of the recording (a ``DecodedAudio`` is one)."""

    @property
    def duration(self) -> float: ...  # seconds of input audio

    @property
    def channels(self) -> int: ...


def mixdown(audio: DecodedAudio) -> np.ndarray:
    """All channels averaged into one 16 kHz int16 channel (what non-multichannel requests use)."""
    return mix_down(audio.samples)


def _with_speaker(tokens: list[dict[str, Any]], speaker: int, confidence: float) -> None:
    for token in tokens:
        token["speaker"] = speaker
        token["speaker_confidence"] = confidence


def format_alternative(
    words: Sequence[Word],
    options: Options,
    *,
    speaker: int | None = None,
    speaker_confidence: float = 0.0,
) -> dict[str, Any]:
    """``{transcript, confidence, words}`` for some words: a live ``Results`` alternative.

    With ``speaker`` (diarize), every word gets ``speaker`` and ``speaker_confidence``.
    """
    tokens = format_words(words, formatting_from_options(options))
    if speaker is not None:
        _with_speaker(tokens, speaker, speaker_confidence)
    return {
        "transcript": transcript(tokens),
        "confidence": mean_confidence(tokens),
        "words": tokens,
    }


def _paragraphs(tokens: list[dict[str, Any]], speaker: int | None) -> dict[str, Any]:
    groups: list[list[tuple[int, int]]] = []
    for first, end in sentence_ranges(tokens):
        gap = tokens[first]["start"] - tokens[first - 1]["end"] if first else 0.0
        if not groups or gap >= PARAGRAPH_GAP:
            groups.append([])
        groups[-1].append((first, end))
    paragraphs, texts = [], []
    for group in groups:
        sentences = [
            {
                "text": transcript(tokens[first:end]),
                "start": tokens[first]["start"],
                "end": tokens[end - 1]["end"],
            }
            for first, end in group
        ]
        paragraph: dict[str, Any] = {
            "sentences": sentences,
            "num_words": group[-1][1] - group[0][0],
            "start": sentences[0]["start"],
            "end": sentences[-1]["end"],
        }
        text = " ".join(s["text"] for s in sentences)
        if speaker is not None:
            paragraph["speaker"] = speaker
            text = f"Speaker {speaker}: {text}"
        paragraphs.append(paragraph)
        texts.append(text)
    return {"transcript": "\n" + "\n\n".join(texts) if texts else "", "paragraphs": paragraphs}


def _utterances(
    tokens: list[dict[str, Any]], channel: int, split: float, speaker: int | None, request_id: str
) -> list[dict[str, Any]]:
    pieces: list[list[dict[str, Any]]] = []
    for i, token in enumerate(tokens):
        if i == 0 or token["start"] - tokens[i - 1]["end"] >= split:
            pieces.append([])
        pieces[-1].append(dict(token))
    utterances = []
    for index, piece in enumerate(pieces):
        utterance: dict[str, Any] = {
            "start": piece[0]["start"],
            "end": piece[-1]["end"],
            "confidence": mean_confidence(piece),
            "channel": channel,
            "transcript": transcript(piece),
            "words": piece,
        }
        if speaker is not None:
            utterance["speaker"] = speaker
        utterance["id"] = str(uuid.uuid5(_NAMESPACE, f"{request_id}/{channel}/{index}"))
        utterances.append(utterance)
    return utterances


def _detected(heard: tuple[str | None, float | None], model: LocalModel) -> dict[str, Any]:
    """A channel's ``detected_language`` and ``language_confidence``: what the recogniser heard
    where its weights can tell languages apart; English-only weights give ``en`` (assumed: no
    confidence; the warnings say so)."""
    language, confidence = heard
    if not model.multilingual or not language:
        return {"detected_language": "en"}
    found: dict[str, Any] = {"detected_language": language}
    if confidence is not None:
        found["language_confidence"] = round(float(confidence), 4)
    return found


def _created(created: datetime) -> str:
    if created.tzinfo is not None:
        created = created.astimezone(timezone.utc)
    return created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z"


def build_listen_response(
    audio: AudioFacts,
    words_per_channel: Sequence[Sequence[Word]],
    options: Options,
    *,
    request_id: str,
    created: datetime,
    sha256: str,
    model: LocalModel | None = None,
    languages: Sequence[tuple[str | None, float | None]] = (),
) -> dict[str, Any]:
    """The ``/v1/listen`` response for recognised words (one list per result channel).

    ``options`` maps query names to values as strings, lists of strings (repeated options) or
    already-parsed values (``True``, ``0.8``). ``created`` is the request time (UTC if naive).
    ``model`` is the recogniser that answered (default: pocketsphinx); ``languages`` the
    language each channel's recogniser heard and its confidence (``(None, None)``: not told).
    """
    model = model or pocketsphinx_model()
    formatting = formatting_from_options(options)
    multichannel = _flag(options, "multichannel")
    diarize = _flag(options, "diarize")
    with_paragraphs = _flag(options, "paragraphs") or _flag(options, "smart_format")
    queries = _strings(options, "search")
    split = _seconds(options, "utt_split", 0.8)
    channels: list[dict[str, Any]] = []
    utterances: list[dict[str, Any]] = []
    for index, words in enumerate(words_per_channel):
        tokens = format_words(words, formatting)
        speaker = (index if multichannel else 0) if diarize else None
        if speaker is not None:
            _with_speaker(tokens, speaker, 1.0 if multichannel else 0.0)
        alternative: dict[str, Any] = {
            "transcript": transcript(tokens),
            "confidence": mean_confidence(tokens),
            "words": tokens,
        }
        if with_paragraphs:
            alternative["paragraphs"] = _paragraphs(tokens, speaker)
        channel: dict[str, Any] = {}
        if queries:
            channel["search"] = search(tokens, queries)
        channel["alternatives"] = [alternative]
        if _flag(options, "detect_language"):
            heard = languages[index] if index < len(languages) else (None, None)
            channel.update(_detected(heard, model))
        channels.append(channel)
        if _flag(options, "utterances"):
            utterances.extend(_utterances(tokens, index, split, speaker, request_id))
    metadata: dict[str, Any] = {
        "transaction_key": "deprecated",
        "request_id": request_id,
        "sha256": sha256,
        "created": _created(created),
        "duration": round(audio.duration, 6),
        "channels": audio.channels,
        "models": [model.uuid],
        "model_info": {model.uuid: model.info()},
    }
    warnings = warnings_for(options, model)
    if warnings:
        metadata["warnings"] = warnings
    results: dict[str, Any] = {"channels": channels}
    if _flag(options, "utterances"):
        utterances.sort(key=lambda u: (u["start"], u["channel"]))
        results["utterances"] = utterances
    return {"metadata": metadata, "results": results}
