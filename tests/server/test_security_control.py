"""The server's own safety: control routes for the owner only and never cross-site (issue 16
items 1 and 2), a private database file (item 5), expired grant tokens purged (item 12)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import requests

from dgdata.server.backend.store import PRIVATE_MODE, Store, digest, iso, utcnow
from dgdata.server.listen import callbacks
from dgdata.server.runner import LocalServer
from tests.server.audio_corpus import write_wav
from tests.server.callback_receiver import callback_outcome
from tests.server.manage_common import add_person, assert_error, raw

pytestmark = pytest.mark.integration

_EVIL = {"Origin": "http://evil.example", "Content-Type": "text/plain"}


def control(
    server: LocalServer,
    method: str,
    path: str,
    key: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    json: object = None,
    data: bytes | str | None = None,
) -> requests.Response:
    """One call to a ``/_dgdata`` route; ``key`` None sends no credential at all."""
    sent = dict(headers or {})
    if key is not None:
        sent["Authorization"] = f"Token {key}"
    return requests.request(
        method, server.url + path, headers=sent, json=json, data=data, timeout=10
    )


def made_key(server: LocalServer) -> str:
    """A fresh member key: proof of state that a reset would wipe."""
    return add_person(server, "member")[1]


def key_works(server: LocalServer, key: str) -> bool:
    return raw(server, "GET", "/v1/projects", key).status_code == 200


# --------------------------------------------------------------------------- item 1


def test_the_curl_of_item_1_is_refused_and_wipes_nothing(server: LocalServer) -> None:
    key = made_key(server)
    for path in ("/_dgdata/reset", "/_dgdata/faults"):
        response = control(server, "POST", path, headers=_EVIL, data=b"{}")
        assert_error(response, 403, "FORBIDDEN")
        # Even with the owner key: a page must not be able to send it.
        response = control(server, "POST", path, server.api_key, headers=_EVIL, data=b"{}")
        assert_error(response, 403, "FORBIDDEN")
    assert key_works(server, key), "the state was reset"
    assert server.state.faults.list() == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example", "Content-Type": "application/json"},
        {"Origin": "null", "Content-Type": "application/json"},
        {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"},
        {"Sec-Fetch-Site": "same-site", "Content-Type": "application/json"},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "multipart/form-data; boundary=x"},
        {},
    ],
)
def test_what_a_web_page_can_send_is_refused_even_with_the_owner_key(
    server: LocalServer, headers: dict[str, str]
) -> None:
    key = made_key(server)
    response = control(server, "POST", "/_dgdata/reset", server.api_key, headers=headers, data="{}")
    body = assert_error(response, 403, "FORBIDDEN")
    assert "cross-site" in body["err_msg"] or "application/json" in body["err_msg"]
    assert key_works(server, key)


def test_the_control_routes_need_the_owner_key(server: LocalServer) -> None:
    key = made_key(server)
    _, other_owner_key = add_person(server, "owner")  # another owner's key is not the server's
    for method, path in [
        ("POST", "/_dgdata/reset"),
        ("POST", "/_dgdata/faults"),
        ("GET", "/_dgdata/faults"),
        ("DELETE", "/_dgdata/faults"),
    ]:
        body = {"status": 500} if method == "POST" else None
        assert_error(control(server, method, path, json=body), 401, "INVALID_AUTH")
        assert_error(control(server, method, path, "0" * 40, json=body), 401, "INVALID_AUTH")
        assert_error(control(server, method, path, key, json=body), 403, "FORBIDDEN")
        assert_error(control(server, method, path, other_owner_key, json=body), 403, "FORBIDDEN")
    assert server.state.faults.list() == [] and key_works(server, key)


def test_the_owner_key_works_and_health_stays_open(server: LocalServer) -> None:
    key = made_key(server)
    own_origin = {"Origin": server.url, "Sec-Fetch-Site": "same-origin"}
    added = control(
        server, "POST", "/_dgdata/faults", server.api_key, json={"status": 503}, headers=own_origin
    )
    assert added.status_code == 201 and added.json()["status"] == 503
    listed = control(server, "GET", "/_dgdata/faults", server.api_key).json()["faults"]
    assert [f["status"] for f in listed] == [503]
    assert server.list_faults() == listed
    assert control(server, "DELETE", "/_dgdata/faults", server.api_key).json() == {"faults": []}
    reset = control(server, "POST", "/_dgdata/reset", server.api_key, json={})
    assert reset.status_code == 200
    assert not key_works(server, key), "a reset forgets the keys made since the start"
    assert key_works(server, server.api_key)
    health = requests.get(server.url + "/_dgdata/health", headers=_EVIL, timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok"}


def test_local_server_control_methods_send_the_owner_key(server: LocalServer) -> None:
    fault = server.inject(status=429, retry_after=1)
    assert fault["status"] == 429 and len(server.list_faults()) == 1
    server.clear_faults()
    assert server.list_faults() == []
    key = made_key(server)
    server.reset()
    assert not key_works(server, key)


# --------------------------------------------------------------------------- item 2


def _silence(folder: Path) -> bytes:
    """Half a second of 16 kHz silence, as a WAV file."""
    write_wav(folder / "silence.wav", np.zeros(8000, np.int16), 16000)
    return (folder / "silence.wav").read_bytes()


@pytest.fixture
def private_urls_server(
    deepgram_server_factory: Callable[..., LocalServer],
) -> Iterator[LocalServer]:
    """A server that may call back to loopback (as local development does)."""
    yield deepgram_server_factory(decoders=1, allow_private_urls=True)


def test_a_callback_to_the_reset_route_wipes_nothing(
    private_urls_server: LocalServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server = private_urls_server
    monkeypatch.setattr(callbacks, "BACKOFF", 0.02)  # the refusals are retried: quickly here
    member_key = made_key(server)
    response = requests.post(
        f"{server.url}/v1/listen",
        params={"callback": f"{server.url}/_dgdata/reset"},
        data=_silence(tmp_path),
        headers={"Authorization": f"Token {member_key}", "Content-Type": "audio/wav"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    request_id = response.json()["request_id"]
    row = callback_outcome(server.store, request_id, attempts=callbacks.ATTEMPTS, timeout=30)
    assert row["callback_code"] == 401  # the callback carries no owner key
    assert key_works(server, member_key), "the callback reset the server"
    assert raw(server, "GET", f"/v1/projects/{server.project_id}/requests/{request_id}").ok


# --------------------------------------------------------------------------- item 5


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_the_database_file_is_private_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    db = tmp_path / "server.db"
    old = os.umask(umask)
    try:
        with LocalServer(db=db, decoders=1) as server:
            assert key_works(server, server.api_key)  # written: the WAL file exists now
            files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
            assert all(f.exists() for f in files), files
            modes = {f.name: stat.S_IMODE(os.stat(f).st_mode) for f in files}
    finally:
        os.umask(old)
    assert modes == {f.name: PRIVATE_MODE for f in files}, modes


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    db.touch(mode=0o644)
    os.chmod(db, 0o644)
    Store(db).close()
    assert stat.S_IMODE(os.stat(db).st_mode) == PRIVATE_MODE


# --------------------------------------------------------------------------- item 12


def test_expired_grant_tokens_are_purged(server: LocalServer) -> None:
    def grant() -> str:
        response = raw(server, "POST", "/v1/auth/grant", json={"ttl_seconds": 60})
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def grants() -> int:
        return int(server.store.one("SELECT count(*) FROM grants")[0])  # type: ignore[index]

    first, second = grant(), grant()
    assert grants() == 2
    # Move the first token's clock on: it expired a second ago.
    past = iso(utcnow() - timedelta(seconds=1))
    server.store.execute(
        "UPDATE grants SET expires = ? WHERE token_sha256 = ?", (past, digest(first))
    )
    assert grants() == 2, "nothing purges before the next grant"
    third = grant()  # issuing a token purges the expired ones
    assert grants() == 2
    for token, works in [(first, False), (second, True), (third, True)]:
        status = raw(server, "POST", "/v1/read?summarize=v2", bearer=token, json={"text": "Hi."})
        assert (status.status_code != 401) is works, status.text
    # A token presented after it expired is purged too, with no grant in between.
    server.store.execute("UPDATE grants SET expires = ?", (past,))
    assert_error(raw(server, "POST", "/v1/listen", bearer=second, data=b"x"), 401)
    assert grants() == 0
