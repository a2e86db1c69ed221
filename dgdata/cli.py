"""The ``dgdata`` command line: a thin layer over the library.

``dgdata operations`` prints every REST operation the client covers (``--markdown`` gives the
README's table); ``dgdata serve`` runs the local Deepgram-compatible server; ``dgdata --version``
the version. More commands (``demo``, ``transcribe``, ``usage``, ``lab``) arrive with the parts of
the library they drive.
"""

from __future__ import annotations

import argparse
import os
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
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = any free)")
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


def serve(args: argparse.Namespace) -> int:
    """Run the local server in the foreground until interrupted."""
    try:
        from dgdata.server.runner import LocalServer
    except ImportError as exc:  # pragma: no cover - depends on the install
        sys.stderr.write(
            f"dgdata serve needs the server extra ({exc.name} is missing): "
            'pip install "dgdata[server]"\n'
        )
        return 2
    api_key = args.api_key or os.environ.get("DGDATA_SERVE_KEY") or None
    try:
        server = LocalServer(
            host=args.host, port=args.port, db=args.db, demo=args.demo, api_key=api_key
        )
    except OSError as exc:
        sys.stderr.write(
            f"dgdata serve: cannot listen on {args.host}:{args.port}: "
            f"{exc.strerror or exc}. Pick another --port.\n"
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
    if args.command == "serve":
        return serve(args)
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
