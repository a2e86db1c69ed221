"""``dgdata lab``: JupyterLab really starts, wired to the local server, and stops cleanly.

The end-to-end tests run ``python -m dgdata lab`` in a subprocess (it needs its own main thread
for signals), poll JupyterLab's ``/api/status``, read the environment of JupyterLab and of a
kernel it starts from ``/proc`` (Linux), then stop it the ways a user would.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from dgdata.cli import lab as _cli_lab
from dgdata.cli import main

needs_proc = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="reads process environments from /proc"
)
needs_jupyterlab = pytest.mark.skipif(
    importlib.util.find_spec("jupyterlab") is None, reason="jupyterlab is not installed"
)
TOKEN = "dgdata-test-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if value := check():
                return value
        except (OSError, requests.RequestException, KeyError, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def _stat(pid: int) -> tuple[str, int]:
    """A process's state letter and parent pid, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    try:
        return _stat(pid)[0] != "Z"
    except (OSError, IndexError):
        return False


def _ended(pid: int) -> bool:
    return not _alive(pid)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _stat(int(entry.name))[1] == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return found


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _environ(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode().split("=", 1) for p in pairs if b"=" in p)


@dataclass
class Lab:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    notebooks: Path

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = f"http://127.0.0.1:{self.port}{path}"
        return requests.request(method, url, params={"token": TOKEN}, timeout=5, **kwargs)

    def jupyter_pid(self) -> int:
        (pid,) = [p for p in _children(self.process.pid) if "jupyterlab" in _cmdline(p)]
        return pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """``dgdata lab`` in a subprocess (its own session, as a terminal would run it), ready."""
    port = _free_port()
    notebooks = tmp_path / "nbs"
    jupyter = [f"--IdentityProvider.token={TOKEN}"]
    if os.geteuid() == 0:  # JupyterLab refuses to run as root without it (containers, CI)
        jupyter.append("--allow-root")
    command = [sys.executable, "-m", "dgdata", "lab", "--no-browser", "--port", str(port)]
    command += ["--notebooks", str(notebooks), "--", *jupyter]
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),  # nothing of the user's
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
    }
    log = tmp_path / "lab.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
            start_new_session=True,
        )  # fmt: skip
    started = Lab(process, port, log, notebooks)
    try:
        _wait_for(
            lambda: process.poll() is not None or started.api("GET", "/api/status").ok,
            60,
            "JupyterLab's /api/status",
        )
        assert process.poll() is None, started.output()
        yield started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@needs_proc
@needs_jupyterlab
@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm-to-dgdata"], ids=["ctrl-c", "kill"])
def test_lab_wires_jupyter_and_its_kernels_to_the_local_server_and_stops_both(
    lab: Lab, stop: str
) -> None:
    assert lab.notebooks.is_dir() and "created" in lab.output()
    jupyter = lab.jupyter_pid()
    env = _environ(jupyter)
    url, key = env["DEEPGRAM_API_URL"], env["DEEPGRAM_API_KEY"]
    assert url.startswith("http://127.0.0.1:")
    assert f"DEEPGRAM_API_URL={url}" in lab.output()
    assert key not in lab.output()  # the key goes to the child's environment, not the screen
    projects = requests.get(
        f"{url}/v1/projects", headers={"Authorization": f"Token {key}"}, timeout=5
    ).json()["projects"]
    assert "Demo — Support calls" in {p["name"] for p in projects}
    keys = env["DEEPGRAM_API_KEYS"].split(",")  # a key per demo project, for 01 and 04
    assert len(keys) == 3 and keys[0] == key and not any(k in lab.output() for k in keys)
    # a kernel, as a notebook would start one, sees the same server
    assert lab.api("POST", "/api/kernels", json={"name": "python3"}).status_code == 201
    kernel = _wait_for(
        lambda: [p for p in _children(jupyter) if "ipykernel" in _cmdline(p)], 30, "a kernel"
    )[0]
    assert _environ(kernel)["DEEPGRAM_API_URL"] == url
    assert _environ(kernel)["DEEPGRAM_API_KEY"] == key

    if stop == "ctrl-c":  # the terminal sends SIGINT to the whole foreground group
        os.killpg(lab.process.pid, signal.SIGINT)
    else:
        lab.process.send_signal(signal.SIGTERM)
    assert lab.process.wait(timeout=30) == 0, lab.output()
    assert "stopped JupyterLab and the local server" in lab.output()
    for pid in (jupyter, kernel):
        _wait_for(functools.partial(_ended, pid), 10, f"process {pid} to end")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/v1/projects", timeout=2)
    with pytest.raises(requests.ConnectionError):
        lab.api("GET", "/api/status")


