"""``dgdata operations``: every REST operation the client covers, with its endpoint.

The table comes from the ``@operation`` declarations (:func:`dgdata.client.operations`);
``--markdown`` prints the README's table, which a test keeps equal to the code.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dgdata.cli.common import add_command

#: ``dgdata --help``'s line for the command, then its own help text.
SUMMARY = "list every Deepgram REST operation the client covers"
DESCRIPTION = "List every Deepgram REST operation the client covers, with its endpoint."


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


def run(args: argparse.Namespace) -> int:
    """Print the table (with a count, unless ``--markdown``); always 0."""
    table = operations_table(markdown=args.markdown)
    sys.stdout.write(table + "\n")
    if not args.markdown:
        count = table.count("\n") + 1
        sys.stdout.write(f"\n{count} operations\n")
    return 0


def add_parser(commands: Any) -> None:
    """Register ``dgdata operations``: its help, its options and :func:`run`."""
    parser = add_command(commands, "operations", run, SUMMARY, DESCRIPTION)
    parser.add_argument(
        "--markdown", action="store_true", help="print the Markdown table used in the README"
    )
