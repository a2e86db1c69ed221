"""What the ``dgdata`` commands share: option parsing, output formats, the client, messages.

Nothing here prints on its own except :func:`say`; a command that cannot go on raises
:class:`UsageError`, which :func:`dgdata.cli.main` turns into a one-line message and exit status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dgdata._query import format_scalar

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

_INT = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?[0-9]*\.[0-9]+([eE][-+]?[0-9]+)?\Z")


class UsageError(Exception):
    """The command line asks for something that cannot be done; exit status 2."""


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
