"""``dgdata lab``: JupyterLab on the notebooks, wired to a local server with demo data.

The local server runs in this process; JupyterLab runs as a child process whose environment
(and so every kernel's) holds ``DEEPGRAM_API_URL`` and ``DEEPGRAM_API_KEY`` for it, so
``dgdata.Deepgram()`` in a notebook talks to the local server. A key reaches only the project it
was made in: ``DEEPGRAM_API_KEY`` is the owner's key of the first demo project (Support calls),
and ``DEEPGRAM_API_KEYS`` holds the key of every demo project, comma separated, for the notebooks
that look across projects (one client per key). This process's own environment is left alone.
Ctrl+C (or JupyterLab shutting down) stops both.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dgdata.cli.common import (
    UsageError,
    add_command,
    add_engine_options,
    engine_settings,
    local_server_class,
    make_folder,
    port_number,
    say,
)

#: The repository's notebooks, when dgdata runs from a source checkout.
REPO_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: How long JupyterLab gets to shut its kernels down before it is killed.
STOP_TIMEOUT = 15.0

#: ``dgdata --help``'s line for the command, then its own help text.
SUMMARY = "JupyterLab on the notebooks, wired to a local server with demo data"
DESCRIPTION = (
    "Start the local Deepgram-compatible server (demo account) and JupyterLab "
    "on the notebooks folder. JupyterLab and its kernels get DEEPGRAM_API_URL and "
    "DEEPGRAM_API_KEY (the first demo project's key) for the local server, so "
    "dgdata.Deepgram() works in every notebook with no setup, and DEEPGRAM_API_KEYS (every "
    "demo project's key, comma separated: a key reaches one project). Ctrl+C stops both; so "
    "does shutting JupyterLab down."
)
EPILOG = (
    "Arguments after `--` go to JupyterLab. Needs JupyterLab (pip install jupyterlab).",
    "examples:\n"
    "  dgdata lab\n"
    "  dgdata lab --no-browser --port 8899 --notebooks ~/analysis\n"
    "  dgdata lab -- --IdentityProvider.token=secret\n"
    "  dgdata lab -- --allow-root        # as root, e.g. in a container",
)


def notebooks_folder(chosen: str | None, cwd: Path | None = None) -> tuple[Path, str | None]:
    """The folder JupyterLab opens, and a note to show when it had to be created.

    ``--notebooks DIR`` if given; else ``notebooks/`` in the current folder if it exists, else
    the repository's ``notebooks/`` (a source checkout), else a new ``./notebooks``.
    """
    here = Path.cwd() if cwd is None else cwd
    if chosen is not None:
        folder = Path(chosen).expanduser()
    elif (here / "notebooks").is_dir():
        return here / "notebooks", None
    elif REPO_NOTEBOOKS.is_dir():
        return REPO_NOTEBOOKS, None
    else:
        folder = here / "notebooks"
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--notebooks {str(folder)!r} is a file, not a folder")
    if folder.is_dir():
        return folder, None
    option = "--notebooks" if chosen is not None else "the notebooks folder"
    hint = "" if chosen is not None else "; pass --notebooks DIR"
    make_folder(folder, what="the notebooks folder", option=option, hint=hint)
    return folder, f"created {folder}/ (it was missing); notebooks you save go there"


def jupyter_command(
    notebooks: Path, port: int, no_browser: bool, extra: Sequence[str] = ()
) -> list[str]:
    """The JupyterLab command line: this Python's ``-m jupyterlab`` on ``notebooks``."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={notebooks}",
        f"--ServerApp.port={port}",
    ]
    if no_browser:
        command.append("--no-browser")
    return command + list(extra)


def child_environment(
    url: str,
    api_key: str,
    base: Mapping[str, str] | None = None,
    *,
    api_keys: Sequence[str] = (),
) -> dict[str, str]:
    """A copy of the environment with the local server's URL and key set (for the child only),
    and ``DEEPGRAM_API_KEYS`` (``api_keys``, comma separated) when given."""
    env = dict(os.environ if base is None else base)
    env.update({"DEEPGRAM_API_URL": url, "DEEPGRAM_API_KEY": api_key})
    env.pop("DEEPGRAM_ACCESS_TOKEN", None)  # it would win over the key
    # The user's own keys would go to the local server: only the server's are passed on.
    env.pop("DEEPGRAM_API_KEYS", None)
    if api_keys:
        env["DEEPGRAM_API_KEYS"] = ",".join(api_keys)
    return env


