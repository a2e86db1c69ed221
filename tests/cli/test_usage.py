"""``dgdata usage``: an account's requests to CSV / Parquet / JSON Lines, with a summary line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from dgdata import Deepgram
from dgdata.cli import main
from dgdata.server.runner import LocalServer


def _demo_projects(server: LocalServer) -> dict[str, str]:
    with Deepgram(api_key=server.api_key, api_url=server.url) as dg:
        return {p["name"]: p["project_id"] for p in dg.projects.list()["projects"]}


def test_all_projects_to_csv_with_a_summary_line(
    api_env: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "requests.csv"
    assert main(["usage", "all", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    projects = _demo_projects(api_env)
    assert len(projects) == 4  # the three demo projects and the server's own
    assert set(table["project_id"]) <= set(projects.values())
    assert table["project_id"].nunique() >= 3
    assert len(table) > 1000  # 90 days of synthetic usage
    assert {"request_id", "created", "model", "duration", "usd"} <= set(table.columns)
    assert all(isinstance(json.loads(tags), list) for tags in table["tags"])  # lists as JSON
    err = capsys.readouterr().err
    summary = re.search(
        r"([\d,]+) requests in (\d+) projects, ([\d,.]+) audio hours, \$([\d,.]+)", err
    )
    assert summary, err
    assert int(summary[1].replace(",", "")) == len(table)
    assert float(summary[4].replace(",", "")) == pytest.approx(table["usd"].sum(), abs=0.01)
    assert api_env.api_key not in err


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_one_project_between_dates_in_other_formats(
    api_env: LocalServer, tmp_path: Path, fmt: str
) -> None:
    project = _demo_projects(api_env)["Demo — Support calls"]
    with Deepgram(api_key=api_env.api_key, api_url=api_env.url) as dg:
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
    assert "HTTP 404" in err and "Traceback" not in err
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
