"""``dgdata usage``: every request of a project (or of all of them) to CSV, Parquet or JSON Lines.

Thin: :meth:`dgdata.resources.usage.Usage.requests_frame` does the fetching; what is here is the
command line's part: reading the arguments, writing where ``--out`` says, one summary line.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dgdata.cli.common import (
    EXIT_STATUS,
    add_client_options,
    add_command,
    check_writable,
    client,
    date_order,
    format_name,
    iso_date,
    json_ready,
    output_format,
    plural,
    request_failed,
    say,
    write_failed,
)

FORMATS = ("csv", "parquet", "jsonl")

#: ``dgdata --help``'s line for the command, then its own help text.
SUMMARY = "write every request of a project (or `all`: the key's) as CSV, Parquet or JSON Lines"
DESCRIPTION = (
    "Fetch every usage request of PROJECT (dg.usage.requests_frame: one row per "
    "request with its time, model, method, duration in hours, USD, tags and options) "
    "and write it to --out. Prints the number of requests, audio hours and USD on stderr."
)
EPILOG = (
    "examples:\n"
    "  dgdata usage all --start 2024-06-01 --end 2024-06-30 --out june.parquet\n"
    "  dgdata usage 3490928c-0ab8-51f2-aa11-1cddc979844e --out support.csv",
    EXIT_STATUS,
)


def run(args: argparse.Namespace) -> int:
    """Run ``dgdata usage``: every request of a project (or all of them) to a file.

    0 when the file is written; 1 when a request fails (unreachable, timed out, an API error)
    or the file cannot be written after all; 2 for what can be checked first.
    """
    from dgdata.errors import DeepgramError

    out = Path(args.out)
    fmt = output_format(out, args.format, FORMATS)
    check_writable(out, folder=False, what="usage")
    date_order(args.start, args.end)
    dg = client(args)
    project = None if args.project == "all" else args.project
    try:
        requests = dg.usage.requests_frame(project, args.start, args.end)
    except DeepgramError as exc:
        say(request_failed("usage", exc))
        return 1
    finally:
        dg.close()
    try:
        _write(requests, out, fmt)
    except (OSError, ValueError) as exc:  # --out was fine before; something changed meanwhile
        say(write_failed("usage", f"fetched {plural(len(requests), 'request')}", fmt, out, exc))
        return 1
    if not args.quiet:
        hours = float(requests["duration"].fillna(0).sum())
        usd = float(requests["usd"].fillna(0).sum())
        projects = requests["project_id"].nunique()
        say(
            f"dgdata usage: {plural(len(requests), 'request')} in "
            f"{plural(projects, 'project')}, {hours:,.2f} audio hours, ${usd:,.2f} USD; "
            f"wrote {format_name(fmt)} to {out}"
        )
    return 0


def _write(requests: Any, out: Path, fmt: str) -> None:
    """Write the requests frame as ``fmt`` (list columns as JSON text in CSV)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        json_ready(requests).to_csv(out, index=False)
    elif fmt == "parquet":
        requests.to_parquet(out, index=False)
    else:
        requests.to_json(out, orient="records", lines=True, date_format="iso")


def add_parser(commands: Any) -> None:
    """Register ``dgdata usage``: its help, its options and :func:`run`."""
    parser = add_command(commands, "usage", run, SUMMARY, DESCRIPTION, EPILOG)
    parser.add_argument(
        "project",
        metavar="PROJECT",
        help="a project id, or `all` for every project the key reaches (a key reaches its own)",
    )
    parser.add_argument(
        "--start", metavar="DATE", type=iso_date, help="first day (YYYY-MM-DD or ISO date-time)"
    )
    parser.add_argument(
        "--end", metavar="DATE", type=iso_date, help="last day (YYYY-MM-DD or ISO date-time)"
    )
    parser.add_argument("-o", "--out", metavar="FILE", required=True, help="the file to write")
    parser.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        help="output format (default: from the --out suffix: .csv .parquet .jsonl); in CSV, "
        "list columns (tags, models, features) are JSON text",
    )
    add_client_options(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary line")
