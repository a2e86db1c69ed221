"""Word-level formatting of recognised words: replace, numbers, punctuation, sentences, search.

Every engine gives spoken words: lowercase, numbers in words, no punctuation (Deepgram's form
with no options, "ten of clubs", "mister dashwood"). An engine that writes (Whisper) also says,
per word, whether it wrote it with a capital (``Word.capital``) and what punctuation it wrote
after it (``Word.mark``). This module turns the words into the API's word dicts (``word``,
``start``, ``end``, ``confidence``, ``punctuated_word``) the way the options ask:

- ``replace`` rules first, on the spoken words;
- numbers (``smart_format``, ``numerals``): written forms from :mod:`.smart_format`; a written
  form that stands for several words has their span, the mean of their confidences, and the
  written form (lowercase) as its ``word`` too, as Deepgram's do ("123", "2015");
- ``punctuate`` (implied by ``smart_format``): with the engine's punctuation when it wrote some:
  sentences end at its ".", "?" and "!" (and at the end), words it capitalised keep their
  capital; otherwise a sentence ends where the speaker pauses ``SENTENCE_GAP`` seconds (and at
  the end), with a question mark when it opens like a question ("can you", "what time") and a
  full stop otherwise. Sentences start with a capital; "I", its contractions, the days and the
  months are capitalised.

``sentence_ranges`` cuts formatted words into the same sentences (for paragraphs).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dgdata.server.asr.decoder import Word
from dgdata.server.listen.smart_format import MONTHS, written_pieces

SENTENCE_GAP = 0.5  # seconds of pause that end a sentence
SEARCH_THRESHOLD = 0.6  # minimum similarity of a search hit
_TERMINAL = (".", "?", "!")
_I_FORMS = {"i": "I", "i'm": "I'm", "i'll": "I'll", "i've": "I've", "i'd": "I'd"}
#: Names always written with a capital ("may" and "march" only in dates: they are verbs too).
_PROPER = {
    *(month for month in MONTHS if month not in ("may", "march")),
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}  # fmt: skip
_AUXILIARIES = {
    "is", "are", "am", "was", "were", "do", "does", "did", "can", "could", "will", "would",
    "shall", "should", "may", "might", "must", "have", "has", "isn't", "aren't", "wasn't",
    "weren't", "don't", "doesn't", "didn't", "can't", "couldn't", "won't", "wouldn't",
    "shouldn't", "haven't", "hasn't",
}  # fmt: skip
_QUESTION_WORDS = {"what", "where", "when", "why", "who", "whom", "whose", "which", "how"}
_PRONOUNS = {
    "i", "you", "we", "they", "he", "she", "it", "there", "anyone", "anybody", "someone",
    "somebody", "everyone", "anything", "everything", "this", "that", "these", "those",
}  # fmt: skip
_DETERMINERS = {"the", "a", "an", "my", "your", "our", "their", "his", "her", "its"}


@dataclass(frozen=True)
class Formatting:
    """What to do to the words: from the request's options."""

    punctuate: bool = False
    numbers: str = "off"  # "off", "smart" (smart_format's forms), "all" (numerals)
    replacements: tuple[tuple[tuple[str, ...], str], ...] = field(default_factory=tuple)

    @property
    def punctuated(self) -> bool:
        """Whether ``punctuated_word`` is part of the output."""
        return self.punctuate


@dataclass
class _Token:
    """A word on its way to the API: ``shown`` is its written form before punctuation."""

    word: str
    start: float
    end: float
    confidence: float
    shown: str
    capital: bool = False
    mark: str = ""

    def as_dict(self, punctuated: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "word": self.word,
            "start": self.start,
            "end": self.end,
            "confidence": self.confidence,
        }
        if punctuated:
            out["punctuated_word"] = self.shown + self.mark
        return out


def _merge(tokens: Sequence[_Token], word: str, shown: str, mark: str = "") -> _Token:
    """One token for several: their span, their mean confidence, the last one's punctuation."""
    return _Token(
        word=word,
        start=tokens[0].start,
        end=tokens[-1].end,
        confidence=round(sum(t.confidence for t in tokens) / len(tokens), 4),
        shown=shown,
        capital=tokens[0].capital,
        mark=tokens[-1].mark or mark,
    )


def _replace(tokens: list[_Token], rules: Sequence[tuple[tuple[str, ...], str]]) -> None:
    for find, replacement in rules:
        if not find:
            continue
        i = 0
        while i + len(find) <= len(tokens):
            if tuple(t.word for t in tokens[i : i + len(find)]) != find:
                i += 1
                continue
            if replacement:
                merged = _merge(tokens[i : i + len(find)], replacement, replacement)
                merged.capital = False  # written exactly as the caller gave it
                tokens[i : i + len(find)] = [merged]
                i += 1
            else:
                del tokens[i : i + len(find)]


