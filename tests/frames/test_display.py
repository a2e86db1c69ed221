"""Transcript.__repr__ and the notebook HTML view: short, escaped, truncated."""

from __future__ import annotations

import re

from dgdata import Transcript

from . import builders as b
from .support import REAL, load

SCRIPT = "<script>alert('x')</script> & <b>bold</b>"


def _utterance(text: str, start: float, speaker: int | None = None) -> dict:
    return b._utterance(speaker, text, b.words_of(text or "x", start), uid=f"u{start}")


def test_repr_is_one_short_line_with_id_duration_words_and_text_start() -> None:
    transcript = Transcript(load(REAL / "python-captions" / "dg_utterances.json"))
    text = repr(transcript)
    assert text.startswith(
        "<Transcript request_id=686278aa-d315-4aeb-b2a9-713615544366 duration=25.9s words=62 "
    )
    assert 'text="Yeah. As as much as, it\'s worth celebrating, the first, spac…">' in text
    assert "\n" not in text and len(text) < 200


def test_repr_of_a_bare_transcript_does_not_fail() -> None:
    assert (
        repr(Transcript({"results": {}}))
        == "<Transcript request_id=None duration=? words=0 text=''>"
    )


def test_html_header_shows_request_duration_model_and_channels() -> None:
    html = Transcript(load(REAL / "python-captions" / "dg_utterances.json"))._repr_html_()
    for expected in (
        "686278aa-d315-4aeb-b2a9-713615544366",
        "00:25 (25.9 s)",
        "2-ea-nova (nova-2)",
        ">1<",
    ):
        assert expected in html


def test_html_lists_utterances_with_times_and_speakers() -> None:
    html = Transcript(b.diarized_response())._repr_html_()
    assert re.search(r"\[00:00\]</span> <strong>Speaker 0:</strong> Hi, I am Ada\.", html)
    assert re.search(r"\[00:03\]</span> <strong>Speaker 1:</strong> Hello Ada!", html)


def test_html_uses_paragraphs_when_there_are_no_utterances() -> None:
    response = load(next(REAL.glob("python-sdk-v4.8.1/**/rest/b00dc103*-a17f*-response.json")))
    html = Transcript(response)._repr_html_()
    paragraphs = response["results"]["channels"][0]["alternatives"][0]["paragraphs"]["paragraphs"]
    assert html.count("<p style='margin") == len(paragraphs)
    assert "[00:00]" in html and "We, the people" in html


def test_html_labels_channels_of_a_plain_multichannel_transcript() -> None:
    response = b.multichannel_response()
    del response["results"]["utterances"]
    html = Transcript(response)._repr_html_()
    assert "<strong>Channel 0:</strong> good morning" in html
    assert "<strong>Channel 1:</strong> morning to you too" in html


def test_html_escapes_every_piece_of_response_text() -> None:
    response = b.response(b.channel(b.alternative(SCRIPT)), utterances=[_utterance(SCRIPT, 0.0, 0)])
    response["metadata"]["request_id"] = "<img src=x onerror=alert(1)>"
    response["metadata"]["model_info"] = {"m": {"name": "<i>model</i>", "arch": "a&b"}}
    html = Transcript(response)._repr_html_()
    assert "<script>" not in html and "<img" not in html and "<i>model" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "a&amp;b" in html


def test_html_of_plain_text_is_escaped_too() -> None:
    html = Transcript(b.simple_response(SCRIPT))._repr_html_()
    assert "<script>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_long_transcripts_are_truncated_with_a_note() -> None:
    utterances = [_utterance(f"sentence {i}", float(i)) for i in range(500)]
    html = Transcript(
        b.response(b.channel(b.alternative("x")), utterances=utterances)
    )._repr_html_()
    assert html.count("<p style='margin") == 200
    assert "showing 200 of 500 utterances" in html and "<code>.utterances</code>" in html
    assert "sentence 199" in html and "sentence 200" not in html


def test_one_very_long_text_is_cut_to_the_character_budget() -> None:
    html = Transcript(b.simple_response("word " * 10_000))._repr_html_()
    assert len(html) < 25_000
    assert "truncated" in html and "<code>.alternatives</code>" in html


def test_hour_long_times_show_hours() -> None:
    html = Transcript(
        b.response(b.channel(b.alternative("x")), utterances=[_utterance("late", 3725.0)])
    )._repr_html_()
    assert "[1:02:05]" in html


def test_an_empty_transcript_says_so() -> None:
    html = Transcript({"results": {"channels": []}})._repr_html_()
    assert "(no transcript text)" in html
