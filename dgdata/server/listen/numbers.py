"""Spoken English cardinal numbers to digits, for ``smart_format`` and ``numerals``.

``find_numbers(words)`` returns the spans of ``words`` (lowercase tokens) that read as one
cardinal number, with its value: "twenty five" -> 25, "three hundred and six" -> 306,
"two thousand twenty four" -> 2024, "one million five hundred thousand" -> 1500000, and years
read in two halves, "nineteen ninety nine" -> 1999. Other numbers in a row stay apart ("two
three" is 2 and 3, not 5). Ordinals, fractions and "a hundred" are left as words.
"""

from __future__ import annotations

from dataclasses import dataclass

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9,
}  # fmt: skip
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


@dataclass(frozen=True)
class NumberSpan:
    """Words ``start`` to ``end`` (exclusive) read as the number ``value``."""

    start: int
    end: int
    value: int


def _below_hundred(words: list[str], i: int) -> tuple[int, int] | None:
    """A number 0-99 at ``i``: (value, next index), or None."""
    if i >= len(words):
        return None
    word = words[i]
    if word in TENS:
        if i + 1 < len(words) and words[i + 1] in UNITS and words[i + 1] != "zero":
            return TENS[word] + UNITS[words[i + 1]], i + 2
        return TENS[word], i + 1
    if word in TEENS:
        return TEENS[word], i + 1
    if word in UNITS:
        return UNITS[word], i + 1
    return None


def _below_thousand(words: list[str], i: int) -> tuple[int, int] | None:
    """A number 0-999 at ``i`` ("three hundred and six", "forty two"), or None."""
    small = _below_hundred(words, i)
    if small is None:
        return None
    value, j = small
    if j < len(words) and words[j] == "hundred" and 1 <= value <= 9 and j == i + 1:
        value *= 100
        j += 1
        k = j + 1 if j < len(words) and words[j] == "and" else j
        rest = _below_hundred(words, k)
        if rest is not None and rest[0] > 0:
            value += rest[0]
            j = rest[1]
    return value, j


def _number(words: list[str], i: int) -> tuple[int, int] | None:
    """The longest cardinal at ``i``: (value, next index), or None."""
    first = _below_thousand(words, i)
    if first is None:
        return None
    total, group, j = 0, first[0], first[1]
    last_scale = None
    while j < len(words) and words[j] in SCALES:
        scale = SCALES[words[j]]
        if group == 0 or (last_scale is not None and scale >= last_scale):
            break
        total += group * scale
        group, last_scale = 0, scale
        j += 1
        k = j + 1 if j < len(words) and words[j] == "and" else j
        following = _below_thousand(words, k)
        if following is None or following[0] == 0:
            break
        group, j = following
    return total + group, j


def find_numbers(words: list[str]) -> list[NumberSpan]:
    """Every cardinal number in ``words``, left to right, non-overlapping."""
    spans: list[NumberSpan] = []
    i = 0
    while i < len(words):
        if i > 0 and words[i - 1] == "a" and words[i] in ("hundred", "thousand", "million"):
            i += 1
            continue
        found = _number(words, i)
        if found is None:
            i += 1
            continue
        value, end = found
        previous = spans[-1] if spans else None
        if previous is not None and previous.end == i and _year_halves(previous, value):
            # "nineteen ninety nine", "twenty twenty four": a year read in two halves
            spans[-1] = NumberSpan(previous.start, end, previous.value * 100 + value)
        else:
            spans.append(NumberSpan(i, end, value))
        i = end
    return spans


def _year_halves(first: NumberSpan, value: int) -> bool:
    return 11 <= first.value <= 99 and first.end - first.start <= 2 and 10 <= value <= 99


def digits(value: int) -> str:
    """``value`` written with digits; thousands separators from 10,000 up."""
    return f"{value:,}" if value >= 10_000 else str(value)
