"""``POST /v1/listen`` on the local server: real recognition, errors, usage, URLs, callbacks."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests

from dgdata import Deepgram, errors
from dgdata.server.listen import callbacks
from dgdata.server.runner import LocalServer
from tests.server.audio_corpus import Clip, read_wav, synthesize, wer, write_wav
from tests.server.callback_receiver import CallbackReceiver, callback_outcome

pytestmark = pytest.mark.integration

TEXTS = (
    "please call me back when you get home tonight",
    "the weather is nice today so we are going to the park",
)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Clip]:
    return synthesize(TEXTS, tmp_path_factory.mktemp("listen"), prefix="rest")


@pytest.fixture(scope="module")
def stereo(clips: list[Clip]) -> Path:
    """Clip 0 on the left channel, clip 1 on the right."""
    left, right = read_wav(clips[0].path), read_wav(clips[1].path)
    frames = np.zeros((max(left.size, right.size), 2), dtype=np.int16)
    frames[: left.size, 0] = left
    frames[: right.size, 1] = right
    return write_wav(clips[0].path.parent / "stereo.wav", frames, 16000)


@pytest.fixture(scope="module")
def file_host(clips: list[Clip]) -> Iterator[str]:
    """A plain HTTP server on loopback serving the clips' folder."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(clips[0].path.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def auth(server: LocalServer, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Token {key or server.api_key}"}


def transcript_of(body: dict[str, Any], channel: int = 0) -> str:
    return str(body["results"]["channels"][channel]["alternatives"][0]["transcript"])


def stored(server: LocalServer, request_id: str) -> dict[str, Any]:
    row = server.store.one("SELECT * FROM requests WHERE request_id = ?", (request_id,))
    assert row is not None, f"request {request_id} was not recorded"
    return dict(row)


def test_recordings_are_transcribed_into_the_words_spoken(dg: Deepgram, clips: list[Clip]) -> None:
    for clip in clips:
        transcript = dg.transcription.prerecorded(str(clip.path), model="nova-3")
        assert wer(clip.text, transcript.text) <= 0.2, transcript.text
        assert transcript.duration == pytest.approx(clip.duration, abs=0.05)
        metadata = transcript.metadata
        assert metadata["channels"] == 1 and len(metadata["sha256"]) == 64
        (info,) = metadata["model_info"].values()
        assert info["name"].startswith("dgdata-local-"), "model_info names the local engine"
        words = transcript.words
        assert len(words) >= 6 and (words["end"] >= words["start"]).all()


