"""What the ``dgdata`` commands share: option parsing, output formats, the client, messages.

Nothing here prints on its own except :func:`say`; a command that cannot go on raises
:class:`UsageError`, which :func:`dgdata.cli.main.main` turns into a one-line message and exit
status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from dgdata._query import format_scalar

#: ``Namespace -> exit status``: what each command module registers as its ``run``.
Command = Callable[[argparse.Namespace], int]
#: Paragraphs after a command's options: one-line ones are wrapped, longer ones kept as laid out.
Epilog = tuple[str, ...]
#: The epilog paragraph of the commands that work on files and requests.
EXIT_STATUS = "Exit status: 0 done, 1 some files or requests failed, 2 a usage error."
#: Help text is wrapped at this width (argparse's own default on an 80-column terminal).
WIDTH = 79

#: ``--out`` suffix -> format, for the commands that write files.
FORMAT_SUFFIXES = {
    ".parquet": "parquet",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".srt": "srt",
    ".vtt": "vtt",
}
#: Formats written as a folder rather than one file.
FOLDER_FORMATS = frozenset({"parquet", "srt", "vtt"})
_FORMAT_NAMES = {"parquet": "Parquet", "csv": "CSV", "jsonl": "JSON Lines"}

_INT = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?[0-9]*\.[0-9]+([eE][-+]?[0-9]+)?\Z")


class UsageError(Exception):
    """The command line asks for something that cannot be done; exit status 2."""


def add_command(
    commands: Any, name: str, run: Command, summary: str, description: str, epilog: Epilog = ()
) -> argparse.ArgumentParser:
    """Register ``dgdata <name>`` on the sub-parsers action ``commands``; returns its parser.

    ``summary`` is its line in ``dgdata --help``; ``run`` is what :func:`dgdata.cli.main.main`
    calls with the parsed arguments. With an ``epilog`` the help is laid out by hand: the
    description and one-line paragraphs are wrapped, paragraphs of several lines (examples)
    are kept as they are.
    """
    paragraphs = [p if "\n" in p else _wrap(p) for p in epilog]
    layout: dict[str, Any] = {"description": description}
    if paragraphs:
        layout = {
            "description": _wrap(description),
            "epilog": "\n\n".join(paragraphs),
            "formatter_class": argparse.RawDescriptionHelpFormatter,
        }
    parser: argparse.ArgumentParser = commands.add_parser(name, help=summary, **layout)
    parser.set_defaults(run=run)
    return parser


def _wrap(text: str) -> str:
    """``text`` filled to the help's width, never breaking an option such as ``--api-key``."""
    return textwrap.fill(text, WIDTH, break_on_hyphens=False)


def format_name(fmt: str) -> str:
    """A format as people call it, for messages: ``Parquet``, ``JSON Lines``, ``SRT``."""
    return _FORMAT_NAMES.get(fmt, fmt.upper())


def local_server_class(command: str) -> Any:
    """``LocalServer``, or a usage error naming the extra that ``dgdata <command>`` needs."""
    try:
        from dgdata.server.runner import LocalServer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise UsageError(
            f"dgdata {command} runs the local server, which needs the server extra "
            f'({exc.name} is missing): pip install "dgdata[server]"'
        ) from None
    return LocalServer


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """``--engine``, ``--model`` and ``--threads``: the local server's speech recogniser (the
    same for ``serve``, ``demo`` and ``lab``; :func:`engine_settings` checks them)."""
    parser.add_argument(
        "--engine",
        choices=("auto", "whisper", "pocketsphinx"),
        default="auto",
        help="speech recogniser: whisper (faster-whisper) or pocketsphinx; auto picks whisper "
        "where it is installed with weights, else pocketsphinx (default: auto)",
    )
    parser.add_argument(
        "--model",
        metavar="MODEL",
        default=None,
        help="Whisper weights: a CTranslate2 model folder, or a name faster-whisper downloads "
        "on a machine with a network, e.g. small.en (default: the bundled tiny.en)",
    )
    parser.add_argument(
        "--threads",
        metavar="N",
        type=positive_int,
        default=1,
        help="CPU threads of each Whisper decode (default 1)",
    )


