"""Whisper's words aligned to the audio by pocketsphinx, and numbers read as they were said.

Whisper's own word times come from its attention and are 0.1-0.3 s off inside continuous
speech; pocketsphinx, made to say exactly those words (forced alignment, about 0.02 of real
time), puts them within a few hundredths of a second. :func:`align` does that.

Whisper also writes numbers as digits, and how "123" was said cannot be told from the writing:
"one two three", "one twenty three" or "one hundred twenty three" (Deepgram's default form
writes what was said). When a piece holds such a number (:class:`Choice`), the alignment is done
with a grammar that allows each reading, and pocketsphinx picks the one the audio fits::

    words = align(words, pcm16k, offset, choices=[Choice(3, 5, (("one", "two", "three"),))])

Where a word is not in pocketsphinx's dictionary (a rare name) or no alignment is found, the
words keep Whisper's times and its reading.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dgdata.server.asr.decoder import DECODER_OPTIONS, PoolExhausted, Word, decode_segment
from dgdata.server.asr.decoder import shared_pool as _shared_pool

__all__ = ["ALIGN_OPTIONS", "ALIGN_WAIT", "Choice", "align"]

log = logging.getLogger(__name__)

#: pocketsphinx settings of the decoders that align Whisper's words (no language model: 0.2 s
#: and ~30 MB each).
ALIGN_OPTIONS: dict[str, Any] = {**DECODER_OPTIONS, "lm": None}
#: Seconds to wait for an aligner before keeping Whisper's own times.
ALIGN_WAIT = 5.0
_GRAMMAR = "readings"  # the name of the grammar search on an aligner (replaced on each use)


@dataclass(frozen=True)
class Choice:
    """Words ``[first, end)`` of a piece are one written number, which may have been said in
    any of ``readings`` (each a tuple of spoken words) besides the words given."""

    first: int
    end: int
    readings: tuple[tuple[str, ...], ...]


def align(
    words: list[Word],
    pcm16k: np.ndarray,
    offset: float = 0.0,
    choices: Sequence[Choice] = (),
) -> list[Word]:
    """``words`` of a piece with the times pocketsphinx gives them, and, for each of
    ``choices``, the reading the audio fits best; everything else unchanged."""
    if not words:
        return words
    pool = _shared_pool("align", 2 * (os.cpu_count() or 1), ALIGN_OPTIONS)
    try:
        with pool.decoder(ALIGN_WAIT) as decoder:
            if any(decoder.lookup_word(word.word) is None for word in words):
                return words
            usable = [c for c in choices if _known(decoder, c)]
            if usable:
                chosen = _with_readings(decoder, words, pcm16k, offset, usable)
                if chosen is not None:
                    return chosen
            decoder.set_align_text(" ".join(word.word for word in words))
            aligned = decode_segment(decoder, pcm16k, offset)
    except (PoolExhausted, RuntimeError) as exc:  # RuntimeError: no alignment was found
        log.debug("Whisper's word times kept: %s", exc)
        return words
    if [word.word for word in aligned] != [word.word for word in words]:
        return words
    return [
        dataclasses.replace(word, start=found.start, end=found.end)
        for word, found in zip(words, aligned, strict=True)
    ]


def _known(decoder: Any, choice: Choice) -> bool:
    return all(decoder.lookup_word(w) is not None for r in choice.readings for w in r)


def _grammar(words: list[Word], choices: Sequence[Choice]) -> str:
    """A JSGF grammar of exactly ``words``, each choice's span being any of its readings."""
    by_first = {choice.first: choice for choice in choices}
    parts: list[str] = []
    index = 0
    while index < len(words):
        choice = by_first.get(index)
        if choice is None:
            parts.append(words[index].word)
            index += 1
            continue
        given = tuple(word.word for word in words[choice.first : choice.end])
        readings = dict.fromkeys((given, *choice.readings))  # in order, without repeats
        parts.append("( " + " | ".join(" ".join(reading) for reading in readings) + " )")
        index = choice.end
    return f"#JSGF V1.0;\ngrammar {_GRAMMAR};\npublic <words> = {' '.join(parts)};\n"


def _with_readings(
    decoder: Any, words: list[Word], pcm16k: np.ndarray, offset: float, choices: Sequence[Choice]
) -> list[Word] | None:
    """The words aligned by a grammar of their readings; None if it finds no alignment."""
    decoder.add_jsgf_string(_GRAMMAR, _grammar(words, choices))
    decoder.activate_search(_GRAMMAR)
    found = decode_segment(decoder, pcm16k, offset)
    by_first = {choice.first: choice for choice in choices}
    out: list[Word] = []
    said: tuple[str, ...]
    index = position = 0
    while index < len(words):
        choice = by_first.get(index)
        if choice is None:
            span, said = words[index : index + 1], (words[index].word,)
        else:
            span = words[choice.first : choice.end]
            options = dict.fromkeys((tuple(w.word for w in span), *choice.readings))
            heard = tuple(w.word for w in found[position:])
            said = next((r for r in options if heard[: len(r)] == r), ())
        if not said or tuple(w.word for w in found[position : position + len(said)]) != said:
            return None
        out.extend(_replace(span, found[position : position + len(said)]))
        index += len(span)
        position += len(said)
    return out if position == len(found) else None


def _replace(span: list[Word], found: list[Word]) -> list[Word]:
    """The words pocketsphinx ``found`` for ``span``, keeping what Whisper wrote of it: the
    first's capital, the last's mark, the span's confidence."""
    confidence = round(sum(w.confidence for w in span) / len(span), 4)
    return [
        Word(
            word.word,
            word.start,
            word.end,
            confidence,
            capital=span[0].capital and index == 0,
            mark=span[-1].mark if index == len(found) - 1 else "",
        )
        for index, word in enumerate(found)
    ]
