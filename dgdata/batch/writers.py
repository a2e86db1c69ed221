"""Files out of a :class:`~dgdata.batch.BatchResult`: Parquet datasets, CSV, JSON lines, captions.

The functions behind ``BatchResult.to_parquet`` / ``to_csv`` / ``to_jsonl`` / ``to_srt`` /
``to_webvtt``. Every file is written to a hidden temporary file in its own folder, flushed to
disk, then renamed over its final name (``os.replace``), so an export killed at any moment
leaves each file whole or absent, never half written. Text is UTF-8.

Parquet layout (``to_parquet``): one Hive-partitioned dataset per table, partitioned by default
on ``folder``, the recording's parent folder relative to the *parent* of the batch's root (so
the root's own name comes first: ``calls/a.wav`` is ``calls``, ``calls/day2/b.wav`` is
``calls/day2``; without a root, the deepest folder all the recordings share stands in)::

    out/transcripts/folder=calls/part-0.parquet
    out/transcripts/folder=calls%2Fday2/part-0.parquet
    out/words/folder=calls/part-0.parquet …

Example::

    >>> result = dgdata.transcribe_folder(dg, "calls/")
    >>> result.to_parquet("out")
    >>> pd.read_parquet("out/words", filters=[("folder", "==", "calls/day2")])
    >>> result.to_srt("captions")     # captions/a.srt, captions/day2/b.srt …
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from operator import methodcaller
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd

from dgdata._atomic import atomic_write as _atomic_write
from dgdata.transcript import Transcript

if TYPE_CHECKING:
    from dgdata.batch import BatchResult

__all__ = ["FOLDER", "PARQUET_TABLES", "to_captions", "to_csv", "to_jsonl", "to_parquet"]

logger = logging.getLogger(__name__)

#: The default partition column: the recording's folder (see the module docstring).
FOLDER = "folder"
#: The tables ``to_parquet`` can write, and ``to_csv``'s choices (plus ``errors``).
PARQUET_TABLES = ("transcripts", "words", "utterances")
_CSV_TABLES = (*PARQUET_TABLES, "errors")
_CAPTION_KINDS = ("srt", "vtt")
_PART = "part-0.parquet"


def to_parquet(
    result: BatchResult,
    directory: str | os.PathLike[str],
    *,
    partition_cols: Sequence[str] | None = None,
    tables: Sequence[str] = PARQUET_TABLES,
) -> Path:
    """Write each table as a Hive-partitioned Parquet dataset ``directory/<table>/``.

    ``partition_cols`` defaults to ``["folder"]``; ``[]`` writes one file per table; other
    columns must be in every table written, with no missing values. Reading a table back
    (``pd.read_parquet(directory / "words")``) gives the data columns with their dtypes
    (``Int64``, ``float64``, ``boolean``, ``string`` …) and the partition columns as
    ``category``. Every folder of the batch gets a file in every table, with no rows if need
    be, so an empty table (every file failed, no ``utterances=true``) still reads with its
    columns.

    Rewriting replaces, never duplicates: each top-level partition this result writes (every
    folder of the batch, with the default) is replaced whole, and partitions of other folders
    are kept, so batches of different folders can fill one dataset. Returns ``directory``.
    """
    names = [tables] if isinstance(tables, str) else list(tables)
    unknown = [name for name in names if name not in PARQUET_TABLES]
    if unknown:
        raise ValueError(f"unknown table(s) {unknown}: choose from {list(PARQUET_TABLES)}")
    if partition_cols is None:
        columns = [FOLDER]
    else:
        columns = [partition_cols] if isinstance(partition_cols, str) else list(partition_cols)
    folder_of = _folder_function(result)
    folders = sorted({folder_of(path) for path in result.transcripts["path"].astype(str)})
    frames_to_write = {}
    for name in names:  # every table is checked before anything is written
        frame = _table(result, name)
        if FOLDER in columns and FOLDER not in frame.columns:
            keys = frame["path" if name == "transcripts" else "source"].astype(str)
            frame = frame.assign(**{FOLDER: pd.array(keys.map(folder_of), dtype="string")})
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ValueError(f"table {name!r} has no column(s) {missing} to partition by")
        if gaps := [column for column in columns if frame[column].isna().any()]:
            # pyarrow cannot read null partitions next to others ("unify dictionaries")
            raise ValueError(f"table {name!r}: cannot partition on missing values of {gaps}")
        frames_to_write[name] = frame
    target = Path(directory)
    for name, frame in frames_to_write.items():
        _write_dataset(frame, target / name, columns, folders if columns[:1] == [FOLDER] else [])
    return target


def to_csv(
    result: BatchResult, path: str | os.PathLike[str], *, table: str = "transcripts"
) -> Path:
    """Write one table (``transcripts``, ``words``, ``utterances`` or ``errors``) as CSV.

    Missing values are empty fields. Parent folders are created. Returns the path.
    """
    if table not in _CSV_TABLES:
        raise ValueError(f"unknown table {table!r}: choose from {list(_CSV_TABLES)}")
    frame = _table(result, table)
    write = partial(frame.to_csv, index=False, lineterminator="\n")
    return _atomic_write(Path(path), write, text=True)


def to_jsonl(result: BatchResult, path: str | os.PathLike[str], *, responses: bool = True) -> Path:
    """Write one JSON object per file: its transcripts row, then ``response``.

    Missing values are ``null`` and numbers stay numbers. ``response`` is the whole Deepgram
    answer for a transcribed file and ``null`` for a failed one; ``responses=False`` leaves
    the key out. Returns the path.
    """
    rows = result.transcripts

    def write(handle: IO[Any]) -> None:
        for record in rows.to_dict("records"):
            line = {str(key): _json_value(value) for key, value in record.items()}
            if responses:
                failed = line.get("error") is not None
                line["response"] = None if failed else result.responses.get(str(line["path"]))
            handle.write(json.dumps(line, ensure_ascii=False, allow_nan=False) + "\n")

    return _atomic_write(Path(path), write, text=True)


def to_captions(
    result: BatchResult, directory: str | os.PathLike[str], kind: str, **caption_options: Any
) -> list[Path]:
    """Write one ``.srt`` or ``.vtt`` (``kind``) caption file per transcribed recording.

    The layout below ``result.root`` is mirrored (``root/day2/a.wav`` gives
    ``directory/day2/a.srt``); without a root the files are named after the recordings. Names
    that would clash (two ``a.wav`` in different folders, ``a.wav`` and ``a.mp3``) get ``-2``,
    ``-3`` … in the order of the transcripts table. Failed files are skipped (they are in
    ``result.errors``); a transcript without words gives a caption file without cues.
    ``caption_options`` go to :meth:`Transcript.to_srt` / :meth:`~Transcript.to_webvtt`
    (``line_length``). Returns the paths written, in the order of the transcripts table.
    """
    if kind not in _CAPTION_KINDS:
        raise ValueError(f"unknown caption kind {kind!r}: choose from {list(_CAPTION_KINDS)}")
    done = result.transcripts.loc[result.transcripts["error"].isna(), "path"].astype(str)
    paths = [path for path in done if path in result.responses]
    written = []
    for path, name in zip(paths, _caption_names(paths, result.root, kind), strict=True):
        text = _caption_text(result.responses[path], kind, path, caption_options)
        target = Path(directory) / name
        written.append(_atomic_write(target, methodcaller("write", text), text=True))
    logger.debug("wrote %d %s files to %s", len(written), kind, directory)
    return written


# ----------------------------------------------------------------------------- tables


def _table(result: BatchResult, name: str) -> pd.DataFrame:
    if name == "transcripts":
        return result.transcripts
    if name == "errors":
        return result.errors
    frame: pd.DataFrame = getattr(result, name)
    return frame


def _folder_function(result: BatchResult) -> Callable[[str], str]:
    """path -> its ``folder``: its parent relative to the parent of the root."""
    anchor: Path | None = None
    if result.root is not None:
        anchor = Path(os.path.abspath(result.root)).parent
    else:
        parents = {os.path.dirname(os.path.abspath(p)) for p in result.transcripts["path"]}
        try:
            anchor = Path(os.path.commonpath(sorted(parents))).parent
        except ValueError:  # no paths, or nothing in common (drives on Windows)
            anchor = None

    def folder_of(path: str) -> str:
        parent = Path(os.path.abspath(path)).parent
        if anchor is not None and parent.is_relative_to(anchor):
            return parent.relative_to(anchor).as_posix()
        return parent.as_posix()

    return folder_of


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ----------------------------------------------------------------------------- parquet


def _write_dataset(
    frame: pd.DataFrame, table_dir: Path, columns: list[str], top_values: Iterable[str]
) -> None:
    """Write ``frame`` partitioned on ``columns``; replace the top-level partitions it touches."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = frame.drop(columns=columns)
    schema = pa.Schema.from_pandas(data, preserve_index=False)
    files: dict[Path, pd.DataFrame] = {}
    if columns:
        for key, group in frame.groupby(columns, sort=False, dropna=False):
            keys = key if isinstance(key, tuple) else (key,)
            parts = [
                f"{column}={_segment(value)}" for column, value in zip(columns, keys, strict=True)
            ]
            files[table_dir.joinpath(*parts, _PART)] = group.drop(columns=columns)
        tops = {path.relative_to(table_dir).parts[0] for path in files}
        for value in top_values:  # a folder without rows still replaces, and keeps the schema
            top = f"{columns[0]}={_segment(value)}"
            if top not in tops:
                tops.add(top)
                files[table_dir / top / _PART] = data.iloc[0:0]
        old = {p for top in tops for p in _parquet_files(table_dir / top)}
        old |= set(_parquet_files(table_dir, recursive=False))  # an earlier unpartitioned write
    else:
        files[table_dir / _PART] = data
        old = set(_parquet_files(table_dir))
    if not files:  # nothing to partition: one file without rows keeps the dataset readable
        files[table_dir / _PART] = data.iloc[0:0]
    for path, part in files.items():
        table = pa.Table.from_pandas(part, schema=schema, preserve_index=False)
        _atomic_write(path, partial(pq.write_table, table), text=False)
    for stale in old - set(files):
        stale.unlink(missing_ok=True)
    _remove_empty_dirs(table_dir)
    logger.debug("wrote %d rows in %d files to %s", len(frame), len(files), table_dir)