def test_the_request_id_is_the_header_and_usage_is_charged(
    dg: Deepgram, server: LocalServer, clips: list[Clip]
) -> None:
    server.store.execute(
        "INSERT INTO balances (balance_id, project_id, amount, units) VALUES (?, ?, ?, ?)",
        ("test-balance", server.project_id, 10.0, "usd"),
    )
    response = requests.post(
        f"{server.url}/v1/listen?model=nova-3&smart_format=true&tag=team-a&tag=batch",
        data=clips[1].path.read_bytes(),
        headers={**auth(server), "Content-Type": "application/octet-stream"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    request_id = response.headers["dg-request-id"]
    assert body["metadata"]["request_id"] == request_id
    assert wer(clips[1].text, transcript_of(body)) <= 0.2

    details = dg.usage.get_request(server.project_id, request_id)["request"]["response"]["details"]
    assert details["duration"] * 3600 == pytest.approx(clips[1].duration, abs=0.05)
    assert details["usd"] > 0
    assert details["method"] == "sync" and details["models"] == ["nova-3"]
    assert details["tags"] == ["team-a", "batch"]
    assert "smart_format" in details["features"] and details["config"]["model"] == "nova-3"
    (balance,) = dg.billing.list_balance(server.project_id)["balances"]
    assert balance["amount"] == pytest.approx(10.0 - details["usd"])


@pytest.mark.parametrize(
    "body",
    [b"", b"definitely not audio " * 50, bytes(range(256)) * 8, b"RIFF\x00\x00\x00\x00WAVEjunk"],
    ids=["empty", "text", "noise-bytes", "broken-wav"],
)
def test_corrupt_or_empty_media_is_the_real_400_and_is_recorded(
    server: LocalServer, body: bytes
) -> None:
    response = requests.post(f"{server.url}/v1/listen", data=body, headers=auth(server), timeout=30)
    assert response.status_code == 400
    assert response.json() == {
        "err_code": "Bad Request",
        "err_msg": "Bad Request: failed to process audio: corrupt or unsupported data",
        "request_id": response.headers["dg-request-id"],
    }
    row = stored(server, response.headers["dg-request-id"])
    assert (row["code"], row["usd"], row["endpoint"]) == (400, 0.0, "listen")
    assert "corrupt" in row["message"]


@pytest.mark.parametrize(
    ("query", "code", "needle"),
    [
        ("utt_split=abc", "INVALID_QUERY_PARAMETER", "utt_split"),
        ("encoding=bogus&sample_rate=16000", "INVALID_QUERY_PARAMETER", "encoding"),
        ("encoding=linear16", "INVALID_QUERY_PARAMETER", "sample_rate is required"),
        ("sample_rate=fast&encoding=linear16", "INVALID_QUERY_PARAMETER", "sample_rate"),
        ("punctuate=maybe", "INVALID_QUERY_PARAMETER", "punctuate"),
        ("callback=https://example.com/x&callback_method=GET", "INVALID_QUERY_PARAMETER",
         "callback_method"),
        ("callback=not-a-url", "INVALID_QUERY_PARAMETER", "callback"),
        ("model=no-such-model", "Bad Request", "No such model"),
        ("model=flux-general-en", "V2_MODEL_ON_V1_LISTEN_ENDPOINT", "/v2/listen"),
    ],
)  # fmt: skip
def test_bad_options_are_400_naming_the_parameter(
    server: LocalServer, clips: list[Clip], query: str, code: str, needle: str
) -> None:
    response = requests.post(
        f"{server.url}/v1/listen?{query}",
        data=clips[0].path.read_bytes(),
        headers=auth(server),
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["err_code"] == code
    assert needle in response.json()["err_msg"]
    assert stored(server, response.headers["dg-request-id"])["code"] == 400


def test_deepgram_model_names_are_accepted(server: LocalServer) -> None:
    from dgdata.server.listen.options import known_model

    for name in ("nova-3", "nova-2-meeting", "enhanced-phonecall", "base", "whisper-large",
                 "phonecall", "general-nova-3", "dgdata-local-pocketsphinx"):  # fmt: skip
        assert known_model(name), name
    assert not known_model("gpt-5")


def test_a_wrong_key_is_401_and_a_grant_works_for_listen_but_not_manage(
    dg: Deepgram, server: LocalServer, clips: list[Clip]
) -> None:
    wrong = requests.post(
        f"{server.url}/v1/listen", data=b"x", headers=auth(server, "0" * 40), timeout=10
    )
    assert wrong.status_code == 401 and wrong.json()["err_code"] == "INVALID_AUTH"
    token = dg.auth.grant(ttl_seconds=60)["access_token"]
    with Deepgram(access_token=token, api_url=server.url, max_retries=0) as bearer:
        transcript = bearer.transcription.prerecorded(str(clips[0].path))
        assert wer(clips[0].text, transcript.text) <= 0.2
        with pytest.raises(errors.PermissionDeniedError):
            bearer.projects.list()
    row = stored(server, transcript.request_id)
    assert row["code"] == 200 and row["api_key_id"] == server.state.boot.api_key_id


def test_a_url_is_fetched_and_an_unreachable_one_is_400(
    dg: Deepgram, server: LocalServer, clips: list[Clip], file_host: str
) -> None:
    transcript = dg.transcription.prerecorded({"url": f"{file_host}/{clips[0].path.name}"})
    assert wer(clips[0].text, transcript.text) <= 0.2
    for url, needle in [(f"{file_host}/missing.wav", "404"), ("http://127.0.0.1:9/a.wav", "fetch")]:
        with pytest.raises(errors.BadRequestError) as raised:
            dg.transcription.prerecorded({"url": url})
        assert needle in raised.value.message
    bad_json = requests.post(
        f"{server.url}/v1/listen",
        data=b"{not json",
        headers={**auth(server), "Content-Type": "application/json"},
        timeout=10,
    )
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["err_msg"]


def test_a_callback_request_is_answered_at_once_and_delivered(
    dg: Deepgram, server: LocalServer, clips: list[Clip], file_host: str
) -> None:
    with CallbackReceiver() as receiver:
        accepted = dg.transcription.prerecorded(str(clips[0].path), callback=receiver.url, tag="cb")
        assert set(accepted) == {"request_id"}
        (delivery,) = receiver.wait(1)
    assert delivery.method == "POST"
    assert delivery.headers["dg-token"] == server.state.boot.api_key_id
    result = json.loads(delivery.body)
    assert result["metadata"]["request_id"] == accepted["request_id"]
    assert wer(clips[0].text, transcript_of(result)) <= 0.2
    row = callback_outcome(server.store, accepted["request_id"])
    assert (row["method"], row["code"], row["callback"]) == ("async", 200, receiver.url)
    assert row["duration"] == pytest.approx(clips[0].duration, abs=0.05) and row["usd"] > 0
    assert (row["callback_code"], row["callback_attempts"]) == (200, 1)


def test_a_failing_callback_is_retried_with_put(
    dg: Deepgram, server: LocalServer, clips: list[Clip], file_host: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(callbacks, "BACKOFF", 0.05)
    with CallbackReceiver(fail_first=2) as receiver:
        accepted = dg.transcription.prerecorded(
            {"url": f"{file_host}/{clips[1].path.name}"},
            callback=receiver.url,
            callback_method="PUT",
        )
        deliveries = receiver.wait(3)
    assert [d.method for d in deliveries] == ["PUT"] * 3
    assert wer(clips[1].text, transcript_of(json.loads(deliveries[-1].body))) <= 0.2
    row = callback_outcome(server.store, accepted["request_id"], attempts=3)
    assert (row["callback_code"], row["callback_attempts"]) == (200, 3)


def test_a_failed_callback_job_delivers_the_error(server: LocalServer, file_host: str) -> None:
    with CallbackReceiver() as receiver:
        response = requests.post(
            f"{server.url}/v1/listen?callback={receiver.url}",
            json={"url": f"{file_host}/missing.wav"},
            headers=auth(server),
            timeout=10,
        )
        assert response.status_code == 200
        (delivery,) = receiver.wait(1)
    error = json.loads(delivery.body)
    assert error["err_code"] == "Bad Request" and "404" in error["err_msg"]
    assert error["request_id"] == response.json()["request_id"]
    assert stored(server, error["request_id"])["code"] == 400


def test_multichannel_keeps_the_channels_apart(
    dg: Deepgram, server: LocalServer, clips: list[Clip], stereo: Path
) -> None:
    separate = dg.transcription.prerecorded(str(stereo), multichannel=True)
    channels = separate.metadata["channels"], len(separate["results"]["channels"])
    assert channels == (2, 2)
    for index, clip in enumerate(clips):
        assert wer(clip.text, transcript_of(separate, index)) <= 0.2
    row = stored(server, separate.request_id)
    assert row["channels"] == 2
    with wave.open(str(stereo)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    mixed = dg.transcription.prerecorded(str(stereo))
    assert len(mixed["results"]["channels"]) == 1
    assert mixed.metadata["channels"] == 2
    mixed_row = stored(server, mixed.request_id)
    assert mixed_row["channels"] == 1 and mixed_row["usd"] < row["usd"], "one billed channel"
    assert row["total_audio"] == pytest.approx(2 * row["duration"])
    assert row["duration"] == pytest.approx(seconds, abs=0.05)


def test_smart_format_summaries_and_honest_warnings(dg: Deepgram, server: LocalServer) -> None:
    import dgdata

    sample = Path(dgdata.__file__).parent / "data" / "samples" / "students.wav"
    transcript = dg.transcription.prerecorded(
        str(sample), smart_format=True, summarize="v2", topics=True
    )
    assert "25" in transcript.text, "smart_format writes numbers with digits"
    summary = transcript["results"]["summary"]
    assert summary["result"] == "success" and wer(summary["short"], transcript.text) == 0
    info = transcript.metadata["summary_info"]
    assert info["input_tokens"] >= info["output_tokens"] > 0
    warned = {w["parameter"] for w in transcript.metadata.get("warnings", [])}
    assert "topics" in warned and "summarize" not in warned, "topics are not faked"
    row = stored(server, str(transcript.request_id))
    assert (row["tokens_in"], row["tokens_out"]) == (info["input_tokens"], info["output_tokens"])
