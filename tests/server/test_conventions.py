"""Deepgram's output conventions on both engines: plain words, ``punctuate``, ``smart_format``,
``numerals`` (issue 17, item 2).

Each expectation cites the real Deepgram answer it comes from where one shows it (files under
``tests/data/real/``, see its README); the rest follow Deepgram's docs (smart_format: "dates,
times, currency amounts, phone numbers"; numerals: "nine hundred" -> "900", "nine hundredth" ->
"900th") and are marked "style" where the form is this server's choice.

The unit tests feed lists of ``Word`` as the engines give them: pocketsphinx words carry no
punctuation (``capital``/``mark`` empty), Whisper's say what it wrote. The REST tests send two
committed clips to a server on each engine (five recognitions per engine).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from dgdata.server.asr.decoder import Word
from dgdata.server.listen.formatting import (
    Formatting,
    asks,
    format_words,
    sentence_ranges,
    transcript,
)
from dgdata.server.listen.numbers import cardinal_at, find_numbers, ordinal_at, ordinal_suffix
from dgdata.server.listen.response import formatting_from_options
from dgdata.server.runner import LocalServer

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests/data/real"
REST = REAL / "python-sdk-v4.8.1/tests/response_data/listen/rest"
LIVE = REAL / "python-sdk-v4.8.1/tests/response_data/listen/websocket"
#: nova-3, smart_format: "Yep. I said it before, and I'll say it again. Life moves pretty fast..."
BUELLER = "c4e1c0031174878d8f0e3dbd87916ee16d56f1c610ac525af5712ea37226a455-29e7c8100617f70da4ae9da1921cb5071a01219f4780ca70930b0a370ed2163a-response.json"  # noqa: E501
#: nova-3, smart_format: "We, the people of The United States, in order to form..."
PREAMBLE = "c4e1c0031174878d8f0e3dbd87916ee16d56f1c610ac525af5712ea37226a455-a17f4880c5b4cf124ac54d06d77c9f0ab7f3fe1052ff1c7b090f7eaf8ede5b76-response.json"  # noqa: E501
#: live nova-3, punctuate + smart_format: "Testing. 123. Testing. 123."
TESTING_123 = "a6d1b12d5ce73a51a7b69ab156f0c98c72cdc1cfcf4a25f7b634c328cce4d760-d7334c26cf6468c191e05ff5e8151da9b67985c66ab177e9446fd14bbafd70df-response.json"  # noqa: E501
#: nova-2, smart_format + utterances + paragraphs (spacewalk.wav)
SPACEWALK = "python-captions/dg_utterances.json"

PLAIN = Formatting()
PUNCTUATE = Formatting(punctuate=True)
SMART = Formatting(punctuate=True, numbers="smart")
NUMERALS = Formatting(numbers="all")


def _alternative(document: dict[str, Any]) -> dict[str, Any]:
    channel = document["channel"] if "channel" in document else document["results"]["channels"][0]
    alternative: dict[str, Any] = channel["alternatives"][0]
    return alternative


def real_words(name: str) -> list[dict[str, Any]]:
    """The words of a real answer (REST, live or captions file)."""
    for folder in (REST, LIVE, REAL):
        if (folder / name).is_file():
            return list(_alternative(json.loads((folder / name).read_text()))["words"])
    raise FileNotFoundError(name)


def spoken(text: str, *, pause_after: tuple[int, ...] = (), step: float = 0.3) -> list[Word]:
    """pocketsphinx-like words: back to back, a one-second pause after the given indexes."""
    out, time = [], 0.0
    for index, word in enumerate(text.split()):
        out.append(Word(word, round(time, 3), round(time + step, 3), 0.9 - 0.1 * (index % 2)))
        time += step + (1.0 if index in pause_after else 0.0)
    return out


def written(text: str, step: float = 0.3) -> list[Word]:
    """Whisper-like words: spoken form, with the capital and the punctuation it wrote."""
    out = []
    for index, token in enumerate(text.split()):
        mark = token[-1] if token[-1] in ".,?!;:" else ""
        word = token.rstrip(".,?!;:")
        capital = word[:1].isupper()
        out.append(Word(word.lower(), index * step, (index + 1) * step, 0.9, capital, mark))
    return out


def shown(words: list[Word], formatting: Formatting) -> str:
    return transcript(format_words(words, formatting))


# --------------------------------------------------------------------------- the real answers


@pytest.mark.parametrize("name", [BUELLER, PREAMBLE, TESTING_123, SPACEWALK])
def test_real_answers_word_is_the_lowercase_unpunctuated_form(name: str) -> None:
    """What the conventions below rest on: in every real answer ``word`` is lowercase without
    punctuation, ``punctuated_word`` is it with capitals and marks, and ``transcript`` joins
    the punctuated words."""
    words = real_words(name)
    for item in words:
        assert item["word"] == item["word"].lower()
        bare = re.sub(r"[.,?!]+$", "", item["punctuated_word"])
        assert bare.lower() == item["word"], item
    folder = LIVE if name == TESTING_123 else REST if name != SPACEWALK else REAL
    document = json.loads((folder / name).read_text())
    assert _alternative(document)["transcript"] == " ".join(w["punctuated_word"] for w in words)


@pytest.mark.parametrize("name", [BUELLER, PREAMBLE, SPACEWALK])
def test_sentences_end_where_the_real_paragraphs_end_them(name: str) -> None:
    """``sentence_ranges`` on the real words gives exactly the real ``paragraphs`` sentences."""
    document = json.loads(((REAL if name == SPACEWALK else REST) / name).read_text())
    alternative = _alternative(document)
    words = alternative["words"]
    ours = [transcript(words[first:end]) for first, end in sentence_ranges(words)]
    theirs = [s["text"] for p in alternative["paragraphs"]["paragraphs"] for s in p["sentences"]]
    assert ours == theirs


@pytest.mark.parametrize("name", [BUELLER, SPACEWALK])
def test_an_engine_that_writes_gets_the_real_punctuation_back(name: str) -> None:
    """Words carrying the real answer's capitals and marks (as Whisper's do) come out with the
    real answer's ``punctuated_word``, ``word`` and ``transcript``."""
    real = real_words(name)
    words = [
        Word(
            w["word"],
            w["start"],
            w["end"],
            w["confidence"],
            capital=w["punctuated_word"][:1].isupper() and w["word"] not in ("i", "i'll", "i'm"),
            mark=w["punctuated_word"][len(w["word"]) :],
        )
        for w in real
    ]
    ours = format_words(words, PUNCTUATE)
    assert [w["punctuated_word"] for w in ours] == [w["punctuated_word"] for w in real]
    assert [w["word"] for w in ours] == [w["word"] for w in real]
    assert [(w["start"], w["end"]) for w in ours] == [(w["start"], w["end"]) for w in real]


