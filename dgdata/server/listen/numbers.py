"""Spoken English cardinal numbers to digits, for ``smart_format`` and ``numerals``.

``find_numbers(words)`` returns the spans of ``words`` (lowercase tokens) that read as one
cardinal number, with its value: "twenty five" -> 25, "three hundred and six" -> 306,
"two thousand twenty four" -> 2024, "one million five hundred thousand" -> 1500000, and years
read in two halves, "nineteen ninety nine" -> 1999. Other numbers in a row stay apart ("two
three" is 2 and 3, not 5). Fractions and "a hundred" are left as words.

The readers used by :mod:`.smart_format` are here too: ``cardinal_at`` (the number that starts at
a word), ``ordinal_at`` ("twenty first" -> 21), ``digit_at`` (one digit said alone, "oh" is 0)
and ``ordinal_suffix`` (21 -> "21st").
"""

from __future__ import annotations

from dataclasses import dataclass

# The number words, shared with the spoken form that engines' written words are brought to.
from dgdata.server.asr.spoken import TEENS, TENS, UNITS

SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}

#: Ordinal words and the cardinal word each is made from ("third" -> "three").
ORDINAL_WORDS = {
    "first": "one", "second": "two", "third": "three", "fourth": "four", "fifth": "five",
    "sixth": "six", "seventh": "seven", "eighth": "eight", "ninth": "nine", "tenth": "ten",
    "eleventh": "eleven", "twelfth": "twelve", "thirteenth": "thirteen",
    "fourteenth": "fourteen", "fifteenth": "fifteen", "sixteenth": "sixteen",
    "seventeenth": "seventeen", "eighteenth": "eighteen", "nineteenth": "nineteen",
    "twentieth": "twenty", "thirtieth": "thirty", "fortieth": "forty", "fiftieth": "fifty",
    "sixtieth": "sixty", "seventieth": "seventy", "eightieth": "eighty", "ninetieth": "ninety",
    "hundredth": "hundred", "thousandth": "thousand", "millionth": "million",
}  # fmt: skip
_FIRST_WORDS = {*UNITS, *TEENS, *TENS}  # a cardinal starts with one of these
_NUMBER_WORDS = {*_FIRST_WORDS, *SCALES, "hundred", "and"}
_LONGEST_ORDINAL = 8  # words: "nine hundred ninety nine thousand nine hundred ninety ninth"


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


def below_hundred_at(words: list[str], i: int) -> NumberSpan | None:
    """The number 0-99 that starts at ``words[i]`` alone ("twenty five", "fifteen"), or None."""
    found = _below_hundred(words, i)
    return None if found is None else NumberSpan(i, found[1], found[0])


def cardinal_at(words: list[str], i: int) -> NumberSpan | None:
    """The cardinal number (years read in halves included) that starts at ``words[i]``: the
    first span :func:`find_numbers` finds in ``words[i:]`` if it starts there."""
    if i >= len(words) or words[i] not in _FIRST_WORDS:
        return None  # most words: no need to read further
    found = _number(words, i)
    if found is None:
        return None
    span = NumberSpan(i, found[1], found[0])
    following = _number(words, span.end)
    if following is not None and _year_halves(span, following[0]):
        return NumberSpan(i, following[1], span.value * 100 + following[0])
    return span


def ordinal_at(words: list[str], i: int) -> NumberSpan | None:
    """The ordinal that starts at ``words[i]`` ("third", "twenty first", "one hundredth")."""
    for last in range(i, min(i + _LONGEST_ORDINAL, len(words))):
        cardinal = ORDINAL_WORDS.get(words[last])
        if cardinal is not None:
            read = _number([*words[i:last], cardinal], 0)
            if read is not None and read[1] == last - i + 1:
                return NumberSpan(i, last + 1, read[0])
            return None
        if words[last] not in _NUMBER_WORDS:
            return None
    return None


def digit_at(words: list[str], i: int) -> int | None:
    """The digit ``words[i]`` says on its own ("oh" is 0, as in phone numbers), or None."""
    if i >= len(words):
        return None
    return 0 if words[i] == "oh" else UNITS.get(words[i])


def ordinal_suffix(value: int) -> str:
    """``value`` as a written ordinal: 1 -> "1st", 12 -> "12th", 23 -> "23rd"."""
    if value % 100 in (11, 12, 13):
        return f"{value}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}"
