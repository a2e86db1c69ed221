"""Spoken words to Deepgram's written forms, for ``smart_format`` and ``numerals``.

``written_pieces(words, marks, mode)`` finds the stretches of spoken words (lowercase, numbers in
words: what every engine gives) that are written another way, and how. The forms follow the real
Deepgram answers in ``tests/data/real/`` and the docs (see ``tests/server/test_conventions.py``
for which answer shows what):

- ``"smart"`` (``smart_format``): numbers from 10 up, and numbers of several words, as digits
  ("twenty five" -> "25", "nineteen ninety nine" -> "1999"; "three days" stays words); runs of
  three or more digits said one by one as one number ("one two three" -> "123"), grouped like a
  phone number when they have 7 or 10 digits ("123-456-7890"); decimals ("2.5"); times
  ("seven thirty" -> "7:30", "seven thirty p m" -> "7:30" "PM", "seven o'clock" -> "7 o'clock");
  money ("five dollars and fifty cents" -> "$5.50"); percentages ("fifty percent" -> "50%");
  dates ("march third twenty twenty four" -> "March" "3," "2024"; "the third of march" -> "the
  3rd of March"); ordinals from 10th up ("twenty first" -> "21st"; "the first spacewalk" stays).
- ``"all"`` (``numerals``): every number as digits, ordinals too ("nine hundredth" -> "900th"),
  and nothing else.

A piece never crosses a word after which the engine wrote punctuation (a comma in a date aside).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dgdata.server.asr.spoken import TEENS, TENS, UNITS
from dgdata.server.listen.numbers import (
    NumberSpan,
    below_hundred_at,
    cardinal_at,
    digit_at,
    digits,
    ordinal_at,
    ordinal_suffix,
)

__all__ = ["MONTHS", "Piece", "written_pieces"]

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
MONTHS = {name: name.capitalize() for name in _MONTH_NAMES}
_CURRENCIES = {"dollar": "$", "dollars": "$", "pound": "£", "pounds": "£", "euro": "€",
               "euros": "€"}  # fmt: skip
_SMALL_CHANGE = {"cent", "cents", "penny", "pence"}
_MERIDIEMS = {"am": "AM", "a.m": "AM", "a.m.": "AM", "pm": "PM", "p.m": "PM", "p.m.": "PM"}
_TIME_CONTEXT = {"at", "by", "until", "till", "from", "around", "before", "after", "since"}
#: Words after which "seven thirty" is an amount, not a time ("two fifty dollars").
_NOT_A_TIME = {"hundred", "thousand", "million", "billion", "percent", "point", *_CURRENCIES}
_TERMINAL = (".", "?", "!")
_VERBS_TOO = {"may", "march"}  # months that are also verbs: a date only with an ordinal or year


@dataclass(frozen=True)
class Piece:
    """Words ``start`` to ``end`` (exclusive) written as ``text``.

    ``mark`` is punctuation the written form puts after it (the comma of "March 3, 2024");
    punctuation the engine wrote after the last word wins over it.
    """

    start: int
    end: int
    text: str
    mark: str = ""


@dataclass(frozen=True)
class _Words:
    """The words being read, and the punctuation the engine wrote after each ("" for none)."""

    words: list[str]
    marks: Sequence[str]

    def at(self, i: int) -> str:
        return self.words[i] if 0 <= i < len(self.words) else ""


Matcher = Callable[[_Words, int], list[Piece] | None]


def _amount_at(w: _Words, i: int) -> tuple[str, int] | None:
    """A cardinal or a decimal ("two point five") at ``i``: (its digits, next index)."""
    number = cardinal_at(w.words, i)
    if number is None:
        return None
    end = number.end
    if w.at(end) == "point" and digit_at(w.words, end + 1) is not None:
        decimals = ""
        end += 1
        while (digit := digit_at(w.words, end)) is not None:
            decimals += str(digit)
            end += 1
        return f"{digits(number.value)}.{decimals}", end
    return digits(number.value), end


def _meridiem_at(w: _Words, i: int) -> tuple[str, int] | None:
    """ "AM"/"PM" said at ``i`` ("pm", "p.m", or "p" "m"): (written, next index)."""
    if w.at(i) in _MERIDIEMS:
        return _MERIDIEMS[w.at(i)], i + 1
    if w.at(i) in ("a", "p") and w.at(i + 1) == "m" and not w.marks[i]:
        return w.at(i).upper() + "M", i + 2
    return None


def _minutes_at(w: _Words, i: int) -> tuple[int, int, bool] | None:
    """Minutes after an hour: (minutes, next index, whether only a time reads like this)."""
    word = w.at(i)
    if word == "oh" and (digit := digit_at(w.words, i + 1)) is not None and digit > 0:
        return digit, i + 2, True  # "seven oh five"
    if word in TENS and TENS[word] < 60:
        unit = UNITS.get(w.at(i + 1), 0)
        return (TENS[word] + unit, i + 2, True) if unit else (TENS[word], i + 1, True)
    if word in TEENS:
        return TEENS[word], i + 1, False  # "seven fifteen" is also two numbers
    return None


def _time(w: _Words, i: int) -> list[Piece] | None:
    """ "seven thirty" -> 7:30, "seven p m" -> 7 PM, "seven o'clock" -> 7 o'clock."""
    hour = UNITS.get(w.at(i)) or TEENS.get(w.at(i))
    if hour is None or not 1 <= hour <= 12 or w.marks[i]:
        return None
    minutes = _minutes_at(w, i + 1)
    end = i + 1 if minutes is None else minutes[1]
    meridiem = _meridiem_at(w, end)
    pieces = [Piece(i, end, str(hour) if minutes is None else f"{hour}:{minutes[0]:02d}")]
    if meridiem is not None:
        return [*pieces, Piece(end, meridiem[1], meridiem[0])]
    if minutes is None:
        return pieces if w.at(i + 1) == "o'clock" else None
    if w.at(end) in _NOT_A_TIME or w.at(end) in _SMALL_CHANGE:
        return None
    return pieces if minutes[2] or w.at(i - 1) in _TIME_CONTEXT else None


