"""Word-level formatting of recognised words: replace, numbers, punctuation, sentences, search.

The recogniser gives lowercase words without punctuation. This module turns them into the API's
word dicts (``word``, ``start``, ``end``, ``confidence``, ``punctuated_word``) the way the
options ask, and cuts them into sentences by pauses. The punctuation is necessarily simple: a
sentence ends where the speaker pauses ``SENTENCE_GAP`` seconds (and at the end), gets a full
stop, and starts with a capital; "i" and its contractions are capitalised.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dgdata.server.asr.decoder import Word
from dgdata.server.listen.numbers import digits, find_numbers

SENTENCE_GAP = 0.5  # seconds of pause that end a sentence
_I_FORMS = {"i": "I", "i'm": "I'm", "i'll": "I'll", "i've": "I've", "i'd": "I'd"}
SEARCH_THRESHOLD = 0.6  # minimum similarity of a search hit


@dataclass(frozen=True)
class Formatting:
    """What to do to the words: from the request's options."""

    punctuate: bool = False
    numbers: str = "off"  # "off", "smart" (10 and up, or several words), "all" (numerals)
    replacements: tuple[tuple[tuple[str, ...], str], ...] = field(default_factory=tuple)

    @property
    def punctuated(self) -> bool:
        """Whether ``punctuated_word`` is part of the output."""
        return self.punctuate


def _merge(tokens: list[dict[str, Any]], text: str, shown: str) -> dict[str, Any]:
    return {
        "word": text,
        "start": tokens[0]["start"],
        "end": tokens[-1]["end"],
        "confidence": round(sum(t["confidence"] for t in tokens) / len(tokens), 4),
        "punctuated_word": shown,
    }


def _replace(tokens: list[dict[str, Any]], rules: Sequence[tuple[tuple[str, ...], str]]) -> None:
    for find, replacement in rules:
        if not find:
            continue
        i = 0
        while i + len(find) <= len(tokens):
            if tuple(t["word"] for t in tokens[i : i + len(find)]) != find:
                i += 1
                continue
            if replacement:
                merged = _merge(tokens[i : i + len(find)], replacement, replacement)
                tokens[i : i + len(find)] = [merged]
                i += 1
            else:
                del tokens[i : i + len(find)]


def _numbers(tokens: list[dict[str, Any]], mode: str) -> list[dict[str, Any]]:
    spans = find_numbers([t["word"] for t in tokens])
    out: list[dict[str, Any]] = []
    position = 0
    for span in spans:
        if mode == "smart" and span.value < 10 and span.end - span.start == 1:
            continue  # style: zero to nine stay words
        out.extend(tokens[position : span.start])
        out.append(_merge(tokens[span.start : span.end], str(span.value), digits(span.value)))
        position = span.end
    out.extend(tokens[position:])
    return out


def sentence_ranges(tokens: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """``(first, end)`` index ranges of the sentences: a pause of ``SENTENCE_GAP`` ends one."""
    ranges: list[tuple[int, int]] = []
    first = 0
    for i in range(1, len(tokens) + 1):
        if i == len(tokens) or tokens[i]["start"] - tokens[i - 1]["end"] >= SENTENCE_GAP:
            ranges.append((first, i))
            first = i
    return ranges if tokens else []


def _punctuate(tokens: list[dict[str, Any]]) -> None:
    for token in tokens:
        token["punctuated_word"] = _I_FORMS.get(token["word"], token["punctuated_word"])
    for first, end in sentence_ranges(tokens):
        head = tokens[first]
        head["punctuated_word"] = head["punctuated_word"][:1].upper() + head["punctuated_word"][1:]
        tail = tokens[end - 1]
        if not tail["punctuated_word"].endswith((".", "?", "!")):
            tail["punctuated_word"] += "."


def format_words(words: Sequence[Word], formatting: Formatting) -> list[dict[str, Any]]:
    """The API's word dicts for ``words`` (``punctuated_word`` only when punctuating)."""
    tokens = [
        {
            "word": w.word,
            "start": w.start,
            "end": w.end,
            "confidence": w.confidence,
            "punctuated_word": w.word,
        }
        for w in words
    ]
    _replace(tokens, formatting.replacements)
    if formatting.numbers != "off":
        tokens = _numbers(tokens, formatting.numbers)
    if formatting.punctuate:
        _punctuate(tokens)
    else:
        for token in tokens:
            del token["punctuated_word"]
    return tokens


def transcript(tokens: Sequence[dict[str, Any]]) -> str:
    """The words joined by spaces, punctuated ones when present."""
    return " ".join(t.get("punctuated_word", t["word"]) for t in tokens)


def mean_confidence(tokens: Sequence[dict[str, Any]]) -> float:
    """Mean word confidence (0 without words)."""
    if not tokens:
        return 0.0
    return round(sum(t["confidence"] for t in tokens) / len(tokens), 4)


def search(tokens: Sequence[dict[str, Any]], queries: Sequence[str]) -> list[dict[str, Any]]:
    """``results.channels[].search``: for each query, the stretches of words that match it.

    A hit is a run of as many words as the query whose text is at least ``SEARCH_THRESHOLD``
    similar to it; its confidence is that similarity times the words' mean confidence. Hits
    are sorted by confidence, best first (then by time).
    """
    words = [str(t["word"]).lower() for t in tokens]
    found = []
    for query in queries:
        needle = " ".join(query.lower().split())
        size = max(1, len(needle.split()))
        hits = []
        for i in range(0, max(len(words) - size + 1, 0)):
            text = " ".join(words[i : i + size])
            similarity = difflib.SequenceMatcher(None, needle, text).ratio()
            if similarity < SEARCH_THRESHOLD:
                continue
            run = tokens[i : i + size]
            hits.append(
                {
                    "confidence": round(similarity * mean_confidence(run), 4),
                    "start": run[0]["start"],
                    "end": run[-1]["end"],
                    "snippet": " ".join(str(t["word"]) for t in run),
                }
            )
        hits.sort(key=lambda hit: (-hit["confidence"], hit["start"]))
        found.append({"query": query, "hits": hits})
    return found
