"""Numbers Whisper writes in digits come out as they were said: the audio picks the reading.

"123" may have been said "one two three", "one twenty three" or "one hundred twenty three";
Deepgram's default form writes what was said. :func:`dgdata.server.asr.alignment.align` aligns
the words with a grammar of every reading and keeps the one pocketsphinx hears.
"""

from __future__ import annotations

import subprocess
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import soundfile

from dgdata.server.asr.alignment import Choice, align
from dgdata.server.asr.decoder import Word
from dgdata.server.asr.spoken import other_readings, spoken_forms
from dgdata.server.asr.whisper import WrittenWord, number_choices, spoken_words


def test_a_plain_number_has_its_other_readings() -> None:
    assert spoken_forms("123") == ["one", "hundred", "twenty", "three"]
    assert other_readings("123,") == (("one", "two", "three"), ("one", "twenty", "three"))
    assert spoken_forms("2024") == ["twenty", "twenty", "four"]
    assert other_readings("2024") == (
        ("two", "zero", "two", "four"),
        ("two", "thousand", "twenty", "four"),
    )
    assert other_readings("1905") == (
        ("one", "nine", "zero", "five"),
        ("one", "thousand", "nine", "hundred", "five"),
    )
    assert other_readings("555123") == (("five", "five", "five", "one", "two", "three"),)
    for written in ("10", "$123", "7:30", "3rd", "1,234", "12.5", "word", "1.", "10%"):
        assert other_readings(written) == ()


def test_number_choices_point_at_the_spoken_words_of_each_number() -> None:
    written = [
        WrittenWord(text, start, start + 0.4, 0.9)
        for start, text in enumerate([" Dial", " 123", " now,", " not", " 2024."])
    ]
    words = spoken_words(written)
    choices = number_choices(written)
    assert [w.word for w in words[choices[0].first : choices[0].end]] == spoken_forms("123")
    assert [w.word for w in words[choices[1].first : choices[1].end]] == spoken_forms("2024")
    assert choices[0].readings == other_readings("123")


def _flite(text: str, folder: Path) -> np.ndarray:
    path = folder / "speech.wav"
    subprocess.run(["flite", "-voice", "rms", "-t", text, "-o", str(path)], check=True)
    pcm, rate = soundfile.read(path, dtype="int16")
    assert rate == 16000
    return pcm


def _words(texts: list[str], duration: float) -> list[Word]:
    step = duration / len(texts)
    return [Word(text, i * step, (i + 1) * step, 0.8) for i, text in enumerate(texts)]


@pytest.mark.needs_flite
@pytest.mark.parametrize(
    "said",
    [
        ["one", "two", "three"],
        ["one", "twenty", "three"],
        ["one", "hundred", "twenty", "three"],
    ],
)
def test_the_audio_decides_how_a_number_was_said(tmp_path: Path, said: list[str]) -> None:
    pcm = _flite(f"the code is {' '.join(said)} thank you", tmp_path)
    written = ["the", "code", "is", *spoken_forms("123"), "thank", "you"]
    words = _words(written, len(pcm) / 16000)
    words[-1] = Word("you", words[-1].start, words[-1].end, 0.8, mark=".")
    choice = Choice(3, 3 + len(spoken_forms("123")), other_readings("123"))
    aligned = align(words, pcm, 2.0, [choice])
    assert [w.word for w in aligned] == ["the", "code", "is", *said, "thank", "you"]
    assert aligned[-1].mark == "." and all(w.confidence == 0.8 for w in aligned)
    assert all(2.0 <= w.start < w.end <= 2.0 + len(pcm) / 16000 for w in aligned)
    assert all(a.end <= b.start + 1e-9 for a, b in pairwise(aligned))


@pytest.mark.needs_flite
def test_words_pocketsphinx_does_not_know_keep_whispers_reading(tmp_path: Path) -> None:
    pcm = _flite("the code is one two three", tmp_path)
    words = _words(["the", "code", "is", "zqxjv", *spoken_forms("123")], len(pcm) / 16000)
    choice = Choice(4, 4 + len(spoken_forms("123")), other_readings("123"))
    assert align(words, pcm, 0.0, [choice]) == words
