"""Every command and every option is documented, and ``--help`` says so."""

from __future__ import annotations

import argparse

import pytest

from dgdata.cli.main import build_parser, main

OPTIONS = {
    "demo": ["--out", "--quiet"],
    "transcribe": [
        "DIR",
        "--out",
        "--format",
        "--table",
        "--model",
        "--option",
        "--pattern",
        "--jobs",
        "--cache-dir",
        "--no-cache",
        "--api-key",
        "--api-url",
        "--quiet",
    ],
    "usage": ["PROJECT", "--start", "--end", "--out", "--format", "--api-key", "--api-url"],
    "lab": ["--port", "--server-port", "--no-browser", "--notebooks", "JUPYTER_ARG"],
    "serve": ["--host", "--port", "--db", "--demo", "--api-key"],
    "operations": ["--markdown"],
}


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_help_of_each_command_exits_0_and_names_its_options(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: dgdata {command}")
    for option in OPTIONS[command]:
        assert option in text, f"{option} missing from `dgdata {command} --help`"


def test_the_list_above_covers_every_command() -> None:
    assert set(_subparsers()) == set(OPTIONS)


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_every_option_and_argument_has_help_text(command: str) -> None:
    parser = _subparsers()[command]
    assert parser.description, f"`dgdata {command}` has no description"
    for action in parser._actions:
        assert action.help and len(action.help) > 10, f"{command} {action.dest} has no help"


def test_top_level_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for command in ("demo", "transcribe", "usage", "lab", "serve", "operations"):
        assert command in text


def test_no_command_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "transcribe" in capsys.readouterr().out


def test_an_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", "x", "--out", "y.csv", "--nope"]) == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


def test_the_caption_example_names_a_folder_and_the_format(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--out captions.srt` would make a folder named captions.srt: the example says what the
    README says."""
    assert main(["transcribe", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--out captions/ --format srt" in text
    assert "captions.srt" not in text and "captions.vtt" not in text


@pytest.mark.parametrize(
    "argv",
    [["serve", "--port", "70000"], ["serve", "--port", "-1"], ["lab", "--server-port", "65536"]],
    ids=["serve-high", "serve-negative", "lab-server"],
)
def test_a_port_out_of_range_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "a port number from 0 to 65535" in err
