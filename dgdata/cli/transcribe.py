"""``dgdata transcribe``: a folder of recordings to Parquet, CSV, JSON Lines or captions.

Thin: :func:`dgdata.transcribe_folder` and the :class:`~dgdata.batch.BatchResult` writers do the
transcribing and writing. What is here is the command line's part: reading the arguments,
writing where ``--out`` says, and one summary line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dgdata.cli.common import (
    EXIT_STATUS,
    FOLDER_FORMATS,
    UsageError,
    add_client_options,
    add_command,
    aligned_table,
    audio_length,
    check_writable,
    client,
    format_name,
    make_folder,
    output_format,
    parse_options,
    plural,
    positive_int,
    request_hint,
    say,
    write_failed,
)

FORMATS = ("parquet", "csv", "jsonl", "srt", "vtt")

#: ``dgdata --help``'s line for the command, then its own help text.
SUMMARY = "transcribe a folder of recordings into Parquet, CSV, JSON Lines or captions"
DESCRIPTION = (
    "Transcribe every recording under DIR (dgdata.transcribe_folder: concurrent, "
    "cached, retried; a bad file becomes an error row, not a crash) and write the result. "
    "The key and URL come from DEEPGRAM_API_KEY / DEEPGRAM_API_URL or --api-key / --api-url."
)
EPILOG = (
    "examples:\n"
    "  dgdata transcribe calls/ --out calls.parquet --model nova-3 -j 16\n"
    "  dgdata transcribe calls/ --out calls.csv --option smart_format=true \\\n"
    "      --option keywords=refund:2 --option keywords=invoice\n"
    "  dgdata transcribe calls/ --out captions/ --format srt --pattern '**/*.wav'",
    EXIT_STATUS,
)


def _interrupted(args: argparse.Namespace) -> str:
    """What Ctrl+C leaves behind, for the line :func:`dgdata.cli.main.main` says."""
    return "" if args.no_cache else " (finished transcripts are cached: run it again to carry on)"


def run(args: argparse.Namespace) -> int:
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
    fmt = output_format(out, args.format, FORMATS)
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
        say(write_failed("transcribe", f"{plural(done, 'file')} transcribed", fmt, out, exc, kept))
        return 1
    seconds = float(result.transcripts["duration"].fillna(0).sum())
    if not args.quiet or len(failures):
        say(
            f"dgdata transcribe: {plural(done, 'file')} transcribed, {len(failures)} failed, "
            f"{seconds / 3600:.4g} audio hours ({audio_length(seconds)}); "
            f"wrote {format_name(fmt)} to {written}"
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
    check_writable(out, folder=fmt in FOLDER_FORMATS, what=format_name(fmt))


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


def add_parser(commands: Any) -> None:
    """Register ``dgdata transcribe``: its help, its options and :func:`run`."""
    parser = add_command(commands, "transcribe", run, SUMMARY, DESCRIPTION, EPILOG)
    parser.set_defaults(interrupted=_interrupted)
    parser.add_argument("folder", metavar="DIR", help="the folder of recordings")
    parser.add_argument(
        "-o",
        "--out",
        metavar="PATH",
        required=True,
        help="where to write: a file for csv and jsonl, a folder for parquet (transcripts/, "
        "words/, utterances/), srt and vtt (one caption file per recording)",
    )
    parser.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        help="output format (default: from the --out suffix: .parquet .csv .jsonl .srt .vtt)",
    )
    parser.add_argument(
        "--table",
        choices=["transcripts", "words", "utterances", "errors"],
        default="transcripts",
        help="with csv: which table to write (default: transcripts, one row per file; "
        "errors: the failed files only)",
    )
    parser.add_argument(
        "-m", "--model", metavar="MODEL", help="the model, e.g. nova-3 (same as --option model=M)"
    )
    parser.add_argument(
        "--option",
        metavar="KEY=VALUE",
        action="append",
        help="a /v1/listen option, repeatable: true/false become booleans, numbers numbers; "
        "a key given twice becomes a list (--option keywords=a:2 --option keywords=b)",
    )
    parser.add_argument(
        "--pattern",
        metavar="GLOB",
        default="**/*",
        help="which files under DIR (default: **/*, every file in every subfolder; hidden "
        "files and folders are skipped)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        metavar="N",
        type=positive_int,
        default=8,
        help="recordings in flight at once (default 8)",
    )
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="keep finished transcripts here, so a rerun sends only what is not done "
        "(default: ~/.cache/dgdata/transcripts, or $XDG_CACHE_HOME/dgdata/transcripts)",
    )
    cache.add_argument(
        "--no-cache", action="store_true", help="send every file, keep no transcripts"
    )
    add_client_options(parser)
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar and no summary line (failures are still reported); the bar is "
        "only shown on a terminal anyway",
    )