def _money(w: _Words, i: int) -> list[Piece] | None:
    """ "five dollars and fifty cents" -> $5.50, "a thousand pounds" stays words."""
    amount = _amount_at(w, i)
    if amount is None or w.at(amount[1]) not in _CURRENCIES:
        return None
    text, end = amount
    symbol = _CURRENCIES[w.at(end)]
    end += 1
    joined = end + 1 if w.at(end) == "and" else end
    cents = below_hundred_at(w.words, joined)
    if cents is not None and "." not in text and 0 < cents.value < 100 and not w.marks[end - 1]:
        named = w.at(cents.end) in _SMALL_CHANGE
        if named or joined == end:  # "and fifty" alone may start a new amount
            text, end = f"{text}.{cents.value:02d}", cents.end + (1 if named else 0)
    if "." not in text and len(text) > 3:
        text = f"{int(text.replace(',', '')):,}"  # money has separators from 1,000
    return [Piece(i, end, symbol + text)]


def _percent(w: _Words, i: int) -> list[Piece] | None:
    """ "fifty percent" -> 50%, "two point five percent" -> 2.5%."""
    amount = _amount_at(w, i)
    if amount is None or w.at(amount[1]) != "percent":
        return None
    return [Piece(i, amount[1] + 1, amount[0] + "%")]


def _date(w: _Words, i: int) -> list[Piece] | None:
    """A month and a day and/or a year: "march third twenty twenty four" -> March 3, 2024."""
    month = MONTHS.get(w.at(i))
    if month is None or w.marks[i] in _TERMINAL:
        return None
    pieces = [Piece(i, i + 1, month)]
    year = _year_at(w, i + 1)
    if year is not None:
        return [*pieces, year]
    day = ordinal_at(w.words, i + 1)
    if day is None and w.at(i) not in _VERBS_TOO:  # "they march ten miles"
        day = below_hundred_at(w.words, i + 1)
    if day is None or not 1 <= day.value <= 31:
        return None
    year = None if w.marks[day.end - 1] in _TERMINAL else _year_at(w, day.end)
    if year is None:
        return [*pieces, Piece(i + 1, day.end, str(day.value))]
    return [*pieces, Piece(i + 1, day.end, str(day.value), ","), year]


def _year_at(w: _Words, i: int) -> Piece | None:
    year: NumberSpan | None = cardinal_at(w.words, i)
    if year is None or not 1000 <= year.value <= 2099 or year.end - year.start < 2:
        return None
    return Piece(i, year.end, str(year.value))


def _digit_run(w: _Words, i: int) -> list[Piece] | None:
    """Three or more digits said one by one: "one two three" -> 123, a phone number grouped."""
    if w.at(i) == "oh":
        return None
    said = ""
    end = i
    while (digit := digit_at(w.words, end)) is not None:
        said += str(digit)
        end += 1
        if w.marks[end - 1]:
            break
    if len(said) < 3:
        return None
    if len(said) == 10:
        said = f"{said[:3]}-{said[3:6]}-{said[6:]}"
    elif len(said) == 7:
        said = f"{said[:3]}-{said[3:]}"
    return [Piece(i, end, said)]


