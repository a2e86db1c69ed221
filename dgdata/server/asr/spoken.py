"""Written words to Deepgram's default, spoken form: lowercase, no punctuation, numbers in words.

Deepgram answers with no formatting option in the form a person says: ``"ten of clubs"``,
``"mister dashwood"``, ``"seven thirty"``. Engines that write (Whisper writes ``"10 of clubs."``,
``"Mr. Dashwood"``, ``"7:30"``) are brought to that form here, one written word at a time, so
each written word's timing can be shared among the spoken words it becomes::

    spoken_forms("$5.50")   # ['five', 'dollars', 'and', 'fifty', 'cents']
    spoken_forms("Mr.")     # ['mister']
    spoken_forms("1999,")   # ['nineteen', 'ninety', 'nine']
    spoken_text("It's 7:30 on the 3rd of May.")   # "it's seven thirty on the third of may"

``smart_format`` and ``numerals`` then turn the spoken form back into digits with
:mod:`dgdata.server.listen.numbers` (which reads the number words defined here), as they do for
every engine. What a number was *said* as
cannot always be known from how it is written (``2024`` may have been "twenty twenty four" or
"two thousand twenty four"); the choices here are the commonest readings, each documented at its
function.
"""

from __future__ import annotations

import re

__all__ = [
    "MARKS",
    "TEENS",
    "TENS",
    "UNITS",
    "cardinal",
    "ordinal",
    "other_readings",
    "spoken_forms",
    "spoken_text",
    "writing",
    "year",
]

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

