"""One retry policy: connection errors, 408, 429, 5xx; Retry-After first; safe re-sends."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from dgdata import Deepgram, errors
from dgdata._retry import RetryPolicy
from tests.client.conftest import API, KEY

PROJECTS = f"{API}/v1/projects"
LISTEN = f"{API}/v1/listen"
OK = {"projects": [{"project_id": "p1", "name": "one"}]}
TRANSCRIPT = {
    "metadata": {"request_id": "r1", "duration": 1.0, "channels": 1},
    "results": {
        "channels": [{"alternatives": [{"transcript": "hi", "confidence": 1, "words": []}]}]
    },
}


@pytest.fixture
def retrying(mocked: responses.RequestsMock) -> Deepgram:
    return Deepgram(api_key=KEY, max_retries=2)


def test_429_with_retry_after_waits_that_long_then_succeeds(
    retrying: Deepgram, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(PROJECTS, status=429, json={"err_msg": "slow"}, headers={"Retry-After": "3"})
    mocked.get(PROJECTS, json=OK)
    assert retrying.projects.list() == OK
    assert sleeps == [3.0]
    assert len(mocked.calls) == 2


def test_503_then_200_backs_off_exponentially(
    retrying: Deepgram, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(PROJECTS, status=503, body="busy")
    mocked.get(PROJECTS, status=502, body="busy")
    mocked.get(PROJECTS, json=OK)
    assert retrying.projects.list() == OK
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 0.5 * 1.25
    assert 1.0 <= sleeps[1] <= 1.0 * 1.25


def test_503_honours_retry_after_too(
    retrying: Deepgram, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(PROJECTS, status=503, body="", headers={"Retry-After": "2"})
    mocked.get(PROJECTS, json=OK)
    retrying.projects.list()
    assert sleeps == [2.0]


def test_connection_reset_is_retried(
    retrying: Deepgram, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(PROJECTS, body=requests.ConnectionError("Connection reset by peer"))
    mocked.get(PROJECTS, json=OK)
    assert retrying.projects.list() == OK
    assert len(sleeps) == 1


def test_gives_up_after_max_retries_with_the_last_error(
    retrying: Deepgram, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    for _ in range(3):
        mocked.get(PROJECTS, status=500, json={"err_msg": "still broken", "request_id": "r9"})
    with pytest.raises(errors.ServerError, match="still broken"):
        retrying.projects.list()
    assert len(mocked.calls) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("failure", "cls", "message", "builtin"),
    [
        (
            requests.ConnectionError("refused"),
            errors.DeepgramConnectionError,
            "refused",
            ConnectionError,
        ),
        (
            requests.ConnectTimeout("timed out"),
            errors.DeepgramTimeoutError,
            "Could not connect",
            TimeoutError,
        ),
    ],
    ids=["connection-refused", "connect-timeout-says-to-check-the-url"],
)
def test_connection_failures_exhausted_raise_a_builtin_compatible_error(
    retrying: Deepgram,
    mocked: responses.RequestsMock,
    sleeps: list[float],
    failure: Exception,
    cls: type[Exception],
    message: str,
    builtin: type[Exception],
) -> None:
    for _ in range(3):
        mocked.get(PROJECTS, body=failure)
    with pytest.raises(cls, match=message) as caught:
        retrying.projects.list()
    assert isinstance(caught.value, builtin)
    assert len(sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 402])
def test_client_errors_are_not_retried(
    retrying: Deepgram, mocked: responses.RequestsMock, sleeps: list[float], status: int
) -> None:
    mocked.get(PROJECTS, status=status, json={"err_msg": "no"})
    with pytest.raises(errors.DeepgramApiError):
        retrying.projects.list()
    assert len(mocked.calls) == 1
    assert sleeps == []


def test_408_is_retried(
    retrying: Deepgram, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(PROJECTS, status=408, body="")
    mocked.get(PROJECTS, json=OK)
    assert retrying.projects.list() == OK


def test_max_retries_zero_sends_once(mocked: responses.RequestsMock, sleeps: list[float]) -> None:
    mocked.get(PROJECTS, status=503, body="")
    with pytest.raises(errors.ServerError):
        Deepgram(api_key=KEY, max_retries=0).projects.list()
    assert len(mocked.calls) == 1


def test_a_retry_after_beyond_the_cap_is_raised_not_slept(
    retrying: Deepgram, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(PROJECTS, status=429, json={"err_msg": "later"}, headers={"Retry-After": "3600"})
    with pytest.raises(errors.RateLimitError) as caught:
        retrying.projects.list()
    assert caught.value.retry_after == 3600
    assert sleeps == []


def test_a_file_upload_is_rewound_and_resent_whole(
    retrying: Deepgram, mocked: responses.RequestsMock, sleeps: list[float], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    audio = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 40
    path = tmp_path / "a.wav"
    path.write_bytes(audio)
    bodies: list[bytes] = []

    def answer(request: requests.PreparedRequest):  # type: ignore[no-untyped-def]
        body = request.body
        bodies.append(body.read() if hasattr(body, "read") else bytes(body))
        if len(bodies) == 1:
            return (429, {}, "busy")  # not processed: a POST may be sent again
        return (200, {"Content-Type": "application/json"}, __import__("json").dumps(TRANSCRIPT))

    mocked.add_callback("POST", LISTEN, callback=answer)
    result = retrying.transcription.prerecorded(path)
    assert result["metadata"]["request_id"] == "r1"
    assert bodies == [audio, audio]


def test_an_unseekable_stream_is_never_resent(
    retrying: Deepgram, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.data = io.BytesIO(b"RIFF....WAVE" + b"\0" * 100)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer):  # type: ignore[no-untyped-def]
            chunk = self.data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    mocked.post(LISTEN, status=503, body="busy")
    with pytest.raises(errors.ServerError):
        retrying.transcription.prerecorded({"buffer": Pipe(), "mimetype": "audio/wav"})
    assert len(mocked.calls) == 1
    assert sleeps == []


@pytest.fixture
def timeouts_sent(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The ``timeout`` of every request handed to ``requests``, in order."""
    seen: list[object] = []
    original = requests.Session.request

    def spy(self: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
        seen.append(kwargs["timeout"])
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    return seen


def test_management_and_upload_calls_get_their_own_read_timeouts(
    mocked: responses.RequestsMock, timeouts_sent: list[object]
) -> None:
    mocked.get(PROJECTS, json=OK)
    mocked.get(PROJECTS, json=OK)
    mocked.post(LISTEN, json=TRANSCRIPT, match=[matchers.query_param_matcher({"model": "nova-3"})])
    Deepgram(api_key=KEY, timeout=(4, 20)).projects.list()
    dg = Deepgram(api_key=KEY)
    dg.projects.list()
    dg.transcription.prerecorded({"url": "https://example.com/a.wav"}, model="nova-3")
    assert timeouts_sent == [(4.0, 20.0), (10.0, 60.0), (10.0, 900.0)]


def test_per_call_timeout_overrides_the_read_timeout(
    mocked: responses.RequestsMock, timeouts_sent: list[object]
) -> None:
    mocked.post(LISTEN, json=TRANSCRIPT)
    Deepgram(api_key=KEY).transcription.prerecorded({"url": "https://x.test/a.wav"}, timeout=42)
    assert timeouts_sent == [(10.0, 42.0)]


@pytest.mark.parametrize("attempt", range(8))
def test_backoff_is_capped_and_jittered(attempt: int) -> None:
    policy = RetryPolicy(max_retries=10)
    delay = policy.delay(attempt)
    assert delay is not None
    base = min(0.5 * 2**attempt, 8.0)
    assert base <= delay <= base * 1.25


def test_policy_stops_after_max_retries() -> None:
    assert RetryPolicy(max_retries=2).delay(2) is None
    assert RetryPolicy(max_retries=0).delay(0, retry_after=1) is None


def test_retries_are_logged_as_warnings(
    retrying: Deepgram,
    mocked: responses.RequestsMock,
    sleeps: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    mocked.get(PROJECTS, status=503, body="")
    mocked.get(PROJECTS, json=OK)
    with caplog.at_level("WARNING", logger="dgdata"):
        retrying.projects.list()
    assert any("retry 1 of 2" in record.getMessage() for record in caplog.records)