def _decimal(w: _Words, i: int) -> list[Piece] | None:
    amount = _amount_at(w, i)
    if amount is None or "." not in amount[0]:
        return None
    return [Piece(i, amount[1], amount[0])]


def _ordinal(smart: bool) -> Matcher:
    def match(w: _Words, i: int) -> list[Piece] | None:
        found = ordinal_at(w.words, i)
        if found is None:
            return None
        of_a_month = w.at(found.end) == "of" and w.at(found.end + 1) in MONTHS
        if smart and found.value < 10 and not of_a_month:
            return None  # "the first spacewalk" (python-captions/dg_utterances.json)
        written = [Piece(i, found.end, ordinal_suffix(found.value))]
        if of_a_month:  # "the 3rd of March"
            month = found.end + 1
            written.append(Piece(month, month + 1, MONTHS[w.at(month)]))
        return written

    return match


def _cardinal(smart: bool) -> Matcher:
    def match(w: _Words, i: int) -> list[Piece] | None:
        found = cardinal_at(w.words, i)
        if found is None:
            return None
        if smart and found.value < 10 and found.end - found.start == 1:
            return None  # style: zero to nine stay words ("two things", "three days")
        return [Piece(i, found.end, digits(found.value))]

    return match


_SMART: tuple[Matcher, ...] = (
    _date, _time, _money, _percent, _digit_run, _decimal, _ordinal(True), _cardinal(True)
)  # fmt: skip
_NUMERALS: tuple[Matcher, ...] = (_digit_run, _decimal, _ordinal(False), _cardinal(False))


def _unbroken(w: _Words, pieces: list[Piece]) -> bool:
    """No piece crosses punctuation the engine wrote, and only a comma may sit between pieces."""
    for piece in pieces:
        if any(w.marks[k] for k in range(piece.start, piece.end - 1)):
            return False
    return not any(w.marks[piece.end - 1] in _TERMINAL for piece in pieces[:-1])


def written_pieces(words: list[str], marks: Sequence[str], mode: str) -> list[Piece]:
    """The pieces of ``words`` written differently in ``mode`` ("smart" or "all"), in order.

    ``marks[i]`` is the punctuation the engine wrote after ``words[i]`` ("" for none). Each
    sentence the engine wrote is read on its own (all the words, when it wrote none).
    """
    matchers = _SMART if mode == "smart" else _NUMERALS
    found: list[Piece] = []
    first = 0
    for end in [k + 1 for k, mark in enumerate(marks) if mark in _TERMINAL] + [len(words)]:
        if end > first:
            sentence = _Words(words[first:end], marks[first:end])
            found.extend(_shifted(p, first) for p in _sentence_pieces(matchers, sentence))
            first = end
    return found


def _shifted(piece: Piece, offset: int) -> Piece:
    return Piece(piece.start + offset, piece.end + offset, piece.text, piece.mark)


def _sentence_pieces(matchers: Sequence[Matcher], sentence: _Words) -> list[Piece]:
    found: list[Piece] = []
    clause_ends = _clause_ends(sentence.marks)
    i = 0
    while i < len(sentence.words):
        pieces = _first_match(matchers, sentence, i, clause_ends[i])
        if pieces:
            found.extend(pieces)
            i = pieces[-1].end
        else:
            i += 1
    return found


def _clause_ends(marks: Sequence[str]) -> list[int | None]:
    """For each word, the end of its clause (after the next word with a mark), or None when no
    mark follows before the sentence's last word."""
    ends: list[int | None] = [None] * len(marks)
    following: int | None = None
    for k in range(len(marks) - 2, -1, -1):
        if marks[k]:
            following = k + 1
        ends[k] = following
    return ends


def _first_match(
    matchers: Sequence[Matcher], w: _Words, i: int, clause_end: int | None
) -> list[Piece] | None:
    """What the first matcher that reads ``w.words[i:]`` makes of it: reading to the end of the
    sentence, then (if that fails: a number across a comma) to the next comma only."""
    for matcher in matchers:
        pieces = matcher(w, i)
        if pieces and _unbroken(w, pieces):
            return pieces
    if clause_end is None:
        return None
    return _first_match(matchers, _Words(w.words[:clause_end], w.marks[:clause_end]), i, None)
