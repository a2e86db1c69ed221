"""``dgdata demo``: a tour of dgdata that needs no key and no network.

It starts the local server in this process (:class:`~dgdata.server.runner.LocalServer` with its
synthetic demo account), transcribes the bundled sample recordings with
:func:`dgdata.transcribe_folder`, shows the transcripts and words tables, summarises the demo
account's usage and spend, and writes a chart and the tables into ``--out``. Every step prints
the Python that does it, so the tour doubles as a first lesson.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from dgdata.cli.common import (
    add_command,
    add_engine_options,
    aligned_table,
    engine_settings,
    local_server_class,
    make_folder,
    plural,
    say,
)

#: Where the bundled recordings live (16 kHz WAV, synthetic speech; see their README).
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
_INDENT = "   "

#: ``dgdata --help``'s line for the command, then its own help text.
SUMMARY = "a tour of dgdata on a local server: no key, no network, well under a minute"
DESCRIPTION = (
    "Start the local Deepgram-compatible server in this process (demo account, "
    "offline recognition), transcribe the bundled sample recordings, show the transcripts "
    "and words tables and the demo account's usage and spend, and write the tables (CSV) and "
    "a spend chart (PNG) into --out. Each step prints the Python that does it."
)


def run(args: argparse.Namespace) -> int:
    """Run ``dgdata demo``; returns 0 (1 if the local server failed to transcribe a sample)."""
    started = time.perf_counter()
    LocalServer = local_server_class("demo")
    engine = engine_settings("demo", args)
    from dgdata import Deepgram

    out = make_folder(Path(args.out), what="the demo's output", option="--out")
    tour = _Tour(quiet=args.quiet)
    # One recogniser process: for three short clips, starting more costs more than it saves.
    with (
        LocalServer(demo=True, decoders=1, **engine) as server,
        Deepgram(api_key=server.api_key, api_url=server.url) as dg,
    ):
        tour.heading(
            "dgdata demo: a tour on a local Deepgram-compatible server",
            f"{server.url}, in this process: no API key, no network, synthetic demo account",
        )
        tour.line(f"Recognition: {server.recognition}")
        result = _transcripts_step(dg, tour)
        if len(result.errors):
            _say_failed(result.errors)
            return 1
        _words_step(result, tour)
        requests = _usage_step(dg, tour, server)
        written = _write_files(result, requests, out)
    tour.files(out, written)
    tour.line("Next: `dgdata lab` opens JupyterLab on a local server like this one;")
    tour.line("      `dgdata transcribe DIR --out FILE` transcribes a folder of your own.")
    tour.line(f"Done in {time.perf_counter() - started:.1f} s.")
    return 0


def _say_failed(errors: Any) -> None:
    first = errors.iloc[0]
    say(
        f"dgdata demo: the local server could not transcribe {plural(len(errors), 'sample')} "
        f"({first['error_type']}: {first['error']}); the demo stops here"
    )


class _Tour:
    """The tour's printing: numbered steps, code, indented tables (``--quiet``: files only)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.steps = 0

    def line(self, text: str = "") -> None:
        if not self.quiet:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

    def heading(self, title: str, subtitle: str) -> None:
        self.line(title)
        self.line(f"({subtitle})")

    def step(self, title: str, *code: str) -> None:
        self.steps += 1
        self.line()
        self.line(f"{self.steps}. {title}")
        for statement in code:
            self.line(f"{_INDENT}>>> {statement}")
        self.line()

    def block(self, text: str) -> None:
        for row in text.splitlines():
            self.line(f"{_INDENT}{row}".rstrip())

    def files(self, out: Path, written: list[tuple[str, str]]) -> None:
        if self.quiet:
            for name, _ in written:
                sys.stdout.write(f"{out / name}\n")
            return
        self.step(f"Files written to {out}{'' if str(out).endswith('/') else '/'}")
        width = max(len(name) for name, _ in written)
        for name, what in written:
            self.line(f"{_INDENT}{name:<{width}}  {what}")
        self.line()


def _transcripts_step(dg: Any, tour: _Tour) -> Any:
    from dgdata.batch import transcribe_folder

    tour.step(
        "Transcribe a folder of recordings (three bundled clips of synthetic speech)",
        'result = dgdata.transcribe_folder(dg, "samples/", "*.wav", {"smart_format": True})',
        'result.transcripts[["path", "duration", "text", "confidence"]]',
    )
    options = {"smart_format": True}
    result = transcribe_folder(dg, SAMPLES, "*.wav", options, cache_dir=None, progress=False)
    rows = result.transcripts
    table = {
        "file": [Path(p).name for p in rows["path"]],
        "duration": [f"{s:.2f} s" for s in rows["duration"].fillna(0)],
        "text": rows["text"].fillna("(failed: " + rows["error"].fillna("") + ")"),
        "confidence": [f"{c:.2f}" for c in rows["confidence"].fillna(0)],
    }
    tour.block(aligned_table(table, left=("file", "text")))
    return result


def _words_step(result: Any, tour: _Tour, limit: int = 20) -> None:
    words = result.words
    tour.step(
        "Every word, with its time and confidence (a tidy frame; also utterances, paragraphs…)",
        f"result.words.head({limit})",
    )
    head = words.head(limit)
    table = {
        "file": [Path(str(p)).name for p in head["source"]],
        "word": head["punctuated_word"].fillna(head["word"]).tolist(),
        "start": [f"{s:.2f}" for s in head["start"]],
        "end": [f"{e:.2f}" for e in head["end"]],
        "confidence": [f"{c:.2f}" for c in head["confidence"]],
    }
    tour.block(aligned_table(table, left=("file", "word")))
    if len(words) > limit:
        tour.line(f"{_INDENT}… {len(words) - limit} more")


