"""``dgdata usage``: an account's requests to CSV / Parquet / JSON Lines, with a summary line."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dgdata import Deepgram
from dgdata.cli import main
from dgdata.cli import usage as _cli_usage
from dgdata.resources.usage import Usage
from dgdata.server.demo.cast import demo_id
from dgdata.server.runner import LocalServer
from tests.cli.conftest import one_line_error

SUPPORT = demo_id("project", "support")


@pytest.fixture
def support_env(api_env: LocalServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The owner's key for "Demo — Support calls" in the environment (a key reaches its own
    project only); returns it."""
    key = api_env.demo_keys[SUPPORT]
    monkeypatch.setenv("DEEPGRAM_API_KEY", key)
    return key


def test_all_projects_to_csv_with_a_summary_line(
    api_env: LocalServer, support_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "requests.csv"
    assert main(["usage", "all", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert set(table["project_id"]) == {SUPPORT}  # every project the key reaches: its own
    assert len(table) > 1000  # 90 days of synthetic usage
    assert {"request_id", "created", "model", "duration", "usd"} <= set(table.columns)
    assert all(isinstance(json.loads(tags), list) for tags in table["tags"])  # lists as JSON
    err = capsys.readouterr().err
    summary = re.search(
        r"([\d,]+) requests in (\d+) projects?, ([\d,.]+) audio hours, \$([\d,.]+)", err
    )
    assert summary, err
    assert int(summary[1].replace(",", "")) == len(table) and summary[2] == "1"
    assert float(summary[4].replace(",", "")) == pytest.approx(table["usd"].sum(), abs=0.01)
    assert support_env not in err


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_one_project_between_dates_in_other_formats(
    api_env: LocalServer, support_env: str, tmp_path: Path, fmt: str
) -> None:
    project = SUPPORT
    with Deepgram(api_key=support_env, api_url=api_env.url) as dg:
        everything = dg.usage.requests_frame(project)
    last = everything["created"].max().normalize()
    start, end = (last - pd.Timedelta(days=13)).date(), last.date()
    out = tmp_path / f"support.{fmt}"
    argv = ["usage", project, "--start", str(start), "--end", str(end), "--out", str(out), "-q"]
    assert main(argv) == 0
    table = pd.read_parquet(out) if fmt == "parquet" else pd.read_json(out, lines=True)
    assert 0 < len(table) < len(everything)
    assert set(table["project_id"]) == {project}
    created = pd.to_datetime(table["created"], utc=True)
    assert created.min() >= pd.Timestamp(start, tz="UTC")


def test_an_unknown_project_is_exit_1_with_the_api_message(
    api_env: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["usage", "no-such-project", "--out", str(tmp_path / "r.csv")]) == 1
    err = capsys.readouterr().err
    assert "HTTP 403" in err and "Traceback" not in err  # not the key's project: refused
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["usage", "all", "--start", "01/06/2024", "--out", "r.csv"], "is not a date"),
        (["usage", "all", "--out", "r.txt"], "cannot tell the format"),
        (["usage", "all", "--out", "r.srt"], "cannot tell the format"),
        (["usage", "all"], "--out"),
    ],
    ids=["date", "suffix", "captions", "no-out"],
)
def test_usage_errors_are_exit_2(
    api_env: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_no_key_is_exit_2_naming_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["usage", "all", "--out", str(tmp_path / "r.csv")]) == 2
    assert "DEEPGRAM_API_KEY" in capsys.readouterr().err


def test_an_unreachable_server_is_exit_1_in_one_line(
    closed_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("DEEPGRAM_API_KEY", "some-key")
    out = tmp_path / "r.csv"
    assert main(["usage", "all", "--api-url", closed_url, "--out", str(out)]) == 1
    last = one_line_error(capsys.readouterr().err)
    assert last.startswith("dgdata usage: Connection to GET ")
    assert "--api-url" in last and "some-key" not in last
    assert not out.exists()


def test_a_timeout_is_exit_1_in_one_line(
    api_env: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    def impatient(args: argparse.Namespace) -> Deepgram:
        return real_client(args).with_options(timeout=0.3, max_retries=0)

    real_client = _cli_usage.client
    monkeypatch.setattr(_cli_usage, "client", impatient)
    api_env.inject(path="/v1/projects", latency_ms=2000, times=None)
    try:
        assert main(["usage", "all", "--out", str(tmp_path / "r.csv")]) == 1
    finally:
        api_env.clear_faults()
    last = one_line_error(capsys.readouterr().err)
    assert last.startswith("dgdata usage: No answer from GET ") and "within 0.3s" in last
    assert not (tmp_path / "r.csv").exists()


def test_a_rejected_key_is_exit_1_naming_the_variable(
    demo_server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("DEEPGRAM_API_URL", demo_server.url)
    monkeypatch.setenv("DEEPGRAM_API_KEY", "not-the-key")
    assert main(["usage", "all", "--out", str(tmp_path / "r.csv")]) == 1
    err = capsys.readouterr().err
    last = one_line_error(err)
    assert "HTTP 401" in last and "check DEEPGRAM_API_KEY / --api-key" in last
    assert "not-the-key" not in err


def test_an_out_inside_a_file_is_exit_2_before_anything_is_fetched(
    closed_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("DEEPGRAM_API_KEY", "some-key")
    (tmp_path / "notes.txt").write_text("keep me")
    out = tmp_path / "notes.txt" / "r.csv"
    # the server is unreachable: an exit 2 (not 1) shows --out was checked first
    assert main(["usage", "all", "--api-url", closed_url, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{str(tmp_path / 'notes.txt')!r} is a file, not a folder" in one_line_error(err)
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_start_after_end_is_exit_2(
    api_env: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["usage", "all", "--start", "2024-07-01", "--end", "2024-06-01"]
    assert main([*argv, "--out", str(tmp_path / "r.csv")]) == 2
    assert "--start 2024-07-01 is after --end 2024-06-01" in capsys.readouterr().err
    # a date is its whole day: an instant on that day is not after it
    same_day = ["--start", "2024-06-01T12:00:00", "--end", "2024-06-01", "-q"]
    assert main(["usage", "all", *same_day, "--out", str(tmp_path / "r.csv")]) == 0


def test_a_write_that_fails_after_fetching_is_exit_1_in_one_line(
    api_env: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out = tmp_path / "later" / "r.csv"

    def fetch_then_block(self: Usage, *args: Any, **kwargs: Any) -> pd.DataFrame:
        frame = real_fetch(self, *args, **kwargs)
        (tmp_path / "later").write_text("")  # meanwhile, a file took the folder's place
        return frame

    real_fetch = Usage.requests_frame
    monkeypatch.setattr(Usage, "requests_frame", fetch_then_block)
    assert main(["usage", "all", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    last = one_line_error(err)
    assert re.match(r"dgdata usage: fetched [\d,]+ requests, but writing CSV to .* failed", last)
