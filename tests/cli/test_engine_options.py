"""``--engine``/``--model``/``--threads``: the same recogniser choice for ``dgdata serve``,
``demo`` and ``lab``, checked before anything starts, and named at start-up.

The refusals run in process and return before a server starts; the start-up lines are checked
with the work after them cut short (the demo's transcriptions, JupyterLab itself), so these
tests stay fast: one pocketsphinx server each.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, ClassVar

import pytest

from dgdata.cli import demo as _cli_demo
from dgdata.cli import lab as _cli_lab
from dgdata.cli import main
from dgdata.server.asr import choice
from tests.cli.conftest import one_line_error

COMMANDS = ["serve", "demo", "lab"]
needs_jupyterlab = pytest.mark.skipif(
    importlib.util.find_spec("jupyterlab") is None, reason="jupyterlab is not installed"
)


def command_line(command: str, tmp_path: Path, *options: str) -> list[str]:
    """``dgdata <command> <options>``, with what the command needs to stay in ``tmp_path``."""
    where = {
        "serve": ["--port", "0"],
        "demo": ["--out", str(tmp_path / "out")],
        "lab": ["--no-browser", "--notebooks", str(tmp_path / "nbs")],
    }
    return [command, *where[command], *options]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_server_command_takes_the_engine_options(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for usage in ("--engine {auto,whisper,pocketsphinx}", "--model MODEL", "--threads N"):
        assert usage in text
    assert "(default: auto)" in text and "small.en" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_whisper_without_its_weights_is_exit_2_saying_what_to_install(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(choice, "whisper_available", lambda model=None: False)
    assert main(command_line(command, tmp_path, "--engine", "whisper")) == 2
    captured = capsys.readouterr()
    error = one_line_error(captured.err)
    assert error.startswith(f"dgdata {command}: the whisper engine needs faster-whisper")
    assert "pip install 'dgdata[server]'" in error and "--engine pocketsphinx" in error
    assert captured.out == ""
    assert not any(tmp_path.iterdir()), "nothing was made before the refusal"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_model_that_is_not_one_is_exit_2(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "weights"
    empty.mkdir()
    assert main(command_line(command, tmp_path, "--model", str(empty))) == 2
    assert "is a folder without model.bin" in one_line_error(capsys.readouterr().err)
    assert main(command_line(command, tmp_path, "--model", "huge.en")) == 2
    assert "nor a model name faster-whisper knows" in one_line_error(capsys.readouterr().err)
    assert main(command_line(command, tmp_path, "--threads", "0")) == 2
    assert "--threads: expected a whole number of 1 or more" in capsys.readouterr().err


class _CutShort(Exception):
    """Raised where a test has seen what it needs, to skip the rest of a command."""


def test_the_demo_names_its_recogniser_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def cut_short(*args: Any) -> None:
        raise _CutShort

    monkeypatch.setattr(_cli_demo, "_transcripts_step", cut_short)
    with pytest.raises(_CutShort):
        main(command_line("demo", tmp_path, "--engine", "pocketsphinx"))
    lines = [line for line in capsys.readouterr().out.splitlines() if "ecognition" in line]
    assert len(lines) == 1 and lines[0].startswith("Recognition: pocketsphinx (pocketsphinx-")


class _FinishedJupyter:
    """A JupyterLab that exits at once (status 0), recording how it was started."""

    started: ClassVar[list[list[str]]] = []

    def __init__(self, command: list[str], **kwargs: Any) -> None:
        self.started.append(command)

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def poll(self) -> int:
        return 0


@needs_jupyterlab
def test_lab_names_its_recogniser_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _FinishedJupyter.started = []
    monkeypatch.setattr(_cli_lab.subprocess, "Popen", _FinishedJupyter)
    assert main(command_line("lab", tmp_path, "--engine", "pocketsphinx")) == 0
    err = capsys.readouterr().err
    assert "dgdata lab: recognition: pocketsphinx (pocketsphinx-" in err
    assert len(_FinishedJupyter.started) == 1, "JupyterLab was started once"