@needs_proc
@needs_jupyterlab
def test_when_jupyterlab_shuts_down_the_server_stops_too(lab: Lab) -> None:
    url = _environ(lab.jupyter_pid())["DEEPGRAM_API_URL"]
    assert lab.api("POST", "/api/shutdown").ok
    assert lab.process.wait(timeout=30) == 0, lab.output()
    assert "JupyterLab exited (status 0)" in lab.output()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/v1/projects", timeout=2)


def test_without_jupyterlab_it_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jupyterlab" else real(name)
    )
    assert main(["lab", "--no-browser"]) == 2
    assert "pip install jupyterlab" in capsys.readouterr().err


def test_the_jupyterlab_command_and_the_child_environment() -> None:
    command = _cli_lab.jupyter_command(Path("/nb"), 9999, True, ["--allow-root"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert {"--ServerApp.root_dir=/nb", "--ServerApp.port=9999", "--no-browser"} <= set(command)
    assert command[-1] == "--allow-root"
    assert "--no-browser" not in _cli_lab.jupyter_command(Path("/nb"), 9999, False)
    base = {"PATH": "/bin", "DEEPGRAM_ACCESS_TOKEN": "old"}
    env = _cli_lab.child_environment("http://127.0.0.1:1", "k", base)
    assert env == {
        "PATH": "/bin",
        "DEEPGRAM_API_URL": "http://127.0.0.1:1",
        "DEEPGRAM_API_KEY": "k",
    }
    assert base == {"PATH": "/bin", "DEEPGRAM_ACCESS_TOKEN": "old"}  # the caller's is untouched


def test_notebooks_folder_prefers_the_current_one_and_creates_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_cli_lab, "REPO_NOTEBOOKS", tmp_path / "repo" / "notebooks")
    # nothing anywhere: ./notebooks is made, with a note
    folder, note = _cli_lab.notebooks_folder(None, cwd=tmp_path)
    assert folder == tmp_path / "notebooks" and folder.is_dir()
    assert note and "created" in note
    # it exists now: used as is, no note
    assert _cli_lab.notebooks_folder(None, cwd=tmp_path) == (tmp_path / "notebooks", None)
    # no ./notebooks but a repository's: that one
    (tmp_path / "repo" / "notebooks").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert _cli_lab.notebooks_folder(None, cwd=elsewhere) == (tmp_path / "repo" / "notebooks", None)
    # --notebooks wins; a file is refused
    assert _cli_lab.notebooks_folder(str(elsewhere))[0] == elsewhere
    (tmp_path / "file").write_text("")
    with pytest.raises(_cli_lab.UsageError, match="is a file"):
        _cli_lab.notebooks_folder(str(tmp_path / "file"))


def test_notebooks_inside_a_file_is_a_one_line_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(_cli_lab.UsageError, match=r"'.*notes\.txt' is a file, not a folder"):
        _cli_lab.notebooks_folder(str(tmp_path / "notes.txt" / "nb"))


@needs_jupyterlab
def test_lab_refuses_notebooks_inside_a_file_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("")
    assert main(["lab", "--no-browser", "--notebooks", str(tmp_path / "notes.txt" / "nb")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("dgdata lab: --notebooks ") and "is a file, not a folder" in err
