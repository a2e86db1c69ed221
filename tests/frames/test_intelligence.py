"""Summary, topics, intents, sentiments, entities, search hits and languages."""

from __future__ import annotations

import pandas as pd
import pytest

from dgdata import frames

from . import builders as b
from .support import assert_schema


@pytest.fixture(scope="module")
def smart() -> dict:
    return b.intelligence_response()


def test_summary_v2_is_one_row_with_the_short_text_and_the_status(smart: dict) -> None:
    table = frames.summary(smart)
    assert_schema(table, "summary")
    row = table.iloc[0]
    assert (row["version"], row["summary"], row["result"]) == (
        "v2",
        "A customer cancels an order.",
        "success",
    )
    assert row[["channel", "alternative", "start_word", "end_word"]].isna().all()


def test_summary_v1_gives_one_row_per_summary_with_its_word_range() -> None:
    table = frames.summary(b.summary_v1_response())
    assert table["version"].tolist() == ["v1", "v1"]
    assert table["summary"].tolist() == ["Greetings are exchanged.", "Plans are made."]
    assert table[["start_word", "end_word"]].values.tolist() == [[0, 3], [3, 7]]
    assert table["channel"].tolist() == [0, 0] and table["result"].isna().all()


@pytest.mark.parametrize(
    "node",
    [
        {"text": "Flat read summary."},
        {"results": {"summary": {"text": "Flat read summary."}}},
    ],
    ids=["read-real", "read-spec"],
)
def test_read_summaries_of_both_shapes_are_understood(node: dict) -> None:
    table = frames.summary({"metadata": {}, "results": {"summary": node}})
    assert table["summary"].tolist() == ["Flat read summary."]


def test_topics_are_one_row_per_segment_topic_from_the_spec_nesting(smart: dict) -> None:
    table = frames.topics(smart)
    assert_schema(table, "topics")
    assert table["topic"].tolist() == ["Order cancellation", "Shopping"]
    assert table["confidence"].tolist() == [0.91, 0.42]
    assert table["segment"].tolist() == [0, 0]
    assert table[["start_word", "end_word"]].values.tolist() == [[0, 8], [0, 8]]
    assert table["channel"].isna().all()


def test_topics_also_read_the_flat_segments_shape() -> None:
    segments = [
        {
            "text": "x",
            "start_word": 0,
            "end_word": 1,
            "topics": [{"topic": "T", "confidence_score": 0.5}],
        }
    ]
    table = frames.topics({"results": {"topics": {"segments": segments}}})
    assert table["topic"].tolist() == ["T"]


def test_alternative_level_topics_have_bare_strings_and_no_confidence() -> None:
    topics = [{"text": "we talk cars", "start_word": 0, "end_word": 3, "topics": ["cars", "talk"]}]
    response = b.response(b.channel(b.alternative("we talk cars", topics=topics)))
    table = frames.topics(response)
    assert table["topic"].tolist() == ["cars", "talk"]
    assert table["confidence"].isna().all()
    assert table["channel"].tolist() == [0, 0] and table["alternative"].tolist() == [0, 0]


def test_intents_are_one_row_per_segment_intent(smart: dict) -> None:
    table = frames.intents(smart)
    assert_schema(table, "intents")
    assert table["intent"].tolist() == ["Cancel order"]
    assert table["confidence"].tolist() == [0.88]
    assert table["text"].tolist() == ["I want to cancel my Acme order today."]


def test_sentiments_list_segments_then_the_average(smart: dict) -> None:
    table = frames.sentiments(smart)
    assert_schema(table, "sentiments")
    assert table["kind"].tolist() == ["segment", "segment", "average"]
    assert table["sentiment"].tolist() == ["negative", "positive", "neutral"]
    assert table["sentiment_score"].tolist() == [-0.45, 0.6, -0.1]
    average = table[table.kind == "average"].iloc[0]
    assert pd.isna(average["segment"]) and pd.isna(average["text"])


def test_sentiments_tolerate_the_topics_style_nesting() -> None:
    nested = {"results": {"sentiments": {"segments": [{"text": "ok", "sentiment": "positive"}]}}}
    table = frames.sentiments({"results": {"sentiments": nested}})
    assert table["sentiment"].tolist() == ["positive"]


def test_entities_keep_label_value_and_word_range(smart: dict) -> None:
    table = frames.entities(smart)
    assert_schema(table, "entities")
    assert table[["label", "value", "raw_value"]].values.tolist() == [["ORG", "Acme", "acme"]]
    assert table[["start_word", "end_word"]].values.tolist() == [[5, 6]]


def test_live_entities_on_the_message_belong_to_alternative_zero() -> None:
    entity = {
        "label": "NUM",
        "value": "3",
        "raw_value": "three",
        "confidence": 0.9,
        "start_word": 0,
        "end_word": 1,
    }
    message = b.live_results("three apples", 0.0, entities=[entity])
    table = frames.entities(message)
    assert table[["alternative", "value"]].values.tolist() == [[0, "3"]]


def test_search_hits_are_one_row_per_hit_and_queries_without_hits_give_none(smart: dict) -> None:
    table = frames.search_hits(smart)
    assert_schema(table, "search_hits")
    assert table["query"].tolist() == ["cancel", "cancel"]
    assert table["snippet"].tolist() == ["want to cancel", "acme order"]
    assert table["confidence"].tolist() == [0.99, 0.41]


def test_languages_come_from_detection_alternatives_and_words() -> None:
    table = frames.languages(b.multilingual_response())
    assert_schema(table, "languages")
    assert table[["language", "num_words"]].values.tolist() == [["es", 3], ["en", 2]]
    detected = frames.languages(b.intelligence_response())
    assert detected[["language", "confidence"]].values.tolist() == [["en", 0.98]]
    assert detected["num_words"].isna().all()  # words carry no language labels


def test_a_live_session_aggregates_languages_over_its_messages() -> None:
    first = b.live_results("hola", 0.0)
    first["channel"]["alternatives"][0]["words"][0]["language"] = "es"
    second = b.live_results("hi", 1.0)
    second["channel"]["alternatives"][0]["words"][0]["language"] = "en"
    table = frames.languages([first, second])
    assert table[["language", "num_words"]].values.tolist() == [["es", 1], ["en", 1]]


@pytest.mark.parametrize(
    "name", ["summary", "topics", "intents", "sentiments", "entities", "search_hits", "languages"]
)
def test_features_that_were_not_requested_give_empty_frames_with_the_schema(name: str) -> None:
    table = getattr(frames, name)(b.simple_response())
    assert table.empty
    assert_schema(table, name)
