"""frames.words: diarization, channels, alternatives, languages, live sessions."""

from __future__ import annotations

import pandas as pd

from dgdata import frames

from . import builders as b
from .support import assert_schema


def test_words_without_diarize_have_missing_speakers_but_the_same_dtypes() -> None:
    words = frames.words(b.simple_response("one two three"))
    assert_schema(words, "words")
    assert words["word"].tolist() == ["one", "two", "three"]
    assert words["speaker"].isna().all() and words["speaker_confidence"].isna().all()
    assert words["language"].isna().all()


def test_diarized_words_carry_speaker_and_speaker_confidence() -> None:
    words = frames.words(b.diarized_response())
    assert words["speaker"].tolist() == [0, 0, 0, 0, 1, 1]
    assert words["speaker_confidence"].tolist() == [0.7] * 4 + [0.6] * 2
    assert words["punctuated_word"].tolist()[-1] == "Ada!"


def test_multichannel_alternatives_give_rows_keyed_by_channel_and_alternative() -> None:
    words = frames.words(b.multichannel_response())
    keys = words.groupby(["channel", "alternative"]).size().to_dict()
    assert keys == {(0, 0): 2, (0, 1): 2, (1, 0): 4, (1, 1): 4}
    second_channel = words[(words.channel == 1) & (words.alternative == 1)]
    assert second_channel["word"].tolist() == ["mourning", "to", "you", "two"]
    assert second_channel["start"].iloc[0] == 1.0


def test_word_languages_are_kept() -> None:
    words = frames.words(b.multilingual_response())
    assert words["language"].tolist() == ["es", "es", "en", "en", "es"]


def test_integer_times_become_floats() -> None:
    response = b.response(b.channel(b.alternative("a b", words=[b.word("a", 0, 1)])))
    words = frames.words(response)
    assert words["start"].dtype == "float64" and words["start"].tolist() == [0.0]


def test_float32_artefacts_in_times_are_kept_exactly() -> None:
    response = b.response(b.channel(b.alternative("a", words=[b.word("a", 0.79999995, 1.1999999)])))
    assert frames.words(response)["end"].iloc[0] == 1.1999999


def test_a_live_session_uses_only_final_results_in_order() -> None:
    words = frames.words(b.live_session())
    assert "source" not in words.columns
    assert words["word"].tolist() == ["hello", "world", "second", "part", "here"]
    assert words["start"].tolist() == [0.0, 0.2, 1.0, 1.2, 1.4]


def test_a_single_interim_message_still_gives_its_words() -> None:
    words = frames.words(b.live_results("almost there", 3.0, is_final=False))
    assert words["word"].tolist() == ["almost", "there"]


def test_live_messages_of_the_second_channel_are_keyed_by_channel_index() -> None:
    session = [b.live_results("left", 0.0), b.live_results("right side", 0.0, channel_index=(1, 2))]
    assert frames.words(session)["channel"].tolist() == [0, 1, 1]


def test_several_live_sessions_are_keyed_by_source() -> None:
    words = frames.words({"call-a": b.live_session(), "call-b": [b.live_results("bye", 0.0)]})
    assert_schema(words, "words", source="string")
    assert words.groupby("source").size().to_dict() == {"call-a": 5, "call-b": 1}


def test_empty_word_lists_give_an_empty_frame_with_the_schema() -> None:
    response = b.response(b.channel(b.alternative("", words=[])))
    words = frames.words(response)
    assert words.empty
    assert_schema(words, "words")


def test_words_frame_is_a_plain_frame_that_supports_the_usual_pandas_work() -> None:
    words = frames.words(b.diarized_response())
    talk = (words.end - words.start).groupby(words.speaker).sum()
    assert talk.to_dict() == {0: 2.0, 1: 1.0}
    assert pd.api.types.is_string_dtype(words["word"])
