"""The ``dgdata`` command line: a thin layer over the library.

- ``dgdata demo``: a tour on the local server, no key, no network (:mod:`dgdata.cli.demo`);
- ``dgdata transcribe DIR --out FILE``: a folder of recordings to Parquet / CSV / JSON Lines /
  captions (:func:`dgdata.transcribe_folder`, :mod:`dgdata.cli.transcribe`);
- ``dgdata usage PROJECT --out FILE``: every request of a project as a table
  (``dg.usage.requests_frame``);
- ``dgdata lab``: JupyterLab wired to a local server with demo data (:mod:`dgdata.cli.lab`);
- ``dgdata serve``: the local Deepgram-compatible server;
- ``dgdata operations``: every REST operation the client covers (``--markdown``: the README's).

:func:`main` returns the exit status: 0 done, 1 some work failed (files, API errors), 2 the
command line cannot be carried out (a usage error, said in one line on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dgdata._version import __version__
from dgdata.cli.common import (
    UsageError,
    add_client_options,
    check_writable,
    iso_date,
    local_server_class,
    one_line,
    port_number,
    positive_int,
    request_failed,
    say,
)

Commands = Any  # argparse's sub-parsers action (private type)
_EXIT_STATUS = "Exit status: 0 done, 1 some files or requests failed, 2 a usage error."


def _laid_out(*paragraphs: str) -> dict[str, Any]:
    """The ``epilog`` (and formatter) for text laid out by hand: one-line paragraphs are
    wrapped, paragraphs of several lines (examples) are kept as they are."""
    kept = [p if "\n" in p else textwrap.fill(p, 79) for p in paragraphs]
    return {"epilog": "\n\n".join(kept), "formatter_class": argparse.RawDescriptionHelpFormatter}


def operations_table(markdown: bool = False) -> str:
    """The table of operations: plain columns, or the Markdown table of the README."""
    from dgdata.client import operations

    rows = [(op.group, " / ".join(op.calls), op.method, op.path) for op in operations()]
    if markdown:
        lines = ["| group | method | HTTP | path |", "|---|---|---|---|"]
        lines += [f"| {g} | `{c}` | {m} | `{p}` |" for g, c, m, p in rows]
        return "\n".join(lines)
    width = max(len(c) for _, c, _, _ in rows)
    return "\n".join(f"{c:<{width}}  {m:<6} {p}" for _, c, m, p in rows)


def build_parser() -> argparse.ArgumentParser:
    """The ``dgdata`` argument parser, every command and option with its help."""
    parser = argparse.ArgumentParser(
        prog="dgdata",
        description="Deepgram for data scientists: the whole API as DataFrames, plots, widgets. "
        "Start with `dgdata demo` (no key needed).",
    )
    parser.add_argument("--version", action="version", version=f"dgdata {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_demo(commands)
    _add_transcribe(commands)
    _add_usage(commands)
    _add_lab(commands)
    listing = commands.add_parser(
        "operations",
        help="list every Deepgram REST operation the client covers",
        description="List every Deepgram REST operation the client covers, with its endpoint.",
    )
    listing.add_argument(
        "--markdown", action="store_true", help="print the Markdown table used in the README"
    )
    serve = commands.add_parser(
        "serve",
        help="run a local Deepgram-compatible server (no key, no network)",
        description="Run a local Deepgram-compatible server: the whole REST API and the live "
        "WebSocket on one port, state in SQLite, offline speech recognition with pocketsphinx. "
        "Prints the base URL and an API key to use with it.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: loopback only)"
    )
    serve.add_argument(
        "--port", type=port_number, default=8080, help="port (default 8080; 0 = any free)"
    )
    serve.add_argument(
        "--db",
        default=":memory:",
        help="SQLite file for the state (default: in memory, gone when the server stops)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed a synthetic demo account: projects, members, keys and 90 days of usage",
    )
    serve.add_argument(
        "--api-key",
        default=None,
        help="owner key to accept (default: a new one "
        "is made and printed; or set DGDATA_SERVE_KEY)",
    )
    return parser


def _add_demo(commands: Commands) -> None:
    demo = commands.add_parser(
        "demo",
        help="a tour of dgdata on a local server: no key, no network, well under a minute",
        description="Start the local Deepgram-compatible server in this process (demo account, "
        "offline recognition), transcribe the bundled sample recordings, show the transcripts "
        "and words tables and the demo account's usage and spend, and write the tables (CSV) and "
        "a spend chart (PNG) into --out. Each step prints the Python that does it.",
    )
    demo.add_argument(
        "--out",
        metavar="DIR",
        default="dgdata-demo",
        help="folder for transcripts.csv, words.csv and spend-by-week.png "
        "(default: ./dgdata-demo; created if missing)",
    )
    demo.add_argument(
        "-q", "--quiet", action="store_true", help="print only the paths of the files written"
    )


def _add_transcribe(commands: Commands) -> None:
    transcribe = commands.add_parser(
        "transcribe",
        help="transcribe a folder of recordings into Parquet, CSV, JSON Lines or captions",
        description=textwrap.fill(
            "Transcribe every recording under DIR (dgdata.transcribe_folder: concurrent, "
            "cached, retried; a bad file becomes an error row, not a crash) and write the "
            "result. The key and URL come from DEEPGRAM_API_KEY / DEEPGRAM_API_URL or "
            "--api-key / --api-url.",
            79,
        ),
        **_laid_out(
            "examples:\n"
            "  dgdata transcribe calls/ --out calls.parquet --model nova-3 -j 16\n"
            "  dgdata transcribe calls/ --out calls.csv --option smart_format=true \\\n"
            "      --option keywords=refund:2 --option keywords=invoice\n"
            "  dgdata transcribe calls/ --out captions/ --format srt --pattern '**/*.wav'",
            _EXIT_STATUS,
        ),
    )
    transcribe.add_argument("folder", metavar="DIR", help="the folder of recordings")
    transcribe.add_argument(
        "-o",
        "--out",
        metavar="PATH",
        required=True,
        help="where to write: a file for csv and jsonl, a folder for parquet (transcripts/, "
        "words/, utterances/), srt and vtt (one caption file per recording)",
    )
    transcribe.add_argument(
        "-f",
        "--format",
        choices=["parquet", "csv", "jsonl", "srt", "vtt"],
        help="output format (default: from the --out suffix: .parquet .csv .jsonl .srt .vtt)",
    )
    transcribe.add_argument(
        "--table",
        choices=["transcripts", "words", "utterances", "errors"],
        default="transcripts",
        help="with csv: which table to write (default: transcripts, one row per file; "
        "errors: the failed files only)",
    )
    transcribe.add_argument(
        "-m", "--model", metavar="MODEL", help="the model, e.g. nova-3 (same as --option model=M)"
    )
    transcribe.add_argument(
        "--option",
        metavar="KEY=VALUE",
        action="append",
        help="a /v1/listen option, repeatable: true/false become booleans, numbers numbers; "
        "a key given twice becomes a list (--option keywords=a:2 --option keywords=b)",
    )
    transcribe.add_argument(
        "--pattern",
        metavar="GLOB",
        default="**/*",
        help="which files under DIR (default: **/*, every file in every subfolder; hidden "
        "files and folders are skipped)",
    )
    transcribe.add_argument(
        "-j",
        "--jobs",
        metavar="N",
        type=positive_int,
        default=8,
        help="recordings in flight at once (default 8)",
    )
    cache = transcribe.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="keep finished transcripts here, so a rerun sends only what is not done "
        "(default: ~/.cache/dgdata/transcripts, or $XDG_CACHE_HOME/dgdata/transcripts)",
    )
    cache.add_argument(
        "--no-cache", action="store_true", help="send every file, keep no transcripts"
    )
    add_client_options(transcribe)
    transcribe.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar and no summary line (failures are still reported); the bar is "
        "only shown on a terminal anyway",
    )


def _add_usage(commands: Commands) -> None:
    usage = commands.add_parser(
        "usage",
        help="write every request of a project (or of all projects) as CSV, Parquet or JSON Lines",
        description=textwrap.fill(
            "Fetch every usage request of PROJECT (dg.usage.requests_frame: one row per "
            "request with its time, model, method, duration in hours, USD, tags and options) "
            "and write it to --out. Prints the number of requests, audio hours and USD on stderr.",
            79,
        ),
        **_laid_out(
            "examples:\n"
            "  dgdata usage all --start 2024-06-01 --end 2024-06-30 --out june.parquet\n"
            "  dgdata usage 3490928c-0ab8-51f2-aa11-1cddc979844e --out support.csv",
            _EXIT_STATUS,
        ),
    )
    usage.add_argument(
        "project", metavar="PROJECT", help="a project id, or `all` for every project of the key"
    )
    usage.add_argument(
        "--start", metavar="DATE", type=iso_date, help="first day (YYYY-MM-DD or ISO date-time)"
    )
    usage.add_argument(
        "--end", metavar="DATE", type=iso_date, help="last day (YYYY-MM-DD or ISO date-time)"
    )
    usage.add_argument("-o", "--out", metavar="FILE", required=True, help="the file to write")
    usage.add_argument(
        "-f",
        "--format",
        choices=["csv", "parquet", "jsonl"],
        help="output format (default: from the --out suffix: .csv .parquet .jsonl); in CSV, "
        "list columns (tags, models, features) are JSON text",
    )
    add_client_options(usage)
    usage.add_argument("-q", "--quiet", action="store_true", help="no summary line")


def _add_lab(commands: Commands) -> None:
    lab = commands.add_parser(
        "lab",
        help="JupyterLab on the notebooks, wired to a local server with demo data",
        description=textwrap.fill(
            "Start the local Deepgram-compatible server (demo account) and JupyterLab on the "
            "notebooks folder. JupyterLab and its kernels get DEEPGRAM_API_URL and "
            "DEEPGRAM_API_KEY for the local server, so dgdata.Deepgram() works in every "
            "notebook with no setup. Ctrl+C stops both; so does shutting JupyterLab down.",
            79,
        ),
        **_laid_out(
            "Arguments after `--` go to JupyterLab. Needs JupyterLab (pip install jupyterlab).",
            "examples:\n"
            "  dgdata lab\n"
            "  dgdata lab --no-browser --port 8899 --notebooks ~/analysis\n"
            "  dgdata lab -- --IdentityProvider.token=secret\n"
            "  dgdata lab -- --allow-root        # as root, e.g. in a container",
        ),
    )
    lab.add_argument(
        "--port",
        type=port_number,
        default=8888,
        help="JupyterLab's port (default 8888; 0 = any free)",
    )
    lab.add_argument(
        "--server-port",
        metavar="PORT",
        type=port_number,
        default=0,
        help="the local Deepgram server's port (default: any free port)",
    )
    lab.add_argument(
        "--no-browser", action="store_true", help="do not open a browser (print the URL only)"
    )
    lab.add_argument(
        "--notebooks",
        metavar="DIR",
        help="folder to open (default: ./notebooks if it exists, else the repository's "
        "notebooks/, else a new ./notebooks)",
    )
    lab.add_argument(
        "jupyter_args", nargs="*", metavar="-- JUPYTER_ARG", help="passed on to JupyterLab"
    )


def serve(args: argparse.Namespace) -> int:
    """Run the local server in the foreground until interrupted."""
    import sqlite3

    LocalServer = local_server_class("serve")

    api_key = args.api_key or os.environ.get("DGDATA_SERVE_KEY") or None
    if args.db != ":memory:":
        db = Path(args.db).expanduser()
        check_writable(db, folder=False, what="the SQLite database", option="--db")
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--db {args.db!r} cannot be created ({one_line(exc)})") from None
    try:
        server = LocalServer(
            host=args.host, port=args.port, db=args.db, demo=args.demo, api_key=api_key
        )
    except sqlite3.Error as exc:
        raise UsageError(
            f"--db {args.db!r} cannot be used as the server's database ({exc}); pick another "
            "file (or leave --db out: in memory)"
        ) from None
    except OSError as exc:
        port_taken = exc.errno in (errno.EADDRINUSE, errno.EACCES)
        pick = "Pick another --port." if port_taken else "Check --host."
        sys.stderr.write(
            f"dgdata serve: cannot listen on {args.host}:{args.port}: "
            f"{exc.strerror or exc}. {pick}\n"
        )
        return 2
    sys.stdout.write(
        f"dgdata serve: a local Deepgram-compatible API on {server.url}\n"
        f"  DEEPGRAM_API_URL={server.url}\n"
        f"  DEEPGRAM_API_KEY={server.api_key}\n"
        f"  project {server.project_id}{' (demo data seeded)' if args.demo else ''}\n"
        "Press Ctrl+C to stop.\n"
    )
    sys.stdout.flush()
    server.serve_forever()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (``--help`` and usage errors included)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and argparse's usage errors (2)
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help()
        return 0
    from dgdata.errors import ConfigurationError, DeepgramError

    try:
        return _run(args)
    except UsageError as exc:
        say(f"dgdata {args.command}: {exc}")
        return 2
    except KeyboardInterrupt:
        resumable = args.command == "transcribe" and not args.no_cache
        hint = " (finished transcripts are cached: run it again to carry on)" if resumable else ""
        say(f"dgdata {args.command}: interrupted{hint}")
        return 130
    except ConfigurationError as exc:  # a setting the client refused: the command line's fault
        say(f"dgdata {args.command}: {one_line(exc)}")
        return 2
    except DeepgramError as exc:  # a request failed (no answer, timed out, an API error)
        say(request_failed(args.command, exc))
        return 1
    except BrokenPipeError:  # `dgdata demo | head`: the reader left, which is not an error
        # no "Exception ignored ... BrokenPipeError" when Python flushes stdout at exit
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a file that could not be read or written after the checks
        say(f"dgdata {args.command}: {one_line(exc)}")
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "operations":
        table = operations_table(markdown=args.markdown)
        sys.stdout.write(table + "\n")
        if not args.markdown:
            count = table.count("\n") + 1
            sys.stdout.write(f"\n{count} operations\n")
        return 0
    if args.command == "serve":
        return serve(args)
    if args.command == "demo":
        from dgdata.cli.demo import demo

        return demo(args)
    if args.command == "lab":
        from dgdata.cli.lab import lab

        return lab(args)
    from dgdata.cli import transcribe as _cli_transcribe

    run = _cli_transcribe.transcribe if args.command == "transcribe" else _cli_transcribe.usage
    return run(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
