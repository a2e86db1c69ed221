"""Transcription: the exact request of POST /v1/listen for every kind of audio source."""

from __future__ import annotations

import importlib.util
import io
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

LISTEN = f"{API}/v1/listen"
AUDIO_URL = "https://example.com/a.wav"
LISTEN_ANSWER = {
    "metadata": {
        "transaction_key": "deprecated",
        "request_id": "a847f427-4ad5-4d67-9b95-db801e58251c",
        "sha256": "154e291ecfa8be6ab8343560bcc109008fa7853eb5372533e8efdefc9b504c33",
        "created": "2025-07-22T16:56:38.656Z",
        "duration": 0.05,
        "channels": 1,
        "models": ["3b3aabe4-608a-46ac-9585-7960a25daf1a"],
        "model_info": {
            "3b3aabe4-608a-46ac-9585-7960a25daf1a": {
                "name": "general-nova-3",
                "version": "2024-12-20.0",
                "arch": "nova-3",
            }
        },
    },
    "results": {
        "channels": [
            {
                "alternatives": [
                    {
                        "transcript": "hello world",
                        "confidence": 0.99,
                        "words": [
                            {"word": "hello", "start": 0.0, "end": 0.02, "confidence": 0.99},
                            {"word": "world", "start": 0.02, "end": 0.05, "confidence": 0.98},
                        ],
                    }
                ]
            }
        ]
    },
}
ACCEPTED = {"request_id": "f0e1d2c3-b4a5-4697-8877-665544332211"}


