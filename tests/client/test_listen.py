"""Transcription: how each kind of audio source travels in ``POST /v1/listen``.

The request of a URL source (options in the query, as a dict or keywords) is checked with all
the other operations in ``test_operations.py``.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from dgdata import Deepgram, Transcript
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
    """The parsed answer, as a ``dgdata.Transcript`` (a dict)."""
    assert isinstance(result, Transcript)
    assert isinstance(result, dict)
    assert result == body


# --- audio in the request body -----------------------------------------------------------------


def _file(directory: Path, name: str, content: bytes) -> Path:
    path = directory / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("make_source", "options", "content_type"),
    [
        pytest.param(lambda tmp, wav: wav, {}, "audio/wav", id="bytes-sniffed"),
        pytest.param(lambda tmp, wav: bytearray(wav), {}, "audio/wav", id="bytearray"),
        pytest.param(lambda tmp, wav: memoryview(wav), {}, "audio/wav", id="memoryview"),
        pytest.param(lambda tmp, wav: io.BytesIO(wav), {}, "audio/wav", id="in-memory-file"),
        pytest.param(lambda tmp, wav: _file(tmp, "call.wav", wav), {}, "audio/wav", id="path"),
        pytest.param(
            lambda tmp, wav: str(_file(tmp, "call.wav", wav)), {}, "audio/wav", id="str-path"
        ),
        pytest.param(lambda tmp, wav: _file(tmp, "call.mp3", wav), {}, "audio/mpeg", id="ext"),
        pytest.param(lambda tmp, wav: _file(tmp, "call.FLAC", wav), {}, "audio/flac", id="EXT"),
        pytest.param(
            lambda tmp, wav: _file(tmp, "call.recording", wav), {}, "audio/wav", id="unknown-ext"
        ),
        pytest.param(
            lambda tmp, wav: {"buffer": wav, "mimetype": "audio/x-custom"},
            {},
            "audio/x-custom",
            id="seed-buffer-bytes",
        ),
        pytest.param(
            lambda tmp, wav: {"buffer": io.BytesIO(wav), "mimetype": "audio/x-custom"},
            {},
            "audio/x-custom",
            id="seed-buffer-file",
        ),
        pytest.param(
            lambda tmp, wav: wav,
            {"mimetype": "audio/x-custom"},
            "audio/x-custom",
            id="mimetype-option",
        ),
    ],
)
def test_listen_audio_is_sent_raw_with_its_content_type(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    tmp_path: Path,
    wav_bytes: bytes,
    make_source: Callable[[Path, bytes], Any],
    options: dict[str, Any],
    content_type: str,
) -> None:
    # The content type comes from a mimetype given, else the file's extension, else the bytes;
    # `mimetype` itself stays out of the query.
    listen_answers()

    result = dg.transcription.prerecorded(
        make_source(tmp_path, wav_bytes), model="nova-3", **options
    )

    (request,) = sent()
    assert (request.method, request.path, request.query) == ("POST", "/v1/listen", "model=nova-3")
    assert request.body == wav_bytes
    request.assert_client_headers(content_type=content_type)
    assert request.headers["Content-Length"] == str(len(wav_bytes))
    assert_is_transcript(result, LISTEN_ANSWER)


def test_listen_unrecognised_bytes_are_sent_as_octet_stream(
    dg: Deepgram, listen_answers: Callable[..., None], sent: Callable[[], list[SentRequest]]
) -> None:
    listen_answers()
    dg.transcription.prerecorded(b"\x01\x02\x03 not a known container")
    (request,) = sent()
    assert request.headers["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("kind", ["str-path", "path", "open-file"])
def test_listen_file_is_streamed_and_closed_only_when_the_client_opened_it(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    bodies_passed_to_requests: list[Any],
    wav_file: Path,
    wav_bytes: bytes,
    kind: str,
) -> None:
    listen_answers()

    with wav_file.open("rb") as handle:
        sources: dict[str, Any] = {"str-path": str(wav_file), "path": wav_file, "open-file": handle}
        source = sources[kind]
        dg.transcription.prerecorded(source)

        (streamed,) = bodies_passed_to_requests
        assert hasattr(streamed, "read"), "the file was read into memory"
        if kind == "open-file":
            assert streamed is handle
            assert not handle.closed, "the caller's file was closed"
        else:
            assert streamed.closed, "the file the client opened is left open"
    (request,) = sent()
    assert (request.body, request.headers["Content-Type"]) == (wav_bytes, "audio/wav")


@pytest.mark.parametrize(
    "make_source",
    [
        pytest.param(lambda wav: {"url": AUDIO_URL}, id="url"),
        pytest.param(lambda wav: wav, id="audio-bytes"),
    ],
)
def test_listen_callback_returns_the_accepted_request_id_not_a_transcript(
    dg: Deepgram,
    listen_answers: Callable[..., None],
    sent: Callable[[], list[SentRequest]],
    wav_bytes: bytes,
    make_source: Callable[[bytes], Any],
) -> None:
    listen_answers(ACCEPTED)

    result = dg.transcription.prerecorded(
        make_source(wav_bytes), callback="https://example.com/cb", callback_method="PUT"
    )

    (request,) = sent()
    assert request.query == "callback=https%3A%2F%2Fexample.com%2Fcb&callback_method=PUT"
    assert result == ACCEPTED
    assert type(result) is dict


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
