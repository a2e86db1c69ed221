"""``dgdata serve``: the local Deepgram-compatible server, in the foreground.

The whole REST API and the live WebSocket on one port, state in SQLite, offline recognition
(:class:`dgdata.server.runner.LocalServer`). It prints the base URL and a key to use with it.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path
from typing import Any

from dgdata.cli.common import (
    UsageError,
    add_command,
    add_engine_options,
    check_writable,
    engine_settings,
    local_server_class,
    one_line,
    port_number,
)

#: ``dgdata --help``'s line for the command, then its own help text.
SUMMARY = "run a local Deepgram-compatible server (no key, no network)"
DESCRIPTION = (
    "Run a local Deepgram-compatible server: the whole REST API and the live "
    "WebSocket on one port, state in SQLite, offline speech recognition (Whisper through "
    "faster-whisper where installed with weights, else pocketsphinx: --engine). Prints the "
    "base URL, an API key to use with it and the recogniser it runs."
)


def run(args: argparse.Namespace) -> int:
    """Run the local server in the foreground until interrupted; 2 if it cannot listen."""
    import sqlite3

    LocalServer = local_server_class("serve")

    api_key = args.api_key or os.environ.get("DGDATA_SERVE_KEY") or None
    if args.db != ":memory:":
        _prepare_database(args.db)
    engine = engine_settings("serve", args)
    try:
        server = LocalServer(
            host=args.host,
            port=args.port,
            db=args.db,
            demo=args.demo,
            api_key=api_key,
            allow_private_urls=args.allow_private_urls,
            **engine,
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
        f"  recognition: {server.recognition}\n" + _demo_keys(server) + "Press Ctrl+C to stop.\n"
    )
    sys.stdout.flush()
    server.serve_forever()
    return 0


def _demo_keys(server: Any) -> str:
    """The lines naming each demo project and its owner key (a key reaches one project)."""
    lines = [
        f"  demo project {project_id} ({server.state.backend.get_project(project_id)['name']}): "
        f"DEEPGRAM_API_KEY={key}\n"
        for project_id, key in server.demo_keys.items()
    ]
    return "".join(lines)


def _prepare_database(path: str) -> None:
    """Check ``--db`` can be written and create its folder, or raise a :class:`UsageError`."""
    db = Path(path).expanduser()
    check_writable(db, folder=False, what="the SQLite database", option="--db")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--db {path!r} cannot be created ({one_line(exc)})") from None


def add_parser(commands: Any) -> None:
    """Register ``dgdata serve``: its help, its options and :func:`run`."""
    parser = add_command(commands, "serve", run, SUMMARY, DESCRIPTION)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: loopback only)"
    )
    parser.add_argument(
        "--port", type=port_number, default=8080, help="port (default 8080; 0 = any free)"
    )
    parser.add_argument(
        "--db",
        default=":memory:",
        help="SQLite file for the state (default: in memory, gone when the server stops)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="seed a synthetic demo account: projects, members, keys and 90 days of usage",
    )
    parser.add_argument(
        "--api-key",
        default=None,
        help="owner key to accept (default: a new one "
        "is made and printed; or set DGDATA_SERVE_KEY)",
    )
    add_engine_options(parser)
    parser.add_argument(
        "--allow-private-urls",
        action="store_true",
        help="let url sources and callbacks reach loopback, private and link-local addresses "
        "(refused by default; for local development and tests)",
    )
