"""``dgdata demo``: the tour runs end to end with no key and no network, quickly."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

import dgdata.server.runner
from dgdata.cli import demo as _cli_demo
from dgdata.cli import main
from dgdata.server.runner import LocalServer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _RecordedServer(LocalServer):
    """The demo's server, kept so the test knows its key and can check it stopped."""

    made: ClassVar[list[LocalServer]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.made.append(self)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[LocalServer]:
    _RecordedServer.made = []
    monkeypatch.setattr(dgdata.server.runner, "LocalServer", _RecordedServer)
    return _RecordedServer.made


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh home and cache folder, to see the demo leaves the transcript cache alone."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    return home


def test_demo_tours_transcripts_words_usage_and_writes_a_chart(
    tmp_path: Path, home: Path, recorded: list[LocalServer], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tour"
    started = time.perf_counter()
    assert main(["demo", "--out", str(out)]) == 0
    elapsed = time.perf_counter() - started
    assert elapsed < 45, f"dgdata demo took {elapsed:.1f} s"
    captured = capsys.readouterr()
    text = captured.out
    # the transcripts table: every sample, with its text
    for name, heard in [
        ("hello.wav", r"Hello,? this is a speech test\."),  # Whisper writes the comma
        ("callback.wav", r"Please call me back tonight\."),
        ("students.wav", r"There are 25 students\."),  # smart_format: digits
    ]:
        assert re.search(rf"{name}\s+\d\.\d\d s\s+{heard}\s+0\.\d\d", text), name
    # the words table, the usage summary and the files written
    assert re.search(r"hello\.wav\s+speech\s+1\.\d\d\s+1\.\d\d\s+0\.\d\d", text)
    # the 3 demo projects (as the README and `serve --help` say), and the server's own project,
    # which holds the 3 transcriptions the demo just made
    summary = (
        r"[\d,]+ requests in 3 demo projects and the server's own \(the 3 transcriptions above\)"
    )
    assert re.search(summary + r", [\d,.]+ audio hours, \$[\d,.]+ USD", text), text
    assert "4 projects" not in text
    assert re.search(r"nova-3\s+[\d,]+\s+[\d.]+\s+[\d.]+", text)
    assert "The last 30 days, by week" in text
    assert f"Files written to {out}/" in text
    # the chart is a real PNG of some size, the transcripts a CSV with the three samples
    chart = (out / "spend-by-week.png").read_bytes()
    assert chart.startswith(PNG_MAGIC) and len(chart) > 20_000
    transcripts = pd.read_csv(out / "transcripts.csv")
    assert sorted(Path(p).name for p in transcripts["path"]) == [
        "callback.wav",
        "hello.wav",
        "students.wav",
    ]
    assert transcripts["error"].isna().all()
    assert len(pd.read_csv(out / "words.csv")) == 15
    # the server it ran: its key never shown, stopped afterwards; the user's cache untouched
    (server,) = recorded
    everything = text + captured.err + "".join(p.read_text() for p in out.glob("*.csv"))
    assert server.api_key not in everything
    assert not server.running
    assert not (home / ".cache" / "dgdata").exists()  # (matplotlib may keep its font cache)


def test_quiet_demo_prints_only_the_files_into_the_default_folder(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    folder = Path("dgdata-demo")
    assert lines == [str(folder / n) for n in ("transcripts.csv", "words.csv", "spend-by-week.png")]
    assert all((tmp_path / line).stat().st_size > 0 for line in lines)


def test_demo_refuses_an_out_that_is_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("")
    assert main(["demo", "--out", str(tmp_path / "taken")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_demo_stops_with_exit_1_when_a_sample_cannot_be_transcribed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "broken.wav").write_bytes(b"")
    monkeypatch.setattr(_cli_demo, "SAMPLES", samples)
    out = tmp_path / "tour"
    assert main(["demo", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "could not transcribe 1 sample" in err and "the file is empty" in err
    assert not (out / "spend-by-week.png").exists()


def test_demo_refuses_an_out_inside_a_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("")
    assert main(["demo", "--out", str(tmp_path / "notes.txt" / "tour")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{str(tmp_path / 'notes.txt')!r} is a file, not a folder" in err


def test_ctrl_c_during_the_demo_stops_its_server_with_one_line(
    tmp_path: Path, recorded: list[LocalServer], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli_demo, "_usage_step", interrupted)
    assert main(["demo", "--out", str(tmp_path / "tour")]) == 130
    err = capsys.readouterr().err
    assert err == "dgdata demo: interrupted\n"
    (server,) = recorded
    assert not server.running
