"""Read: the exact request of /v1/read for text, {"text"} and {"url"} sources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import SentRequest


@pytest.mark.parametrize(
    ("source", "body"),
    [
        pytest.param("hello world", {"text": "hello world"}, id="str"),
        pytest.param({"text": "hello world"}, {"text": "hello world"}, id="text-dict"),
        pytest.param(
            {"url": "https://example.com/notes.txt"},
            {"url": "https://example.com/notes.txt"},
            id="url-dict",
        ),
    ],
)
def test_read_analyze_posts_the_source_as_json_with_the_options_in_the_query(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    source: Any,
    body: dict[str, str],
) -> None:
    example = answer("POST", "/v1/read")

    result = dg.read.analyze(source, summarize=True, topics=True, language="en")

    (request,) = sent()
    assert (request.method, request.path) == ("POST", "/v1/read")
    assert request.query == "summarize=true&topics=true&language=en"
    assert request.json == body
    request.assert_client_headers(content_type="application/json")
    assert result == example


def test_read_analyze_options_as_dict_or_keywords_send_the_same_request(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("POST", "/v1/read")
    answer("POST", "/v1/read")
    answer("POST", "/v1/read")
    options = {"sentiment": True, "custom_topic": ["a", "b"], "callback": None, "language": "en"}

    dg.read.analyze("hello", options)
    dg.read.analyze("hello", **options)
    dg.read.analyze("hello", {**options, "sentiment": False}, sentiment=True)  # keywords win

    by_dict, by_keywords, mixed = sent()
    assert by_dict.url == by_keywords.url == mixed.url
    assert by_dict.query == "sentiment=true&custom_topic=a&custom_topic=b&language=en"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(b"hello", id="bytes"),
        pytest.param(["hello"], id="list"),
        pytest.param({"body": "hello"}, id="dict-without-text-or-url"),
        pytest.param(42, id="int"),
        pytest.param(None, id="none"),
    ],
)
def test_read_analyze_rejects_other_sources_with_type_error_before_sending(
    dg: Deepgram, mocked: responses.RequestsMock, source: Any
) -> None:
    with pytest.raises(TypeError, match="analyze"):
        dg.read.analyze(source)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("source", ["", "  \n", {"text": ""}, {"url": " "}, {"text": None}])
def test_read_analyze_rejects_empty_text_or_url_before_sending(
    dg: Deepgram, mocked: responses.RequestsMock, source: Any
) -> None:
    with pytest.raises(ValueError, match="empty"):
        dg.read.analyze(source)
    assert len(mocked.calls) == 0
