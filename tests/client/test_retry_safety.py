"""Nothing is sent twice: which failures are retried depends on the method (issue 16, item 13).

Idempotent methods are retried after any connection error and after 408, 429 and 5xx; ``POST``
and ``PATCH`` only when the request provably never reached the server (a connect error) or the
server says it did nothing (408, 429). Checked against the real local server, whose
``after_processing`` fault does the work and then cuts the connection before the answer, and
with ``responses`` for the whole method × failure matrix (the sync and the awaitable client).
"""

from __future__ import annotations

import asyncio
import http.client
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import (
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
)

from dgdata import Deepgram, aio, errors
from dgdata.server.runner import LocalServer
from tests.client.conftest import API, KEY

# --- against the local server ---------------------------------------------------------------


@pytest.fixture
def retrying(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deepgram]:
    """A client of the local server that retries (the suite's ``dg`` does not), never sleeping."""
    monkeypatch.setattr("dgdata._http.time.sleep", lambda seconds: None)
    with Deepgram(api_key=server.api_key, api_url=server.url, max_retries=2) as client:
        yield client


def key_ids(dg: Deepgram, project_id: str) -> set[str]:
    return {item["api_key"]["api_key_id"] for item in dg.keys.list(project_id)["api_keys"]}


def test_a_key_creation_whose_answer_is_lost_is_not_sent_again(
    retrying: Deepgram, server: LocalServer
) -> None:
    before = key_ids(retrying, server.project_id)
    server.inject(drop="after_processing", method="POST", path="/v1/projects")

    with pytest.raises(errors.DeepgramConnectionError) as caught:
        retrying.keys.create(server.project_id, "sent once", ["member"])

    created = key_ids(retrying, server.project_id) - before
    assert len(created) == 1, "the server made the key; the client did not make a second one"
    message = str(caught.value)
    assert "Not retried" in message and "may have processed" in message
    assert "list the project's keys" in message
    assert caught.value.retryable is False
    assert server.api_key not in message


def test_a_get_whose_answer_is_lost_is_sent_again_and_succeeds(
    retrying: Deepgram, server: LocalServer
) -> None:
    server.inject(drop="after_processing", method="GET", path="/v1/projects")
    projects = retrying.projects.list()["projects"]
    assert [p["project_id"] for p in projects] == [server.project_id]
    assert server.list_faults() == [], "the fault was hit (and spent) by the first attempt"


def test_a_503_on_post_is_not_retried_and_a_429_is(retrying: Deepgram, server: LocalServer) -> None:
    before = key_ids(retrying, server.project_id)
    server.inject(status=503, method="POST", path="/v1/projects")
    with pytest.raises(errors.ServerError) as caught:
        retrying.keys.create(server.project_id, "not again after a 503", ["member"])
    assert caught.value.retryable is False
    assert key_ids(retrying, server.project_id) == before

    server.inject(status=429, retry_after=0.01, times=2, method="POST", path="/v1/projects")
    retrying.keys.create(server.project_id, "after two 429s", ["member"])
    assert len(key_ids(retrying, server.project_id) - before) == 1
    assert server.list_faults() == [], "both 429s were met, then the third try went through"


def closed_loopback_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_post_that_could_not_connect_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("dgdata._http.time.sleep", waits.append)
    url = f"http://127.0.0.1:{closed_loopback_port()}"
    with Deepgram(api_key=KEY, api_url=url, max_retries=3) as client:
        attempts: list[str] = []
        send = client.session.request

        def counted(method: str, target: str, **kwargs: Any) -> requests.Response:
            attempts.append(method)
            return send(method, target, **kwargs)

        monkeypatch.setattr(client.session, "request", counted)
        with pytest.raises(errors.DeepgramConnectionError, match="refused") as caught:
            client.keys.create("p1", "never arrives", ["member"])
    assert attempts == ["POST"] * 4, "nothing was sent, so every retry was safe"
    assert len(waits) == 3
    assert caught.value.retryable is True
    assert "may have processed" not in str(caught.value)


# --- the method x failure matrix, with responses ---------------------------------------------

PATH = "/v1/projects/p1/things"


def refused() -> Exception:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, API, reason=reason))  # type: ignore[arg-type]


def unresolved() -> Exception:
    reason = NameResolutionError("api.deepgram.com", None, OSError("Name or service not known"))  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, API, reason=reason))  # type: ignore[arg-type]


def dropped() -> Exception:
    lost = http.client.RemoteDisconnected("Remote end closed connection without response")
    return requests.ConnectionError(ProtocolError("Connection aborted.", lost))


