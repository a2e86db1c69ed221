"""Speak: an audio answer becomes a ``SpeakResult`` with the metadata of its headers.

The request of both speak operations (options, callbacks answered with JSON) and refused text or
model are checked with all the other operations in ``test_operations.py``.
"""

from __future__ import annotations

import pytest
import responses

from dgdata import Deepgram
from dgdata.resources.speak import SpeakResult
from tests.client.conftest import API

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64
REQUEST_ID = "7f5a0bd9-5d4c-4a8b-a6f0-2b63c2a1e0d1"
MODEL_UUID = "ecb76e9d-f2db-4127-8060-79b05590d22f"
HEADERS = {
    "dg-request-id": REQUEST_ID,
    "dg-model-name": "aura-2-thalia-en",
    "dg-model-uuid": MODEL_UUID,
    "dg-char-count": "5",
}


@pytest.mark.parametrize(
    ("method_name", "path", "headers"),
    [
        pytest.param("synthesize", "/v1/speak", HEADERS, id="synthesize"),
        pytest.param("flux", "/v2/speak", HEADERS, id="flux"),
        # HTTP header names are case-insensitive (RFC 9110 §5.1); an HTTP/1.1 proxy may send these.
        pytest.param(
            "synthesize",
            "/v1/speak",
            {
                "Dg-Request-Id": REQUEST_ID,
                "DG-Model-Name": "aura-2-thalia-en",
                "DG-MODEL-UUID": MODEL_UUID,
                "Dg-Char-Count": "5",
            },
            id="any-header-case",
        ),
    ],
)
def test_speak_returns_the_audio_with_the_metadata_of_its_headers(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    method_name: str,
    path: str,
    headers: dict[str, str],
) -> None:
    mocked.post(API + path, body=MP3, content_type="audio/mpeg", headers=headers)

    result = getattr(dg.speak, method_name)("hello", model="flux-alexis-en")

    assert isinstance(result, SpeakResult)
    assert (result.audio, result.content_type) == (MP3, "audio/mpeg")
    assert (result.request_id, result.model_name, result.model_uuid, result.characters) == (
        REQUEST_ID,
        "aura-2-thalia-en",
        MODEL_UUID,
        5,
    )