def engine_settings(command: str, args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`LocalServer` keywords of ``--engine``/``--model``/``--threads``, checked now:
    a ``whisper`` choice without faster-whisper or weights is a :class:`UsageError` (exit 2)
    saying what to install, never a silent fallback (only ``auto`` falls back, and says so)."""
    local_server_class(command)  # the server extra, or a usage error naming it
    from dgdata.server.asr.choice import EngineChoice
    from dgdata.server.state import local_model

    try:
        local_model(EngineChoice(args.engine, args.model, args.threads))
    except (ValueError, RuntimeError) as exc:
        raise UsageError(str(exc)) from None
    return {"engine": args.engine, "model": args.model, "threads": args.threads}


def say(message: str = "", *, stream: Any = None) -> None:
    """Write one line to stderr (or ``stream``): summaries and notes, never the data."""
    target = sys.stderr if stream is None else stream
    target.write(message + "\n")
    target.flush()


def option_value(text: str) -> Any:
    """A ``--option`` value as the query encoder would have written it.

    ``true`` / ``false`` become booleans, whole numbers ``int``, decimals ``float``; anything
    else stays text. A number only converts when it reads back the same way (``007`` and
    ``1.50`` stay text), so a value never changes on its way to the API.

    >>> [option_value(v) for v in ["true", "3", "0.5", "007", "a:2", "nova-3"]]
    [True, 3, 0.5, '007', 'a:2', 'nova-3']
    """
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text) and format_scalar(float(text)) == text:
        return float(text)
    return text


def parse_options(pairs: Iterable[str]) -> dict[str, Any]:
    """``key=value`` strings as an options dict; a key given twice becomes a list.

    >>> parse_options(["smart_format=true", "keywords=a:2", "keywords=b"])
    {'smart_format': True, 'keywords': ['a:2', 'b']}
    """
    options: dict[str, Any] = {}
    for pair in pairs:
        key, equals, text = pair.partition("=")
        key = key.strip()
        if not equals or not key or any(ch.isspace() for ch in key):
            raise UsageError(
                f"--option {pair!r} is not key=value; write e.g. --option smart_format=true "
                "(repeat --option for several, or the same key twice for a list)"
            )
        value = option_value(text)
        if key not in options:
            options[key] = value
        elif isinstance(options[key], list):
            options[key].append(value)
        else:
            options[key] = [options[key], value]
    return options


def output_format(out: Path, chosen: str | None, allowed: Iterable[str]) -> str:
    """The format to write: ``--format``, else the one ``--out``'s suffix names."""
    allowed = list(allowed)
    if chosen is not None:
        return chosen
    guessed = FORMAT_SUFFIXES.get(out.suffix.lower())
    if guessed in allowed:
        return guessed
    suffixes = ", ".join(s for s, f in FORMAT_SUFFIXES.items() if f in allowed)
    raise UsageError(
        f"cannot tell the format from --out {str(out)!r}; end it in {suffixes} "
        f"or pass --format ({'|'.join(allowed)})"
    )


def iso_date(text: str) -> str:
    """An argparse ``type`` for ``--start`` / ``--end``: a date or ISO 8601 date-time."""
    try:
        if "T" in text or " " in text.strip():
            dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        else:
            dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"
        ) from None
    return text.strip()


def date_order(start: str | None, end: str | None) -> None:
    """A :class:`UsageError` when ``--start`` comes after ``--end`` (both as :func:`iso_date`).

    A plain date stands for its whole day, so ``--start 2024-06-01T12:00 --end 2024-06-01`` is
    fine; date-times in different time zones are compared as instants.
    """
    if not start or not end:
        return
    first, last = _instant(start), _instant(end)
    both_instants = _has_time(start) and _has_time(end)
    # else a day against a day, or against an instant: compare the days
    if first > last if both_instants else first.date() > last.date():
        raise UsageError(f"--start {start} is after --end {end}; swap them")


def _has_time(text: str) -> bool:
    return "T" in text or " " in text


def _instant(text: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when


def port_number(text: str) -> int:
    """An argparse ``type`` for ``--port``: 0 (any free port) to 65535."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"expected a port number from 0 to 65535 (0: any free port), got {text!r}"
        )
    return value


def positive_int(text: str) -> int:
    """An argparse ``type`` for counts such as ``-j``."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return value


def client(args: argparse.Namespace) -> Any:
    """``dgdata.Deepgram`` from ``--api-key`` / ``--api-url``, else the environment.

    A missing key is a :class:`UsageError` naming ``DEEPGRAM_API_KEY``; the key itself is never
    part of a message.
    """
    from dgdata import Deepgram
    from dgdata.errors import ConfigurationError

    try:
        return Deepgram(api_key=args.api_key or None, api_url=args.api_url or None)
    except ConfigurationError as exc:
        if "No Deepgram credentials" in str(exc):
            raise UsageError(
                "no API key: set DEEPGRAM_API_KEY (export DEEPGRAM_API_KEY=...) or pass "
                "--api-key. No key? `dgdata serve --demo` runs a local server; point "
                "DEEPGRAM_API_URL at it and use the key it prints."
            ) from None
        raise UsageError(str(exc)) from None


def request_hint(
    error: BaseException | None = None, statuses: Iterable[int] = (), unreachable: bool = False
) -> str:
    """What to check after failed requests (with a leading space), or ``""``: from the error,
    or from the HTTP statuses and whether some got no answer (``unreachable``)."""
    from dgdata.errors import DeepgramApiError, DeepgramConnectionError

    codes = set(statuses)
    if isinstance(error, DeepgramApiError):
        codes.add(error.status)
    if 401 in codes:
        return " The API key was rejected (401): check DEEPGRAM_API_KEY / --api-key."
    if 402 in codes:
        return " The project is out of credit (402)."
    if 403 in codes:
        return " The key lacks the permission for this (403): use a key with more scopes."
    if unreachable or isinstance(error, DeepgramConnectionError):
        return " Check the URL (DEEPGRAM_API_URL / --api-url) and that the server is reachable."
    return ""


def request_failed(command: str, error: BaseException) -> str:
    """The one line for a request that failed: the error's own message, then what to check."""
    text = one_line(error)
    hint = "" if "reachable?" in text else request_hint(error)  # the message asks already
    if not text.endswith((".", "?", "!")):
        text += "."
    return f"dgdata {command}: {text}{hint}"


def write_failed(
    command: str, done: str, fmt: str, out: Path, error: BaseException, note: str = ""
) -> str:
    """The one line for results that could not be written once the work was ``done``."""
    kept = f"{note}; " if note else ""
    return (
        f"dgdata {command}: {done}, but writing {format_name(fmt)} to {str(out)!r} failed "
        f"({one_line(error)}); {kept}exit status 1."
    )


def one_line(error: BaseException) -> str:
    """An exception as one line: an ``OSError`` as ``reason: 'file'``, others as their text."""
    if isinstance(error, OSError) and error.strerror:
        text = error.strerror
        if error.filename is not None:
            text += f": {str(error.filename)!r}"
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split())