def test_digits_said_one_by_one_are_one_word_in_word_too() -> None:
    """Live nova-3 smart_format wrote "one two three" as ``word`` "123", ``punctuated_word``
    "123." (TESTING_123); we do the same, with the span of the three words."""
    real = [(w["word"], w["punctuated_word"]) for w in real_words(TESTING_123)]
    assert ("123", "123.") in real
    words = spoken("testing one two three")
    ours = format_words(words, SMART)
    assert [(w["word"], w["punctuated_word"]) for w in ours] == [
        ("testing", "Testing"),
        ("123", "123."),
    ]
    assert (ours[1]["start"], ours[1]["end"]) == (words[1].start, words[3].end)
    assert ours[1]["confidence"] == pytest.approx((0.8 + 0.9 + 0.8) / 3, abs=1e-4)


def test_the_first_stays_a_word_in_a_real_smart_format_answer() -> None:
    """nova-2 smart_format kept "the first, spacewalk" in words (SPACEWALK): ordinals below
    10th stay words; from 10th up they are digits (style, as for cardinals)."""
    assert "first," in [w["punctuated_word"] for w in real_words(SPACEWALK)]
    assert shown(spoken("the first spacewalk"), SMART) == "The first spacewalk."
    assert shown(spoken("the twenty first century"), SMART) == "The 21st century."


# --------------------------------------------------------------------------- no options


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (spoken("ten of clubs"), "ten of clubs"),
        (written("Mister Dashwood paid five dollars."), "mister dashwood paid five dollars"),
        (written("Can you tell me where it is?"), "can you tell me where it is"),
        (
            written("It's seven thirty on the third of May."),
            "it's seven thirty on the third of may",
        ),
    ],
)
def test_without_options_words_are_lowercase_spoken_and_unpunctuated(
    words: list[Word], expected: str
) -> None:
    tokens = format_words(words, PLAIN)
    assert transcript(tokens) == expected
    assert all(set(t) == {"word", "start", "end", "confidence"} for t in tokens)


