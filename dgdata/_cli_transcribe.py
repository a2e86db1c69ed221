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

from dgdata._cli_common import (
    FOLDER_FORMATS,
    UsageError,
    aligned_table,
    audio_length,
    client,
    json_ready,
    output_format,
    parse_options,
    plural,
    say,
)

TRANSCRIBE_FORMATS = ("parquet", "csv", "jsonl", "srt", "vtt")
USAGE_FORMATS = ("csv", "parquet", "jsonl")
_FORMAT_NAMES = {"parquet": "Parquet", "csv": "CSV", "jsonl": "JSON Lines", "srt": "SRT"}


def transcribe(args: argparse.Namespace) -> int:
    """Run ``dgdata transcribe``: 0 when every file was transcribed, 1 when some failed."""
    from dgdata.batch import transcribe_folder

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
    dg = client(args)
    settings: dict[str, Any] = {"concurrency": args.jobs, "progress": _progress(args.quiet)}
    if args.no_cache:
        settings["cache_dir"] = None
    elif args.cache_dir:
        settings["cache_dir"] = args.cache_dir
    result = transcribe_folder(dg, folder, args.pattern, options, **settings)
    if not len(result.transcripts):
        raise UsageError(
            f"no files match {args.pattern!r} under {str(folder)!r}; nothing written "
            "(hidden files are skipped; see --pattern)"
        )
    written = write_batch(result, out, fmt, args.table)
    failures = result.errors
    done = len(result.transcripts) - len(failures)
    seconds = float(result.transcripts["duration"].fillna(0).sum())
    if not args.quiet or len(failures):
        say(
            f"dgdata transcribe: {plural(done, 'file')} transcribed, {len(failures)} failed, "
            f"{seconds / 3600:.4g} audio hours ({audio_length(seconds)}); "
            f"wrote {_FORMAT_NAMES.get(fmt, fmt.upper())} to {written}"
        )
    if len(failures):
        say(_errors_table(failures, folder))
        hint = _auth_hint(failures)
        say(
            f"dgdata transcribe: {plural(len(failures), 'file')} failed (listed above); "
            f"exit status 1.{hint}"
        )
        return 1
    return 0


def write_batch(result: Any, out: Path, fmt: str, table: str = "transcripts") -> str:
    """Write ``result`` as ``fmt`` at ``out``; returns where, for the summary line."""
    if fmt in FOLDER_FORMATS and out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(out)!r} is a file; {fmt} is written as a folder")
    if fmt not in FOLDER_FORMATS and out.is_dir():
        raise UsageError(f"--out {str(out)!r} is a folder; {fmt} is written to one file")
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
    """Run ``dgdata usage``: every request of a project (or all of them) to a file."""
    from dgdata.errors import DeepgramApiError

    out = Path(args.out)
    fmt = output_format(out, args.format, USAGE_FORMATS)
    if out.is_dir():
        raise UsageError(f"--out {str(out)!r} is a folder; usage is written to one file")
    dg = client(args)
    project = None if args.project == "all" else args.project
    try:
        requests = dg.usage.requests_frame(project, args.start, args.end)
    except DeepgramApiError as exc:
        say(f"dgdata usage: {exc}")
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        json_ready(requests).to_csv(out, index=False)
    elif fmt == "parquet":
        requests.to_parquet(out, index=False)
    else:
        requests.to_json(out, orient="records", lines=True, date_format="iso")
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


def _auth_hint(failures: Any) -> str:
    statuses = set(failures["status"].dropna().astype(int))
    if 401 in statuses:
        return " The API key was rejected (401): check DEEPGRAM_API_KEY / --api-key."
    if 402 in statuses:
        return " The project is out of credit (402)."
    return ""
