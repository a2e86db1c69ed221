"""Every real recorded /v1/listen answer (REST and live) gives frames that match its JSON."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dgdata import frames

from .support import LIVE_MESSAGES, REST_RESPONSES, assert_schema, label, load


def _alternatives(response: dict) -> list[tuple[int, int, dict]]:
    """(channel, alternative, object) for every alternative, walked by hand."""
    return [
        (c, a, alt)
        for c, channel in enumerate(response["results"]["channels"])
        for a, alt in enumerate(channel["alternatives"])
    ]


def test_the_real_data_set_is_there() -> None:
    assert len(REST_RESPONSES) >= 10
    assert len(LIVE_MESSAGES) >= 4


@pytest.mark.parametrize("path", REST_RESPONSES + LIVE_MESSAGES, ids=label)
@pytest.mark.parametrize("name", sorted(frames.SCHEMAS))
def test_every_frame_of_every_real_answer_has_the_declared_schema(path: Path, name: str) -> None:
    assert_schema(getattr(frames, name)(load(path)), name)


@pytest.mark.parametrize("path", REST_RESPONSES, ids=label)
def test_rest_words_match_the_json_word_for_word(path: Path) -> None:
    response = load(path)
    expected = [w for _, _, alt in _alternatives(response) for w in alt["words"]]
    words = frames.words(response)
    assert len(words) == len(expected) > 0
    for position in (0, len(expected) - 1):
        row, item = words.iloc[position], expected[position]
        assert row["word"] == item["word"]
        assert row["punctuated_word"] == item["punctuated_word"]
        assert row["start"] == item["start"] and row["end"] == item["end"]
        assert row["confidence"] == item["confidence"]
    assert words["start"].tolist() == [float(w["start"]) for w in expected]
    assert (words["start"] <= words["end"]).all()


@pytest.mark.parametrize("path", REST_RESPONSES, ids=label)
def test_rest_alternatives_keep_transcript_and_confidence(path: Path) -> None:
    response = load(path)
    table = frames.alternatives(response)
    expected = _alternatives(response)
    assert len(table) == len(expected)
    assert table["transcript"].tolist() == [alt["transcript"] for _, _, alt in expected]
    assert table["confidence"].tolist() == [alt["confidence"] for _, _, alt in expected]
    assert table["num_words"].tolist() == [len(alt["words"]) for _, _, alt in expected]


@pytest.mark.parametrize("path", REST_RESPONSES, ids=label)
def test_rest_paragraphs_and_sentences_match_the_json(path: Path) -> None:
    response = load(path)
    paragraphs = [
        p
        for _, _, alt in _alternatives(response)
        for p in alt.get("paragraphs", {}).get("paragraphs", [])
    ]
    table = frames.paragraphs(response)
    assert table["num_words"].tolist() == [p["num_words"] for p in paragraphs]
    assert table["start"].tolist() == [p["start"] for p in paragraphs]
    sentences = [s for p in paragraphs for s in p["sentences"]]
    rows = frames.sentences(response)
    assert rows["text"].tolist() == [s["text"] for s in sentences]
    assert table["num_sentences"].sum() == len(sentences)


@pytest.mark.parametrize("path", REST_RESPONSES, ids=label)
def test_rest_utterances_and_summary_match_the_json(path: Path) -> None:
    response = load(path)
    results = response["results"]
    utterances = frames.utterances(response)
    assert utterances["transcript"].tolist() == [
        u["transcript"] for u in results.get("utterances", [])
    ]
    assert utterances["num_words"].tolist() == [
        len(u["words"]) for u in results.get("utterances", [])
    ]
    summary = frames.summary(response)
    if "summary" in results:
        assert summary["summary"].tolist() == [results["summary"]["short"]]
        assert summary["result"].tolist() == ["success"]
        assert summary["version"].tolist() == ["v2"]
    else:
        assert summary.empty


@pytest.mark.parametrize("path", LIVE_MESSAGES, ids=label)
def test_live_results_message_words_match_the_json(path: Path) -> None:
    message = load(path)
    expected = message["channel"]["alternatives"][0]["words"]
    words = frames.words(message)
    assert len(words) == len(expected)
    assert words["word"].tolist() == [w["word"] for w in expected]
    assert words["start"].tolist() == [w["start"] for w in expected]
    assert words["channel"].tolist() == [message["channel_index"][0]] * len(expected)
    # live word times are stream times, inside the message's window
    end_of_message = message["start"] + message["duration"]
    assert all(message["start"] - 0.01 <= s <= end_of_message + 0.01 for s in words["start"])
    (alternative,) = frames.alternatives(message).itertuples()
    assert alternative.transcript == message["channel"]["alternatives"][0]["transcript"]
    assert math.isclose(alternative.confidence, message["channel"]["alternatives"][0]["confidence"])


def test_all_live_messages_as_one_session_list_their_words_in_order() -> None:
    messages = [load(path) for path in LIVE_MESSAGES]
    words = frames.words(messages)
    assert "source" not in words.columns  # a list of live messages is one session
    expected = [w["word"] for m in messages for w in m["channel"]["alternatives"][0]["words"]]
    assert words["word"].tolist() == expected


def test_all_real_answers_at_once_are_keyed_by_source() -> None:
    answers = {path.name: load(path) for path in REST_RESPONSES}
    words = frames.words(answers)
    assert_schema(words, "words", source="string")
    counts = words.groupby("source", sort=False).size().to_dict()
    assert counts == {name: len(frames.words(r)) for name, r in answers.items()}
