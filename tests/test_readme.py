"""The README's promises: every Python block runs, in order, and its pictures are the tests'.

The blocks run in one namespace, as a reader would type them into a notebook, in a temporary
folder holding the files they name (``call.wav``, ``calls/``, ``saved.json``), with
``DEEPGRAM_API_KEY`` / ``DEEPGRAM_API_URL`` pointing at the local server and its demo account.

The tour's charts are drawn here from the same calls the README shows; with
``DGDATA_README_IMAGES=1`` they are written to ``docs/images/`` (the widget screenshots come from
the browser tests, with ``DGDATA_SCREENSHOTS=docs/images``).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import pytest

import dgdata
from dgdata import plots
from dgdata.server.runner import LocalServer
from tests.batch.recordings import two_channel_call
from tests.requirements_plugin import expect_tool

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SAMPLES = ROOT / "dgdata" / "data" / "samples"
IMAGES = ROOT / "docs" / "images"
PNG = b"\x89PNG\r\n\x1a\n"


def python_blocks() -> list[tuple[int, str]]:
    """(line, code) of every ```python block of the README."""
    return [
        (README[: match.start()].count("\n") + 2, match.group(1))
        for match in re.finditer(r"```python\n(.*?)```", README, re.S)
    ]


@pytest.fixture(scope="module")
def demo() -> Iterator[LocalServer]:
    with LocalServer(demo=True, decoders=1) as server:
        yield server


@pytest.fixture
def reader_folder(tmp_path: Path, demo: LocalServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the files the README names, and the environment pointing at the server."""
    shutil.copy(SAMPLES / "hello.wav", tmp_path / "call.wav")
    (tmp_path / "calls").mkdir()
    two_channel_call(
        tmp_path / "calls" / "support-0412.wav", "hello", "callback", "students", "hello"
    )
    two_channel_call(tmp_path / "calls" / "support-0413.wav", "students", "hello")
    with dgdata.Deepgram(api_key=demo.api_key, api_url=demo.url) as dg:
        saved = dg.transcription.prerecorded(SAMPLES / "students.wav")
    (tmp_path / "saved.json").write_text(json.dumps(saved))
    monkeypatch.chdir(tmp_path)
    # A key reaches one project: the reader's is the one ``dgdata serve --demo`` prints for the
    # first demo project, whose 90 days of usage the tour's charts show.
    monkeypatch.setenv("DEEPGRAM_API_KEY", next(iter(demo.demo_keys.values())))
    monkeypatch.setenv("DEEPGRAM_API_URL", demo.url)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _is_no_speech_engine(exc: Exception) -> bool:
    """The 501 the local server answers to ``/v1/speak`` on a machine with no speech engine."""
    return isinstance(exc, dgdata.errors.DeepgramError) and getattr(exc, "status", None) == 501


def test_every_python_block_of_the_readme_runs_in_order(reader_folder: Path) -> None:
    """Every block runs; on a machine without a speech engine only ``speak.synthesize`` may 501."""
    blocks = python_blocks()
    assert len(blocks) >= 10
    can_speak = expect_tool("needs_tts")
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for line, code in blocks:
        compiled = compile(code, f"README.md:{line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        try:
            outcome = eval(compiled, namespace)
            if inspect.iscoroutine(outcome):
                asyncio.run(outcome)
        except Exception as exc:
            last_line = code.rstrip().splitlines()[-1]
            speak_was_last = "speak.synthesize" in code and last_line.startswith("audio.save")
            if not can_speak and speak_was_last and _is_no_speech_engine(exc):
                continue  # the block's last two lines speak; everything before them ran
            pytest.fail(f"the README block at line {line} failed: {type(exc).__name__}: {exc}")
    # What the tour promises came true.
    result = namespace["result"]
    assert isinstance(result, dgdata.BatchResult)
    assert result.transcripts["error"].isna().all()
    assert (reader_folder / "captions").is_dir() and (reader_folder / "out" / "words").is_dir()
    talk_time = namespace["talk_time"]
    assert len(talk_time) == 4, "two calls, two speakers each"  # type: ignore[arg-type]
    if not can_speak:
        return  # `apt-get install flite` to check the spoken MP3 too (CI does)
    mp3 = (reader_folder / "hello.mp3").read_bytes()
    assert mp3.startswith(b"ID3") or (mp3[0] == 0xFF and mp3[1] & 0xE0 == 0xE0), "an MP3 frame"


def _image_target(name: str, tmp_path: Path) -> Path:
    if os.environ.get("DGDATA_README_IMAGES"):
        IMAGES.mkdir(parents=True, exist_ok=True)
        return IMAGES / name
    return tmp_path / name


def test_the_tour_charts_are_drawn_from_the_calls_the_readme_shows(
    reader_folder: Path, demo: LocalServer, tmp_path: Path
) -> None:
    dg = dgdata.Deepgram()
    result = dgdata.transcribe_folder(
        dg, "calls/", options={"multichannel": True, "diarize": True}, progress=False
    )
    words = result.words
    first = words[words.source == result.transcripts.path[0]]
    ax = plots.speaker_timeline(first)
    ax.set_title("support-0412.wav: who talks when")
    ax.figure.set_size_inches(8, 2.2)
    ax.figure.tight_layout()
    timeline = _image_target("speaker-timeline.png", tmp_path)
    ax.figure.savefig(timeline, dpi=100)
    assert len(ax.patches) == 4 and timeline.read_bytes().startswith(PNG), "four turns"

    requests = dg.usage.requests_frame()
    ax = plots.spend_over_time(requests, freq="W", by="model")
    ax.set_title("Demo account: spend per week, by model (synthetic data)")
    ax.figure.set_size_inches(8.5, 4.2)
    ax.figure.tight_layout()
    spend = _image_target("spend-by-week.png", tmp_path)
    ax.figure.savefig(spend, dpi=100)
    assert spend.read_bytes().startswith(PNG) and len(requests) > 1000


def test_every_image_the_readme_shows_is_in_the_repository_and_made_by_a_test() -> None:
    shown = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert shown, "the tour has pictures"
    made_here = set(re.findall(r'_image_target\("([^"]+)"', Path(__file__).read_text()))
    browser = "\n".join(p.read_text() for p in (ROOT / "tests" / "browser").glob("*.py"))
    for link in shown:
        image = ROOT / link
        assert image.is_file(), f"{link} is missing: run the tests with DGDATA_README_IMAGES=1"
        assert image.read_bytes().startswith(PNG)
        assert image.name in made_here or image.stem in browser, f"no test draws {link}"
