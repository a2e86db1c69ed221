"""``POST /v1/speak`` and ``/v2/speak`` on the local server: real synthesis, closing the loop
through the recogniser, formats, headers, usage, and the 501 without an engine."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
import soundfile

from dgdata import Deepgram, errors
from dgdata.resources.speak import SpeakResult
from dgdata.server.backend import catalog
from dgdata.server.runner import LocalServer
from tests.server.audio_corpus import wer
from tests.server.callback_receiver import CallbackReceiver, callback_outcome

pytestmark = pytest.mark.integration

TEXT = "my brother lives in a small house near the river"


def auth(server: LocalServer) -> dict[str, str]:
    return {"Authorization": f"Token {server.api_key}"}


def speak(server: LocalServer, query: str = "", text: str = TEXT, path: str = "/v1/speak") -> Any:
    return requests.post(
        f"{server.url}{path}?{query}", json={"text": text}, headers=auth(server), timeout=60
    )


def stored(server: LocalServer, request_id: str) -> dict[str, Any]:
    row = server.store.one("SELECT * FROM requests WHERE request_id = ?", (request_id,))
    assert row is not None, f"request {request_id} was not recorded"
    return dict(row)


@pytest.mark.parametrize("options", [{}, {"encoding": "linear16", "sample_rate": 16000}],
                         ids=["default-mp3", "linear16"])  # fmt: skip
@pytest.mark.needs_tts
def test_speech_comes_back_as_the_same_words(
    dg: Deepgram, server: LocalServer, options: dict[str, Any]
) -> None:
    spoken = dg.speak.synthesize(TEXT, model="aura-2-thalia-en", **options)
    assert isinstance(spoken, SpeakResult) and spoken.audio
    heard = dg.transcription.prerecorded(spoken.audio)
    assert wer(TEXT, heard.text) <= 0.2, heard.text
    row = stored(server, str(spoken.request_id))
    assert (row["endpoint"], row["method"], row["code"]) == ("speak", "sync", 200)
    assert row["tts_characters"] == len(TEXT) and row["usd"] > 0
    assert row["duration"] == pytest.approx(heard.duration, abs=0.1)


@pytest.mark.needs_tts
def test_the_headers_are_the_real_apis(server: LocalServer) -> None:
    response = speak(server, "model=aura-2-thalia-en&encoding=linear16&tag=tts")
    assert response.status_code == 200
    headers = response.headers
    assert headers["content-type"] == "audio/wav"
    assert headers["dg-model-name"] == "aura-2-thalia-en"
    entry = catalog.find("aura-2-thalia-en")
    assert entry is not None and headers["dg-model-uuid"] == entry.uuid
    assert headers["dg-char-count"] == str(len(TEXT))
    assert headers["x-dgdata-tts-engine"].split()[0] in ("flite", "espeak-ng", "espeak")
    row = stored(server, headers["dg-request-id"])
    assert json.loads(row["tags"]) == ["tts"] and json.loads(row["models"]) == ["aura-2-thalia-en"]
    assert json.loads(row["config"])["encoding"] == "linear16"
    assert soundfile.info(io.BytesIO(response.content)).samplerate == 24000, "default 24 kHz"


@pytest.mark.parametrize(
    ("query", "content_type", "rate", "subtype"),
    [
        ("encoding=linear16&container=wav&sample_rate=48000", "audio/wav", 48000, "PCM_16"),
        ("encoding=mulaw", "audio/wav", 8000, "ULAW"),
        ("encoding=alaw&sample_rate=16000", "audio/wav", 16000, "ALAW"),
        ("encoding=flac&sample_rate=16000", "audio/flac", 16000, "PCM_16"),
        ("encoding=opus", "audio/ogg", 48000, "OPUS"),
        ("encoding=mp3&bit_rate=32000", "audio/mpeg", 22050, "MPEG_LAYER_III"),
    ],
)
@pytest.mark.needs_tts
def test_each_encoding_is_what_it_says(
    server: LocalServer, query: str, content_type: str, rate: int, subtype: str
) -> None:
    response = speak(server, query, text="hello there")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    info = soundfile.info(io.BytesIO(response.content))
    assert (info.samplerate, info.subtype, info.channels) == (rate, subtype, 1)
    assert 0.4 < info.duration < 3


@pytest.mark.needs_tts
def test_raw_containers_are_bare_samples(server: LocalServer) -> None:
    wav = speak(server, "encoding=linear16&sample_rate=8000", text="hello there")
    raw = speak(server, "encoding=linear16&sample_rate=8000&container=none", text="hello there")
    assert raw.headers["content-type"] == "application/octet-stream"
    samples, rate = soundfile.read(io.BytesIO(wav.content), dtype="int16")
    assert rate == 8000 and len(raw.content) == 2 * samples.size
    mulaw = speak(server, "encoding=mulaw&container=none", text="hello there")
    assert len(mulaw.content) == samples.size, "one byte a sample at 8 kHz"


@pytest.mark.parametrize(
    ("query", "text", "needle"),
    [
        ("encoding=aac", TEXT, "can produce linear16, mulaw, alaw"),
        ("encoding=bogus", TEXT, "encoding must be one of"),
        ("encoding=mp3&sample_rate=8000", TEXT, "sample_rate 8000 is not valid for mp3"),
        ("encoding=linear16&container=ogg", TEXT, "container"),
        ("encoding=linear16&bit_rate=48000", TEXT, "bit_rate"),
        ("encoding=opus&bit_rate=999", TEXT, "bit_rate 999"),
        ("speed=9", TEXT, "speed"),
        ("model=gpt-5", TEXT, "Aura voice"),
        ("", "   ", "non-empty text"),
        ("", "x" * 2001, "at most 2000"),
    ],
)
def test_bad_requests_are_400_saying_why(
    server: LocalServer, query: str, text: str, needle: str
) -> None:
    response = speak(server, query, text=text)
    assert response.status_code == 400
    assert needle in response.json()["err_msg"]
    row = stored(server, response.headers["dg-request-id"])
    assert (row["code"], row["usd"], row["tts_characters"]) == (400, 0.0, 0)


def test_without_an_engine_the_answer_is_501_saying_what_to_install(
    dg: Deepgram, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")  # no flite, no espeak-ng
    response = speak(server)
    assert response.status_code == 501
    body = response.json()
    assert body["err_code"] == "NOT_IMPLEMENTED"
    assert "apt-get install flite" in body["err_msg"] and "espeak-ng" in body["err_msg"]
    assert body["request_id"] == response.headers["dg-request-id"]
    assert stored(server, body["request_id"])["code"] == 501
    with pytest.raises(errors.DeepgramApiError) as raised:
        dg.speak.synthesize("hello")
    assert raised.value.status == 501 and "flite" in raised.value.message


@pytest.mark.needs_tts
def test_flux_batch_speaks_with_a_flux_voice_only(dg: Deepgram, server: LocalServer) -> None:
    spoken = dg.speak.flux("hello there", model="flux-alexis-en", encoding="linear16")
    assert isinstance(spoken, SpeakResult) and spoken.content_type == "audio/wav"
    assert spoken.model_name == "flux-alexis-en" and spoken.characters == len("hello there")
    for query, needle in [("", "model is required"), ("model=aura-2-thalia-en", "Flux voice")]:
        response = speak(server, query, path="/v2/speak")
        assert response.status_code == 400 and needle in response.json()["err_msg"]


@pytest.mark.needs_tts
def test_a_callback_gets_the_audio(dg: Deepgram, server: LocalServer) -> None:
    with CallbackReceiver() as receiver:
        accepted = dg.speak.synthesize(
            "hello there", encoding="linear16", callback=receiver.url, tag="later"
        )
        assert set(accepted) == {"request_id"}
        (delivery,) = receiver.wait(1)
    assert delivery.headers["Content-Type"] == "audio/wav"
    assert soundfile.info(io.BytesIO(delivery.body)).duration > 0.4
    row = callback_outcome(server.store, accepted["request_id"])
    assert (row["method"], row["callback"], row["callback_code"]) == ("async", receiver.url, 200)


@pytest.mark.needs_tts
def test_a_grant_token_may_speak(dg: Deepgram, server: LocalServer) -> None:
    token = dg.auth.grant(ttl_seconds=60)["access_token"]
    with Deepgram(access_token=token, api_url=server.url, max_retries=0) as bearer:
        spoken = bearer.speak.synthesize("hello there", encoding="linear16")
    assert isinstance(spoken, SpeakResult) and spoken.audio[:4] == b"RIFF"


def test_resampling_keeps_the_pitch_and_the_length() -> None:
    import numpy as np

    from dgdata.server.speak.formats import resample

    rate = 16000
    tone = (np.sin(2 * np.pi * 440 * np.arange(rate) / rate) * 10000).astype(np.int16)
    for target in (8000, 22050, 48000):
        out = resample(tone, rate, target)
        assert out.size == target
        spectrum = np.abs(np.fft.rfft(out.astype(float)))
        assert np.argmax(spectrum) * target / out.size == pytest.approx(440, abs=2)


def test_the_engine_lookup_prefers_flite_then_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from dgdata.server.speak import synthesis as speech_synth

    found = {"espeak-ng": "/usr/bin/espeak-ng"}
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: found.get(name))
    engine = speech_synth.find_engine()
    assert engine is not None and (engine.name, engine.voice) == ("espeak-ng", "en-us")
    found["flite"] = "/usr/bin/flite"
    monkeypatch.setattr(speech_synth, "_flite_voices", lambda path: ("kal", "rms", "slt"))
    engine = speech_synth.find_engine()
    assert engine is not None and engine.label == "flite (rms)"
    found.clear()
    assert speech_synth.find_engine() is None
