"""Transcript.to_srt / to_webvtt through the official deepgram-captions package."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dgdata import Transcript

from . import builders as b
from .support import REAL, REST_RESPONSES, label, load


def _cues(captions: str) -> int:
    return sum("-->" in line for line in captions.splitlines())


def _expected_cues(response: dict, line_length: int = 8) -> int:
    """What deepgram-captions does without speakers: utterances, else chunks of channel 0."""
    utterances = response["results"].get("utterances")
    if utterances:
        return sum(math.ceil(len(u["words"]) / line_length) for u in utterances)
    words = response["results"]["channels"][0]["alternatives"][0]["words"]
    return math.ceil(len(words) / line_length)


@pytest.mark.parametrize("path", REST_RESPONSES, ids=label)
def test_srt_of_every_real_answer_has_one_cue_per_eight_words(path: Path) -> None:
    response = load(path)
    captions = Transcript(response).to_srt()
    assert _cues(captions) == _expected_cues(response)
    first = (
        response["results"].get("utterances") or response["results"]["channels"][0]["alternatives"]
    )[0]
    start = first["words"][0]["start"]
    assert captions.startswith(f"1\n00:00:{int(start):02d},{round(start % 1 * 1000):03d} --> ")


@pytest.mark.parametrize("path", REST_RESPONSES, ids=label)
def test_webvtt_of_every_real_answer_starts_with_the_header_and_request_note(path: Path) -> None:
    response = load(path)
    captions = Transcript(response).to_webvtt()
    assert captions.startswith("WEBVTT\n\nNOTE\nTranscription provided by Deepgram\n")
    assert f"Request Id: {response['metadata']['request_id']}" in captions
    assert _cues(captions) == _expected_cues(response)


def test_line_length_sets_the_words_per_cue() -> None:
    response = load(REAL / "python-captions" / "dg_transcription.json")
    captions = Transcript(response).to_srt(line_length=3)
    assert _cues(captions) == _expected_cues(response, 3)


def test_diarized_captions_label_the_speakers() -> None:
    transcript = Transcript(b.diarized_response())
    srt = transcript.to_srt()
    assert "[speaker 0]" in srt and "[speaker 1]" in srt
    assert _cues(srt) == 2
    assert "<v Speaker 1>Hello Ada!" in transcript.to_webvtt()


def test_diarized_words_without_utterances_start_a_cue_at_each_speaker_change() -> None:
    response = b.diarized_response()
    del response["results"]["utterances"]
    srt = Transcript(response).to_srt()
    assert _cues(srt) == 2
    assert "Hi, I am Ada.\n" in srt


def test_a_live_session_can_be_captioned() -> None:
    srt = Transcript.from_live(b.live_session()).to_srt()
    assert srt.startswith("1\n00:00:00,000 --> 00:00:01,600\nhello world second part here")


@pytest.mark.parametrize(
    "response",
    [
        b.response(b.channel(b.alternative("", words=[]))),
        {"metadata": {}, "results": {"channels": []}},
        b.response(b.channel(b.alternative("words without timings", words=[{"word": "x"}]))),
    ],
    ids=["no-words", "no-channels", "untimed-words"],
)
def test_no_words_to_caption_is_a_clear_value_error(response: dict) -> None:
    transcript = Transcript(response)
    for method in (transcript.to_srt, transcript.to_webvtt):
        with pytest.raises(ValueError, match="no words to caption"):
            method()
