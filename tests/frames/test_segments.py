"""frames.utterances, paragraphs, sentences and alternatives on synthetic responses."""

from __future__ import annotations

from dgdata import frames

from . import builders as b
from .support import assert_schema


def test_utterances_say_who_spoke_when() -> None:
    table = frames.utterances(b.diarized_response())
    assert_schema(table, "utterances")
    assert table["speaker"].tolist() == [0, 1]
    assert table["transcript"].tolist() == ["Hi, I am Ada.", "Hello Ada!"]
    assert table["start"].tolist() == [0.0, 3.0]
    assert table["end"].tolist() == [2.0, 4.0]
    assert table["num_words"].tolist() == [4, 2]
    assert table["id"].tolist() == ["u-1", "u-2"]


def test_multichannel_utterances_keep_their_channel() -> None:
    table = frames.utterances(b.multichannel_response())
    assert table["channel"].tolist() == [0, 1]
    assert table["speaker"].isna().all()


def test_a_response_without_utterances_gives_an_empty_utterance_frame() -> None:
    table = frames.utterances(b.simple_response())
    assert table.empty
    assert_schema(table, "utterances")


def test_paragraphs_join_their_sentences_and_keep_the_speaker() -> None:
    table = frames.paragraphs(b.diarized_response())
    assert_schema(table, "paragraphs")
    assert table["paragraph"].tolist() == [0, 1]
    assert table["speaker"].tolist() == [0, 1]
    assert table["text"].tolist() == ["Hi, I am Ada.", "Hello Ada!"]
    assert table["num_words"].tolist() == [4, 2]
    assert table["num_sentences"].tolist() == [1, 1]


def test_sentences_are_numbered_within_their_paragraph() -> None:
    sentences = [("One.", 0.0, 1.0), ("Two.", 1.0, 2.0)]
    paragraphs = {"paragraphs": [b._paragraph(3, sentences, 2), b._paragraph(4, sentences[:1], 1)]}
    response = b.response(b.channel(b.alternative("One. Two. One.", paragraphs=paragraphs)))
    table = frames.sentences(response)
    assert_schema(table, "sentences")
    assert table[["paragraph", "sentence"]].values.tolist() == [[0, 0], [0, 1], [1, 0]]
    assert table["speaker"].tolist() == [3, 3, 4]
    assert table["end"].tolist() == [1.0, 2.0, 1.0]


def test_alternatives_are_one_row_per_channel_alternative() -> None:
    table = frames.alternatives(b.multichannel_response())
    assert_schema(table, "alternatives")
    assert table[["channel", "alternative"]].values.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert table["confidence"].tolist() == [0.9, 0.4, 0.8, 0.3]
    assert table["num_words"].tolist() == [2, 2, 4, 4]


def test_alternatives_carry_the_detected_language_of_their_channel() -> None:
    table = frames.alternatives(b.intelligence_response())
    assert table["detected_language"].tolist() == ["en"]
    assert table["language_confidence"].tolist() == [0.98]


def test_a_live_session_gives_one_alternative_row_per_final_message() -> None:
    table = frames.alternatives(b.live_session())
    assert table["transcript"].tolist() == ["hello world", "second part here"]
