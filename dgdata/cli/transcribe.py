"""``dgdata transcribe`` and ``dgdata usage``: a folder to a table, an account's requests to a file.

Both are thin: :func:`dgdata.transcribe_folder` and the :class:`~dgdata.batch.BatchResult`
writers do the transcribing and writing, :meth:`dgdata.resources.usage.Usage.requests_frame`
the fetching. What is here is the command line's part: reading the arguments, writing where
``--out`` says, and one summary line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dgdata.cli.common import (
    FOLDER_FORMATS,
    UsageError,
    aligned_table,
    audio_length,
    check_writable,
    client,
    date_order,
    json_ready,
    make_folder,
    one_line,
    output_format,
    parse_options,
    plural,
    request_failed,
    request_hint,
    say,
)

TRANSCRIBE_FORMATS = ("parquet", "csv", "jsonl", "srt", "vtt")
USAGE_FORMATS = ("csv", "parquet", "jsonl")
_FORMAT_NAMES = {"parquet": "Parquet", "csv": "CSV", "jsonl": "JSON Lines", "srt": "SRT"}


def transcribe(args: argparse.Namespace) -> int:
    """Run ``dgdata transcribe``: 0 when every file was transcribed, 1 when some failed.

    Everything that can be checked before sending (the folder, ``--out``, the cache folder,
    the key) is checked first: a usage error never costs a transcription.
    """
    from dgdata.batch import default_cache_dir, transcribe_folder

    folder = Path(args.folder)
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise UsageError(f"{str(folder)!r} {what}; pass the folder that holds the recordings")
    out = Path(args.out)
    fmt = output_format(out, args.format, TRANSCRIBE_FORMATS)
    if args.table != "transcripts" and fmt != "csv":
        raise UsageError("--table applies to --format csv only")
    options = parse_options(args.option or [])
    if args.model:
        options["model"] = args.model
    check_out(out, fmt)
    dg = client(args)
    settings: dict[str, Any] = {"concurrency": args.jobs, "progress": _progress(args.quiet)}
    if args.no_cache:
        settings["cache_dir"] = None
    else:
        chosen = args.cache_dir is not None
        settings["cache_dir"] = make_folder(
            Path(args.cache_dir).expanduser() if chosen else default_cache_dir(),
            what="the transcript cache",
            option="--cache-dir" if chosen else "the transcript cache",
            hint="; pass another --cache-dir or --no-cache"
            if chosen
            else "; pass --cache-dir DIR or --no-cache",
        )
    result = transcribe_folder(dg, folder, args.pattern, options, **settings)
    if not len(result.transcripts):
        raise UsageError(
            f"no files match {args.pattern!r} under {str(folder)!r}; nothing written "
            "(hidden files are skipped; see --pattern)"
        )
    failures = result.errors
    done = len(result.transcripts) - len(failures)
    try:
        written = write_batch(result, out, fmt, args.table)
    except (OSError, ValueError) as exc:  # --out was fine before; something changed meanwhile
        kept = (
            "they are cached, so a rerun with a writable --out sends nothing"
            if settings["cache_dir"] is not None
            else "nothing was cached (--no-cache)"
        )
        say(
            f"dgdata transcribe: {plural(done, 'file')} transcribed, but writing "
            f"{_FORMAT_NAMES.get(fmt, fmt.upper())} to {str(out)!r} failed ({one_line(exc)}); "
            f"{kept}; exit status 1."
        )
        return 1
    seconds = float(result.transcripts["duration"].fillna(0).sum())
    if not args.quiet or len(failures):
        say(
            f"dgdata transcribe: {plural(done, 'file')} transcribed, {len(failures)} failed, "
            f"{seconds / 3600:.4g} audio hours ({audio_length(seconds)}); "
            f"wrote {_FORMAT_NAMES.get(fmt, fmt.upper())} to {written}"
        )
    if len(failures):
        say(_errors_table(failures, folder))
        hint = _failures_hint(failures)
        say(
            f"dgdata transcribe: {plural(len(failures), 'file')} failed (listed above); "
            f"exit status 1.{hint}"
        )
        return 1
    return 0


def check_out(out: Path, fmt: str) -> None:
    """A :class:`UsageError` unless ``out`` can take ``fmt``: a folder, or one file."""
    check_writable(out, folder=fmt in FOLDER_FORMATS, what=_FORMAT_NAMES.get(fmt, fmt.upper()))


def write_batch(result: Any, out: Path, fmt: str, table: str = "transcripts") -> str:
    """Write ``result`` as ``fmt`` at ``out``; returns where, for the summary line."""
    if fmt not in FOLDER_FORMATS:
        out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        return f"{result.to_parquet(out)}/"
    if fmt == "csv":
        return str(result.to_csv(out, table=table))
    if fmt == "jsonl":
        return str(result.to_jsonl(out))
    files = result.to_srt(out) if fmt == "srt" else result.to_webvtt(out)
    return f"{out}/ ({plural(len(files), 'caption file')})"


def usage(args: argparse.Namespace) -> int:
    """Run ``dgdata usage``: every request of a project (or all of them) to a file.

    0 when the file is written; 1 when a request fails (unreachable, timed out, an API error)
    or the file cannot be written after all; 2 for what can be checked first.
    """
    from dgdata.errors import DeepgramError

    out = Path(args.out)
    fmt = output_format(out, args.format, USAGE_FORMATS)
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
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            json_ready(requests).to_csv(out, index=False)
        elif fmt == "parquet":
            requests.to_parquet(out, index=False)
        else:
            requests.to_json(out, orient="records", lines=True, date_format="iso")
    except (OSError, ValueError) as exc:  # --out was fine before; something changed meanwhile
        say(
            f"dgdata usage: fetched {plural(len(requests), 'request')}, but writing "
            f"{_FORMAT_NAMES.get(fmt, fmt)} to {str(out)!r} failed ({one_line(exc)}); "
            "exit status 1."
        )
        return 1
    if not args.quiet:
        hours = float(requests["duration"].fillna(0).sum())
        usd = float(requests["usd"].fillna(0).sum())
        projects = requests["project_id"].nunique()
        say(
            f"dgdata usage: {plural(len(requests), 'request')} in "
            f"{plural(projects, 'project')}, {hours:,.2f} audio hours, ${usd:,.2f} USD; "
            f"wrote {_FORMAT_NAMES.get(fmt, fmt)} to {out}"
        )
    return 0


def _progress(quiet: bool) -> bool:
    """A progress bar unless ``--quiet``, and only on a terminal (no bar in logs)."""
    return not quiet and sys.stderr.isatty()


def _errors_table(failures: Any, folder: Path) -> str:
    """The failed files, relative to the folder, as an aligned table."""
    table = {
        "file": [_relative(path, folder) for path in failures["path"]],
        "error_type": failures["error_type"].fillna("").tolist(),
        "error": failures["error"].fillna("").tolist(),
    }
    return aligned_table(table, left=("file", "error_type", "error"))


def _relative(path: str, folder: Path) -> str:
    try:
        return str(Path(path).relative_to(folder))
    except ValueError:
        return str(path)


def _failures_hint(failures: Any) -> str:
    """What to check when files failed: the key (401), credit (402), the URL (no answer)."""
    statuses = set(failures["status"].dropna().astype(int))
    no_answer = failures["error_type"].isin(["DeepgramConnectionError", "DeepgramTimeoutError"])
    return request_hint(statuses=statuses, unreachable=bool(no_answer.any()))
