"""Failure injection and the server's own plumbing: faults, reset, request ids, runner, CLI."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time

import pytest
import requests

from dgdata import Deepgram, errors
from dgdata.server.runner import LocalServer


def auth(server: LocalServer) -> dict[str, str]:
    return {"Authorization": f"Token {server.api_key}"}


def test_every_response_has_a_request_id_matching_its_error_body(server: LocalServer) -> None:
    ok = requests.get(f"{server.url}/v1/projects", headers=auth(server), timeout=10)
    bad = requests.get(
        f"{server.url}/v1/projects", headers={"Authorization": "Token nope"}, timeout=10
    )
    missing = requests.get(f"{server.url}/v1/nothing-here", headers=auth(server), timeout=10)
    assert ok.status_code == 200 and len(ok.headers["dg-request-id"]) == 36
    assert bad.status_code == 401
    assert bad.json() == {
        "err_code": "INVALID_AUTH",
        "err_msg": "Invalid credentials.",
        "request_id": bad.headers["dg-request-id"],
    }
    assert (
        missing.status_code == 404
        and missing.json()["request_id"] == missing.headers["dg-request-id"]
    )
    assert len({ok.headers["dg-request-id"], bad.headers["dg-request-id"]}) == 2


def test_a_429_with_retry_after_is_retried_by_the_client(server: LocalServer) -> None:
    server.inject(status=429, retry_after=0.2, times=2, path="/v1/projects")
    with Deepgram(api_key=server.api_key, api_url=server.url, max_retries=3) as dg:
        started = time.monotonic()
        assert dg.projects.list()["projects"]
        elapsed = time.monotonic() - started
    assert elapsed >= 0.4, "the client waited Retry-After twice"
    assert server.state.faults.list() == [], "a fault with times=2 is spent after two hits"


def test_429_and_5xx_surface_as_typed_errors(dg: Deepgram, server: LocalServer) -> None:
    server.inject(status=429, retry_after=7)
    with pytest.raises(errors.RateLimitError) as limited:
        dg.projects.list()
    assert limited.value.retry_after == 7
    for status in (500, 503):
        server.inject(status=status)
        with pytest.raises(errors.ServerError) as failed:
            dg.projects.list()
        assert failed.value.status == status
        assert failed.value.request_id
    assert dg.projects.list()["projects"], "faults are spent; the server answers normally"


def test_faults_match_path_and_method_only(dg: Deepgram, server: LocalServer) -> None:
    server.inject(status=500, path="/v1/models", method="GET", times=None)
    assert dg.projects.list()["projects"]
    for _ in range(3):
        with pytest.raises(errors.ServerError):
            dg.models.list()
    server.clear_faults()
    assert "stt" in dg.models.list()


def test_added_latency_trips_a_client_timeout(server: LocalServer) -> None:
    server.inject(latency_ms=600)
    with (
        Deepgram(api_key=server.api_key, api_url=server.url, max_retries=0, timeout=(5, 0.2)) as dg,
        pytest.raises(errors.DeepgramTimeoutError),
    ):
        dg.projects.list()
    server.inject(latency_ms=300)
    started = time.monotonic()
    requests.get(f"{server.url}/v1/projects", headers=auth(server), timeout=10)
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("how", ["before_response", "mid_response", "after_processing"])
def test_a_dropped_connection_is_a_connection_error(
    dg: Deepgram, server: LocalServer, how: str
) -> None:
    server.inject(drop=how)
    with pytest.raises(errors.DeepgramConnectionError):
        dg.projects.list()
    assert dg.projects.list()["projects"], "the next request is served normally"


def test_a_fault_with_a_probability_hits_that_share_of_requests_reproducibly(
    server: LocalServer,
) -> None:
    def failures() -> list[bool]:
        server.clear_faults()
        server.inject(status=503, probability=0.3, seed=11, times=None, path="/v1/projects")
        codes = [
            requests.get(f"{server.url}/v1/projects", headers=auth(server), timeout=10).status_code
            for _ in range(200)
        ]
        assert set(codes) == {200, 503}
        return [code == 503 for code in codes]

    first = failures()
    assert 0.2 <= sum(first) / len(first) <= 0.4
    assert failures() == first, "the same seed fails the same requests"


def test_a_drop_after_processing_loses_the_answer_but_the_work_is_done(
    dg: Deepgram, server: LocalServer
) -> None:
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "dgdata" / "data" / "samples" / "hello.wav"
    server.inject(drop="after_processing", path="/v1/listen")
    with pytest.raises(errors.DeepgramConnectionError):
        dg.transcription.prerecorded(sample)
    logged = server.store.query("SELECT request_id FROM requests WHERE endpoint = 'listen'")
    assert len(logged) == 1, "the server transcribed (and billed) it; the client never knew"


def test_bad_fault_specs_are_refused_with_the_reason(server: LocalServer) -> None:
    for spec, reason in [
        ({}, "needs one of"),
        ({"status": 200}, "error status"),
        ({"drop": "sideways"}, "before_response"),
        ({"status": 500, "colour": "red"}, "unknown fault fields"),
        ({"status": 500, "times": 0}, "at least 1"),
        ({"status": 500, "probability": 0}, "probability"),
        ({"status": 500, "probability": 1.5}, "probability"),
    ]:
        response = requests.post(
            f"{server.url}/_dgdata/faults",
            json=spec,
            headers=auth(server),
            timeout=10,
        )
        assert response.status_code == 400
        assert reason in response.json()["err_msg"]


def test_reset_restores_the_starting_state_and_key(dg: Deepgram, server: LocalServer) -> None:
    project_id = server.project_id
    dg.projects.update(project_id, name="changed")
    server.inject(status=500, times=None, path="/v1/models")
    server.reset()
    assert server.state.faults.list() == []
    assert dg.projects.list()["projects"][0]["name"] == "dgdata local"
    assert server.project_id and server.api_key, "the same key keeps working after a reset"


def test_a_fixed_key_survives_a_restart_on_a_database_file(tmp_path) -> None:
    db = tmp_path / "state.sqlite"
    key = "a" * 40
    with LocalServer(db=db, api_key=key) as first:
        with Deepgram(api_key=key, api_url=first.url) as dg:
            dg.projects.update(first.project_id, name="kept")
        project_id = first.project_id
    with LocalServer(db=db, api_key=key) as second, Deepgram(api_key=key, api_url=second.url) as dg:
        assert second.project_id == project_id
        assert dg.projects.get(project_id)["name"] == "kept"
        keys = dg.keys.list(project_id)["api_keys"]
        assert len(keys) == 1, "restarting with the same key does not mint another"
    secrets_on_disk = (
        db.read_bytes() + (tmp_path / "state.sqlite-wal").read_bytes()
        if (tmp_path / "state.sqlite-wal").exists()
        else db.read_bytes()
    )
    assert key.encode() not in secrets_on_disk, "only the key's hash is stored"


def test_the_runner_reports_its_url_and_stops(tmp_path) -> None:
    server = LocalServer()
    assert not server.running and "stopped" in repr(server)
    server.start()
    try:
        assert server.running and server.url.startswith("http://127.0.0.1:")
        assert server.ws_url == "ws" + server.url[4:]
        assert requests.get(server.url + "/_dgdata/health", timeout=10).json() == {"status": "ok"}
        with pytest.raises(RuntimeError):
            server.start()
    finally:
        server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/_dgdata/health", timeout=2)


def test_dgdata_serve_prints_a_url_and_a_key_that_work() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "dgdata", "serve", "--port", "0", "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = iter(process.stdout.readline, "")
        printed = list(itertools.takewhile(lambda line: "Ctrl+C" not in line, lines))
        settings = dict(line.strip().split("=", 1) for line in printed[:4] if "=" in line)
        url, key = settings["DEEPGRAM_API_URL"], settings["DEEPGRAM_API_KEY"]
        with Deepgram(api_key=key, api_url=url) as dg:
            assert [p["name"] for p in dg.projects.list()["projects"]] == ["dgdata local"]
        demo = [line for line in printed if line.startswith("  demo project ")]
        assert len(demo) == 3, "--demo seeds three projects, and prints a key for each"
        for line in demo:
            project_id, demo_key = line.split()[2], line.rsplit("=", 1)[1].strip()
            with Deepgram(api_key=demo_key, api_url=url) as dg:
                [project] = dg.projects.list()["projects"]
                assert project["project_id"] == project_id and project["name"] in line
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode in (0, -15)


def test_dgdata_serve_explains_a_busy_port() -> None:
    with LocalServer() as busy:
        result = subprocess.run(
            [sys.executable, "-m", "dgdata", "serve", "--port", str(busy.port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert "Pick another --port" in result.stderr


def test_an_error_echoing_non_ascii_input_is_still_a_400(server: LocalServer) -> None:
    response = requests.get(
        f"{server.url}/v1/models", params={"include_outdated": "jä"}, headers=auth(server),
        timeout=10,
    )  # fmt: skip
    assert response.status_code == 400
    assert "include_outdated" in response.json()["err_msg"]
    assert response.headers["dg-error"].isascii()


def test_the_dg_error_header_is_always_a_value_h11_will_send() -> None:
    """h11 refuses newlines and spaces at either end of a value: the answer would be dropped."""
    from dgdata.server.app import _error_response
    from dgdata.server.errors import ApiError

    for message in ("could not fetch: [Errno -2] Name ", "two\r\nInjected: 1", " jä\t"):
        response = _error_response("rid", ApiError(400, "Bad Request", message))
        header = response.headers["dg-error"]
        assert header == header.strip() and header.isascii() and "\n" not in header
        assert response.status_code == 400


def test_answers_on_a_kept_alive_connection_are_not_held_by_delayed_acks(
    server: LocalServer,
) -> None:
    """A socket made without IPPROTO_TCP gets no TCP_NODELAY from asyncio: +40 ms a request."""
    import socket
    import statistics

    assert server._sock.proto == socket.IPPROTO_TCP
    with requests.Session() as session:
        times = []
        for _ in range(15):
            started = time.perf_counter()
            session.get(f"{server.url}/v1/projects", headers=auth(server), timeout=10)
            times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.025, times