@pytest.fixture
def wav_bytes() -> bytes:
    """50 ms of 16 kHz mono silence: a real RIFF/WAVE file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes(b"\x00\x00" * 800)
    return buffer.getvalue()


@pytest.fixture
def wav_file(tmp_path: Path, wav_bytes: bytes) -> Path:
    path = tmp_path / "call.wav"
    path.write_bytes(wav_bytes)
    return path


@pytest.fixture
def bodies_passed_to_requests(dg: Deepgram, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The body objects handed to ``requests`` (before ``responses`` reads a file into bytes)."""
    seen: list[Any] = []
    send = dg.session.send

    def spy(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        seen.append(request.body)
        return send(request, **kwargs)

    monkeypatch.setattr(dg.session, "send", spy)
    return seen


@pytest.fixture
def listen_answers(mocked: responses.RequestsMock) -> Callable[[dict[str, Any]], None]:
    def register(body: dict[str, Any] = LISTEN_ANSWER) -> None:
        mocked.post(LISTEN, json=body)

    return register


def assert_is_transcript(result: Any, body: dict[str, Any]) -> None:
    """The parsed answer; a ``dgdata.Transcript`` once that module exists."""
    assert isinstance(result, dict)
    assert result == body
    if importlib.util.find_spec("dgdata.transcript") is not None:
        from dgdata import Transcript

        assert isinstance(result, Transcript)


# --- URL sources -------------------------------------------------------------------------------


@pytest.mark.parametrize("method_name", ["prerecorded", "sync_prerecorded"])
def test_listen_url_source_posts_json_with_options_in_the_query(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    method_name: str,
) -> None:
    example = answer("POST", "/v1/listen")

    result = getattr(dg.transcription, method_name)(
        {"url": AUDIO_URL},
        model="nova-3",
        smart_format=True,
        keywords=["first:5", "second"],
        diarize=True,
        tag=["a", "b"],
    )

    (request,) = sent()
    assert (request.method, request.path) == ("POST", "/v1/listen")
    assert request.query == (
        "model=nova-3&smart_format=true&keywords=first%3A5&keywords=second&diarize=true&tag=a&tag=b"
    )
    assert request.json == {"url": AUDIO_URL}
    request.assert_client_headers(content_type="application/json")
    assert_is_transcript(result, example)


def test_listen_options_as_dict_or_keywords_send_the_same_request(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
) -> None:
    for _ in range(3):
        listen_answers()
    options = {
        "model": "nova-3",
        "punctuate": False,
        "utt_split": 0.8,
        "search": "x y",
        "redact": ["pci", "ssn"],
        "language": None,
    }

    dg.transcription.prerecorded({"url": AUDIO_URL}, options)
    dg.transcription.prerecorded({"url": AUDIO_URL}, **options)
    dg.transcription.prerecorded({"url": AUDIO_URL}, {**options, "model": "nova-2"}, model="nova-3")

    by_dict, by_keywords, mixed = sent()
    assert by_dict.url == by_keywords.url == mixed.url
    assert by_dict.body == by_keywords.body == mixed.body
    assert (
        by_dict.query
        == "model=nova-3&punctuate=false&utt_split=0.8&search=x+y&redact=pci&redact=ssn"
    )


def test_listen_callback_returns_the_accepted_request_id(
    dg: Deepgram, listen_answers: Callable[..., None], sent: Callable[[], list[SentRequest]]
) -> None:
    listen_answers(ACCEPTED)

    result = dg.transcription.prerecorded(
        {"url": AUDIO_URL}, model="nova-3", callback="https://example.com/cb"
    )

    (request,) = sent()
    assert request.query == "model=nova-3&callback=https%3A%2F%2Fexample.com%2Fcb"
    assert result == ACCEPTED
    assert type(result) is dict


# --- audio in the request body -----------------------------------------------------------------


def test_listen_bytes_are_sent_raw_with_the_sniffed_wav_content_type(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    wav_bytes: bytes,
) -> None:
    listen_answers()

    result = dg.transcription.prerecorded(wav_bytes, model="nova-3")

    (request,) = sent()
    assert (request.method, request.path, request.query) == ("POST", "/v1/listen", "model=nova-3")
    assert request.body == wav_bytes
    request.assert_client_headers(content_type="audio/wav")
    assert request.headers["Content-Length"] == str(len(wav_bytes))
    assert_is_transcript(result, LISTEN_ANSWER)


@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_listen_bytearray_and_memoryview_are_sent_like_bytes(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    wav_bytes: bytes,
    kind: type,
) -> None:
    listen_answers()
    dg.transcription.prerecorded(kind(wav_bytes))
    (request,) = sent()
    assert request.body == wav_bytes
    assert request.headers["Content-Type"] == "audio/wav"


def test_listen_unrecognised_bytes_are_sent_as_octet_stream(
    dg: Deepgram, listen_answers: Callable[..., None], sent: Callable[[], list[SentRequest]]
) -> None:
    listen_answers()
    dg.transcription.prerecorded(b"\x01\x02\x03 not a known container")
    (request,) = sent()
    assert request.headers["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("as_type", [str, Path])
def test_listen_path_is_streamed_from_disk_and_closed_afterwards(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    bodies_passed_to_requests: list[Any],
    wav_file: Path,
    wav_bytes: bytes,
    as_type: Callable[[Path], Any],
) -> None:
    listen_answers()

    result = dg.transcription.prerecorded(as_type(wav_file), model="nova-3")

    (streamed,) = bodies_passed_to_requests
    assert not isinstance(streamed, (bytes, bytearray)), "the file was read into memory"
    assert hasattr(streamed, "read")
    assert streamed.closed, "the file the client opened is left open"
    (request,) = sent()
    assert request.body == wav_bytes
    assert request.query == "model=nova-3"
    request.assert_client_headers(content_type="audio/wav")
    assert request.headers["Content-Length"] == str(len(wav_bytes))
    assert_is_transcript(result, LISTEN_ANSWER)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("call.mp3", "audio/mpeg"),  # the extension comes before the bytes
        ("call.FLAC", "audio/flac"),
        ("call.recording", "audio/wav"),  # unknown extension: sniffed from RIFF/WAVE
    ],
)
def test_listen_path_content_type_comes_from_the_extension_else_the_bytes(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    tmp_path: Path,
    wav_bytes: bytes,
    name: str,
    content_type: str,
) -> None:
    listen_answers()
    path = tmp_path / name
    path.write_bytes(wav_bytes)
    dg.transcription.prerecorded(path)
    (request,) = sent()
    assert request.headers["Content-Type"] == content_type


def test_listen_open_binary_file_is_streamed_and_left_open_for_the_caller(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    bodies_passed_to_requests: list[Any],
    wav_file: Path,
    wav_bytes: bytes,
) -> None:
    listen_answers()

    with wav_file.open("rb") as handle:
        result = dg.transcription.prerecorded(handle, model="nova-3")
        assert bodies_passed_to_requests == [handle]
        assert not handle.closed

    (request,) = sent()
    assert request.body == wav_bytes
    request.assert_client_headers(content_type="audio/wav")
    assert_is_transcript(result, LISTEN_ANSWER)


