"""JupyterLab as the browser tests start it: a child process on 127.0.0.1 with a token.

Everything JupyterLab writes (config, runtime files, user settings, workspaces, the IPython
profile) goes to a temporary folder, so a developer's own Jupyter setup neither leaks in nor gets
touched. The venv's lab extensions (ipywidgets', anywidget's) and its ``python3`` kernelspec are
still found: they live under ``sys.prefix/share/jupyter``, which stays on Jupyter's path.

JupyterLab is told to stay off the network (no news, no update check, the read-only extension
manager) and to attach every notebook cell to the page (``windowingMode: none``), so a widget
that is scrolled out of view still renders. ``window.jupyterapp`` is exposed for the tests to run
cells and query the kernel (what JupyterLab's own Galata tests do).

The same server also serves the Notebook 7 UI (the ``notebook`` package's server extension, enabled
in the venv's ``etc/jupyter``) at ``/notebooks/<path>``: ``notebook7_url``. It reads the same user
settings, and its ``window.jupyterapp`` is exposed too (``JupyterNotebookApp``).

Example::

    lab = JupyterLab.start(notebooks_folder, home=tmp, env={"DEEPGRAM_API_URL": url, ...})
    page.goto(lab.notebook_url("smoke.ipynb"))        # JupyterLab
    page.goto(lab.notebook7_url("smoke.ipynb"))       # Notebook 7, same server
    lab.stop()
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: How long JupyterLab gets to answer ``/api/status`` after it is started.
START_TIMEOUT = 60.0
#: How long it gets to shut its kernels down before it is killed.
STOP_TIMEOUT = 15.0

#: User settings: nothing that fetches from the internet or pops up over the widgets.
LAB_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}

#: Server and lab configuration (written as ``jupyter_server_config.json``).
SERVER_CONFIG: dict[str, dict[str, Any]] = {
    "ServerApp": {
        "ip": "127.0.0.1",
        "open_browser": False,
        "allow_root": True,  # CI runs as root
        "terminals_enabled": False,
    },
    "LabApp": {
        "expose_app_in_browser": True,
        "news_url": None,
        "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
        "extension_manager": "readonly",
    },
    # Notebook 7 (the `notebook` package) is a server extension of the same server.
    "JupyterNotebookApp": {"expose_app_in_browser": True},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def isolated_environment(home: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment with every Jupyter folder under ``home``, plus ``extra``."""
    folders = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
        "IPYTHONDIR": home / "ipython",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "DEEPGRAM_"))}
    env.update({name: str(folder) for name, folder in folders.items()})
    env["JUPYTER_PLATFORM_DIRS"] = "1"  # no deprecation warning in the log
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def write_settings(env: Mapping[str, str]) -> None:
    """The server config and the lab user settings into the isolated folders."""
    config = Path(env["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.json"
    config.write_text(json.dumps(SERVER_CONFIG, indent=1), encoding="utf-8")
    settings_dir = Path(env["JUPYTERLAB_SETTINGS_DIR"])
    for plugin, values in LAB_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


@dataclass
class JupyterLab:
    """A running JupyterLab: its base URL, token, notebook folder and log file."""

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, root: Path, *, home: Path, env: Mapping[str, str]) -> JupyterLab:
        """Start ``python -m jupyterlab`` on ``root``; returns once its API answers."""
        environment = isolated_environment(home, env)
        write_settings(environment)
        token = secrets.token_hex(24)
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
        ]
        log = home / "jupyterlab.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=root,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        lab = cls(f"http://127.0.0.1:{port}", token, root, log, process)
        lab.wait_until_ready()
        return lab

    def wait_until_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Poll ``/api/status`` until it answers; an error with the log's tail if it never does."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with status {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                self.api("status")
                return
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"JupyterLab did not answer on {self.url} within {timeout:.0f} s:\n"
                        + self.log_tail()
                    ) from None
                time.sleep(0.2)

    def api(self, path: str, method: str = "GET") -> Any:
        """Call ``/api/<path>`` with the token; the parsed JSON (None for an empty answer)."""
        request = urllib.request.Request(
            f"{self.url}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Stop every running kernel (each test's notebook starts its own)."""
        for kernel in self.api("kernels"):
            self.api(f"kernels/{kernel['id']}", method="DELETE")

    def notebook_url(self, name: str) -> str:
        """The address that opens ``name`` (relative to the root folder) in JupyterLab."""
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"

    def notebook7_url(self, name: str) -> str:
        """The address that opens ``name`` in the Notebook 7 UI of the same server."""
        return f"{self.url}/notebooks/{name}?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        """The last lines JupyterLab printed (for failure messages)."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ask JupyterLab to stop (SIGTERM: it shuts its kernels down); kill it if it lingers."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
