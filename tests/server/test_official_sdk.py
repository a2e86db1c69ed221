"""The official Deepgram Python SDK (7.x) against the local server: proof that it speaks the
real wire protocol, not just dgdata's reading of it.

The SDK is pointed at the server through its environment override (``DeepgramClientEnvironment``
with ``base`` for REST and ``production`` for the WebSocket), as ``../shared/api/WIRE.md`` and
the SDK's own docs describe. ``max_retries=0`` keeps error paths fast.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from deepgram import DeepgramClient
from deepgram.core.api_error import ApiError
from deepgram.environment import DeepgramClientEnvironment

from dgdata.server.runner import LocalServer
from tests.server.audio_corpus import Clip, synthesize_one, wer

pytestmark = pytest.mark.integration

TEXT = "please call me back when you get home tonight"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthesize_one(TEXT, tmp_path_factory.mktemp("sdk") / "callback.wav").path


def official_client(server: LocalServer, api_key: str | None = None) -> DeepgramClient:
    environment = DeepgramClientEnvironment(
        base=server.url, production=server.ws_url, agent=server.ws_url, agent_rest=server.url
    )
    return DeepgramClient(api_key=api_key or server.api_key, environment=environment, max_retries=0)


@pytest.fixture
def sdk(server: LocalServer) -> DeepgramClient:
    return official_client(server)


@pytest.fixture(scope="module")
def file_host(clip: Path) -> Iterator[str]:
    """A plain HTTP server on loopback serving the clip, for URL sources."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(clip.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/{clip.name}"
    httpd.shutdown()
    httpd.server_close()


def test_projects_are_listed(sdk: DeepgramClient, server: LocalServer) -> None:
    projects = sdk.manage.v1.projects.list().projects or []
    assert [p.project_id for p in projects] == [server.project_id]
    assert sdk.manage.v1.projects.get(server.project_id).name == "dgdata local"


def test_keys_are_created_listed_and_deleted(sdk: DeepgramClient, server: LocalServer) -> None:
    keys = sdk.manage.v1.projects.keys
    created = keys.create(server.project_id, request={"comment": "sdk key", "scopes": ["member"]})
    assert created.key and len(created.key) == 40
    listed = keys.list(server.project_id).api_keys or []
    ids = {item.api_key.api_key_id for item in listed if item.api_key}
    assert created.api_key_id in ids
    # The new key works, then stops working once deleted.
    assert official_client(server, created.key).manage.v1.projects.list().projects
    keys.delete(server.project_id, created.api_key_id)
    with pytest.raises(ApiError) as raised:
        official_client(server, created.key).manage.v1.projects.list()
    assert raised.value.status_code == 401
    assert raised.value.body["err_code"] == "INVALID_AUTH"


def test_prerecorded_file_and_url_are_transcribed(
    sdk: DeepgramClient, server: LocalServer, clip: Path, file_host: str
) -> None:
    media = sdk.listen.v1.media
    from_file = media.transcribe_file(request=clip.read_bytes(), model="nova-3", smart_format=True)
    from_url = media.transcribe_url(url=file_host, model="nova-3", tag=["sdk"])
    for response in (from_file, from_url):
        transcript = response.results.channels[0].alternatives[0].transcript
        assert wer(TEXT, transcript) <= 0.2, transcript
        assert response.metadata.duration == pytest.approx(Clip(TEXT, clip).duration, abs=0.05)
    requests = sdk.manage.v1.projects.requests.list(server.project_id, limit=10).requests or []
    assert {r.request_id for r in requests} >= {
        from_file.metadata.request_id,
        from_url.metadata.request_id,
    }


def test_usage_requests_are_listed(sdk: DeepgramClient, server: LocalServer, clip: Path) -> None:
    response = sdk.listen.v1.media.transcribe_file(request=clip.read_bytes(), model="nova-3")
    listed = sdk.manage.v1.projects.requests.list(server.project_id).requests or []
    assert [r.request_id for r in listed][:1] == [response.metadata.request_id]
    one = sdk.manage.v1.projects.requests.get(server.project_id, response.metadata.request_id)
    assert one.request is not None and one.request.request_id == response.metadata.request_id


def test_a_live_stream_is_transcribed(sdk: DeepgramClient, clip: Path) -> None:
    audio = clip.read_bytes()[44:]  # 16 kHz mono linear16 after the WAV header
    finals: list[str] = []
    kinds: list[str] = []
    with sdk.listen.v1.connect(
        model="nova-3", encoding="linear16", sample_rate=16000, interim_results=True
    ) as socket:
        for start in range(0, len(audio), 3200):
            socket.send_media(audio[start : start + 3200])
        socket.send_keep_alive()
        socket.send_close_stream()
        deadline = time.monotonic() + 30
        for message in socket:
            kind = getattr(message, "type", None) or type(message).__name__
            kinds.append(str(kind))
            if kind == "Results" and message.is_final:
                finals.append(message.channel.alternatives[0].transcript)
            assert time.monotonic() < deadline
    assert "Metadata" in kinds
    assert wer(TEXT, " ".join(f for f in finals if f)) <= 0.2, finals


def test_a_wrong_key_is_rejected_like_the_real_api(server: LocalServer) -> None:
    with pytest.raises(ApiError) as raised:
        official_client(server, "0" * 40).manage.v1.projects.list()
    assert raised.value.status_code == 401
    assert raised.value.body == {
        "err_code": "INVALID_AUTH",
        "err_msg": "Invalid credentials.",
        "request_id": raised.value.headers["dg-request-id"],
    }