def test_listen_in_memory_file_is_sent_with_the_sniffed_content_type(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    wav_bytes: bytes,
) -> None:
    listen_answers()
    dg.transcription.prerecorded(io.BytesIO(wav_bytes))
    (request,) = sent()
    assert request.body == wav_bytes
    assert request.headers["Content-Type"] == "audio/wav"


@pytest.mark.parametrize("as_file", [False, True], ids=["bytes", "file"])
def test_listen_seed_buffer_source_respects_its_mimetype(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    wav_bytes: bytes,
    as_file: bool,
) -> None:
    listen_answers()
    buffer = io.BytesIO(wav_bytes) if as_file else wav_bytes

    result = dg.transcription.prerecorded(
        {"buffer": buffer, "mimetype": "audio/x-custom"}, {"model": "nova-3"}
    )

    (request,) = sent()
    assert request.body == wav_bytes
    assert request.query == "model=nova-3"
    request.assert_client_headers(content_type="audio/x-custom")
    assert_is_transcript(result, LISTEN_ANSWER)


def test_listen_mimetype_option_sets_the_content_type_and_stays_out_of_the_query(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    wav_bytes: bytes,
) -> None:
    listen_answers()
    dg.transcription.prerecorded(wav_bytes, model="nova-3", mimetype="audio/x-custom")
    (request,) = sent()
    assert request.headers["Content-Type"] == "audio/x-custom"
    assert request.query == "model=nova-3"


def test_listen_callback_with_audio_bytes_returns_the_accepted_request_id(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    wav_bytes: bytes,
) -> None:
    listen_answers(ACCEPTED)
    result = dg.transcription.prerecorded(
        wav_bytes, callback="https://example.com/cb", callback_method="PUT"
    )
    (request,) = sent()
    assert request.query == "callback=https%3A%2F%2Fexample.com%2Fcb&callback_method=PUT"
    assert request.body == wav_bytes
    assert result == ACCEPTED


# --- bad sources fail before any request -------------------------------------------------------


@pytest.fixture
def text_mode_file(wav_file: Path) -> Iterator[Any]:
    with wav_file.open("r", encoding="latin-1") as handle:
        yield handle


@pytest.mark.parametrize(
    ("make_source", "error"),
    [
        pytest.param(lambda tmp: tmp / "missing.wav", FileNotFoundError, id="missing-file"),
        pytest.param(lambda tmp: str(tmp / "missing.wav"), FileNotFoundError, id="missing-str"),
        pytest.param(lambda tmp: tmp, IsADirectoryError, id="directory"),
        pytest.param(lambda tmp: _empty_file(tmp), ValueError, id="empty-file"),
        pytest.param(lambda tmp: b"", ValueError, id="empty-bytes"),
        pytest.param(lambda tmp: io.BytesIO(), ValueError, id="empty-in-memory-file"),
        pytest.param(lambda tmp: {"buffer": b"", "mimetype": "audio/wav"}, ValueError, id="buf"),
        pytest.param(lambda tmp: io.StringIO("RIFF"), TypeError, id="text-io"),
        pytest.param(lambda tmp: {"url": ""}, ValueError, id="empty-url"),
        pytest.param(lambda tmp: {"url": "ftp://example.com/a.wav"}, ValueError, id="ftp-url"),
        pytest.param(lambda tmp: {"buffer": "RIFF"}, TypeError, id="str-buffer"),
        pytest.param(lambda tmp: {"audio": b"RIFF"}, ValueError, id="unknown-dict"),
        pytest.param(lambda tmp: 42, TypeError, id="int"),
    ],
)
def test_listen_bad_source_raises_before_any_request(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    tmp_path: Path,
    make_source: Callable[[Path], Any],
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        dg.transcription.prerecorded(make_source(tmp_path), model="nova-3")
    assert len(mocked.calls) == 0


def test_listen_text_mode_file_raises_type_error_before_any_request(
    dg: Deepgram, mocked: responses.RequestsMock, text_mode_file: Any
) -> None:
    with pytest.raises(TypeError, match="text mode"):
        dg.transcription.prerecorded(text_mode_file)
    assert len(mocked.calls) == 0


def _empty_file(directory: Path) -> Path:
    path = directory / "empty.wav"
    path.write_bytes(b"")
    return path
