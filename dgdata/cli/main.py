"""The ``dgdata`` command line: the root parser and the dispatch to one module per command.

- ``dgdata demo``: a tour on the local server, no key, no network (:mod:`dgdata.cli.demo`);
- ``dgdata transcribe DIR --out FILE``: a folder of recordings to Parquet / CSV / JSON Lines /
  captions (:func:`dgdata.transcribe_folder`, :mod:`dgdata.cli.transcribe`);
- ``dgdata usage PROJECT --out FILE``: every request of a project as a table
  (``dg.usage.requests_frame``, :mod:`dgdata.cli.usage`);
- ``dgdata lab``: JupyterLab wired to a local server with demo data (:mod:`dgdata.cli.lab`);
- ``dgdata serve``: the local Deepgram-compatible server (:mod:`dgdata.cli.serve`);
- ``dgdata operations``: every REST operation the client covers (``--markdown``: the README's;
  :mod:`dgdata.cli.operations`).

Each command module holds its help texts (``SUMMARY``, ``DESCRIPTION``, maybe ``EPILOG``) at
the top, its ``run(args)`` function, and last ``add_parser(commands)``, which registers its
sub-parser, options and ``run`` (:func:`dgdata.cli.common.add_command`). :func:`main` returns
the exit status: 0 done, 1 some work failed (files, API errors), 2 the command line cannot be
carried out (a usage error, said in one line on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from dgdata._version import __version__
from dgdata.cli import demo, lab, operations, serve, transcribe, usage
from dgdata.cli.common import UsageError, one_line, request_failed, say

#: The commands in the order ``dgdata --help`` lists them.
COMMANDS = (demo, transcribe, usage, lab, operations, serve)


def build_parser() -> argparse.ArgumentParser:
    """The ``dgdata`` argument parser, every command and option with its help."""
    parser = argparse.ArgumentParser(
        prog="dgdata",
        description="Deepgram for data scientists: the whole API as DataFrames, plots, widgets. "
        "Start with `dgdata demo` (no key needed).",
    )
    parser.add_argument("--version", action="version", version=f"dgdata {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


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
        status: int = args.run(args)
    except UsageError as exc:
        say(f"dgdata {args.command}: {exc}")
        return 2
    except KeyboardInterrupt:
        hint = args.interrupted(args) if hasattr(args, "interrupted") else ""
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
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
