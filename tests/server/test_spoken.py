"""Written words to Deepgram's default spoken form (dgdata.server.asr.spoken)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dgdata.server.asr.spoken import cardinal, ordinal, spoken_forms, spoken_text, writing, year
from dgdata.server.listen.numbers import find_numbers


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (15, "fifteen"),
        (40, "forty"),
        (99, "ninety nine"),
        (100, "one hundred"),
        (123, "one hundred twenty three"),
        (1000, "one thousand"),
        (1_500_000, "one million five hundred thousand"),
        (2_000_017, "two million seventeen"),
        (-4, "minus four"),
        (10**15 + 2, "one " + "zero " * 14 + "two"),
    ],
)
def test_cardinals(number: int, words: str) -> None:
    assert " ".join(cardinal(number)) == words.strip()


@pytest.mark.parametrize(
    ("number", "words"),
    [(1, "first"), (2, "second"), (3, "third"), (5, "fifth"), (12, "twelfth"), (20, "twentieth"),
     (21, "twenty first"), (100, "one hundredth"), (1009, "one thousand ninth")],
)  # fmt: skip
def test_ordinals(number: int, words: str) -> None:
    assert " ".join(ordinal(number)) == words


@pytest.mark.parametrize(
    ("number", "words"),
    [(1999, "nineteen ninety nine"), (1900, "nineteen hundred"), (2000, "two thousand"),
     (2005, "two thousand five"), (2024, "twenty twenty four"), (1805, "eighteen oh five")],
)  # fmt: skip
def test_years(number: int, words: str) -> None:
    assert " ".join(year(number)) == words


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Hello,", "hello"),
        ("world.", "world"),
        ('"Quoted"', "quoted"),
        ("It's", "it's"),
        ("Mr.", "mister"),
        ("Dr", "doctor"),
        ("&", "and"),
        ("10", "ten"),
        ("1,500", "one thousand five hundred"),
        ("1999,", "nineteen ninety nine"),
        ("3.14", "three point one four"),
        ("50%", "fifty percent"),
        ("7:30", "seven thirty"),
        ("7:05", "seven oh five"),
        ("9:00", "nine o'clock"),
        ("3rd", "third"),
        ("$5", "five dollars"),
        ("$1", "one dollar"),
        ("$5.50", "five dollars and fifty cents"),
        ("£2.01", "two pounds and one penny"),
        ("twenty-five", "twenty five"),  # Deepgram writes number words apart
        ("forty-two.", "forty two"),
        ("3-2", "three two"),
        ("10am", "ten am"),
        ("mp3", "mp three"),
        ("well-known", "well-known"),
        ("don't", "don't"),
        ("U.S.", "us"),
        ("a.m.", "am"),
        ("...", ""),
        ("—", ""),
    ],
)
def test_written_words_in_spoken_form(written: str, spoken: str) -> None:
    assert " ".join(spoken_forms(written)) == spoken


@pytest.mark.parametrize(
    ("written", "capital", "mark"),
    [("Dashwood,", True, ","), ("paid", False, ""), ("$5.", False, "."), ("Mr.", True, ""),
     ("Dr.", True, ""), ("St.", True, ""), ("U.S.", True, ""), ("a.m.", False, ""),
     ("p.m.,", False, ","), ("A.", True, "."), ('end."', False, "."), ("really?!", False, "?"),
     ("I", True, ""), ("(Hello)", True, ""), ("first;", False, ";"), ("note:", False, ":"),
     ("wait...", False, "."), ("—", False, "")],
)  # fmt: skip
def test_how_a_word_was_written(written: str, capital: bool, mark: str) -> None:
    """An abbreviation's dot ("Mr.", "U.S.") ends no sentence, a single letter's ("plan A.")
    does; closing quotes are looked through; of several marks the strongest counts."""
    assert writing(written) == (capital, mark)


def test_a_whisper_sentence_in_deepgrams_default_form() -> None:
    text = "Mr. Dashwood paid $5.50 at 7:30 on the 3rd of May, 1999. That's 10 of clubs!"
    assert spoken_text(text) == (
        "mister dashwood paid five dollars and fifty cents at seven thirty on the third of may "
        "nineteen ninety nine that's ten of clubs"
    )


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_cardinals_read_back_as_the_same_number(number: int) -> None:
    """``smart_format`` turns the spoken form back into the digits it came from."""
    words = cardinal(number)
    spans = find_numbers(words)
    assert len(spans) == 1
    assert spans[0].value == number