def check_writable(path: Path, *, folder: bool, what: str, option: str = "--out") -> None:
    """A :class:`UsageError` unless ``path`` can be written, as a folder or as one file.

    Checked before any work is done, so a bad path costs nothing; nothing is created. The
    nearest folder that exists must be a folder (not a file) we may write in; an existing
    file must be writable. ``what`` names the thing written, for the message.
    """
    shown = f"{option} {str(path)!r}"
    if folder and os.path.lexists(path) and not path.is_dir():
        raise UsageError(f"{shown} is a file; {what} is written as a folder")
    if not folder and path.is_dir():
        raise UsageError(f"{shown} is a folder; {what} is written to one file")
    nearest = path if folder else path.parent
    while not os.path.lexists(nearest) and nearest.parent != nearest:
        nearest = nearest.parent
    if not nearest.is_dir():
        raise UsageError(f"{shown} cannot be created: {str(nearest)!r} is a file, not a folder")
    if not os.access(nearest, os.W_OK | os.X_OK):
        raise UsageError(f"{shown} cannot be written: no permission to write in {str(nearest)!r}")
    if not folder and path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{shown} cannot be overwritten: the file is read-only")


def make_folder(path: Path, *, what: str, option: str, hint: str = "") -> Path:
    """Create the folder ``path`` (and its parents) now, or a one-line :class:`UsageError`."""
    try:
        check_writable(path, folder=True, what=what, option=option)
        path.mkdir(parents=True, exist_ok=True)
    except UsageError as exc:
        raise UsageError(f"{exc}{hint}") from None
    except OSError as exc:
        raise UsageError(
            f"{option} {str(path)!r} cannot be created ({one_line(exc)}){hint}"
        ) from None
    return path


def add_client_options(parser: argparse.ArgumentParser) -> None:
    """``--api-key`` and ``--api-url``, for the commands that talk to an API."""
    parser.add_argument(
        "--api-key",
        metavar="KEY",
        default=None,
        help="Deepgram API key (default: $DEEPGRAM_API_KEY; prefer the variable, a key on the "
        "command line is visible to other users of the machine). Never printed.",
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        default=None,
        help="API base URL (default: $DEEPGRAM_API_URL, else https://api.deepgram.com); "
        "e.g. https://api.eu.deepgram.com or a local `dgdata serve`",
    )


def audio_length(seconds: float) -> str:
    """``6.2 s``, ``12.5 min`` or ``3.41 h``: a duration people read at a glance."""
    if seconds < 90:
        return f"{seconds:.1f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


def plural(count: int, word: str) -> str:
    """``1 file``, ``3 files``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def json_ready(frame: Any) -> Any:
    """A copy of ``frame`` whose list-valued columns are JSON text (for CSV cells)."""
    import json

    import pandas as pd

    copy: pd.DataFrame = frame.copy()
    for name in copy.columns:
        column = copy[name]
        if column.dtype == object and column.map(lambda v: isinstance(v, list)).any():
            copy[name] = column.map(lambda v: json.dumps(v) if isinstance(v, list) else v)
    return copy


def aligned_table(columns: dict[str, Any], left: tuple[str, ...] = ()) -> str:
    """An aligned text table (pandas ``to_string``): ``left`` columns flush left, others right,
    two spaces between columns."""
    import pandas as pd

    frame = pd.DataFrame({name: [str(v) for v in values] for name, values in columns.items()})
    widths = {name: max([len(name), *(len(v) for v in frame[name])]) for name in frame.columns}
    for name in left:
        frame[name] = frame[name].str.ljust(widths[name])
    frame = frame.rename(columns={name: name.ljust(widths[name]) for name in left})
    space = [widths[name] + (0 if i == 0 else 1) for i, name in enumerate(columns)]
    text: str = frame.to_string(index=False, col_space=space)
    return "\n".join(line.rstrip() for line in text.splitlines())