# --------------------------------------------------------------------------- punctuate


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        # pocketsphinx: sentences at pauses, "?" where the sentence opens like a question
        (spoken("i think i'm late", pause_after=(3,)), "I think I'm late."),
        (spoken("good morning how are you", pause_after=(1,)), "Good morning. How are you?"),
        (spoken("can you tell me where the station is"), "Can you tell me where the station is?"),
        (spoken("do you know what time it is"), "Do you know what time it is?"),
        (spoken("what time is it"), "What time is it?"),
        (spoken("is it raining"), "Is it raining?"),
        (spoken("have a nice day"), "Have a nice day."),
        (spoken("when i got home i slept"), "When I got home I slept."),
        (spoken("see you on monday in june"), "See you on Monday in June."),
        (spoken("you may go"), "You may go."),
        (spoken("ten of clubs"), "Ten of clubs."),  # punctuate alone writes no digits
        # Whisper: its own sentence ends, capitals and commas
        (written("Yep. I said it before, and I'll say it again."),
         "Yep. I said it before, and I'll say it again."),
        (written("Mister Dashwood, where are you going?"), "Mister Dashwood, where are you going?"),
        (written("we the people of the United States"), "We the people of the United States."),
        (written("Well, thanks,"), "Well, thanks."),
    ],
)  # fmt: skip
def test_punctuate(words: list[Word], expected: str) -> None:
    assert shown(words, PUNCTUATE) == expected


def test_engine_punctuation_wins_over_pauses() -> None:
    """Whisper's sentence ends are kept even where the speaker did not pause, and a pause
    inside its sentence does not end it."""
    words = written("Hello there. How are you? Fine, thanks.")
    moved = [*words[:4], *(Word(w.word, w.start + 2, w.end + 2, w.confidence, w.capital, w.mark)
                            for w in words[4:])]  # fmt: skip
    tokens = format_words(moved, PUNCTUATE)
    texts = [transcript(tokens[a:b]) for a, b in sentence_ranges(tokens)]
    assert texts == ["Hello there.", "How are you?", "Fine, thanks."]


def test_pause_sentences_and_paragraph_sentences_agree() -> None:
    words = spoken("hello there how are you fine thanks", pause_after=(1, 4))
    tokens = format_words(words, PUNCTUATE)
    texts = [transcript(tokens[a:b]) for a, b in sentence_ranges(tokens)]
    assert texts == ["Hello there.", "How are you?", "Fine thanks."]


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        ("how are you", True),
        ("why not", True),
        ("which one", True),
        ("could you please send me the file", True),
        ("is the shop open", True),
        ("would you like a cup of coffee", True),
        ("do the dishes", False),
        ("where the road ends", False),
        ("i think so", False),
        ("", False),
    ],
)
def test_questions_are_told_by_their_opening(sentence: str, question: bool) -> None:
    assert asks(sentence.split()) is question


