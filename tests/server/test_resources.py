"""What ``dgdata serve`` costs the machine: its children die with it (issue 16, item 11) and an
upload of any size grows it by a bounded amount (item 9).

Each test runs a real ``dgdata serve`` process and looks at it from outside (``psutil``).
"""

from __future__ import annotations

import functools
import http.server
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import psutil
import pytest
import requests

from dgdata.server.listen.prerecorded import CORRUPT_AUDIO
from tests.server.audio_corpus import recorded

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]  # each takes 2 to 15 s


@dataclass
class Served:
    """A ``dgdata serve`` subprocess, its base URL and owner key."""

    process: subprocess.Popen[str]
    url: str
    key: str

    def post_audio(
        self, body: bytes | BinaryIO, query: str = "", timeout: float = 60
    ) -> requests.Response:
        return requests.post(
            f"{self.url}/v1/listen{query}",
            data=body,
            headers={"Authorization": f"Token {self.key}"},
            timeout=timeout,
        )

    def family(self) -> list[psutil.Process]:
        """The server and every process below it."""
        server = psutil.Process(self.process.pid)
        return [server, *server.children(recursive=True)]


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    """``dgdata serve --port 0`` in a subprocess, stopped (if still alive) after the test;
    more options by indirect parametrisation (``["--allow-private-urls"]``)."""
    flags = list(getattr(request, "param", []))
    process = subprocess.Popen(
        [sys.executable, "-m", "dgdata", "serve", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        settings = dict(line.strip().split("=", 1) for line in lines if "=" in line)
        yield Served(process, settings["DEEPGRAM_API_URL"], settings["DEEPGRAM_API_KEY"])
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


def test_the_recogniser_processes_die_with_a_killed_server(served: Served) -> None:
    clip = recorded("my phone battery is almost empty")
    answer = served.post_audio(clip.path.read_bytes())
    assert answer.status_code == 200, answer.text
    children = psutil.Process(served.process.pid).children(recursive=True)
    names = [" ".join(child.cmdline()) for child in children]
    assert any("resource_tracker" in name for name in names), names
    assert len(children) >= 2, "a recogniser worker and the resource tracker"
    os.kill(served.process.pid, signal.SIGKILL)
    served.process.wait(timeout=10)
    killed = time.monotonic()
    gone, alive = psutil.wait_procs(children, timeout=5)
    took = time.monotonic() - killed
    assert not alive, f"still running 5 s after the server was killed: {alive}"
    assert len(gone) == len(children)
    print(f"\n{len(children)} children of the killed server exited within {took:.2f} s")


def _reset_peaks(processes: list[psutil.Process]) -> None:
    """Set each process's peak resident size (``VmHWM``) back to its current size (Linux)."""
    for process in processes:
        with open(f"/proc/{process.pid}/clear_refs", "w") as clear:
            clear.write("5")


def _peak_bytes(process: psutil.Process) -> int:
    with open(f"/proc/{process.pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for {process.pid}")


def _growth_while(
    served: Served, work: Callable[[], requests.Response]
) -> tuple[int, requests.Response]:
    """How far the server and its children grew above their resident size while ``work`` ran
    (the sum of each one's peak minus its size before), and ``work``'s answer."""
    family = served.family()
    before = {process.pid: process.memory_info().rss for process in family}
    _reset_peaks(family)
    answer = work()
    assert {process.pid for process in served.family()} == set(before), "no new process"
    return sum(_peak_bytes(process) - before[process.pid] for process in family), answer


def _uploads_left() -> set[str]:
    return {name for name in os.listdir(tempfile.gettempdir()) if name.startswith("dgdata-upload-")}


@pytest.fixture
def warm(served: Served) -> Served:
    """The server after one recording: its recogniser's worker is running."""
    answer = served.post_audio(recorded("my phone battery is almost empty").path.read_bytes())
    assert answer.status_code == 200, answer.text
    return served


def _write_noise(path: Path, header: bytes = b"") -> None:
    """200 MB of linear16 (104 minutes of faint noise at 16 kHz) after ``header``."""
    rng = np.random.default_rng(7)
    with path.open("wb") as file:
        file.write(header)
        for _ in range(100):
            file.write(rng.integers(-3, 4, 1 << 20, dtype=np.int16).astype("<i2").tobytes())


def test_a_200_mb_upload_grows_the_server_by_at_most_64_mb(warm: Served, tmp_path: Path) -> None:
    """Issue 16, item 9: spooled to disk, decoded and recognised block by block."""
    left = _uploads_left()
    noise = tmp_path / "noise.raw"
    _write_noise(noise)
    started = time.monotonic()

    def upload() -> requests.Response:
        with noise.open("rb") as body:
            return warm.post_audio(body, "?encoding=linear16&sample_rate=16000", timeout=120)

    growth, answer = _growth_while(warm, upload)
    took = time.monotonic() - started
    print(f"\n200 MB linear16: +{growth / 2**20:.1f} MB resident at peak, {took:.1f} s")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["metadata"]["duration"] == pytest.approx(100 * (1 << 20) / 16000)
    assert body["results"]["channels"][0]["alternatives"][0]["transcript"] == ""
    assert growth <= 64 * 2**20, f"grew {growth / 2**20:.1f} MB"
    assert _uploads_left() == left, "the spooled upload was deleted"


def test_a_100_mb_garbage_upload_is_refused_without_holding_it(warm: Served) -> None:
    """Issue 16, item 9: not audio, refused with Deepgram's 400, and never all in memory."""
    left = _uploads_left()
    garbage = np.random.default_rng(3).integers(0, 256, 100 << 20, dtype=np.uint8).tobytes()
    growth, answer = _growth_while(warm, lambda: warm.post_audio(garbage, timeout=120))
    print(f"\n100 MB of garbage: +{growth / 2**20:.1f} MB resident at peak")
    assert answer.status_code == 400
    assert answer.json()["err_msg"] == CORRUPT_AUDIO
    assert growth <= 32 * 2**20, f"grew {growth / 2**20:.1f} MB"
    assert _uploads_left() == left, "the spooled upload was deleted"


@pytest.mark.parametrize("served", [["--allow-private-urls"]], indirect=True)
def test_a_200_mb_recording_fetched_from_a_url_grows_the_server_by_at_most_64_mb(
    warm: Served, tmp_path: Path
) -> None:
    """Issue 16, item 9, for ``{"url": ...}``: the download is spooled like an upload."""
    samples = 100 * (1 << 20)
    header = b"RIFF" + struct.pack("<I", 36 + 2 * samples) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    header += b"data" + struct.pack("<I", 2 * samples)
    _write_noise(tmp_path / "noise.wav", header)
    left = _uploads_left()
    handler = functools.partial(_QuietFiles, directory=str(tmp_path))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as files:
        threading.Thread(target=files.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{files.server_address[1]}/noise.wav"

        def fetch() -> requests.Response:
            return requests.post(
                f"{warm.url}/v1/listen",
                json={"url": url},
                headers={"Authorization": f"Token {warm.key}"},
                timeout=120,
            )

        try:
            growth, answer = _growth_while(warm, fetch)
        finally:
            files.shutdown()
    print(f"\n200 MB WAV from a URL: +{growth / 2**20:.1f} MB resident at peak")
    assert answer.status_code == 200, answer.text
    assert answer.json()["metadata"]["duration"] == pytest.approx(samples / 16000)
    assert growth <= 64 * 2**20, f"grew {growth / 2**20:.1f} MB"
    assert _uploads_left() == left, "the download was deleted"


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    """Serves the test's folder without logging each request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        return None