def notebook_environment(server: Any, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment JupyterLab gets for a demo ``server``: its URL, the first demo project's
    key as ``DEEPGRAM_API_KEY`` and every demo project's as ``DEEPGRAM_API_KEYS``."""
    keys = list(server.demo_keys.values())
    return child_environment(server.url, keys[0], base, api_keys=keys)


def run(args: argparse.Namespace) -> int:
    """Run ``dgdata lab`` until Ctrl+C or JupyterLab exits; returns JupyterLab's exit status."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise UsageError(
            "dgdata lab needs JupyterLab, which is not installed: pip install jupyterlab "
            '(or pip install "dgdata[dev]")'
        )
    LocalServer = local_server_class("lab")
    engine = engine_settings("lab", args)
    notebooks, note = notebooks_folder(args.notebooks)
    extra = list(args.jupyter_args or [])
    if extra[:1] == ["--"]:
        extra = extra[1:]
    with LocalServer(demo=True, port=args.server_port, **engine) as server:
        if note:
            say(f"dgdata lab: {note}")
        say(
            f"dgdata lab: a local Deepgram-compatible server with demo data on {server.url}\n"
            f"dgdata lab: recognition: {server.recognition}\n"
            f"dgdata lab: notebooks get DEEPGRAM_API_URL={server.url} and a key for each demo\n"
            "            project, so dgdata.Deepgram() needs no setup\n"
            f"dgdata lab: starting JupyterLab on {notebooks}; Ctrl+C stops both"
        )
        command = jupyter_command(notebooks, args.port, args.no_browser, extra)
        # A key reaches one project: the notebooks get the key of each demo project.
        env = notebook_environment(server)
        # stdin is not passed on: JupyterLab then stops at the first Ctrl+C, without asking.
        child = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
        with _terminate_raises_interrupt():
            try:
                status = child.wait()
            except KeyboardInterrupt:
                status = _stop(child)
                say("dgdata lab: stopped JupyterLab and the local server")
                return 0
    say(f"dgdata lab: JupyterLab exited (status {status}); the local server is stopped")
    if status:
        say(
            "dgdata lab: see JupyterLab's messages above; options after `--` go to it "
            "(e.g. `dgdata lab -- --allow-root` when running as root in a container)"
        )
    return status


def _stop(child: subprocess.Popen[Any]) -> int:
    """Ask JupyterLab to shut down (SIGTERM: it stops its kernels), kill it if it hangs."""
    if child.poll() is None:
        child.terminate()
    try:
        return child.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()
    except KeyboardInterrupt:  # a second Ctrl+C: no more waiting
        child.kill()
        return child.wait()


@contextmanager
def _terminate_raises_interrupt() -> Iterator[None]:
    """While JupyterLab runs, ``kill PID`` (SIGTERM) stops both cleanly, as Ctrl+C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def add_parser(commands: Any) -> None:
    """Register ``dgdata lab``: its help, its options and :func:`run`."""
    parser = add_command(commands, "lab", run, SUMMARY, DESCRIPTION, EPILOG)
    parser.add_argument(
        "--port",
        type=port_number,
        default=8888,
        help="JupyterLab's port (default 8888; 0 = any free)",
    )
    parser.add_argument(
        "--server-port",
        metavar="PORT",
        type=port_number,
        default=0,
        help="the local Deepgram server's port (default: any free port)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open a browser (print the URL only)"
    )
    parser.add_argument(
        "--notebooks",
        metavar="DIR",
        help="folder to open (default: ./notebooks if it exists, else the repository's "
        "notebooks/, else a new ./notebooks)",
    )
    parser.add_argument(
        "jupyter_args", nargs="*", metavar="-- JUPYTER_ARG", help="passed on to JupyterLab"
    )
    add_engine_options(parser)
