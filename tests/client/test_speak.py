"""Speak: the exact request of /v1/speak and /v2/speak, and what a synthesis returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from dgdata.resources.speak import SpeakResult
from tests.client.conftest import API, SentRequest

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64
AUDIO_HEADERS = {
    "dg-request-id": "7f5a0bd9-5d4c-4a8b-a6f0-2b63c2a1e0d1",
    "dg-model-name": "aura-2-thalia-en",
    "dg-model-uuid": "ecb76e9d-f2db-4127-8060-79b05590d22f",
    "dg-char-count": "5",
}


def _answer_audio(mocked: responses.RequestsMock, url: str, headers: dict[str, str]) -> None:
    mocked.post(url, body=MP3, content_type="audio/mpeg", headers=headers)


def test_speak_synthesize_sends_text_as_json_and_returns_audio_with_header_metadata(
    dg: Deepgram, mocked: responses.RequestsMock, sent: Callable[[], list[SentRequest]]
) -> None:
    _answer_audio(mocked, f"{API}/v1/speak", AUDIO_HEADERS)

    result = dg.speak.synthesize(
        "hello", model="aura-2-thalia-en", encoding="linear16", sample_rate=16000
    )

    (request,) = sent()
    assert (request.method, request.path) == ("POST", "/v1/speak")
    assert request.query == "model=aura-2-thalia-en&encoding=linear16&sample_rate=16000"
    assert request.json == {"text": "hello"}
    request.assert_client_headers(content_type="application/json")
    assert isinstance(result, SpeakResult)
    assert result.audio == MP3
    assert result.content_type == "audio/mpeg"
    assert result.request_id == AUDIO_HEADERS["dg-request-id"]
    assert result.model_name == "aura-2-thalia-en"
    assert result.model_uuid == AUDIO_HEADERS["dg-model-uuid"]
    assert result.characters == 5


def test_speak_synthesize_reads_header_metadata_whatever_the_header_case(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    # HTTP header names are case-insensitive (RFC 9110 §5.1); an HTTP/1.1 proxy may send these.
    _answer_audio(
        mocked,
        f"{API}/v1/speak",
        {"Dg-Request-Id": "req-1", "DG-Model-Name": "aura-2-thalia-en", "Dg-Char-Count": "5"},
    )

    result = dg.speak.synthesize("hello")

    assert isinstance(result, SpeakResult)
    assert (result.request_id, result.model_name, result.characters) == (
        "req-1",
        "aura-2-thalia-en",
        5,
    )


def test_speak_synthesize_returns_the_json_answer_of_a_callback_request(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    example = answer("POST", "/v1/speak")

    result = dg.speak.synthesize("hello", callback="https://example.com/cb", callback_method="PUT")

    (request,) = sent()
    assert request.query == "callback=https%3A%2F%2Fexample.com%2Fcb&callback_method=PUT"
    assert request.json == {"text": "hello"}
    assert result == example
    assert type(result) is dict


def test_speak_flux_posts_to_v2_with_the_model_and_returns_audio(
    dg: Deepgram, mocked: responses.RequestsMock, sent: Callable[[], list[SentRequest]]
) -> None:
    _answer_audio(mocked, f"{API}/v2/speak", {"dg-request-id": "req-2"})

    result = dg.speak.flux("hello", model="flux-alexis-en", encoding="mp3")

    (request,) = sent()
    assert (request.method, request.path) == ("POST", "/v2/speak")
    assert request.query == "model=flux-alexis-en&encoding=mp3"
    assert request.json == {"text": "hello"}
    request.assert_client_headers(content_type="application/json")
    assert isinstance(result, SpeakResult)
    assert (result.audio, result.request_id) == (MP3, "req-2")


def test_speak_flux_returns_the_json_answer_of_a_callback_request(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    example = answer("POST", "/v2/speak")

    result = dg.speak.flux(
        "hello", {"model": "flux-alexis-en", "callback": "https://example.com/cb"}, priority="low"
    )

    (request,) = sent()
    assert request.params == [
        ("model", "flux-alexis-en"),
        ("callback", "https://example.com/cb"),
        ("priority", "low"),
    ]
    assert result == example


@pytest.mark.parametrize("method_name", ["synthesize", "flux"])
def test_speak_options_as_dict_or_keywords_send_the_same_request(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    sent: Callable[[], list[SentRequest]],
    method_name: str,
) -> None:
    path, model = (
        ("/v2/speak", "flux-alexis-en") if method_name == "flux" else ("/v1/speak", "aura-2")
    )
    _answer_audio(mocked, API + path, {})
    _answer_audio(mocked, API + path, {})
    options = {"model": model, "sample_rate": 24000, "tag": ["a", "b"], "speed": None}
    speak = getattr(dg.speak, method_name)

    speak("hello", options)
    speak("hello", **options)

    by_dict, by_keywords = sent()
    assert by_dict.url == by_keywords.url
    assert by_dict.body == by_keywords.body
    assert by_dict.query == f"model={model}&sample_rate=24000&tag=a&tag=b"


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda dg: dg.speak.flux("hello"), id="no-model"),
        pytest.param(lambda dg: dg.speak.flux("hello", model=""), id="empty-model"),
        pytest.param(lambda dg: dg.speak.flux("hello", {"model": None}), id="none-model"),
    ],
)
def test_speak_flux_requires_a_model(
    dg: Deepgram, mocked: responses.RequestsMock, call: Callable[[Deepgram], Any]
) -> None:
    with pytest.raises(ValueError, match="model"):
        call(dg)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("method_name", ["synthesize", "flux"])
@pytest.mark.parametrize("text", ["", "   \n", None])
def test_speak_rejects_empty_or_non_text_before_sending(
    dg: Deepgram, mocked: responses.RequestsMock, method_name: str, text: Any
) -> None:
    with pytest.raises(ValueError, match="text"):
        getattr(dg.speak, method_name)(text, model="flux-alexis-en")
    assert len(mocked.calls) == 0
