"""Summaries for ``/v1/read`` (and ``summarize`` on ``/v1/listen``), made locally.

The summary is **extractive, not generative**: it is made of sentences of the text itself, the
ones most representative of the whole, chosen by word-frequency scoring (each content word
weighs its frequency in the text, relative to the most frequent one; a sentence scores the sum
of its words' weights divided by its length to the power 0.8, so neither long nor short sentences
win by length alone; the opening sentence gets a small bonus). The chosen sentences
are given back in their original order. Deepgram's summariser writes new sentences with a
language model; this one only picks, so it never says anything the text did not.

Token counts, for usage and ``summary_info``, are approximations: words and punctuation marks
counted separately, about what a sub-word tokenizer gives for plain English.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["count_tokens", "split_sentences", "summarize"]

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+")
_TOKEN = re.compile(r"\w+|[^\w\s]")

# Common English function words: they say nothing about what a text is about.
_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in into
    is it its itself just me more most my myself no nor not now of off on once only or other
    our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself
    yourselves s t don let ll re ve d m o y um uh yeah okay oh like really going get got""".split()  # noqa: SIM905
)


def count_tokens(text: str) -> int:
    """An approximate token count: words and punctuation marks."""
    return len(_TOKEN.findall(text))


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (split after ``.``, ``!``, ``?`` and at blank lines)."""
    sentences: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        flat = " ".join(block.split())
        if flat:
            sentences.extend(s.strip() for s in _SENTENCE_END.split(flat) if s.strip())
    return sentences


def _content_words(sentence: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(sentence)) if w not in _STOPWORDS]


def summarize(text: str, *, max_sentences: int | None = None) -> str:
    """An extractive summary: the most representative sentences of ``text``, in their order.

    ``max_sentences`` defaults to about a fifth of the sentences (at least one, at most five).
    A text of one or two sentences is its own summary.
    """
    sentences = split_sentences(text)
    if len(sentences) <= 2:
        return " ".join(sentences)
    if max_sentences is None:
        max_sentences = min(5, max(1, round(len(sentences) / 5)))
    frequencies = Counter(w for s in sentences for w in _content_words(s))
    if not frequencies:
        return " ".join(sentences[:max_sentences])
    top = max(frequencies.values())
    scores: list[tuple[float, int]] = []
    for index, sentence in enumerate(sentences):
        words = _content_words(sentence)
        if not words:
            continue
        score = sum(frequencies[w] / top for w in words) / len(words) ** 0.8
        if index == 0:
            score *= 1.15
        scores.append((score, index))
    chosen = sorted(index for _, index in sorted(scores, reverse=True)[:max_sentences])
    return " ".join(sentences[i] for i in chosen)
