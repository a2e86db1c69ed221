"""``dgdata transcribe``: a folder of recordings into each output format, errors and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import dgdata.batch
from dgdata import Deepgram
from dgdata.batch import worker as _batch_worker
from dgdata.cli import main
from dgdata.cli.common import UsageError, option_value, parse_options
from dgdata.server.runner import LocalServer
from tests.cli.conftest import SAMPLE_TEXTS, one_line_error


def _plain(text: object) -> str:
    return re.sub(r"[^a-z0-9 ]", "", str(text).lower()).strip()


def _run(folder: Path, out: Path, *extra: str, cache: Path | None = None) -> int:
    settings = ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    return main(["transcribe", str(folder), "--out", str(out), *settings, *extra])


def test_csv_has_a_row_per_file_and_the_empty_file_fails_with_exit_1(
    api_env: LocalServer, recordings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "calls.csv"
    assert _run(recordings, out) == 1
    err = capsys.readouterr().err
    assert "3 files transcribed, 1 failed" in err
    assert "empty.wav" in err and "the file is empty" in err
    assert "exit status 1" in err
    assert f"wrote CSV to {out}" in err
    table = pd.read_csv(out)
    assert len(table) == 4
    done = table[table["error"].isna()]
    texts = {Path(p).name: _plain(t) for p, t in zip(done["path"], done["text"], strict=True)}
    assert texts == SAMPLE_TEXTS
    assert table.loc[table["error"].notna(), "path"].map(lambda p: Path(p).name).tolist() == [
        "empty.wav"
    ]
    assert api_env.api_key not in err


def test_all_files_transcribed_is_exit_0_with_a_summary_line(
    api_env: LocalServer, recordings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    shared_cache: Path,
) -> None:  # fmt: skip
    out = tmp_path / "calls.jsonl"
    assert _run(recordings, out, "--pattern", "*l*.wav", cache=shared_cache) == 0
    err = capsys.readouterr().err
    assert "2 files transcribed, 0 failed" in err  # hello.wav and callback.wav
    assert "audio hours" in err
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(Path(line["path"]).name for line in lines) == ["callback.wav", "hello.wav"]
    assert all(line["response"]["results"]["channels"] for line in lines)


def test_jsonl_keeps_the_failed_file_with_a_null_response(
    api_env: LocalServer, recordings: Path, tmp_path: Path, shared_cache: Path
) -> None:
    out = tmp_path / "out" / "calls.jsonl"  # the parent folder is created
    assert _run(recordings, out, cache=shared_cache) == 1
    lines = {Path(row["path"]).name: row for row in map(json.loads, out.open())}
    assert set(lines) == {*SAMPLE_TEXTS, "empty.wav"}
    assert lines["empty.wav"]["response"] is None and lines["empty.wav"]["error"]
    assert _plain(lines["hello.wav"]["text"]) == SAMPLE_TEXTS["hello.wav"]


def test_parquet_writes_a_dataset_folder_per_table(
    api_env: LocalServer, recordings: Path, tmp_path: Path, shared_cache: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out = tmp_path / "calls.parquet"
    assert _run(recordings, out, cache=shared_cache) == 1
    assert "wrote Parquet" in capsys.readouterr().err
    transcripts = pd.read_parquet(out / "transcripts")
    assert len(transcripts) == 4
    assert transcripts["error"].notna().sum() == 1
    words = pd.read_parquet(out / "words")
    hello = words[words["source"].astype(str).str.endswith("hello.wav")]
    assert " ".join(hello["word"]) == SAMPLE_TEXTS["hello.wav"]


@pytest.mark.parametrize(("suffix", "first_line"), [(".srt", "1"), (".vtt", "WEBVTT")])
def test_captions_are_one_file_per_transcribed_recording(
    api_env: LocalServer, recordings: Path, tmp_path: Path, shared_cache: Path,
    suffix: str, first_line: str,
) -> None:  # fmt: skip
    out = tmp_path / f"captions{suffix}"
    assert _run(recordings, out, cache=shared_cache) == 1
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(Path(name).stem + suffix for name in SAMPLE_TEXTS)
    text = (out / f"hello{suffix}").read_text()
    assert text.splitlines()[0] == first_line
    assert "speech test" in text.lower()


def test_format_option_wins_over_the_suffix(
    api_env: LocalServer, recordings: Path, tmp_path: Path, shared_cache: Path
) -> None:
    out = tmp_path / "words.txt"
    assert _run(recordings, out, "--format", "csv", "--table", "words", cache=shared_cache) == 1
    words = pd.read_csv(out)
    assert {"source", "word", "start", "end", "confidence"} <= set(words.columns)
    assert len(words) == sum(len(t.split()) for t in SAMPLE_TEXTS.values())


def test_options_reach_the_api(api_env: LocalServer, recordings: Path, tmp_path: Path) -> None:
    out = tmp_path / "smart.csv"
    code = _run(
        recordings, out, "--pattern", "students.wav", "--option", "smart_format=true",
        "--model", "nova-2", "-j", "2",
    )  # fmt: skip
    assert code == 0
    assert "25" in pd.read_csv(out)["text"][0]  # smart_format writes numbers as digits
    # the server recorded the model and options the CLI sent
    with Deepgram(api_key=api_env.api_key, api_url=api_env.url) as dg:
        latest = dg.usage.requests_frame(api_env.project_id).sort_values("created").iloc[-1]
    assert latest["model"] == "nova-2"
    assert latest["config_smart_format"]


def test_a_cache_dir_makes_the_rerun_send_nothing(
    api_env: LocalServer, recordings: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    out = tmp_path / "t.csv"
    assert _run(recordings, out, "--pattern", "hello.wav", cache=cache) == 0
    assert not pd.read_csv(out)["cached"][0]
    assert _run(recordings, out, "--pattern", "hello.wav", cache=cache) == 0
    assert pd.read_csv(out)["cached"][0]
    assert any(cache.rglob("*"))


def test_key_and_url_options_instead_of_the_environment(
    demo_server: LocalServer, recordings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    shared_cache: Path,
) -> None:  # fmt: skip
    out = tmp_path / "t.csv"
    flags = ["--api-key", demo_server.api_key, "--api-url", demo_server.url]
    assert _run(recordings, out, "--pattern", "hello.wav", *flags, cache=shared_cache) == 0
    captured = capsys.readouterr()
    assert demo_server.api_key not in captured.out + captured.err


def test_a_rejected_key_fails_every_file_and_says_why(
    demo_server: LocalServer, recordings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("DEEPGRAM_API_URL", demo_server.url)
    monkeypatch.setenv("DEEPGRAM_API_KEY", "not-the-key")
    assert _run(recordings, tmp_path / "t.csv", "--pattern", "hello.wav") == 1
    err = capsys.readouterr().err
    assert "AuthenticationError" in err and "rejected (401)" in err
    assert "not-the-key" not in err


@pytest.mark.parametrize(
    "bad", ["smart_format", "=true", "smart format=true"], ids=["no-equals", "no-key", "space"]
)
def test_bad_option_syntax_is_exit_2_with_a_message(
    api_env: LocalServer, recordings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    bad: str,
) -> None:  # fmt: skip
    out = tmp_path / "t.csv"
    assert _run(recordings, out, "--option", bad) == 2
    err = capsys.readouterr().err
    assert f"--option {bad!r} is not key=value" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_no_key_is_exit_2_naming_the_variable(
    recordings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(recordings, tmp_path / "t.csv") == 2
    err = capsys.readouterr().err
    assert "DEEPGRAM_API_KEY" in err and "--api-key" in err
    assert "Traceback" not in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["transcribe", "{missing}", "--out", "t.csv"], "does not exist"),
        (["transcribe", "{file}", "--out", "t.csv"], "is a file, not a folder"),
        (["transcribe", "{folder}", "--out", "t.txt"], "cannot tell the format"),
        (["transcribe", "{folder}", "--out", "t.json"], "pass --format"),
        (["transcribe", "{folder}", "--out", "t.parquet", "--table", "words"], "--table"),
        (["transcribe", "{folder}", "--out", "t.csv", "--pattern", "*.mp3"], "no files match"),
        (["transcribe", "{folder}", "--out", "t.csv", "-j", "0"], "1 or more"),
        (["transcribe", "{folder}", "--out", "{folder}", "-f", "csv"], "is a folder"),
        (
            ["transcribe", "{folder}", "--out", "t.csv", "--no-cache", "--cache-dir", "c"],
            "not allowed",
        ),
    ],
    ids=["missing", "file", "suffix", "json", "table", "nothing", "jobs", "out-dir", "cache"],
)
def test_usage_errors_are_exit_2_with_one_clear_line(
    api_env: LocalServer, recordings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, args: list[str], message: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.wav").write_bytes(b"RIFF")
    names = {"missing": tmp_path / "nope", "file": tmp_path / "file.wav", "folder": recordings}
    assert main([a.format(**names) for a in args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "t.csv").exists()


def test_option_values_parse_like_query_values() -> None:
    assert [option_value(v) for v in ["true", "False", "3", "-2", "0.5", "1e3"]] == [
        True,
        False,
        3,
        -2,
        0.5,
        "1e3",
    ]
    # text that would not read back the same stays text
    assert [option_value(v) for v in ["007", "1.50", "nova-3", "a:2", ""]] == [
        "007",
        "1.50",
        "nova-3",
        "a:2",
        "",
    ]
    assert parse_options(["keywords=a:2", "keywords=b", "keywords=c", "tag=x=y"]) == {
        "keywords": ["a:2", "b", "c"],
        "tag": "x=y",
    }
    with pytest.raises(UsageError):
        parse_options(["novalue"])


def test_quiet_prints_nothing_when_every_file_is_transcribed(
    api_env: LocalServer, recordings: Path, tmp_path: Path, shared_cache: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out = tmp_path / "t.csv"
    assert _run(recordings, out, "--pattern", "hello.wav", "-q", cache=shared_cache) == 0
    assert capsys.readouterr() == ("", "")
    assert len(pd.read_csv(out)) == 1


@pytest.fixture
def no_transcribing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything is sent: what is checked must be checked beforehand."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("transcribe_folder ran before the command line was checked")

    monkeypatch.setattr(dgdata.batch, "transcribe_folder", refuse)


@pytest.mark.parametrize(
    ("out", "fmt", "message"),
    [
        ("notes.txt/z.csv", "csv", "'{tmp}/notes.txt' is a file, not a folder"),
        ("notes.txt/deep/z.jsonl", "jsonl", "'{tmp}/notes.txt' is a file, not a folder"),
        ("notes.txt/captions", "srt", "'{tmp}/notes.txt' is a file, not a folder"),
        ("notes.txt", "parquet", "'{tmp}/notes.txt' is a file; Parquet is written as a folder"),
        ("subfolder", "csv", "'{tmp}/subfolder' is a folder; CSV is written to one file"),
    ],
    ids=["csv-inside-file", "deeper", "srt-inside-file", "parquet-on-file", "csv-on-folder"],
)
def test_an_out_that_cannot_be_written_is_exit_2_before_transcribing(
    api_env: LocalServer, recordings: Path, tmp_path: Path, no_transcribing: None,
    capsys: pytest.CaptureFixture[str], out: str, fmt: str, message: str,
) -> None:  # fmt: skip
    (tmp_path / "notes.txt").write_text("keep me")
    (tmp_path / "subfolder").mkdir()
    assert _run(recordings, tmp_path / out, "--format", fmt) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message.format(tmp=tmp_path) in one_line_error(err)
    assert (tmp_path / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("where", ["cache-dir", "default"])
def test_a_cache_folder_that_cannot_be_made_is_exit_2_before_transcribing(
    api_env: LocalServer, recordings: Path, tmp_path: Path, no_transcribing: None,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: str,
) -> None:  # fmt: skip
    (tmp_path / "notes.txt").write_text("")
    blocked = tmp_path / "notes.txt" / "c"
    if where == "default":  # $XDG_CACHE_HOME/dgdata/transcripts, under a file
        monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
        argv = ["transcribe", str(recordings), "--out", str(tmp_path / "t.csv")]
        assert main(argv) == 2
    else:
        assert _run(recordings, tmp_path / "t.csv", cache=blocked) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    last = one_line_error(err)
    assert f"{str(tmp_path / 'notes.txt')!r} is a file, not a folder" in last
    assert "--no-cache" in last
    assert not (tmp_path / "t.csv").exists()


def test_a_write_that_fails_after_transcribing_is_exit_1_and_says_so(
    api_env: LocalServer, recordings: Path, tmp_path: Path, shared_cache: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out = tmp_path / "later" / "t.csv"
    real = dgdata.batch.transcribe_folder

    def transcribe_then_block(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        (tmp_path / "later").write_text("")  # meanwhile, a file took the folder's place
        return result

    monkeypatch.setattr(dgdata.batch, "transcribe_folder", transcribe_then_block)
    assert _run(recordings, out, "--pattern", "hello.wav", cache=shared_cache) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    last = one_line_error(err)
    assert last.startswith("dgdata transcribe: 1 file transcribed, but writing CSV to ")
    assert "failed (" in last and "they are cached, so a rerun" in last


def test_an_unreachable_server_fails_every_file_and_says_what_to_check(
    closed_url: str, recordings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setattr(_batch_worker, "BACKOFF_BASE", 0.001)  # the retries, without the waits
    monkeypatch.setenv("DEEPGRAM_API_KEY", "some-key")
    out = tmp_path / "t.csv"
    assert _run(recordings, out, "--pattern", "*l*.wav", "--api-url", closed_url) == 1
    err = capsys.readouterr().err
    last = one_line_error(err)
    assert last.startswith("dgdata transcribe: 2 files failed (listed above); exit status 1.")
    assert "Check the URL (DEEPGRAM_API_URL / --api-url)" in last
    assert err.count("DeepgramConnectionError") == 2
    assert len(pd.read_csv(out)) == 2  # the error rows are written


def test_a_folder_without_recordings_fails_each_file_with_exit_1(
    api_env: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("not audio")
    (notes / "b.md").write_text("# neither")
    assert _run(notes, tmp_path / "t.csv") == 1
    err = capsys.readouterr().err
    assert "a.txt" in err and "b.md" in err and "not a recording" in err
    assert one_line_error(err).startswith("dgdata transcribe: 2 files failed (listed above)")


def test_an_empty_folder_is_exit_2(
    api_env: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert _run(tmp_path / "empty", tmp_path / "t.csv") == 2
    assert "no files match '**/*'" in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "t.csv").exists()


@pytest.mark.parametrize("cached", [True, False], ids=["cache", "no-cache"])
def test_ctrl_c_is_one_line_and_says_whether_a_rerun_carries_on(
    api_env: LocalServer, recordings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], cached: bool,
) -> None:  # fmt: skip
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(dgdata.batch, "transcribe_folder", interrupted)
    cache = tmp_path / "cache" if cached else None
    assert _run(recordings, tmp_path / "t.csv", cache=cache) == 130
    err = capsys.readouterr().err
    assert err.startswith("dgdata transcribe: interrupted") and err.count("\n") == 1
    assert ("run it again to carry on" in err) is cached