#: failure -> (how responses gives it, retried for POST/PATCH?)
FAILURES: dict[str, tuple[Any, bool]] = {
    "connection-refused": (refused, True),
    "dns-failure": (unresolved, True),
    "connect-timeout": (lambda: requests.ConnectTimeout("connect timed out"), True),
    "read-timeout": (lambda: requests.ReadTimeout("read timed out"), False),
    "dropped-after-sending": (dropped, False),
    "cut-mid-answer": (lambda: requests.exceptions.ChunkedEncodingError("cut"), False),
    "plain-connection-error": (lambda: requests.ConnectionError("reset by peer"), False),
    "408": (408, True),
    "429": (429, True),
    "429-retry-after": ((429, "1"), True),
    "500": (500, False),
    "502": (502, False),
    "503": (503, False),
    "504": (504, False),
}
METHODS = {"GET": True, "HEAD": True, "OPTIONS": True, "PUT": True, "DELETE": True}
METHODS |= {"POST": False, "PATCH": False}


def register_failure(mocked: responses.RequestsMock, method: str, failure: Any) -> None:
    if callable(failure):
        mocked.add(method, API + PATH, body=failure())
        return
    status, after = failure if isinstance(failure, tuple) else (failure, None)
    headers = {"Retry-After": after} if after else {}
    register_answer(mocked, method, status, headers)


def register_answer(
    mocked: responses.RequestsMock, method: str, status: int, headers: dict[str, str]
) -> None:
    """An answer with a JSON body (none for HEAD, which may not carry one)."""
    body = "" if method == "HEAD" else '{"err_msg": "injected"}'
    mocked.add(method, API + PATH, status=status, body=body, headers=headers)


@pytest.mark.parametrize("failure", FAILURES, ids=str)
@pytest.mark.parametrize("method", METHODS, ids=str)
def test_what_is_sent_again_depends_on_the_method_and_the_failure(
    mocked: responses.RequestsMock, sleeps: list[float], method: str, failure: str
) -> None:
    how, safe_for_post = FAILURES[failure]
    expected = METHODS[method] or safe_for_post
    register_failure(mocked, method, how)
    with Deepgram(api_key=KEY, max_retries=2) as client:
        if expected:
            register_answer(mocked, method, 200, {})
            response = client._transport.request(method, PATH, json={"n": 1})
            assert response.status_code == 200
            assert len(mocked.calls) == 2 and len(sleeps) == 1
        else:
            with pytest.raises(errors.DeepgramError) as caught:
                client._transport.request(method, PATH, json={"n": 1})
            assert len(mocked.calls) == 1 and sleeps == []
            assert getattr(caught.value, "retryable", None) is False, "do not retry it yourself"


@pytest.mark.parametrize("failure", ["read-timeout", "dropped-after-sending", "cut-mid-answer"])
def test_a_lost_answer_to_a_post_says_what_to_check(
    mocked: responses.RequestsMock, sleeps: list[float], failure: str
) -> None:
    mocked.add("POST", f"{API}/v1/projects/p1/keys", body=FAILURES[failure][0]())
    client = Deepgram(api_key=KEY, max_retries=2)
    with pytest.raises(errors.DeepgramConnectionError) as caught:
        client.keys.create("p1", "one", ["member"])
    assert "may have processed" in str(caught.value)
    assert "list the project's keys (dg.keys.list) before creating another" in str(caught.value)
    assert KEY not in str(caught.value)


def test_a_transcription_follows_the_same_rule(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.add("POST", f"{API}/v1/listen", status=502, body="bad gateway")
    mocked.add("POST", f"{API}/v1/listen", body=dropped())
    with Deepgram(api_key=KEY, max_retries=2) as client:
        with pytest.raises(errors.ServerError):
            client.transcription.prerecorded({"url": "https://example.com/a.wav"})
        with pytest.raises(errors.DeepgramConnectionError, match="usage log") as caught:
            client.transcription.prerecorded(b"RIFF\0\0\0\0WAVEfmt " + bytes(64))
    assert "already have been received and billed" in str(caught.value)
    assert len(mocked.calls) == 2 and sleeps == []


def test_the_awaitable_client_follows_the_same_rule(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.add("POST", f"{API}/v1/projects/p1/keys", body=dropped())
    mocked.add("GET", f"{API}/v1/projects/p1/keys", body=dropped())
    mocked.add("GET", f"{API}/v1/projects/p1/keys", json={"api_keys": []})

    async def scenario() -> dict[str, Any]:
        async with aio.Deepgram(api_key=KEY, max_retries=2) as client:
            with pytest.raises(errors.DeepgramConnectionError, match="may have processed"):
                await client.keys.create("p1", "one", ["member"])
            listed: dict[str, Any] = await client.keys.list("p1")
            return listed

    assert asyncio.run(scenario()) == {"api_keys": []}
    assert [call.request.method for call in mocked.calls] == ["POST", "GET", "GET"]
    assert len(sleeps) == 1