# --------------------------------------------------------------------------- smart_format


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        # cardinals: 10 and up, or of several words, as digits; zero to nine stay words (style:
        # nova-3 smart_format answers published with other projects write "day 13", "in 2015"
        # and "two things"; none of our real answers says a number but TESTING_123)
        (
            spoken("there are twenty five students in the class"),
            "There are 25 students in the class.",
        ),
        (spoken("it has been raining for three days"), "It has been raining for three days."),
        (spoken("i am twenty two"), "I am 22."),
        (spoken("a hundred people"), "A hundred people."),
        (spoken("one million five hundred thousand"), "1,500,000."),
        # years
        (spoken("born in nineteen ninety nine"), "Born in 1999."),
        (spoken("in two thousand five"), "In 2005."),
        # digits said one by one (TESTING_123), phone numbers grouped (style)
        (spoken("testing one two three"), "Testing 123."),
        (spoken("call one two three four five six seven eight nine zero"), "Call 123-456-7890."),
        (spoken("dial five five five one two one two"), "Dial 555-1212."),
        (spoken("two three"), "Two three."),
        # decimals and percentages
        (spoken("two point five"), "2.5."),
        (spoken("fifty percent of people"), "50% of people."),
        (spoken("five percent"), "5%."),
        (spoken("two point five percent"), "2.5%."),
        # money
        (spoken("it costs five dollars"), "It costs $5."),
        (spoken("five dollars and fifty cents"), "$5.50."),
        (spoken("five dollars fifty"), "$5.50."),
        (spoken("one dollar"), "$1."),
        (spoken("twenty five cents"), "25 cents."),
        (spoken("two thousand pounds"), "£2,000."),
        (spoken("ten euros"), "€10."),
        # times
        (spoken("meet me at seven thirty"), "Meet me at 7:30."),
        (spoken("seven thirty p m"), "7:30 PM."),
        (spoken("seven thirty pm"), "7:30 PM."),
        (spoken("seven oh five am"), "7:05 AM."),
        (spoken("at nine fifteen"), "At 9:15."),
        (spoken("nine fifteen"), "Nine 15."),  # two numbers, or a time? only "at" or am/pm tell
        (spoken("seven am"), "7 AM."),
        (spoken("seven o'clock"), "7 o'clock."),
        (spoken("two fifty dollars"), "Two $50."),
        # dates and ordinals
        (spoken("march third twenty twenty four"), "March 3, 2024."),
        (spoken("on july fourth"), "On July 4."),
        (spoken("june twenty twenty"), "June 2020."),
        (spoken("the third of march"), "The 3rd of March."),
        (spoken("the twenty first century"), "The 21st century."),
        (spoken("they march ten miles"), "They march 10 miles."),
        # Whisper wrote "$5.50." and "7:30," -> spoken "five dollars and fifty cents" ... and
        # smart_format writes them back
        (written("It costs five dollars and fifty cents."), "It costs $5.50."),
        (written("At seven thirty, we left."), "At 7:30, we left."),
        (written("Call me on March third, twenty twenty four."), "Call me on March 3, 2024."),
        (written("Is it ten? Twenty? Thirty."), "Is it 10? 20? 30."),
        # the engine's punctuation is a border: no number across a sentence end or a comma
        (written("One, two, three."), "One, two, three."),
        (written("I was twenty. Five years later"), "I was 20. Five years later."),
        (written("Testing, one two three."), "Testing, 123."),
    ],
)
def test_smart_format(words: list[Word], expected: str) -> None:
    assert shown(words, SMART) == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("there are twenty five students and three teachers",
         "there are 25 students and 3 teachers"),
        ("nine hundred", "900"),  # numerals docs
        ("nine hundredth", "900th"),  # numerals docs
        ("the first one", "the 1st 1"),
        ("two three", "2 3"),
        ("five dollars", "5 dollars"),
        ("fifty percent", "50 percent"),
        ("seven thirty", "7 30"),
    ],
)  # fmt: skip
def test_numerals_writes_every_number_and_nothing_else(said: str, expected: str) -> None:
    tokens = format_words(spoken(said), NUMERALS)
    assert transcript(tokens) == expected
    assert "punctuated_word" not in tokens[0]


def test_a_written_number_is_its_own_word_with_the_words_span_and_mean_confidence() -> None:
    words = spoken("meet me at seven thirty p m on march third twenty twenty four")
    tokens = format_words(words, SMART)
    assert [(t["word"], t["punctuated_word"]) for t in tokens] == [
        ("meet", "Meet"), ("me", "me"), ("at", "at"), ("7:30", "7:30"), ("pm", "PM"),
        ("on", "on"), ("march", "March"), ("3", "3,"), ("2024", "2024."),
    ]  # fmt: skip
    time, meridiem, year = tokens[3], tokens[4], tokens[8]
    assert (time["start"], time["end"]) == (words[3].start, words[4].end)
    assert (meridiem["start"], meridiem["end"]) == (words[5].start, words[6].end)
    assert (year["start"], year["end"]) == (words[10].start, words[12].end)
    assert year["confidence"] == pytest.approx(
        sum(w.confidence for w in words[10:13]) / 3, abs=1e-4
    )


def test_replace_comes_before_numbers_and_keeps_its_text() -> None:
    rules = ((("doctor", "smith"), "Dr. Smith"), (("um",), ""))
    formatting = Formatting(punctuate=True, numbers="smart", replacements=rules)
    words = spoken("call doctor smith um at nine thirty")
    tokens = format_words(words, formatting)
    assert transcript(tokens) == "Call Dr. Smith at 9:30."
    assert tokens[1]["word"] == "Dr. Smith"
    assert (tokens[1]["start"], tokens[1]["end"]) == (words[1].start, words[2].end)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, Formatting()),
        ({"punctuate": "true"}, Formatting(punctuate=True)),
        ({"smart_format": "true"}, Formatting(punctuate=True, numbers="smart")),
        ({"numerals": "true"}, Formatting(numbers="all")),
    ],
)
def test_options_choose_the_formatting(options: dict[str, str], expected: Formatting) -> None:
    assert formatting_from_options(options) == expected