_NUMBER_WORDS = {*UNITS, *TEENS, *TENS}
#: 0-19 and the tens by value, from the words :mod:`.numbers` reads back.
_UNITS = sorted({**UNITS, **TEENS}, key=lambda word: {**UNITS, **TEENS}[word])
_TENS = {value // 10: word for word, value in TENS.items()}
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip
_ABBREVIATIONS = {
    "mr": ["mister"], "mrs": ["missus"], "ms": ["miss"], "dr": ["doctor"], "prof": ["professor"],
    "vs": ["versus"], "etc": ["etcetera"], "&": ["and"], "%": ["percent"], "+": ["plus"],
    "=": ["equals"], "@": ["at"],
}  # fmt: skip
#: Abbreviations whose dot is part of the word, not the end of a sentence ("Mr.", "St.").
_DOTTED = {*(key for key in _ABBREVIATIONS if key.isalpha()), "st", "jr", "sr", "mt", "ft", "inc",
           "ltd", "co", "corp", "dept", "est", "approx", "fig", "jan", "feb", "aug", "sept", "oct",
           "nov", "dec"}  # fmt: skip
#: The punctuation an engine writes after a word that Deepgram's ``punctuate`` writes too.
MARKS = ".,?!;:"
_CURRENCIES = {"$": ("dollar", "cent"), "£": ("pound", "penny"), "€": ("euro", "cent")}
_LARGEST = 10**15  # beyond it, digits are read one by one

_TIME = re.compile(r"(\d{1,2}):(\d{2})\Z")
_ORDINAL = re.compile(r"(\d+)(st|nd|rd|th)\Z")
_MONEY = re.compile(r"([$£€])(\d[\d,]*)(?:\.(\d{1,2}))?\Z")
_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\Z")
_INITIALS = re.compile(r"(?:[a-z]\.){2,}\Z", re.IGNORECASE)  # U.S., a.m., e.g.
_TRAILING = re.compile(r"[^\w$£€&%+=@]+\Z")
_EDGE = re.compile(r"\A[^\w$£€&%+=@']+|[^\w%']+\Z")


def cardinal(number: int) -> list[str]:
    """``number`` (0 or more) as spoken words, without "and": 123 -> one hundred twenty three."""
    if number < 0:
        return ["minus", *cardinal(-number)]
    if number >= _LARGEST:
        return [_UNITS[int(digit)] for digit in str(number)]
    if number < 20:
        return [_UNITS[number]]
    if number < 100:
        tens, units = divmod(number, 10)
        return [_TENS[tens]] + ([_UNITS[units]] if units else [])
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return [_UNITS[hundreds], "hundred"] + (cardinal(rest) if rest else [])
    for scale, name in _SCALES:
        if number >= scale:
            high, rest = divmod(number, scale)
            return [*cardinal(high), name] + (cardinal(rest) if rest else [])
    raise AssertionError(number)  # pragma: no cover - every number above is covered


def ordinal(number: int) -> list[str]:
    """``number`` as a spoken ordinal: 21 -> twenty first, 100 -> one hundredth."""
    words = cardinal(number)
    last = words[-1]
    if last in _ORDINAL_WORDS:
        words[-1] = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return words


def year(number: int) -> list[str]:
    """A four-digit year as it is usually said: 1999 -> nineteen ninety nine, 1900 -> nineteen
    hundred, 2005 -> two thousand five, 2024 -> twenty twenty four, 1805 -> eighteen oh five."""
    century, rest = divmod(number, 100)
    if 2000 <= number <= 2009 or 1000 <= number <= 1009:
        return cardinal(number)
    if rest == 0:
        return [*cardinal(century), "hundred"]
    return cardinal(century) + (["oh", _UNITS[rest]] if rest < 10 else cardinal(rest))


def _decimal(whole: str, fraction: str | None) -> list[str]:
    number = int(whole.replace(",", ""))
    is_year = fraction is None and "," not in whole and len(whole) == 4 and 1100 <= number <= 2099
    words = year(number) if is_year else cardinal(number)
    if fraction:
        words += ["point", *(_UNITS[int(digit)] for digit in fraction)]
    return words


def _money(symbol: str, whole: str, cents: str | None) -> list[str]:
    unit, small = _CURRENCIES[symbol]
    amount = int(whole.replace(",", ""))
    words = [*cardinal(amount), unit if amount == 1 else unit + "s"]
    if cents and int(cents.ljust(2, "0")):
        hundredths = int(cents.ljust(2, "0"))
        plural = "pence" if small == "penny" else small + "s"
        words += ["and", *cardinal(hundredths), small if hundredths == 1 else plural]
    return words


def _time(hours: int, minutes: int) -> list[str]:
    if minutes == 0:
        return [*cardinal(hours), "o'clock"]
    return cardinal(hours) + (["oh", _UNITS[minutes]] if minutes < 10 else cardinal(minutes))


def _number_like(token: str) -> list[str] | None:
    """The spoken form of a token that is a number, a time, an ordinal or money; else None."""
    if match := _TIME.match(token):
        hours, minutes = int(match[1]), int(match[2])
        if hours < 24 and minutes < 60:
            return _time(hours, minutes)
    if match := _ORDINAL.match(token):
        return ordinal(int(match[1]))
    if match := _MONEY.match(token):
        return _money(match[1], match[2], match[3])
    percent = token.endswith("%")
    if match := _NUMBER.match(token.rstrip("%")):
        return _decimal(match[1], match[2]) + (["percent"] if percent else [])
    return None


def spoken_forms(written: str) -> list[str]:
    """The spoken words of one written word (``[]`` for punctuation alone)."""
    if written.strip() in _ABBREVIATIONS:  # a symbol alone: "&", "%", "+"
        return list(_ABBREVIATIONS[written.strip()])
    token = _EDGE.sub("", written.strip()).lower()
    if not token:
        return []
    if token.rstrip(".") in _ABBREVIATIONS:
        return list(_ABBREVIATIONS[token.rstrip(".")])
    number = _number_like(token)
    if number is not None:
        return number
    if "-" in token:  # twenty-five, 3-2: parts that are numbers are said apart, as Deepgram
        parts = [part for part in token.split("-") if part]  # writes "twenty five"
        if any(_number_like(part) is not None or part in _NUMBER_WORDS for part in parts):
            return [word for part in parts for word in spoken_forms(part)]
    if token[0].isdigit() or token[-1].isdigit():  # 10am, mp3, 4x4: digit runs said apart
        pieces = re.findall(r"\d+|[^\d]+", token)
        return [word for piece in pieces for word in (_number_like(piece) or [piece])]
    if _INITIALS.match(token + "."):  # U.S., a.m.: the letters as one word, as Deepgram: "am"
        return [token.replace(".", "")]
    return [token.rstrip(".")]


_PLAIN_NUMBER = re.compile(r"\d{3,}\Z")  # "10" is not said "one zero"


def other_readings(written: str) -> tuple[tuple[str, ...], ...]:
    """Other ways a plain written number may have been said than :func:`spoken_forms`' reading,
    for the audio to decide (:mod:`dgdata.server.asr.alignment`): digit by digit ("123": one
    two three), in pairs ("123": one twenty three, "2024": twenty twenty four) and as a cardinal
    ("2024": two thousand twenty four). Empty for anything but a number of three or more digits."""
    token = _EDGE.sub("", written.strip())
    if not _PLAIN_NUMBER.match(token):
        return ()
    number = int(token)
    readings = [tuple(_UNITS[int(digit)] for digit in token)]
    if len(token) <= 4 and not token.startswith("0"):
        readings.append(tuple(cardinal(number)))
        if len(token) == 3:
            readings.append((_UNITS[int(token[0])], *_two_digits(token[1:])))
        if len(token) == 4:
            readings.append((*_two_digits(token[:2]), *_two_digits(token[2:])))
    default = tuple(spoken_forms(written))
    return tuple(r for r in dict.fromkeys(readings) if r != default)


def _two_digits(digits: str) -> list[str]:
    """Two digits said as a pair: "23" twenty three, "05" oh five, "00" hundred."""
    if digits == "00":
        return ["hundred"]
    if digits.startswith("0"):
        return ["oh", _UNITS[int(digits[1])]]
    return cardinal(int(digits))


def writing(written: str) -> tuple[bool, str]:
    """How a written word was written: whether it starts with a capital letter, and the
    punctuation mark (one of :data:`MARKS`, or ``""``) written after it.

    An abbreviation's dot is part of the word, not a mark: ``"Mr."``, ``"St."``, ``"U.S."``,
    ``"a.m."`` end no sentence. Closing quotes and brackets are looked through (``'end."'``: the
    mark is ``"."``); of several marks the strongest counts (``"?!"``: ``"?"``)::

        writing("Dashwood,")   # (True, ",")
        writing("Mr.")         # (True, "")
        writing("$5.")         # (False, ".")
    """
    text = written.strip()
    letters = [char for char in text if char.isalpha()]
    capital = bool(letters) and letters[0].isupper()
    trailing = _TRAILING.search(text)
    run = trailing.group(0) if trailing else ""
    body = text[: len(text) - len(run)]
    if run.startswith(".") and (
        body.lower().lstrip("\"'([") in _DOTTED or _INITIALS.match(body.lstrip("\"'([") + ".")
    ):
        run = run[1:]  # the abbreviation's own dot
    mark = next((char for char in "?!.;:," if char in run), "")
    return capital, mark


def spoken_text(text: str) -> str:
    """A whole written text in spoken form (words joined by single spaces)."""
    return " ".join(word for written in text.split() for word in spoken_forms(written))