def _usage_step(dg: Any, tour: _Tour, server: Any) -> Any:
    import pandas as pd

    from dgdata import Deepgram

    tour.step(
        "Usage and spend of the demo account (every request of every project; a key reaches "
        "only its own project, and the demo has a key for each)",
        "keys = server.demo_keys.values()",
        "demo = [Deepgram(api_key=k, api_url=server.url).usage.requests_frame() for k in keys]",
        "requests = pd.concat([dg.usage.requests_frame(), *demo])",
        'requests.groupby("model")[["duration", "usd"]].sum()',
    )
    frames = [dg.usage.requests_frame()]
    for key in server.demo_keys.values():
        with Deepgram(api_key=key, api_url=server.url) as demo:
            frames.append(demo.usage.requests_frame())
    requests = pd.concat(frames, ignore_index=True)
    own_project = server.project_id
    hours = float(requests["duration"].fillna(0).sum())
    usd = float(requests["usd"].fillna(0).sum())
    first, last = requests["created"].min(), requests["created"].max()
    tour.line(
        f"{_INDENT}{plural(len(requests), 'request')} in {_projects(requests, own_project)}, "
        f"{hours:,.1f} audio hours, ${usd:,.2f} USD, {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    )
    tour.line()
    tour.block(_by_model(requests))
    tour.line()
    tour.line(f"{_INDENT}The last 30 days, by week:")
    tour.line()
    tour.block(_by_week(requests))
    return requests


def _projects(requests: Any, own_project: str) -> str:
    """Where the requests are: the demo projects (seeded), and the server's own project,
    which holds the demo's transcriptions of the step above."""
    own = requests["project_id"] == own_project
    demo = requests.loc[~own, "project_id"].nunique()
    where = plural(demo, "demo project")
    if own.any():
        where += f" and the server's own (the {plural(int(own.sum()), 'transcription')} above)"
    return where


def _by_model(requests: Any, top: int = 6) -> str:
    """Requests, audio hours and USD per model: the ``top`` by spend, the rest as one row."""
    grouped = requests.groupby(requests["model"].fillna("(none)"))
    table = grouped.agg(
        requests=("request_id", "size"), hours=("duration", "sum"), usd=("usd", "sum")
    )
    table = table.sort_values("usd", ascending=False)
    if len(table) > top:
        rest = table.iloc[top:]
        table = table.iloc[:top]
        table.loc[f"{len(rest)} others"] = rest.sum()
    table.loc["total"] = table.sum()
    return aligned_table(_money_columns(table, "model"), left=("model",))


def _by_week(requests: Any, days: int = 30) -> str:
    """Requests, audio hours and USD per week (weeks start on Monday) over the last ``days``."""
    import pandas as pd

    created = requests["created"]
    recent = requests[created >= created.max().floor("D") - pd.Timedelta(days=days - 1)]
    day = recent["created"].dt.floor("D")
    week = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d")
    grouped = recent.groupby(week.rename("week of"))
    table = grouped.agg(
        requests=("request_id", "size"), hours=("duration", "sum"), usd=("usd", "sum")
    )
    return aligned_table(_money_columns(table, "week of"), left=("week of",))


def _money_columns(table: Any, label: str) -> dict[str, list[str]]:
    return {
        label: [str(name) for name in table.index],
        "requests": [f"{int(n):,}" for n in table["requests"]],
        "audio hours": [f"{h:,.1f}" for h in table["hours"]],
        "USD": [f"{u:,.2f}" for u in table["usd"]],
    }


def _write_files(result: Any, requests: Any, out: Path) -> list[tuple[str, str]]:
    """The tables as CSV and the spend chart as PNG; (file name, what it is) pairs."""
    result.to_csv(out / "transcripts.csv")
    result.to_csv(out / "words.csv", table="words")
    _spend_chart(requests, out / "spend-by-week.png")
    return [
        ("transcripts.csv", 'the transcripts table: result.to_csv("transcripts.csv")'),
        ("words.csv", 'every word: result.to_csv("words.csv", table="words")'),
        ("spend-by-week.png", 'plots.spend_over_time(requests, freq="W", by="model")'),
    ]


def _spend_chart(requests: Any, path: Path) -> None:
    """Weekly spend by model, drawn off-screen (no display needed, no pyplot state touched)."""
    from matplotlib.figure import Figure

    from dgdata import plots

    figure = Figure(figsize=(9, 4.5))
    ax = figure.subplots()
    plots.spend_over_time(requests, freq="W", by="model", top=6, ax=ax)
    ax.set_title("Demo account: spend per week, by model (synthetic data)")
    figure.savefig(path, dpi=110, bbox_inches="tight")


def add_parser(commands: Any) -> None:
    """Register ``dgdata demo``: its help, its options and :func:`run`."""
    parser = add_command(commands, "demo", run, SUMMARY, DESCRIPTION)
    parser.add_argument(
        "--out",
        metavar="DIR",
        default="dgdata-demo",
        help="folder for transcripts.csv, words.csv and spend-by-week.png "
        "(default: ./dgdata-demo; created if missing)",
    )
    add_engine_options(parser)
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only the paths of the files written"
    )
