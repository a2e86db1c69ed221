"""Clients that share one ``requests.Session`` each send their own key, and leave it as it was.

A caller may hand several clients one session (proxies, certificates, a mounted adapter). The
credentials must travel on each request, never in the session: written into it, every client
would send the key of whichever client was built last.
"""

from __future__ import annotations

import asyncio
import copy
import pickle
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from dgdata import Deepgram, aio, errors
from tests.client.conftest import API
from tests.live.scripted_server import ScriptedServer

PROJECTS = f"{API}/v1/projects"
KEY_A = "dgkey_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
KEY_B = "dgkey_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"


class _GatewayAdapter(requests.adapters.HTTPAdapter):
    """A caller's own adapter: the clients must keep using it and not replace it."""


@pytest.fixture
def shared() -> requests.Session:
    """A caller's session with its own header, auth and adapter, as a proxy setup would have."""
    session = requests.Session()
    session.headers["X-Team"] = "data-science"
    session.auth = requests.auth.HTTPBasicAuth("gateway", "gateway-password")
    session.mount("https://", _GatewayAdapter())
    return session


def _snapshot(session: requests.Session) -> dict[str, Any]:
    """What a client could change in a session: headers, auth, adapters and other settings."""
    return {
        "headers": dict(session.headers),
        "auth": session.auth,
        "adapters": list(session.adapters.items()),
        "proxies": dict(session.proxies),
        "params": copy.copy(session.params),
        "hooks": {name: list(hooks) for name, hooks in session.hooks.items()},
        "verify": session.verify,
        "cert": session.cert,
    }


@pytest.fixture
def mocked_projects() -> Iterator[responses.RequestsMock]:
    """``GET /v1/projects`` answered as often as it is asked."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(PROJECTS, json={"projects": []})
        yield mock


def _authorizations(mock: responses.RequestsMock) -> list[str]:
    return [call.request.headers["Authorization"] for call in mock.calls]


def test_two_clients_on_one_session_each_send_their_own_key(
    shared: requests.Session, mocked_projects: responses.RequestsMock
) -> None:
    before = _snapshot(shared)
    dg_a = Deepgram(api_key=KEY_A, session=shared)
    dg_b = Deepgram(api_key=KEY_B, session=shared)
    for dg in (dg_a, dg_b, dg_b, dg_a, dg_b, dg_a):
        dg.projects.list()
    assert _authorizations(mocked_projects) == [
        f"Token {key}" for key in (KEY_A, KEY_B, KEY_B, KEY_A, KEY_B, KEY_A)
    ]
    for call in mocked_projects.calls:
        assert call.request.headers["X-Team"] == "data-science"  # the session was used
        assert call.request.headers["User-Agent"].startswith("dgdata/")
    assert _snapshot(shared) == before
    assert dg_a.session is shared and dg_b.session is shared


def test_a_client_built_later_does_not_change_an_earlier_ones_key(
    shared: requests.Session, mocked_projects: responses.RequestsMock
) -> None:
    dg_a = Deepgram(api_key=KEY_A, session=shared)
    dg_a.projects.list()
    Deepgram(access_token=KEY_B, session=shared)  # built, never used
    dg_a.projects.list()
    assert _authorizations(mocked_projects) == [f"Token {KEY_A}"] * 2


def test_async_clients_on_one_session_each_send_their_own_key(
    shared: requests.Session, mocked_projects: responses.RequestsMock
) -> None:
    before = _snapshot(shared)

    async def main() -> None:
        dg_a = aio.Deepgram(api_key=KEY_A, session=shared)
        dg_b = aio.Deepgram(api_key=KEY_B, session=shared)
        for _ in range(3):  # concurrently: the requests interleave on worker threads
            await asyncio.gather(dg_a.projects.list(), dg_b.projects.list())
        await dg_a.close()
        await dg_b.close()

    asyncio.run(main())
    sent = _authorizations(mocked_projects)
    assert sorted(sent) == sorted([f"Token {KEY_A}", f"Token {KEY_B}"] * 3)
    assert _snapshot(shared) == before


def test_with_options_keeps_each_clients_key_on_the_shared_session(
    shared: requests.Session, mocked_projects: responses.RequestsMock
) -> None:
    dg_a = Deepgram(api_key=KEY_A, session=shared).with_options(max_retries=0)
    dg_b = Deepgram(api_key=KEY_B, session=shared).with_options(timeout=5)
    for dg in (dg_a, dg_b, dg_a):
        dg.projects.list()
    assert _authorizations(mocked_projects) == [f"Token {k}" for k in (KEY_A, KEY_B, KEY_A)]
    assert dg_a.session is shared and dg_b.session is shared


def test_pickled_clients_keep_their_own_keys(
    shared: requests.Session, mocked_projects: responses.RequestsMock
) -> None:
    dg_a = Deepgram(api_key=KEY_A, session=shared)
    dg_b = Deepgram(api_key=KEY_B, session=shared)
    clone_a, clone_b = pickle.loads(pickle.dumps((dg_a, dg_b)))
    clone_b.projects.list()
    clone_a.projects.list()
    assert _authorizations(mocked_projects) == [f"Token {KEY_B}", f"Token {KEY_A}"]
    assert clone_a.session is not shared  # the session does not travel; a clone makes its own


def test_closing_a_client_leaves_the_callers_session_open(
    shared: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[bool] = []
    monkeypatch.setattr(shared, "close", lambda: closed.append(True))
    with Deepgram(api_key=KEY_A, session=shared) as dg:
        dg.with_options(max_retries=0).close()
    assert closed == []  # the other clients on it go on using its connections


def test_the_live_handshake_of_each_client_carries_its_own_key(
    shared: requests.Session,
) -> None:
    with ScriptedServer(key=KEY_A) as server:
        dg_a = Deepgram(api_key=KEY_A, api_url=server.url, session=shared, max_retries=0)
        dg_b = Deepgram(api_key=KEY_B, api_url=server.url, session=shared, max_retries=0)
        with pytest.raises(errors.AuthenticationError):
            dg_b.transcription.live(encoding="linear16", sample_rate=16000)
        live = dg_a.transcription.live(encoding="linear16", sample_rate=16000, keep_alive=None)
        live.finish(timeout=5)
    sent = [connection.headers["authorization"] for connection in server.connections]
    assert sent == [f"Token {KEY_B}", f"Token {KEY_A}"]
    assert [connection.refused for connection in server.connections] == [401, None]