def _numbers(tokens: list[_Token], mode: str) -> list[_Token]:
    pieces = written_pieces([t.word for t in tokens], [t.mark for t in tokens], mode)
    out: list[_Token] = []
    position = 0
    for piece in pieces:
        out.extend(tokens[position : piece.start])
        merged = _merge(tokens[piece.start : piece.end], piece.text.lower(), piece.text, piece.mark)
        merged.capital = False  # the written form has its own capitals ("March", "PM")
        out.append(merged)
        position = piece.end
    out.extend(tokens[position:])
    return out


def asks(words: Sequence[str]) -> bool:
    """Whether a sentence of spoken words opens like a question ("can you", "what time", "is it").

    A question word opens a question unless a subject follows it ("when I got home" is not
    one); an auxiliary does when a pronoun follows it ("do you"), or a determiner follows an
    auxiliary other than "do" and "have" ("is the shop open", not "have a nice day").
    """
    if not words:
        return False
    first, second = words[0], words[1] if len(words) > 1 else ""
    if first in _QUESTION_WORDS:
        return second not in _PRONOUNS and second not in _DETERMINERS
    if first not in _AUXILIARIES:
        return False
    if second in _PRONOUNS:
        return True
    return second in _DETERMINERS and first not in ("do", "have", "has")


def _pause_ranges(starts: Sequence[float], ends: Sequence[float]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    first = 0
    for i in range(1, len(starts) + 1):
        if i == len(starts) or starts[i] - ends[i - 1] >= SENTENCE_GAP:
            ranges.append((first, i))
            first = i
    return ranges


def _ends_sentence(punctuated: str) -> bool:
    return punctuated.rstrip("\"')]»”’").endswith(_TERMINAL)


def sentence_ranges(tokens: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """``(first, end)`` index ranges of the sentences of formatted word dicts.

    Punctuated words end a sentence where their punctuation does (as :func:`format_words` put
    it); unpunctuated ones where the speaker pauses ``SENTENCE_GAP`` seconds.
    """
    if not tokens:
        return []
    if "punctuated_word" not in tokens[0]:
        return _pause_ranges([t["start"] for t in tokens], [t["end"] for t in tokens])
    ranges: list[tuple[int, int]] = []
    first = 0
    for i, token in enumerate(tokens):
        if i == len(tokens) - 1 or _ends_sentence(str(token["punctuated_word"])):
            ranges.append((first, i + 1))
            first = i + 1
    return ranges


def _written_ranges(tokens: Sequence[_Token]) -> list[tuple[int, int]]:
    """Sentences as the engine wrote them; the last one gets a full stop if it has none."""
    ranges: list[tuple[int, int]] = []
    first = 0
    for i, token in enumerate(tokens):
        if i == len(tokens) - 1 or token.mark.endswith(_TERMINAL):
            ranges.append((first, i + 1))
            first = i + 1
    if tokens and not tokens[-1].mark.endswith(_TERMINAL):
        tokens[-1].mark = tokens[-1].mark.rstrip(",;:") + "."
    return ranges


def _punctuate(tokens: list[_Token], engine_wrote: bool) -> None:
    if engine_wrote:
        ranges = _written_ranges(tokens)
    else:
        ranges = _pause_ranges([t.start for t in tokens], [t.end for t in tokens])
        for first, end in ranges:
            question = asks([t.word for t in tokens[first:end]])
            tokens[end - 1].mark = "?" if question else "."
    for token in tokens:
        if token.word in _I_FORMS:
            token.shown = _I_FORMS[token.word]
        elif token.capital or token.word in _PROPER:
            token.shown = token.shown[:1].upper() + token.shown[1:]
    for first, _ in ranges:
        head = tokens[first]
        head.shown = head.shown[:1].upper() + head.shown[1:]


def format_words(words: Sequence[Word], formatting: Formatting) -> list[dict[str, Any]]:
    """The API's word dicts for ``words`` (``punctuated_word`` only when punctuating)."""
    tokens = [
        _Token(w.word, w.start, w.end, w.confidence, w.word, w.capital, w.mark) for w in words
    ]
    engine_wrote = any(t.mark or t.capital for t in tokens)
    _replace(tokens, formatting.replacements)
    if formatting.numbers != "off":
        tokens = _numbers(tokens, formatting.numbers)
    if formatting.punctuate and tokens:
        _punctuate(tokens, engine_wrote)
    return [token.as_dict(formatting.punctuate) for token in tokens]


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