def _segment(value: Any) -> str:
    """A Hive partition value, URI-encoded as pyarrow reads it (``/`` is ``%2F``)."""
    return quote(str(value), safe="")


def _parquet_files(directory: Path, *, recursive: bool = True) -> list[Path]:
    """The data files readers see (pyarrow skips names starting with ``.`` or ``_``)."""
    if not directory.is_dir():
        return []
    found = directory.rglob("*.parquet") if recursive else directory.glob("*.parquet")
    return [
        path
        for path in found
        if path.is_file() and not any(part[0] in "._" for part in path.relative_to(directory).parts)
    ]


def _remove_empty_dirs(directory: Path) -> None:
    for sub in sorted(directory.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()


# ----------------------------------------------------------------------------- captions


def _caption_names(paths: list[str], root: Path | None, kind: str) -> list[Path]:
    """Relative caption paths, one per recording, never two the same (case-blind)."""
    names, used = [], set()
    base = None if root is None else Path(os.path.abspath(root))
    for path in paths:
        source = Path(os.path.abspath(path))
        if base is not None and source.is_relative_to(base):
            name = source.relative_to(base).with_suffix(f".{kind}")
        else:
            name = Path(f"{source.stem}.{kind}")
        unique, number = name, 2
        while unique.as_posix().casefold() in used:
            unique, number = name.with_name(f"{name.stem}-{number}.{kind}"), number + 1
        used.add(unique.as_posix().casefold())
        names.append(unique)
    return names


def _caption_text(response: dict[str, Any], kind: str, path: str, options: Any) -> str:
    transcript = Transcript(response)
    try:
        return transcript.to_srt(**options) if kind == "srt" else transcript.to_webvtt(**options)
    except ValueError as error:
        if not transcript.text.strip():  # silence: a valid file without cues
            return "" if kind == "srt" else "WEBVTT\n"
        raise ValueError(f"{path}: {error}") from error


# ----------------------------------------------------------------------------- files
