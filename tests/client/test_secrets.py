"""The API key and access token never appear in a repr, str, log record or exception."""

from __future__ import annotations

import logging
import pickle
import socket
import traceback

import pytest
import responses

from dgdata import Deepgram, errors
from tests.client.conftest import API, KEY

PROJECTS = f"{API}/v1/projects"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.secret-token-payload.signature"


def _everything_printable(error: BaseException) -> str:
    """All the text a person could see from an exception, its chain and its request/response."""
    parts = ["".join(traceback.format_exception(type(error), error, error.__traceback__))]
    seen: BaseException | None = error
    while seen is not None:
        parts += [repr(seen), str(seen), repr(vars(seen))]
        request = getattr(seen, "request", None)
        if request is not None:
            parts.append(repr(dict(request.headers)))
        response = getattr(seen, "response", None)
        if response is not None and getattr(response, "request", None) is not None:
            parts.append(repr(dict(response.request.headers)))
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


@pytest.mark.parametrize("secret", [KEY, TOKEN])
def test_client_reprs_hide_the_secret(secret: str) -> None:
    dg = Deepgram(access_token=secret) if secret == TOKEN else Deepgram(api_key=secret)
    shown = [
        repr(dg),
        str(dg),
        repr(dg.config),
        str(dg.config.credential),
        repr(vars(dg)),
        repr(dg.session.auth),
        repr(dict(dg.session.headers)),
        repr(vars(dg.session)),
        repr(dg.projects),
        repr(vars(dg._transport)),
    ]
    for text in shown:
        assert secret not in text


def test_logs_at_debug_never_contain_the_key(
    mocked: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("dgdata._http.time.sleep", lambda _: None)
    dg = Deepgram(api_key=KEY, max_retries=1)
    mocked.get(PROJECTS, status=503, body="")
    mocked.get(PROJECTS, json={"projects": []})
    with caplog.at_level(logging.DEBUG):
        dg.projects.list()
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /v1/projects" in text  # something was logged
    assert KEY not in text


def test_api_errors_never_carry_the_key(mocked: responses.RequestsMock) -> None:
    dg = Deepgram(api_key=KEY, max_retries=0)
    mocked.get(PROJECTS, status=401, json={"err_msg": "Invalid credentials."})
    with pytest.raises(errors.AuthenticationError) as caught:
        dg.projects.list()
    assert KEY not in _everything_printable(caught.value)
    assert caught.value.request.headers["Authorization"] == "Token ***"


def test_connection_errors_never_carry_the_key() -> None:
    with socket.socket() as probe:  # a port nobody listens on: a real "connection refused"
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dg = Deepgram(access_token=TOKEN, api_url=f"http://127.0.0.1:{port}", max_retries=0)
    with pytest.raises(errors.DeepgramConnectionError) as caught:
        dg.projects.list()
    printable = _everything_printable(caught.value)
    assert "refused" in printable.lower()
    assert "Bearer ***" in printable  # the chained requests error kept a redacted request
    assert TOKEN not in printable


def test_the_real_header_is_still_sent(mocked: responses.RequestsMock) -> None:
    mocked.get(PROJECTS, json={"projects": []})
    Deepgram(api_key=KEY).projects.list()
    assert mocked.calls[0].request.headers["Authorization"] == f"Token {KEY}"


def test_pickled_errors_carry_no_key(mocked: responses.RequestsMock) -> None:
    mocked.get(PROJECTS, status=403, json={"err_msg": "no scope"})
    with pytest.raises(errors.PermissionDeniedError) as caught:
        Deepgram(api_key=KEY).projects.list()
    assert KEY.encode() not in pickle.dumps(caught.value)


def test_key_is_not_sent_to_another_host_on_redirect(mocked: responses.RequestsMock) -> None:
    mocked.get(PROJECTS, status=302, headers={"Location": "https://elsewhere.example/v1/projects"})
    mocked.get("https://elsewhere.example/v1/projects", json={"projects": []})
    Deepgram(api_key=KEY).projects.list()
    assert "Authorization" not in mocked.calls[1].request.headers


def test_no_session_holds_the_key(mocked: responses.RequestsMock) -> None:
    """The key goes on each request; neither the client's own session nor a given one keeps it."""
    import requests

    mocked.get(PROJECTS, json={"projects": []})
    given = requests.Session()
    for dg in (Deepgram(api_key=KEY), Deepgram(api_key=KEY, session=given)):
        dg.projects.list()
        assert dg.session.auth is None
        assert KEY not in repr(dict(dg.session.headers))
    assert [call.request.headers["Authorization"] for call in mocked.calls] == [f"Token {KEY}"] * 2
