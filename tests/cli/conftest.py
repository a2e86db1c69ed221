"""Fixtures for the command-line tests, on the demo server of ``tests/conftest.py``.

The commands read ``DEEPGRAM_API_KEY`` / ``DEEPGRAM_API_URL`` like any user's shell would;
``api_env`` sets them (the autouse fixture of ``tests/conftest.py`` clears them otherwise).
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from dgdata.server.runner import LocalServer

SAMPLES = Path(__file__).resolve().parents[2] / "dgdata" / "data" / "samples"
#: What the local recogniser hears in each sample (no smart_format: numbers as words).
SAMPLE_TEXTS = {
    "hello.wav": "hello this is a speech test",
    "callback.wav": "please call me back tonight",
    "students.wav": "there are twenty five students",
}


@pytest.fixture
def api_env(demo_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    """The environment a user would set for the server; returns the server."""
    monkeypatch.setenv("DEEPGRAM_API_URL", demo_server.url)
    monkeypatch.setenv("DEEPGRAM_API_KEY", demo_server.api_key)
    return demo_server


@pytest.fixture
def recordings(tmp_path: Path) -> Path:
    """A folder with the three sample recordings and an empty file that is not one."""
    folder = tmp_path / "calls"
    folder.mkdir()
    for name in SAMPLE_TEXTS:
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "empty.wav").write_bytes(b"")
    return folder


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One transcript cache for the module: the samples are recognised once, not per test."""
    return tmp_path_factory.mktemp("transcripts-cache")


@pytest.fixture
def closed_url() -> str:
    """The URL of a loopback port nothing listens on (connections are refused at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def one_line_error(err: str) -> str:
    """The stderr of a command that failed cleanly: no traceback, and its last line."""
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert lines, "nothing on stderr"
    return lines[-1]
