"""The ``dgdata`` command line: a thin layer over the library.

``dgdata operations`` prints every REST operation the client covers (``--markdown`` gives the
README's table); ``dgdata --version`` the version. More commands (``serve``, ``demo``,
``transcribe``, ``usage``, ``lab``) arrive with the parts of the library they drive.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dgdata._version import __version__


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
    parser = argparse.ArgumentParser(
        prog="dgdata",
        description="Deepgram for data scientists: the whole API as DataFrames, plots, widgets.",
    )
    parser.add_argument("--version", action="version", version=f"dgdata {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    listing = commands.add_parser(
        "operations",
        help="list every Deepgram REST operation the client covers",
        description="List every Deepgram REST operation the client covers, with its endpoint.",
    )
    listing.add_argument(
        "--markdown", action="store_true", help="print the Markdown table used in the README"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "operations":
        table = operations_table(markdown=args.markdown)
        sys.stdout.write(table + "\n")
        if not args.markdown:
            count = table.count("\n") + 1
            sys.stdout.write(f"\n{count} operations\n")
        return 0
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