@pytest.mark.parametrize(
    ("said", "value"),
    [("first", 1), ("twelfth", 12), ("twenty first", 21), ("one hundredth", 100),
     ("two thousand and fifth", 2005)],
)  # fmt: skip
def test_ordinals(said: str, value: int) -> None:
    found = ordinal_at(said.split(), 0)
    assert found is not None and found.value == value and found.end == len(said.split())


@pytest.mark.parametrize(
    "said",
    ["nineteen ninety nine", "twenty twenty four", "two three", "three hundred and six",
     "one million five hundred thousand", "twelve thirty", "twenty five cents", "eleven"],
)  # fmt: skip
def test_cardinal_at_reads_what_find_numbers_reads(said: str) -> None:
    words = ["at", *said.split(), "today"]
    first = find_numbers(words)[0]
    assert cardinal_at(words, 1) == first
    assert cardinal_at(words, 0) is None and cardinal_at(words, len(words)) is None


@pytest.mark.parametrize(
    ("value", "written_form"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")],
)  # fmt: skip
def test_ordinal_suffixes(value: int, written_form: str) -> None:
    assert ordinal_suffix(value) == written_form


# --------------------------------------------------------------------------- both engines, REST

SPEECH = ROOT / "tests/data/speech"
STUDENTS = SPEECH / "there-are-twenty-five-students-in-the-class.wav"
QUESTION = SPEECH / "can-you-tell-me-where-the-nearest-train-station-is.wav"


@pytest.fixture(scope="module", params=["pocketsphinx", "whisper"])
def engine_server(request: pytest.FixtureRequest) -> Iterator[LocalServer]:
    with LocalServer(engine=request.param, decoders=1) as server:
        yield server


def listen(server: LocalServer, clip: Path, **options: str) -> dict[str, Any]:
    response = requests.post(
        f"{server.url}/v1/listen",
        params=options,
        data=clip.read_bytes(),
        headers={"Authorization": f"Token {server.api_key}", "Content-Type": "audio/wav"},
        timeout=120,
    )
    response.raise_for_status()
    return _alternative(response.json())


@pytest.mark.integration
def test_rest_conventions_on_each_engine(engine_server: LocalServer) -> None:
    """The same clip in the four forms: each engine's words go through the same conventions.

    (What the engine heard is the business of the WER tests: here the forms are compared with
    the plain transcript the same engine gave.)
    """
    plain = listen(engine_server, STUDENTS)
    heard = plain["transcript"]
    assert "there are twenty five students in the class" in heard
    assert heard == heard.lower() and not re.search(r"[.,?!\d]", heard)
    assert "punctuated_word" not in plain["words"][0]

    smart = listen(engine_server, STUDENTS, smart_format="true")
    assert smart["transcript"].startswith("There are 25 students in the class")
    assert smart["transcript"].endswith(".")
    number = next(w for w in smart["words"] if w["word"] == "25")
    assert number["punctuated_word"] == "25"
    twenty, five = plain["words"][2], plain["words"][3]
    assert (number["start"], number["end"]) == (twenty["start"], five["end"])
    paragraphs = smart["paragraphs"]["paragraphs"]
    assert " ".join(s["text"] for p in paragraphs for s in p["sentences"]) == smart["transcript"]

    numerals = listen(engine_server, STUDENTS, numerals="true")
    assert numerals["transcript"].startswith("there are 25 students in the class")
    assert "punctuated_word" not in numerals["words"][0]

    question = listen(engine_server, QUESTION, punctuate="true")
    assert question["transcript"].startswith("Can you tell me where the nearest train station is")
    first_sentence = smart_sentences(question)[0]
    assert first_sentence == "Can you tell me where the nearest train station is?"


def smart_sentences(alternative: dict[str, Any]) -> list[str]:
    words = alternative["words"]
    return [transcript(words[first:end]) for first, end in sentence_ranges(words)]
